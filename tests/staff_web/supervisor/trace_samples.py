"""A call offered twice (a1 did not answer, a2 did) and its work order holding the decision
trace of the answered offer, in the shape the router builds; and a call answered in 400 ms."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.work_orders.categories import Category
from queues.work_orders.intake import NewWorkOrder, create_order
from routing.events import EventName
from routing.trace import (
    DecisionTrace,
    GradeCandidates,
    PassedOver,
    PassReason,
    SkippedStep,
    StepStatus,
)
from tests.queues.call_records.cdr_samples import T0, Ev, answered_call, apply, at, call_end

CALL = "CA-trace"
SECOND_OFFER_MS = T0 + 30_000  # a2's offer in answered_call()


def answered_trace() -> DecisionTrace:
    """a2 (grade 3) chosen at step 2 (grades 2-4), step 1 skipped as all its seniors were on
    break; the others passed over for every kind of reason."""
    return DecisionTrace(
        call_id=CALL,
        queue="fault",
        step=1,
        step_opened_ms=T0 + 25_000,
        grades=(2, 4),
        floor=2,
        direction="best_first_relax_down",
        strategy="longest_idle",
        skipped=(SkippedStep(0, StepStatus.ALL_ON_BREAK, T0 + 10_000),),
        waited_ms=20_000,
        decided_ms=SECOND_OFFER_MS,
        chosen_agent="a2",
        chosen_grade=3,
        candidates=(
            GradeCandidates(1, False, 2, 0, 2),
            GradeCandidates(2, True, 1, 0, 0),
            GradeCandidates(3, True, 3, 1, 1),
            GradeCandidates(4, True, 1, 1, 0),
        ),
        passed_over=(
            PassedOver("j1", 1, PassReason.GRADE),
            PassedOver("a1", 2, PassReason.BACK_OFF),
            PassedOver("s7", 3, PassReason.RANKED_LOWER),
            PassedOver("s8", 3, PassReason.WRAP_UP),
            PassedOver("e1", 4, PassReason.BREAK),
        ),
    )


async def traced_call(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    """The call's events and end, and its work order with the trace; its order number."""
    await apply(sessionmaker, [e.event(CALL) for e in answered_call()])
    await apply(sessionmaker, [call_end(CALL, "answered")])
    new = NewWorkOrder(
        hotline_id="95598",
        caller="+8613800000001",
        category=Category.FAULT_REPAIR,
        call_sid=CALL,
        queue="fault",
        ivr_path="1 故障报修 > 1 停电",
        agent_id="a2",
        agent_grade=3,
        wait_s=30,
        decision_trace=answered_trace().to_dict(),
    )
    async with sessionmaker() as session, session.begin():
        order = await create_order(session, new, now=at(40_000) + timedelta(seconds=1))
    return order.number


QUICK = "CA-quick"


async def quick_call(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Queued at +10 s and answered 400 ms later by a2; talked 95 s."""
    events = [
        Ev(0, EventName.ENTERQUEUE, 10_000, data=(("arrived", str(T0 + 10_000)),)),
        Ev(1, EventName.OFFER, 10_100, "a2", (("token", "1"), ("grade", "3"), ("step", "0"))),
        Ev(2, EventName.CONNECT, 10_400, "a2", (("hold_ms", "400"), ("ring_ms", "300"))),
        Ev(3, EventName.COMPLETECALLER, 105_400, "a2", (("hold_ms", "400"), ("talk_ms", "95000"))),
    ]
    await apply(sessionmaker, [e.event(QUICK) for e in events])
    await apply(sessionmaker, [call_end(QUICK, "answered")])
