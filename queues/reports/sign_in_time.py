"""Agents' signed-in and break time over a range, replayed from the router's membership
and pause events (ADDMEMBER, REMOVEMEMBER, PAUSE, UNPAUSE): a few per agent per shift, so
they are read in time order and walked here rather than summed in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from routing.events import EventName

# Plain strings: a month holds tens of thousands of these events, walked one by one.
ADD, REMOVE = EventName.ADDMEMBER.value, EventName.REMOVEMEMBER.value
PAUSE, UNPAUSE = EventName.PAUSE.value, EventName.UNPAUSE.value
PRESENCE_EVENTS = (ADD, REMOVE, PAUSE, UNPAUSE)
# How far before the range an agent's state is looked for: one who signed in longer ago
# and did nothing since counts from their first event in the range.
LOOKBACK = timedelta(days=1)


@dataclass
class Presence:
    """One agent walked through time: which queues they are a member of, and paused or not."""

    signed_in_ms: int = 0
    break_ms: int = 0
    queues: set[str] = field(default_factory=set)
    paused: bool = False
    since: datetime | None = None

    def _count(self, until: datetime, start: datetime, end: datetime) -> None:
        if self.since is not None and self.queues:
            lo, hi = max(self.since, start), min(until, end)
            if hi > lo:
                ms = int((hi - lo) / timedelta(milliseconds=1))
                self.signed_in_ms += ms
                if self.paused:
                    self.break_ms += ms
        self.since = until

    def step(self, name: str, queue: str, at: datetime, start: datetime, end: datetime) -> None:
        self._count(at, start, end)
        if name == ADD:
            if not self.queues:
                self.paused = False  # a sign-in makes the agent ready
            self.queues.add(queue)
        elif name == REMOVE:
            self.queues.discard(queue)
            if not self.queues:
                self.paused = False  # signed out: the break ends with the shift
        elif name == PAUSE:
            self.paused = True
        elif name == UNPAUSE:
            self.paused = False


def presence_by_agent(
    events: Iterable[tuple[str, str, str, datetime]], start: datetime, end: datetime
) -> dict[str, Presence]:
    """(agent, name, queue, at) in time order → each agent's signed-in and break time inside
    [start, end); an agent still signed in at `end` counts up to it."""
    agents: dict[str, Presence] = {}
    for agent, name, queue, at in events:
        agents.setdefault(agent, Presence()).step(name, queue, at, start, end)
    for presence in agents.values():
        presence._count(end, start, end)
    return agents
