"""Wallboard alarms: which are in force for a queue (pure), and raising or clearing them
once across server processes (one Lua script keeps each queue's alarms in Redis and adds
an entry to the alarm stream only when they change)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from queues.catalogue import TargetsSpec
from routing.keys import Keys
from staff_web.supervisor.wallboard_snapshot import Alarm, QueueBoard, Snapshot

log = logging.getLogger(__name__)

#: The service-level alarm waits for this many calls offered today: at 09:01 one call
#: answered in 25 s is 0 %, which says nothing about the floor yet.
MIN_OFFERED_FOR_SERVICE_LEVEL = 5
#: The alarm stream keeps about this many entries (raises and clears are rare).
STREAM_KEEP = 10_000

SERVICE_LEVEL, LONGEST_WAIT, WAITING = "service_level", "longest_wait", "waiting"


def judge(board: QueueBoard, targets: TargetsSpec) -> list[Alarm]:
    """The alarms `board` calls for under `targets` (a threshold of 0 is off)."""
    found = []
    level = board.service_level
    if (
        targets.alarm_service_level_pct
        and level is not None
        and board.offered >= MIN_OFFERED_FOR_SERVICE_LEVEL
        and level < targets.alarm_service_level_pct
    ):
        found.append(Alarm(board.queue, SERVICE_LEVEL, level, targets.alarm_service_level_pct))
    if targets.alarm_longest_wait_s and board.longest_wait_s > targets.alarm_longest_wait_s:
        found.append(
            Alarm(board.queue, LONGEST_WAIT, board.longest_wait_s, targets.alarm_longest_wait_s)
        )
    if targets.alarm_waiting and board.waiting > targets.alarm_waiting:
        found.append(Alarm(board.queue, WAITING, board.waiting, targets.alarm_waiting))
    return found


@cache
def source() -> str:
    return resources.files(__package__).joinpath("queue_alarm.lua").read_text("utf-8")


@dataclass(frozen=True, slots=True)
class AlarmChange:
    """One alarm raised or cleared by this caller (no other caller saw the same change)."""

    queue: str
    kind: str
    state: str  # "raised" | "cleared"


class AlarmBook:
    """Each queue's alarms in Redis (`Keys.queue_alarms`), changes to `Keys.alarm_events`."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._keys = keys
        self._script: AsyncScript = redis.register_script(source())
        self._redis = redis

    async def settle(self, queue: str, alarms: list[Alarm], now_ms: int) -> list[AlarmChange]:
        """Make `alarms` the queue's alarms in force; the changes this call made."""
        argv: list[str | int | float] = [queue, now_ms, STREAM_KEEP]
        for alarm in alarms:
            argv += [alarm.kind, _number(alarm.value), _number(alarm.threshold)]
        keys = [self._keys.queue_alarms(), self._keys.alarm_events()]
        flat = cast(list[str], await self._script(keys=keys, args=argv))
        return [AlarmChange(queue, flat[i + 1], flat[i]) for i in range(0, len(flat), 2)]

    async def in_force(self) -> dict[str, list[str]]:
        """Queue → the alarm kinds raised now, as Redis holds them."""
        raw = cast(dict[str, str], await self._redis.hgetall(self._keys.queue_alarms()))
        return {queue: kinds.split() for queue, kinds in raw.items()}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


#: A process settles a queue's alarms when its own view of them changes, and again this
#: often, so a raise another process missed (or a Redis restart lost) is put right.
RESETTLE_S = 10.0


class AlarmSettler:
    """After each board of this process: settle the queues whose alarms it sees changed."""

    def __init__(
        self, book: AlarmBook, *, resettle_s: float = RESETTLE_S, clock: Callable[[], float]
    ) -> None:
        self._book, self._resettle_s, self._clock = book, resettle_s, clock
        self._seen: dict[str, tuple[str, ...]] = {}
        self._settled_at = float("-inf")
        self.changes: list[AlarmChange] = []  # the last few this process made, newest last

    async def __call__(self, snapshot: Snapshot) -> None:
        now = self._clock()
        everything = now - self._settled_at >= self._resettle_s
        by_queue: dict[str, list[Alarm]] = {q.queue: [] for q in snapshot.queues}
        for alarm in snapshot.alarms:
            by_queue.setdefault(alarm.queue, []).append(alarm)
        if everything:  # queues no longer configured lose their alarms too
            for queue in await self._book.in_force():
                by_queue.setdefault(queue, [])
            self._settled_at = now
        for queue, alarms in by_queue.items():
            kinds = tuple(sorted(a.kind for a in alarms))
            if everything or self._seen.get(queue) != kinds:
                made = await self._book.settle(queue, alarms, snapshot.built_at_ms)
                self.changes = [*self.changes, *made][-50:]
                for change in made:
                    log.warning("wallboard alarm %s: %s %s", change.state, queue, change.kind)
            self._seen[queue] = kinds
