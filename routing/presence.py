"""Agent presence: the states an agent moves through and a snapshot of one agent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from routing.grades import Grade
from routing.offer import Offer


class AgentState(StrEnum):
    """Where an agent is; `ready` agents in back-off are not offered calls until it ends."""

    OFFLINE = "offline"
    READY = "ready"
    RESERVED = "reserved"  # an offer is ringing
    BUSY = "busy"  # on a call
    WRAP_UP = "wrap_up"  # after-call work, until its timer ends or the agent is ready
    BREAK = "break"  # paused, with a reason (lunch, training, no_answer...)


class PresenceChange(StrEnum):
    """The result of asking for a presence change."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    UNKNOWN = "unknown"  # never logged in, or offline and asked to be ready
    BUSY = "busy"  # ready was asked while on a call or an offer


@dataclass(frozen=True, slots=True)
class PresenceOutcome:
    """The result of a presence change, with the offers it made possible."""

    change: PresenceChange
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """One agent as the router sees it at one instant."""

    agent_id: str
    state: AgentState
    reason: str = ""
    since_ms: int = 0
    skills: Mapping[str, Grade] = field(default_factory=dict)
    calls: int = 0
    talk_ms: int = 0
    backoff_until_ms: int = 0
    no_answer: int = 0
    wrap_until_ms: int = 0
    call_id: str = ""
    token: int = 0  # of the offer or connection `call_id` is held by

    def in_back_off(self, now_ms: int) -> bool:
        return self.state is AgentState.READY and self.backoff_until_ms > now_ms

    @classmethod
    def from_redis(
        cls, agent_id: str, fields: Mapping[str, str], skills: Mapping[str, str]
    ) -> AgentSnapshot:
        def number(name: str) -> int:
            return int(fields.get(name) or 0)

        return cls(
            agent_id=agent_id,
            state=AgentState(fields.get("st", AgentState.OFFLINE)),
            reason=fields.get("rsn", ""),
            since_ms=number("since"),
            skills={queue: Grade(int(grade)) for queue, grade in skills.items()},
            calls=number("calls"),
            talk_ms=number("talk"),
            backoff_until_ms=number("bo"),
            no_answer=number("na"),
            wrap_until_ms=number("wu"),
            call_id=fields.get("call", ""),
            token=number("tok"),
        )
