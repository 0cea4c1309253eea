"""New rules and new skills reach what is already in the router: waiting calls are placed
again under a changed tier plan, signed-in agents are regraded without a sign-out."""

from __future__ import annotations

import redis.asyncio as aioredis

from routing.grades import Grade
from routing.inspection import census
from routing.keys import Keys
from routing.presence import AgentState, PresenceChange
from routing.router import Router
from routing.rules import QueueRules
from routing.tier_plan import Direction, TierPlan, TierStep
from tests.routing.conftest import Clock

# experts 30 s, then seniors for 30 s, then intermediates too
THREE = TierPlan(
    (
        TierStep(Grade.EXPERT, Grade.EXPERT, 30),
        TierStep(Grade.SENIOR, Grade.EXPERT, 30),
        TierStep(Grade.INTERMEDIATE, Grade.EXPERT),
    ),
    Direction.BEST_FIRST_RELAX_DOWN,
)
# experts 30 s, then juniors too
TWO = TierPlan(
    (TierStep(Grade.EXPERT, Grade.EXPERT, 30), TierStep(Grade.JUNIOR, Grade.EXPERT)),
    Direction.BEST_FIRST_RELAX_DOWN,
)


async def test_a_call_in_a_removed_step_is_routed_by_the_new_last_step(
    router: Router, clock: Clock
) -> None:
    await router.configure_queue(QueueRules("vip", plan=THREE))
    await router.login("x", {"vip": 4})
    assert (await router.enqueue("busy", "vip")).offer is not None  # the expert is busy
    assert (await router.enqueue("c1", "vip")).offer is None
    await router.tick(clock.advance(30))
    await router.tick(clock.advance(30))
    assert (await router.position("c1")).step == 2  # type: ignore[union-attr]

    assert await router.configure_queue(QueueRules("vip", plan=TWO)) == ()
    position = await router.position("c1")
    assert position is not None
    assert position.step == 1  # the new last step
    outcome = await router.login("j", {"vip": 1})  # a junior, whom the new last step allows
    assert [(o.call_id, o.agent_id, o.trace.step) for o in outcome.offers] == [("c1", "j", 1)]


async def test_a_shrunk_plan_leaves_no_escalation_of_the_old_one(
    router: Router, clock: Clock
) -> None:
    """A call in the old middle step, now the last: no escalation instant stays due for
    ever (the timer loop would spin on it)."""
    await router.configure_queue(QueueRules("vip", plan=THREE))
    await router.login("x", {"vip": 4})
    assert (await router.enqueue("busy", "vip")).offer is not None
    assert (await router.enqueue("c1", "vip")).offer is None
    await router.tick(clock.advance(30))  # step 1 (of 0, 1, 2), escalates at +30 s
    assert (await router.position("c1")).step == 1  # type: ignore[union-attr]
    await router.configure_queue(QueueRules("vip", plan=TWO))
    assert (await router.position("c1")).step == 1  # type: ignore[union-attr]
    clock.advance(3600)
    await router.tick()
    assert await router.next_escalation_at() is None


async def test_a_released_offer_from_a_removed_step_waits_in_the_last_step(
    router: Router, clock: Clock
) -> None:
    await router.configure_queue(QueueRules("vip", plan=THREE))
    await router.login("i", {"vip": 2})  # steps 0 and 1 cannot serve: step 2 at once
    offer = (await router.enqueue("c1", "vip")).offer
    assert offer is not None
    assert offer.trace.step == 2
    await router.configure_queue(QueueRules("vip", plan=TWO))
    await router.set_break("i", "lunch")  # withdraws the ringing offer
    position = await router.position("c1")
    assert position is not None
    assert (position.state, position.step) == ("waiting", 1)
    await router.login("j", {"vip": 1})
    snap = await router.agent("j")
    assert snap is not None
    assert (snap.state, snap.call_id) == (AgentState.RESERVED, "c1")


