"""Tier plans: escalation timing, the skip rules, the floor and the direction."""

from __future__ import annotations

import pytest

from routing.grades import Grade
from routing.router import Router
from routing.rules import QueueRules
from routing.tier_plan import Direction, TierPlan, TierStep
from routing.trace import StepStatus
from tests.routing.conftest import Clock

# experts 30 s, then seniors too for 60 s, then intermediates; juniors never (floor 2)
VIP = TierPlan(
    (
        TierStep(Grade.EXPERT, Grade.EXPERT, 30),
        TierStep(Grade.SENIOR, Grade.EXPERT, 60),
        TierStep(Grade.JUNIOR, Grade.EXPERT),
    ),
    Direction.BEST_FIRST_RELAX_DOWN,
    floor=Grade.INTERMEDIATE,
)


async def staff(router: Router, *agents: tuple[str, int]) -> None:
    for agent, grade in agents:
        await router.login(agent, {"vip": grade})


async def test_steps_open_counting_from_previous_step(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP))
    await staff(router, ("x", 4), ("s", 3), ("i", 2), ("j", 1))
    await router.set_break("x", "lunch")
    await router.login("x2", {"vip": 4})  # an expert is logged in and ready...
    offer = (await router.enqueue("busy-x2", "vip")).offer  # ...until this call takes him
    assert offer is not None
    assert offer.agent_id == "x2"
    t0 = clock.now
    assert (await router.enqueue("c1", "vip")).offer is None  # all experts busy: waits
    assert await router.next_escalation_at() == t0 + 30_000
    assert await router.tick(t0 + 29_999) == []
    offers = await router.tick(t0 + 30_000)
    assert [(o.call_id, o.agent_id) for o in offers] == [("c1", "s")]
    assert offers[0].trace.step == 1
    assert offers[0].trace.step_opened_ms == t0 + 30_000
    # the third step opens 60 s after the second opened (90 s after enqueue)
    clock.now = t0 + 30_000
    assert (await router.enqueue("c2", "vip")).offer is None
    assert await router.next_escalation_at() == t0 + 60_000
    offers = await router.tick(t0 + 60_000)  # c2 now in step 1: no idle senior
    assert offers == []
    assert await router.next_escalation_at() == t0 + 120_000
    offers = await router.tick(t0 + 120_000)
    assert [(o.call_id, o.agent_id, o.trace.step) for o in offers] == [("c2", "i", 2)]


async def test_floor_is_never_crossed(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP))
    await staff(router, ("j", 1))
    assert (await router.enqueue("c1", "vip")).offer is None
    assert await router.tick(clock.advance(3600)) == []
    assert (await router.position("c1")).step == 2  # type: ignore[union-attr]


async def test_step_with_nobody_logged_in_is_skipped_at_once(router: Router) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP))
    await staff(router, ("s", 3))
    offer = (await router.enqueue("c1", "vip")).offer
    assert offer is not None
    assert offer.agent_id == "s"
    assert offer.trace.step == 1
    assert [(s.step, s.why) for s in offer.trace.skipped] == [(0, StepStatus.NONE_LOGGED_IN)]


async def test_step_with_all_on_break_is_skipped_at_once(router: Router) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP))
    await staff(router, ("x", 4), ("s", 3))
    await router.set_break("x", "training")
    offer = (await router.enqueue("c1", "vip")).offer
    assert offer is not None
    assert offer.agent_id == "s"
    assert [(s.step, s.why) for s in offer.trace.skipped] == [(0, StepStatus.ALL_ON_BREAK)]


async def test_all_busy_does_not_skip(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP))
    await staff(router, ("x", 4))
    first = (await router.enqueue("c0", "vip")).offer
    assert first is not None
    await staff(router, ("s", 3))
    assert (await router.enqueue("c1", "vip")).offer is None  # the senior must wait 30 s
    steps = await router.inspect_plan("vip")
    assert [s.status for s in steps] == [
        StepStatus.ALL_BUSY,
        StepStatus.AVAILABLE,
        StepStatus.AVAILABLE,
    ]
    offers = await router.tick(clock.advance(30))
    assert [(o.call_id, o.agent_id) for o in offers] == [("c1", "s")]
    assert offers[0].trace.skipped == ()


