"""A small scripted day of router events, written into SQL through the event sink's own
consumer, for the report tests: Friday 2026-11-27 in Shanghai, queues fault and general."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.router_events import consume
from queues.work_orders.categories import Category
from queues.work_orders.intake import NewWorkOrder, create_order
from routing.events import EventName, RouterEvent

E = EventName
DAY_START = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # 2026-11-27 00:00 in Shanghai
CONSUMED_AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def local(hh: int, mm: int, ss: int = 0, *, day: int = 27) -> datetime:
    """A time of day in Shanghai on 2026-11-`day`."""
    return DAY_START + timedelta(days=day - 27, hours=hh, minutes=mm, seconds=ss)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass
class Script:
    """Events in the order the router wrote them; stream ids follow that order."""

    events: list[RouterEvent] = field(default_factory=list)

    def add(
        self, at: datetime, name: EventName, call: str = "", queue: str = "", agent: str = "",
        **data: int | str,
    ) -> None:  # fmt: skip
        seq = len(self.events)
        self.events.append(
            RouterEvent(f"{ms(at)}-{seq}", name, ms(at), call, queue, agent,
                        {k: str(v) for k, v in data.items()})
        )  # fmt: skip

    def enter(self, call: str, queue: str, at: datetime) -> None:
        self.add(at, E.ENTERQUEUE, call, queue, priority_ms=0, arrived=ms(at))

    def answer(
        self, call: str, queue: str, agent: str, joined: datetime, offer: datetime,
        connect: datetime, talk_s: int, *, by: EventName = E.COMPLETECALLER, wrap_s: int = 15,
    ) -> None:  # fmt: skip
        hold = ms(connect) - ms(joined)
        self.add(offer, E.OFFER, call, queue, agent, token="t", step=0, grade=2)
        self.add(
            connect, E.CONNECT, call, queue, agent, hold_ms=hold, ring_ms=ms(connect) - ms(offer)
        )
        end = connect + timedelta(seconds=talk_s)
        self.add(
            end, by, call, queue, agent, hold_ms=hold, talk_ms=talk_s * 1000, wrap_ms=wrap_s * 1000
        )

    def leave(self, call: str, queue: str, name: EventName, joined: datetime, at: datetime) -> None:
        self.add(at, name, call, queue, position=1, wait_ms=ms(at) - ms(joined), key="")

    def sorted(self) -> list[RouterEvent]:
        def order(event: RouterEvent) -> tuple[int, int]:
            stamp, _, seq = event.id.partition("-")
            return int(stamp), int(seq)

        return sorted(self.events, key=order)


def scripted_day() -> Script:
    """The day; the hand-computed figures are in test_scripted_day.py."""
    s = Script()
    # Sign-ins 08:55 (a1 in both queues, a2 in fault), sign-outs 10:00.
    for queue in ("fault", "general"):
        s.add(local(8, 55), E.ADDMEMBER, "", queue, "a1", grade=3)
    s.add(local(8, 55), E.ADDMEMBER, "", "fault", "a2", grade=2)
    # C1: answered by a1 after 5 s (inside 20 s), talks 120 s, full 15 s wrap-up.
    s.enter("C1", "fault", local(9, 1))
    s.answer("C1", "fault", "a1", local(9, 1), local(9, 1, 2), local(9, 1, 5), 120)
    # C2: rings a2 20 s unanswered (no_answer), re-offered to a1, answered after 40 s
    # (outside 20 s), 180 s talk; a1's next offer (C4) at 09:08:50 cuts the wrap-up to 10 s.
    s.enter("C2", "fault", local(9, 5))
    s.add(local(9, 5, 10), E.OFFER, "C2", "fault", "a2", token="t", step=0, grade=2)
    s.add(local(9, 5, 30), E.RINGNOANSWER, "C2", "fault", "a2", cause="no_answer", ring_ms=20000)
    s.answer("C2", "fault", "a1", local(9, 5), local(9, 5, 35), local(9, 5, 40), 180,
             by=E.COMPLETEAGENT)  # fmt: skip
    # C4: joins 09:08:45, answered by a1 after 10 s, 120 s talk, full wrap-up.
    s.enter("C4", "fault", local(9, 8, 45))
    s.answer("C4", "fault", "a1", local(9, 8, 45), local(9, 8, 50), local(9, 8, 55), 120)
    # C3: hangs up after 3 s: a short abandon.
    s.enter("C3", "fault", local(9, 10))
    s.leave("C3", "fault", E.ABANDON, local(9, 10), local(9, 10, 3))
    # C5: a2 rejects the offer; the caller hangs up after 30 s: an abandon.
    s.enter("C5", "fault", local(9, 12))
    s.add(local(9, 12, 2), E.OFFER, "C5", "fault", "a2", token="t", step=0, grade=2)
    s.add(local(9, 12, 4), E.RINGNOANSWER, "C5", "fault", "a2", cause="reject", ring_ms=2000)
    s.leave("C5", "fault", E.ABANDON, local(9, 12), local(9, 12, 30))
    # C6: waits fault's maximum 600 s, overflows to general at 09:24, a1 answers after 20 s
    # (inside general's 30 s), 120 s talk; a1's break at 09:26:30 cuts the wrap-up to 10 s.
    s.enter("C6", "fault", local(9, 14))
    s.leave("C6", "fault", E.EXITWITHTIMEOUT, local(9, 14), local(9, 24))
    s.enter("C6", "general", local(9, 24))
    s.answer("C6", "general", "a1", local(9, 24), local(9, 24, 10), local(9, 24, 20), 120)
    s.add(local(9, 26, 30), E.PAUSE, "", "", "a1", reason="toilet")
    s.add(local(9, 27, 30), E.UNPAUSE, "", "", "a1", reason="toilet")
    # C7: a2 answers after 15 s, 120 s talk, full wrap-up (its break at 09:20 comes after).
    s.enter("C7", "fault", local(9, 16))
    s.answer("C7", "fault", "a2", local(9, 16), local(9, 16, 5), local(9, 16, 15), 120,
             by=E.COMPLETEAGENT)  # fmt: skip
    s.add(local(9, 20), E.PAUSE, "", "", "a2", reason="lunch")
    s.add(local(9, 30), E.UNPAUSE, "", "", "a2", reason="lunch")
    # C8: waits 600 s and leaves at fault's maximum wait for voicemail (no other queue).
    s.enter("C8", "fault", local(9, 40))
    s.leave("C8", "fault", E.EXITWITHTIMEOUT, local(9, 40), local(9, 50))
    for queue in ("fault", "general"):
        s.add(local(10, 0), E.REMOVEMEMBER, "", queue, "a1")
    s.add(local(10, 0), E.REMOVEMEMBER, "", "fault", "a2")
    # C9: joined the day before at 23:59:59, hung up after 11 s, just past midnight.
    s.enter("C9", "fault", local(23, 59, 59, day=26))
    s.leave("C9", "fault", E.ABANDON, local(23, 59, 59, day=26), local(0, 0, 10))
    return s


ORDERS = (  # call, agent, category, caller, when
    ("C1", "a1", Category.INQUIRY, "+8613800000001", local(9, 3, 5)),
    ("C2", "a1", Category.FAULT_REPAIR, "+8613800000002", local(9, 8, 40)),
    ("C4", "a1", Category.INQUIRY, "+8613800000004", local(9, 10, 55)),
    ("C6", "a1", Category.FAULT_REPAIR, "+8613800000006", local(9, 26, 20)),
    ("C7", "a2", Category.INQUIRY, "+8613800000007", local(9, 18, 15)),
)


async def write_day(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Consume every event as the event sink does (in stream order, one transaction per
    batch), then log the work orders; C2's caller calls back later to complain, which the
    intake links to C2's order (a1's)."""
    script = scripted_day()
    async with sessionmaker() as session, session.begin():
        for event in script.sorted():
            assert await consume(session, event, now=CONSUMED_AT)
    async with sessionmaker() as session, session.begin():
        for call, agent, category, caller, at in ORDERS:
            new = NewWorkOrder("95598", caller, category, call_sid=call, agent_id=agent)
            await create_order(session, new, now=at)
        complaint = NewWorkOrder(
            "95598", "+8613800000002", Category.COMPLAINT, call_sid="C10", agent_id="a2",
            sub_type="",
        )  # fmt: skip
        await create_order(session, complaint, now=local(9, 45))