async def test_longer_durations_move_the_escalation_instant(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("vip", plan=THREE))
    await router.login("x", {"vip": 4})
    await router.login("s", {"vip": 3})
    await router.set_break("s", "x")
    await router.agent_ready("s")
    assert (await router.enqueue("busy-x", "vip")).offer is not None
    t0 = clock.now
    assert (await router.enqueue("c1", "vip")).offer is None  # x busy, s not an expert
    assert await router.next_escalation_at() == t0 + 30_000
    slower = TierPlan(
        (TierStep(Grade.EXPERT, Grade.EXPERT, 90), *THREE.steps[1:]),
        Direction.BEST_FIRST_RELAX_DOWN,
    )
    await router.configure_queue(QueueRules("vip", plan=slower))
    assert await router.next_escalation_at() == t0 + 90_000
    assert await router.tick(t0 + 30_000) == []
    offers = await router.tick(t0 + 90_000)
    assert [(o.call_id, o.agent_id) for o in offers] == [("c1", "s")]


async def test_a_regraded_agent_is_routed_by_its_new_grade_without_signing_out(
    router: Router, redis: aioredis.Redis, keys: Keys
) -> None:
    plan = TierPlan((TierStep(Grade.SENIOR, Grade.EXPERT),), floor=Grade.SENIOR)
    await router.configure_queue(QueueRules("complaint", plan=plan))
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"complaint": 2, "fault": 2})
    assert (await router.enqueue("c1", "complaint")).offer is None  # grade 2: below floor
    outcome = await router.regrade("a1", {"complaint": 3})  # promoted, and out of fault
    assert outcome.change is PresenceChange.CHANGED
    assert [(o.call_id, o.agent_id) for o in outcome.offers] == [("c1", "a1")]
    snap = await router.agent("a1")
    assert snap is not None
    assert snap.skills == {"complaint": Grade.SENIOR}
    assert snap.state is AgentState.RESERVED
    assert (await census(redis, keys, "fault")).get("m2", 0) == 0
    counts = await census(redis, keys, "complaint")
    assert (counts.get("m2", 0), counts.get("m3", 0)) == (0, 1)
    # out of fault: a fault call waits for someone else
    assert (await router.enqueue("c2", "fault")).offer is None


async def test_regrade_keeps_the_state_a_break_and_leaves_offline_agents(
    router: Router, redis: aioredis.Redis, keys: Keys
) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"fault": 2})
    await router.set_break("a1", "lunch")
    before = await router.agent("a1")
    outcome = await router.regrade("a1", {"fault": 4})
    assert outcome.change is PresenceChange.CHANGED
    snap = await router.agent("a1")
    assert snap is not None
    assert before is not None
    assert (snap.state, snap.reason, snap.since_ms) == (AgentState.BREAK, "lunch", before.since_ms)
    counts = await census(redis, keys, "fault")
    assert (counts.get("m2", 0), counts.get("b2", 0), counts.get("m4"), counts.get("b4")) == (
        0,
        0,
        1,
        1,
    )
    assert (await router.regrade("a1", {"fault": 4})).change is PresenceChange.UNCHANGED
    assert (await router.regrade("nobody", {"fault": 4})).change is PresenceChange.UNKNOWN
    await router.set_offline("a1")
    assert (await router.regrade("a1", {"fault": 1})).change is PresenceChange.UNKNOWN
    assert (await router.agent("a1")).skills == {"fault": Grade.EXPERT}  # type: ignore[union-attr]


async def test_a_regraded_agent_on_a_call_keeps_it(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("fault", wrap_up_s=0))
    await router.login("a1", {"fault": 2})
    offer = (await router.enqueue("c1", "fault")).offer
    assert offer is not None
    await router.accept("c1", offer.token)
    await router.regrade("a1", {"fault": 3, "billing": 1})
    snap = await router.agent("a1")
    assert snap is not None
    assert (snap.state, snap.call_id) == (AgentState.BUSY, "c1")
    await router.complete("c1", offer.token)
    assert (await router.agent("a1")).state is AgentState.READY  # type: ignore[union-attr]
