"""Merging facts into a call's record so that the call-end webhook and the router's events
converge on one row whatever order they are written in.

Each writer first inserts a skeleton row (no-op when it exists), then locks the row, merges
its facts by rules that commute, and re-derives the outcome:
- the router's facts win where both know a value (answered, agent, grade, wait, talk);
  the webhook only fills what is still unknown, so a retried webhook changes nothing;
- among router events, times take the earliest (queued, first offer), offers add up (each
  event is applied once: call_records/router_events.py), and "the latest" (queue, queue
  exit) goes by stream id, which is the router's own total order;
- webhook-only facts (hotline, caller, path, ended) keep their first delivery;
- a call Redis forgot while it talked gets no COMPLETE: its callbacks bring the talk time
  and who hung up (filled only while unknown), and its work order the path and queue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records.cdr import CallRecord
from queues.call_records.outcome import derive
from queues.voicemails import Voicemail
from queues.work_orders.intake import by_call_sid
from routing.events import EventName, RouterEvent

SKELETON: dict[str, Any] = {
    "hotline_id": "",
    "config_version": 0,
    "caller": "",
    "dialled": "",
    "vip_class": "",
    "path": "",
    "queue": "",
    "outcome": "",
    "duration_s": 0,
    "ivr_outcome": "",
    "end_cause": "",
    "offers": 0,
    "agent_id": "",
    "queue_exit": "",
    "queue_exit_id": "",
    "queue_event_id": "",
    "completed_by": "",
    "work_order": "",
}

# Events by which a call leaves its queue (answered, gave up, sent away); the latest counts.
QUEUE_EXITS = frozenset(
    {
        EventName.CONNECT,
        EventName.ABANDON,
        EventName.EXITWITHTIMEOUT,
        EventName.EXITWITHKEY,
        EventName.EXITEMPTY,
        EventName.JOINEMPTY,
        EventName.FULL,
    }
)
COMPLETIONS = {EventName.COMPLETECALLER: "caller", EventName.COMPLETEAGENT: "agent"}
CALL_EVENTS = QUEUE_EXITS | {
    EventName.ENTERQUEUE,
    EventName.OFFER,
    EventName.RINGNOANSWER,
    EventName.RINGCANCELED,
    *COMPLETIONS,
}


def stream_order(entry_id: str) -> tuple[int, int]:
    """A stream id `ms-seq` as a sortable pair; '' sorts first."""
    if not entry_id:
        return (-1, -1)
    ms, _, seq = entry_id.partition("-")
    return (int(ms), int(seq or 0))


def at_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _earliest(current: datetime | None, new: datetime) -> datetime:
    return new if current is None or new < current else current


def _int(data: Any, name: str) -> int | None:
    raw = data.get(name, "")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


async def locked_record(session: AsyncSession, call_sid: str, arrived_at: datetime) -> bool:
    """Make sure the call has a row and lock it for this transaction; True when created."""
    table: Table = CallRecord.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {**SKELETON, "call_sid": call_sid, "arrived_at": arrived_at}
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["call_sid"])
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def load_locked(session: AsyncSession, call_sid: str) -> CallRecord:
    """The row, read fresh and locked (SQLite's write lock is already ours after the insert)."""
    query = (
        select(CallRecord)
        .where(CallRecord.call_sid == call_sid)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one()


def _rederive(record: CallRecord) -> None:
    outcome, cause = derive(record)
    record.outcome = outcome.value
    record.end_cause = cause.value


def apply_call_end(record: CallRecord, end: CallRecord) -> None:
    """The webhook's facts: fill only what nobody has written yet."""
    for name in ("hotline_id", "caller", "dialled", "vip_class", "path", "queue", "work_order"):
        value = getattr(end, name, None)
        if value and not getattr(record, name):
            setattr(record, name, value)
    if end.outcome and not record.ivr_outcome:
        record.ivr_outcome = end.outcome
    if end.config_version and not record.config_version:
        record.config_version = end.config_version
    if end.arrived_at is not None:
        record.arrived_at = _earliest(record.arrived_at, end.arrived_at)
    if end.ended_at is not None and record.ended_at is None:
        record.ended_at = end.ended_at
    if end.duration_s and not record.duration_s:
        record.duration_s = end.duration_s
    if end.agent_id and not record.agent_id:
        record.agent_id = end.agent_id
    for name in ("answered_at", "agent_grade", "wait_ms", "talk_ms"):
        value = getattr(end, name, None)
        if value is not None and getattr(record, name) is None:
            setattr(record, name, value)
    # Who hung up means something only once answered (a call Redis forgot while it talked).
    if end.completed_by and not record.completed_by and record.answered_at is not None:
        record.completed_by = end.completed_by
    _rederive(record)


async def fill_from_order(session: AsyncSession, record: CallRecord) -> None:
    """An answered call whose record lacks its path or queue (they lived in Redis, which
    forgot the call) takes them from its work order, logged in SQL when it was answered."""
    if record.answered_at is None or (record.path and record.queue and record.work_order):
        return
    order = await by_call_sid(session, record.call_sid)
    if order is None:
        return
    record.path = record.path or order.ivr_path
    record.queue = record.queue or order.queue
    record.work_order = record.work_order or order.number


def apply_event(record: CallRecord, event: RouterEvent, offered_grade: int | None) -> None:
    """One router event; `offered_grade` is the grade the connected agent was offered at."""
    at = at_ms(event.at_ms)
    name = event.name
    if event.queue and stream_order(event.id) > stream_order(record.queue_event_id):
        if event.queue != record.queue:
            record.queue_joined_at = None  # another queue: its own ENTERQUEUE says when
        record.queue = event.queue
        record.queue_event_id = event.id
    if name is EventName.ENTERQUEUE:
        arrived = _int(event.data, "arrived")
        joined = at_ms(arrived) if arrived is not None else at
        record.queued_at = _earliest(record.queued_at, joined)
        record.arrived_at = _earliest(record.arrived_at, joined)
        if event.queue == record.queue:  # a call put back after Redis forgot it keeps the first
            record.queue_joined_at = _earliest(record.queue_joined_at, joined)
    elif name is EventName.OFFER:
        record.offers += 1
        record.offered_at = _earliest(record.offered_at, at)
        grade = _int(event.data, "grade")
        if grade is not None and event.agent_id and record.agent_id == event.agent_id:
            record.agent_grade = grade
    elif name in (EventName.RINGNOANSWER, EventName.RINGCANCELED):
        if event.data.get("cause") == "caller_left":
            left = record.ringing_left_at
            record.ringing_left_at = at if left is None or at > left else left
    elif name in COMPLETIONS:
        talk = _int(event.data, "talk_ms")
        if talk is not None:
            record.talk_ms = talk
            record.answered_at = at_ms(event.at_ms - talk)  # exactly CONNECT's instant
        record.completed_by = COMPLETIONS[name]
        wrap = _int(event.data, "wrap_ms")
        if wrap is not None and record.wrap_ms is None:  # later events may only shorten it
            record.wrap_ms = wrap
        if event.agent_id:
            record.agent_id = event.agent_id
    if name is EventName.CONNECT:
        record.answered_at = at
        record.agent_id = event.agent_id
        if offered_grade is not None:
            record.agent_grade = offered_grade
    if name in QUEUE_EXITS and stream_order(event.id) > stream_order(record.queue_exit_id):
        record.queue_exit = name.value
        record.queue_exit_at = at
        record.queue_exit_id = event.id
        waited = _int(event.data, "hold_ms" if name is EventName.CONNECT else "wait_ms")
        if waited is not None:
            record.wait_ms = waited
    _rederive(record)


async def record_call(session: AsyncSession, end: CallRecord) -> bool:
    """Merge what the call-end webhook knows into the call's record; True when this call
    created the row (the router's events may have created it first).

    A retried webhook changes nothing: it only fills what is still unknown.
    """
    created = await locked_record(session, end.call_sid, end.arrived_at)
    record = await load_locked(session, end.call_sid)
    voicemail = await session.get(Voicemail, end.call_sid)
    if voicemail is not None and end.outcome != "voicemail" and not record.ivr_outcome:
        record.ivr_outcome = "voicemail"  # left by a key in the queue: the row is the proof
    apply_call_end(record, end)
    await fill_from_order(session, record)
    await session.flush()
    return created
