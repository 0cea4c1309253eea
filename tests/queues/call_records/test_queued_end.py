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
    ],
)
def test_an_unreadable_payload_names_its_field(change: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        end_from_payload("CA1", end_payload(ended()) | change)
