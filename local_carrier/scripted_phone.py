"""A scripted phone for tests and outside lines: answers, rejects or ignores each ring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .phones import DialLeg


@dataclass(frozen=True, slots=True)
class Answer:
    """Pick up `after` seconds of ringing; hang up after `talk` seconds of conversation
    (None: stay until the caller hangs up)."""

    after: float = 2.0
    talk: float | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """Decline the call `after` seconds of ringing (the Dial reports busy)."""

    after: float = 1.0


@dataclass(frozen=True, slots=True)
class Ignore:
    """Let it ring until the Dial gives up (no-answer)."""


Behaviour = Answer | Reject | Ignore


@dataclass(frozen=True, slots=True)
class PhoneEvent:
    """Something the phone saw: `ring`, `connected` or `hung_up` (with who ended it)."""

    kind: str
    call_sid: str
    at: float
    detail: str = ""


class ScriptedAgent:
    """An agent phone that follows `behaviour` for each ring (a list: one per ring, the last
    repeating) and records what happened."""

    def __init__(self, identity: str, behaviour: Behaviour | Sequence[Behaviour]) -> None:
        self.identity = identity
        self._script: list[Behaviour] = (
            [behaviour] if isinstance(behaviour, Answer | Reject | Ignore) else list(behaviour)
        )
        if not self._script:
            raise ValueError("behaviour: at least one")
        self._current: dict[str, Behaviour] = {}
        self.events: list[PhoneEvent] = []

    def _next(self) -> Behaviour:
        return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    @property
    def history(self) -> list[str]:
        """The events as `kind` or `kind:detail`, in order."""
        return [f"{e.kind}:{e.detail}" if e.detail else e.kind for e in self.events]

    def legs(self) -> list[str]:
        """The CallSids of every leg that rang this phone."""
        return [e.call_sid for e in self.events if e.kind == "ring"]

    async def ring(self, leg: DialLeg) -> None:
        behaviour = self._current[leg.sid] = self._next()
        self.events.append(PhoneEvent("ring", leg.sid, leg.clock.now(), leg.from_))
        if isinstance(behaviour, Answer):
            leg.answer(after=behaviour.after)
        elif isinstance(behaviour, Reject):
            leg.reject(after=behaviour.after)

    async def connected(self, leg: DialLeg) -> None:
        self.events.append(PhoneEvent("connected", leg.sid, leg.clock.now()))
        behaviour = self._current.get(leg.sid)
        if isinstance(behaviour, Answer) and behaviour.talk is not None:
            leg.hang_up(after=behaviour.talk)

    async def hung_up(self, leg: DialLeg, by: str) -> None:
        self._current.pop(leg.sid, None)
        self.events.append(PhoneEvent("hung_up", leg.sid, leg.clock.now(), by))


def outside_line(
    *, answer_after: float = 6.0, talk: float = 120.0, busy: bool = False
) -> ScriptedAgent:
    """A party on the public network for `<Number>` transfers: answers after a ring and hangs
    up after `talk` seconds, or is busy."""
    return ScriptedAgent("outside", Reject(after=1.0) if busy else Answer(answer_after, talk))
