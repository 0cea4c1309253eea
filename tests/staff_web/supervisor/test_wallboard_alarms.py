"""Wallboard alarms: which the targets call for, and the Lua script that raises and clears
each once however many server processes judge the same figures (fake and real Redis)."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
import redis.asyncio as aioredis

from queues.catalogue import TargetsSpec
from routing.keys import Keys
from staff_web.supervisor.wallboard_alarms import (
    LONGEST_WAIT,
    MIN_OFFERED_FOR_SERVICE_LEVEL,
    SERVICE_LEVEL,
    WAITING,
    AlarmBook,
    AlarmSettler,
    judge,
    source,
)
from staff_web.supervisor.wallboard_snapshot import Alarm, QueueBoard, Snapshot, Totals

pytestmark = pytest.mark.timeout(30)


def board(**facts: object) -> QueueBoard:
    values: dict[str, object] = {
        "queue": "fault",
        "names": {"zh": "故障报修"},
        "waiting": 0,
        "longest_wait_s": 0,
        "offered": 20,
        "answered": 20,
        "abandoned": 0,
        "short_abandons": 0,
        "service_level": 95.0,
        "threshold_s": 20,
        "goal_pct": 80,
        "asa_s": 5.0,
        "aht_s": 60.0,
    }
    return QueueBoard(**(values | facts))  # type: ignore[arg-type]


def test_a_quiet_queue_has_no_alarm() -> None:
    assert judge(board(), TargetsSpec()) == []


def test_each_threshold_raises_its_alarm() -> None:
    targets = TargetsSpec(alarm_service_level_pct=80, alarm_longest_wait_s=60, alarm_waiting=10)
    found = judge(board(service_level=79.9, longest_wait_s=61, waiting=11), targets)
    assert found == [
        Alarm("fault", SERVICE_LEVEL, 79.9, 80),
        Alarm("fault", LONGEST_WAIT, 61, 60),
        Alarm("fault", WAITING, 11, 10),
    ]
    # At the threshold itself nothing is raised: "below" and "above" are strict.
    assert judge(board(service_level=80.0, longest_wait_s=60, waiting=10), targets) == []


def test_service_level_waits_for_enough_calls_and_zero_turns_alarms_off() -> None:
    few = board(offered=MIN_OFFERED_FOR_SERVICE_LEVEL - 1, service_level=0.0)
    assert judge(few, TargetsSpec()) == []
    enough = board(offered=MIN_OFFERED_FOR_SERVICE_LEVEL, service_level=0.0)
    assert [a.kind for a in judge(enough, TargetsSpec())] == [SERVICE_LEVEL]
    off = TargetsSpec(alarm_service_level_pct=0, alarm_longest_wait_s=0, alarm_waiting=0)
    assert judge(board(service_level=0.0, longest_wait_s=9999, waiting=999), off) == []


def test_the_script_has_its_header() -> None:
    text = source()
    for part in ("KEYS[1]", "KEYS[2]", "ARGV[1]", "Returns"):
        assert part in text.split("\nlocal ")[0]


async def stream(redis: aioredis.Redis, keys: Keys) -> list[dict[str, str]]:
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.alarm_events()))
    return [fields for _id, fields in entries]


async def test_raised_once_and_cleared_once_across_two_callers(
    redis: aioredis.Redis, keys: Keys
) -> None:
    first, second = AlarmBook(redis, keys), AlarmBook(redis, keys)
    waiting = [Alarm("fault", WAITING, 12, 10)]
    made = await asyncio.gather(
        first.settle("fault", waiting, 1_000), second.settle("fault", waiting, 1_000)
    )
    assert sorted(len(m) for m in made) == [0, 1]  # exactly one of them raised it
    assert await second.settle("fault", waiting, 2_000) == []
    both = [*waiting, Alarm("fault", LONGEST_WAIT, 75, 60)]
    assert [c.kind for c in await first.settle("fault", both, 3_000)] == [LONGEST_WAIT]
    assert await first.in_force() == {"fault": [LONGEST_WAIT, WAITING]}
    cleared = await asyncio.gather(
        first.settle("fault", [], 4_000), second.settle("fault", [], 4_000)
    )
    assert sorted(len(m) for m in cleared) == [0, 2]
    assert await first.in_force() == {}
    assert await stream(redis, keys) == [
        {"queue": "fault", "alarm": WAITING, "state": "raised", "value": "12",
         "threshold": "10", "t": "1000"},
        {"queue": "fault", "alarm": LONGEST_WAIT, "state": "raised", "value": "75",
         "threshold": "60", "t": "3000"},
        {"queue": "fault", "alarm": LONGEST_WAIT, "state": "cleared", "t": "4000"},
        {"queue": "fault", "alarm": WAITING, "state": "cleared", "t": "4000"},
    ]  # fmt: skip
    # The router's event stream is left alone (its SQL sink would set these aside).
    assert await redis.xlen(keys.events()) == 0


async def test_many_callers_at_once_raise_it_exactly_once(
    redis: aioredis.Redis, keys: Keys
) -> None:
    books = [AlarmBook(redis, keys) for _ in range(8)]
    alarm = [Alarm("vip", SERVICE_LEVEL, 61.5, 80)]
    made = await asyncio.gather(*(book.settle("vip", alarm, 5) for book in books))
    assert sum(len(m) for m in made) == 1
    [entry] = await stream(redis, keys)
    assert entry["value"] == "61.5"


def snapshot(queues: list[str], alarms: list[Alarm], at_ms: int) -> Snapshot:
    totals = Totals(0, 0, 0, 0, 0, 0, None, {})
    return Snapshot(
        "0-0", at_ms, "2026-11-25", [board(queue=q) for q in queues], [], totals, alarms
    )


async def test_the_settler_clears_a_queue_the_config_lost(
    redis: aioredis.Redis, keys: Keys
) -> None:
    now = [0.0]
    settler = AlarmSettler(AlarmBook(redis, keys), resettle_s=10, clock=lambda: now[0])
    await settler(snapshot(["fault", "old"], [Alarm("old", WAITING, 11, 10)], 1))
    assert await AlarmBook(redis, keys).in_force() == {"old": [WAITING]}
    now[0] = 1.0
    await settler(snapshot(["fault"], [], 2))  # "old" left the config: not yet re-read
    assert await AlarmBook(redis, keys).in_force() == {"old": [WAITING]}
    now[0] = 11.0
    await settler(snapshot(["fault"], [], 3))
    assert await AlarmBook(redis, keys).in_force() == {}
    assert [(c.queue, c.state) for c in settler.changes] == [("old", "raised"), ("old", "cleared")]
