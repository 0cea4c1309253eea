"""A call-end record queued while the database is away merges as it would have at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records import cdr
from queues.call_records.merge import record_call
from queues.call_records.queued_end import end_from_payload, end_payload

ARRIVED = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def ended() -> cdr.CallRecord:
    return cdr.CallRecord(
        call_sid="CA1",
        hotline_id="95598",
        config_version=3,
        caller="+8613812345678",
        dialled="+8695598",
        vip_class="gold",
        path="1 故障报修 > 1 停电",
        queue="fault",
        outcome="answered",
        arrived_at=ARRIVED,
        ended_at=datetime(2026, 11, 25, 2, 3, tzinfo=UTC),
        duration_s=180,
    )


async def test_a_queued_record_merges_like_the_webhook_itself(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    payload = end_payload(ended())
    async with sessionmaker.begin() as session:
        await record_call(session, end_from_payload("CA1", payload))
    async with sessionmaker() as session:
        record = await cdr.get(session, "CA1")
    assert record is not None
    fields = ("hotline_id", "config_version", "caller", "dialled", "vip_class", "path", "queue")
    assert [getattr(record, name) for name in fields] == [getattr(ended(), n) for n in fields]
    assert (record.ivr_outcome, record.arrived_at, record.ended_at, record.duration_s) == (
        "answered",
        ARRIVED,
        datetime(2026, 11, 25, 2, 3, tzinfo=UTC),
        180,
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"arrived_at": None}, "arrived_at: required"),
        ({"ended_at": "yesterday"}, "ended_at: not an ISO timestamp"),
        ({"duration_s": "3"}, "duration_s: a whole number"),
        ({"talk_ms": "3"}, "talk_ms: a whole number or null"),
    ],
)
def test_an_unreadable_payload_names_its_field(change: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        end_from_payload("CA1", end_payload(ended()) | change)


async def test_who_hung_up_and_the_talk_of_a_forgotten_call_queue_and_merge_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The facts the callbacks of a call Redis forgot bring: queued, merged only where
    unknown (a retry changes nothing); who hung up counts only for an answered call."""
    talk = cdr.CallRecord(call_sid="CA1", arrived_at=ARRIVED, talk_ms=42_000, completed_by="agent")
    async with sessionmaker.begin() as session:
        await record_call(session, end_from_payload("CA1", end_payload(talk)))
        record = await cdr.get(session, "CA1")
        assert record is not None
        assert (record.talk_ms, record.completed_by) == (42_000, "")  # not known as answered
        record.answered_at = ARRIVED
    retry = cdr.CallRecord(call_sid="CA1", arrived_at=ARRIVED, talk_ms=41_000, completed_by="agent")
    caller = cdr.CallRecord(call_sid="CA1", arrived_at=ARRIVED, completed_by="caller")
    async with sessionmaker.begin() as session:
        for end in (retry, caller):
            await record_call(session, end_from_payload("CA1", end_payload(end)))
    async with sessionmaker() as session:
        record = await cdr.get(session, "CA1")
    assert record is not None
    assert (record.talk_ms, record.completed_by) == (42_000, "agent")


def test_a_call_end_queued_before_talk_time_was_carried_reads_as_unknown() -> None:
    payload = end_payload(ended())
    del payload["talk_ms"], payload["completed_by"]
    end = end_from_payload("CA1", payload)
    assert (end.talk_ms, end.completed_by) == (None, "")
