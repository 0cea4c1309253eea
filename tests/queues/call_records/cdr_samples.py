"""Sample router events and call-end records for the CDR tests."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.cdr import CallRecord
from queues.call_records.merge import record_call
from queues.call_records.router_events import consume
from routing.events import EventName, RouterEvent

T0 = 1_795_000_000_000  # epoch ms of the call's arrival
CONSUMED_AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def at(ms_after: int) -> datetime:
    return datetime.fromtimestamp((T0 + ms_after) / 1000, UTC)


@dataclass(frozen=True)
class Ev:
    """A router event `ms` after arrival; its stream id follows the router's own order."""

    seq: int
    name: EventName
    ms: int
    agent: str = ""
    data: tuple[tuple[str, str], ...] = ()
    queue: str = "fault"

    def event(self, call_sid: str) -> RouterEvent:
        # Distinct calls get distinct stream ids; one call's ids keep the router's order.
        base = zlib.crc32(call_sid.encode()) % 1_000_000 * 100
        return RouterEvent(
            id=f"{T0 + self.ms}-{base + self.seq}",
            name=self.name,
            at_ms=T0 + self.ms,
            call_id=call_sid,
            queue=self.queue,
            agent_id=self.agent,
            data=dict(self.data),
        )


def answered_call() -> list[Ev]:
    """Queued at +10 s, rung at a1 (no answer), then a2 (grade 3) answered at +40 s, talked 95 s."""
    return [
        Ev(0, EventName.ENTERQUEUE, 10_000, data=(("arrived", str(T0 + 10_000)),)),
        Ev(1, EventName.OFFER, 12_000, "a1", (("token", "1"), ("grade", "2"))),
        Ev(2, EventName.RINGNOANSWER, 27_000, "a1", (("cause", "no_answer"),)),
        Ev(3, EventName.OFFER, 30_000, "a2", (("token", "2"), ("grade", "3"))),
        Ev(4, EventName.CONNECT, 40_000, "a2", (("hold_ms", "30000"), ("ring_ms", "10000"))),
        Ev(
            5, EventName.COMPLETECALLER, 135_000, "a2", (("hold_ms", "30000"), ("talk_ms", "95000"))
        ),
    ]


def abandoned_while_ringing() -> list[Ev]:
    return [
        Ev(0, EventName.ENTERQUEUE, 5_000, data=(("arrived", str(T0 + 5_000)),)),
        Ev(1, EventName.OFFER, 8_000, "a1", (("token", "1"), ("grade", "2"))),
        Ev(2, EventName.RINGCANCELED, 14_000, "a1", (("cause", "caller_left"),)),
        Ev(3, EventName.ABANDON, 14_000, data=(("position", "0"), ("wait_ms", "9000"))),
    ]


def call_end(call_sid: str, outcome: str, *, ended_ms: int = 140_000, **extra: Any) -> CallRecord:
    """What ivr/webhooks/endings.py builds when the carrier says the call is over."""
    return CallRecord(
        call_sid=call_sid,
        hotline_id="95598",
        config_version=3,
        caller="+8613800000001",
        dialled="95598",
        vip_class="",
        path="1 故障报修 > 1 停电",
        queue="fault",
        outcome=outcome,
        arrived_at=at(0),
        ended_at=at(ended_ms),
        duration_s=ended_ms // 1000,
        **extra,
    )


Step = RouterEvent | CallRecord


async def apply(sessionmaker: async_sessionmaker[AsyncSession], steps: Sequence[Step]) -> None:
    """Each step in its own transaction, as the sink and the webhook write them."""
    for step in steps:
        async with sessionmaker() as session, session.begin():
            if isinstance(step, RouterEvent):
                await consume(session, step, now=CONSUMED_AT)
            else:
                await record_call(session, step)


# Stream ids differ between sample calls by construction; everything else must match.
COLUMNS = [
    column.key
    for column in CallRecord.__table__.columns
    if column.key not in ("call_sid", "queue_exit_id", "queue_event_id")
]


def snapshot(record: CallRecord | None) -> dict[str, Any]:
    assert record is not None
    return {name: getattr(record, name) for name in COLUMNS}