async def test_break_mid_step_skips_it_at_once(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP))
    await staff(router, ("x", 4), ("s", 3))
    await router.set_break("s", "lunch")
    first = (await router.enqueue("c0", "vip")).offer
    assert first is not None
    assert first.agent_id == "x"
    await router.agent_ready("s")  # the senior is back, but c1 starts with experts only
    await router.set_break("s", "lunch")
    assert (await router.enqueue("c1", "vip")).offer is None
    clock.advance(10)
    # the only expert leaves: step 0 cannot serve any more and hands over now, not at 30 s
    await router.set_offline("x")  # x was ringing c0: c0 goes back too
    skipped_at = clock.now
    # ...and step 1 too (its only senior is on break): c1 is in step 2 at once
    pos = await router.position("c1")
    assert pos is not None
    assert pos.step == 2
    out = await router.agent_ready("s", now=clock.advance(1))
    assert sorted(o.call_id for o in out.offers) == ["c0"]  # c0 is older
    offers = (await router.login("i", {"vip": 2})).offers
    assert [o.call_id for o in offers] == ["c1"]
    assert [(k.step, k.why, k.at_ms) for k in offers[0].trace.skipped] == [
        (0, StepStatus.NONE_LOGGED_IN, skipped_at),
        (1, StepStatus.ALL_ON_BREAK, skipped_at),
    ]
    assert offers[0].trace.step_opened_ms == skipped_at


async def test_inspect_plan_distinguishes_the_three_cases(router: Router) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP))
    await staff(router, ("s", 3), ("x", 4))
    await router.set_break("s", "lunch")
    await router.enqueue("c0", "vip")  # x takes it
    steps = await router.inspect_plan("vip")
    assert [(s.status, s.grades) for s in steps] == [
        (StepStatus.ALL_BUSY, (4, 4)),
        (StepStatus.ALL_BUSY, (3, 4)),
        (StepStatus.ALL_BUSY, (2, 4)),
    ]
    await router.set_offline("x")
    steps = await router.inspect_plan("vip")
    assert [s.status for s in steps] == [
        StepStatus.NONE_LOGGED_IN,
        StepStatus.ALL_ON_BREAK,
        StepStatus.ALL_ON_BREAK,
    ]


@pytest.mark.parametrize(
    ("direction", "expected"),
    [(Direction.BEST_FIRST_RELAX_DOWN, "x"), (Direction.CHEAPEST_FIRST_ESCALATE_UP, "j")],
)
async def test_direction_orders_grades_within_a_step(
    router: Router, direction: Direction, expected: str
) -> None:
    plan = TierPlan((TierStep(Grade.JUNIOR, Grade.EXPERT),), direction)
    await router.configure_queue(QueueRules("gen", plan=plan))
    for agent, grade in (("j", 1), ("x", 4), ("s", 3)):
        await router.login(agent, {"gen": grade})
    offer = (await router.enqueue("c1", "gen")).offer
    assert offer is not None
    assert offer.agent_id == expected


async def test_cheapest_first_escalates_up(router: Router, clock: Clock) -> None:
    plan = TierPlan.cheapest_first(every_s=20)
    await router.configure_queue(QueueRules("billing", plan=plan))
    await router.login("j", {"billing": 1})
    await router.login("x", {"billing": 4})
    await router.enqueue("c0", "billing")  # j takes it
    assert (await router.enqueue("c1", "billing")).offer is None
    offers = await router.tick(clock.advance(60))  # 1→2→3→4 after 20, 40, 60 s
    assert [(o.call_id, o.agent_id, o.trace.step) for o in offers] == [("c1", "x", 3)]


def test_plan_helpers() -> None:
    plan = TierPlan.best_first(floor=Grade.SENIOR, every_s=10)
    assert [(int(s.min_grade), int(s.max_grade)) for s in plan.steps] == [(4, 4), (3, 4)]
    assert [plan.timed_step(ms) for ms in (0, 9_999, 10_000, 99_999)] == [0, 0, 1, 1]
    assert VIP.grades(2) == (Grade.INTERMEDIATE, Grade.EXPERT)
    assert VIP.encode() == "4:4:30000,3:4:60000,1:4:0"
