"""What one wallboard screen shows at one instant: queues, agents, totals and alarms, as
typed values that become the JSON the page reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm in force: `kind` service_level (below), longest_wait or waiting (above)."""

    queue: str
    kind: str
    value: float
    threshold: float


@dataclass(frozen=True, slots=True)
class QueueBoard:
    """One queue now: live waits from the router, today's figures from the call records."""

    queue: str
    names: dict[str, str]  # language → display name
    waiting: int
    longest_wait_s: int
    offered: int
    answered: int
    abandoned: int
    short_abandons: int
    service_level: float | None  # % answered within threshold_s, of those offered
    threshold_s: int
    goal_pct: int
    asa_s: float | None
    aht_s: float | None
    agents_by_state: dict[str, int] = field(default_factory=dict)  # signed-in agents only
    agents_by_grade: dict[str, int] = field(default_factory=dict)  # "1".."4" → signed in
    alarms: list[str] = field(default_factory=list)  # kinds in force


@dataclass(frozen=True, slots=True)
class AgentBoard:
    """One agent now: the router's state, and its calls today from the call records."""

    agent_id: str
    name: str
    state: str
    reason: str  # break reason, or what the state waits on (wrap-up, ringing call...)
    in_state_s: int
    skills: dict[str, int]  # queue → grade 1-4
    calls_today: int
    talk_s_today: int


@dataclass(frozen=True, slots=True)
class Totals:
    """Every queue together."""

    waiting: int
    longest_wait_s: int
    offered: int
    answered: int
    abandoned: int
    short_abandons: int
    service_level: float | None
    agents_by_state: dict[str, int]


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One interval of a queue's day: its start (epoch ms), service level, calls waiting."""

    t: int
    service_level: float | None
    waiting: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole board. `event_id` is the newest router event it reflects ("0-0" none),
    `built_at_ms` when it was built (the server's clock): their gap is the board's lag."""

    event_id: str
    built_at_ms: int
    day: str
    queues: list[QueueBoard]
    agents: list[AgentBoard]
    totals: Totals
    alarms: list[Alarm]
    curves: dict[str, list[CurvePoint]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
