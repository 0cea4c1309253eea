"""An agent's wrap-up after a call ends at its planned end or at the agent's next offer,
break or sign-out, whichever is first; another agent's events leave it alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.cdr import get
from queues.call_records.router_events import consume
from queues.call_records.wrap_up_cut import wrap_cut
from routing.events import EventName, RouterEvent

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def test_the_cut_falls_inside_the_wrap_up_or_not_at_all() -> None:
    ends = T0 + timedelta(seconds=60)  # answered at T0, 60 s of talk
    assert wrap_cut(T0, 60_000, 15_000, ends + timedelta(seconds=4)) == 4000
    assert wrap_cut(T0, 60_000, 15_000, ends) == 0  # offered the instant the call ended
    assert wrap_cut(T0, 60_000, 15_000, ends + timedelta(seconds=15)) is None  # over already
    assert wrap_cut(T0, 60_000, 15_000, ends - timedelta(seconds=1)) is None  # during the talk


def event(seq: int, name: EventName, s: float, call: str, agent: str, **data: str) -> RouterEvent:
    ms = int((T0 + timedelta(seconds=s)).timestamp() * 1000)
    return RouterEvent(f"{ms}-{seq}", name, ms, call, "q" if call else "", agent, data)


async def test_only_the_agents_own_next_offer_cuts_it_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = T0 + timedelta(hours=1)
    offer_b = event(5, EventName.OFFER, 65, "c2", "b", grade="2")
    offer_a = event(6, EventName.OFFER, 67, "c3", "a", grade="2")
    events = [
        event(0, EventName.ENTERQUEUE, 0, "c1", "", arrived=str(int(T0.timestamp() * 1000))),
        event(1, EventName.OFFER, 1, "c1", "a", grade="2"),
        event(2, EventName.CONNECT, 5, "c1", "a", hold_ms="5000", ring_ms="4000"),
        event(3, EventName.COMPLETEAGENT, 60, "c1", "a", talk_ms="55000", wrap_ms="15000"),
        offer_b,
        offer_a,
    ]
    async with sessionmaker() as session, session.begin():
        for e in events:
            assert await consume(session, e, now=now)
        # The same entry again (a retried batch) is not applied twice.
        assert not await consume(session, offer_a, now=now)
        # A later break is after the cut wrap-up: nothing left to shorten.
        assert await consume(session, event(7, EventName.PAUSE, 68, "", "a", reason="x"), now=now)
    async with sessionmaker() as session:
        record = await get(session, "c1")
    assert record is not None
    assert (record.talk_ms, record.wrap_ms) == (55_000, 7_000)  # b's offer at 65 s changed nothing
    assert record.queue_joined_at == T0
