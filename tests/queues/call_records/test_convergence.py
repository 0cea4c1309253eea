"""One record per call whatever order the call-end webhook and the router's events arrive in."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records import cdr
from queues.call_records.merge import record_call
from queues.call_records.outcome import CallOutcome, EndCause
from queues.call_records.router_events import consume, consumed
from routing.events import EventName
from tests.queues.call_records.cdr_samples import (
    CONSUMED_AT,
    Ev,
    abandoned_while_ringing,
    answered_call,
    apply,
    at,
    call_end,
    snapshot,
)


async def _record(sessionmaker: async_sessionmaker[AsyncSession], sid: str) -> cdr.CallRecord:
    async with sessionmaker() as session:
        record = await cdr.get(session, sid)
    assert record is not None
    return record


async def test_answered_call_events_first_or_end_first_give_the_same_row(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    events_first = [e.event("CA-1") for e in answered_call()] + [call_end("CA-1", "answered")]
    end_first = [call_end("CA-2", "answered")] + [e.event("CA-2") for e in answered_call()]
    await apply(sessionmaker, events_first)
    await apply(sessionmaker, end_first)
    one, two = await _record(sessionmaker, "CA-1"), await _record(sessionmaker, "CA-2")
    assert snapshot(one) == snapshot(two)
    assert (one.outcome, one.end_cause, one.queue, one.agent_id, one.agent_grade) == (
        "answered",
        "",
        "fault",
        "a2",
        3,
    )
    assert (one.arrived_at, one.queued_at, one.offered_at, one.answered_at) == (
        at(0),
        at(10_000),
        at(12_000),
        at(40_000),
    )
    assert (one.offers, one.wait_s, one.talk_s, one.completed_by) == (2, 30, 95, "caller")
    assert (one.hotline_id, one.path, one.ended_at, one.duration_s) == (
        "95598",
        "1 故障报修 > 1 停电",
        at(140_000),
        140,
    )


async def test_any_interleaving_converges(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Consumers in several processes may apply a call's events in any order."""
    rng = random.Random(4)
    snapshots = []
    for n in range(12):
        sid = f"CA-perm-{n}"
        steps = [e.event(sid) for e in answered_call()] + [call_end(sid, "answered")]
        rng.shuffle(steps)
        await apply(sessionmaker, steps)
        snapshots.append(snapshot(await _record(sessionmaker, sid)))
    assert all(s == snapshots[0] for s in snapshots)


async def test_abandoned_while_ringing_in_both_orders(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    for sid, end_first in (("CA-r1", False), ("CA-r2", True)):
        events = [e.event(sid) for e in abandoned_while_ringing()]
        end = call_end(sid, "abandoned", ended_ms=14_500)
        await apply(sessionmaker, [end, *events] if end_first else [*events, end])
        record = await _record(sessionmaker, sid)
        assert (record.outcome, record.end_cause) == (
            CallOutcome.ABANDONED,
            EndCause.WHILE_RINGING,
        )
        assert (record.offers, record.wait_s, record.answered_at, record.agent_id) == (
            1,
            9,
            None,
            "",
        )


async def test_partial_knowledge_reads_sensibly(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Before the webhook: the router's view; before the events: the webhook's view."""
    queued = Ev(0, EventName.ENTERQUEUE, 5_000, data=(("arrived", "0"),)).event("CA-p1")
    await apply(sessionmaker, [queued])
    record = await _record(sessionmaker, "CA-p1")
    assert (record.outcome, record.queue, record.hotline_id) == ("", "fault", "")
    await apply(sessionmaker, [call_end("CA-p2", "abandoned", ended_ms=20_000)])
    record = await _record(sessionmaker, "CA-p2")
    assert (record.outcome, record.end_cause) == ("abandoned", "in_queue")


async def test_menu_hangup_timeout_voicemail_and_queue_full(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    timeout = [
        Ev(0, EventName.ENTERQUEUE, 5_000),
        Ev(1, EventName.EXITWITHTIMEOUT, 305_000, data=(("wait_ms", "300000"),)),
    ]
    await apply(
        sessionmaker,
        [
            call_end("CA-menu", "completed", ended_ms=8_000),
            *(e.event("CA-vm") for e in timeout),
            call_end("CA-vm", "voicemail", ended_ms=340_000),
            *(e.event("CA-to") for e in timeout),
            call_end("CA-to", "overflow-hangup", ended_ms=310_000),
            Ev(0, EventName.FULL, 5_000).event("CA-full"),
            call_end("CA-full", "queue-full", ended_ms=9_000),
        ],
    )
    outcomes = {}
    for sid in ("CA-menu", "CA-vm", "CA-to", "CA-full"):
        record = await _record(sessionmaker, sid)
        outcomes[sid] = (record.outcome, record.end_cause)
    assert outcomes == {
        "CA-menu": ("abandoned", "in_menu"),
        "CA-vm": ("voicemail", "max_wait"),
        "CA-to": ("timeout", "max_wait"),
        "CA-full": ("queue-full", "queue_full"),
    }


async def test_an_event_counts_once_and_a_retried_webhook_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    events = [e.event("CA-d") for e in answered_call()]
    await apply(sessionmaker, [*events, call_end("CA-d", "answered")])
    before = snapshot(await _record(sessionmaker, "CA-d"))
    async with sessionmaker() as session, session.begin():
        again = [await consume(session, event, now=CONSUMED_AT) for event in events]
        later = call_end("CA-d", "completed", ended_ms=150_000)
        created = await record_call(session, later)
    assert again == [False] * len(events)
    assert created is False
    assert snapshot(await _record(sessionmaker, "CA-d")) == before
    async with sessionmaker() as session:
        rows = await consumed(session, "CA-d")
    assert [row.name for row in rows] == [e.name.value for e in events]


async def test_concurrent_writers_of_one_call_lose_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Each writer locks the row; on PostgreSQL they really run at once."""
    sid = "CA-c"
    steps = [e.event(sid) for e in answered_call()] + [call_end(sid, "answered")]
    await asyncio.gather(*(apply(sessionmaker, [step]) for step in steps))
    record = await _record(sessionmaker, sid)
    assert (record.offers, record.outcome, record.agent_id, record.hotline_id) == (
        2,
        "answered",
        "a2",
        "95598",
    )
    await apply(sessionmaker, [call_end("CA-ref", "answered")])
    await apply(sessionmaker, [e.event("CA-ref") for e in answered_call()])
    assert snapshot(record) == snapshot(await _record(sessionmaker, "CA-ref"))
