"""The wait estimate: none while nobody who could take the call is serving."""

from __future__ import annotations

from routing.grades import Grade
from routing.router import Router
from routing.rules import QueueRules
from routing.tier_plan import TierPlan, TierStep

VIP_PLAN = TierPlan(steps=(TierStep(Grade.SENIOR, Grade.EXPERT),), floor=Grade.SENIOR)


async def busy_with_one_call(router: Router, agent: str, call: str, queue: str) -> None:
    offer = (await router.enqueue(call, queue)).offer
    assert offer is not None
    assert offer.agent_id == agent
    await router.accept(call, offer.token)


async def test_no_estimate_with_nobody_signed_in(router: Router) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.enqueue("c1", "fault")
    assert await router.estimate_wait("fault", 1) is None


async def test_no_estimate_when_every_able_agent_is_on_break(router: Router) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"fault": 2})
    await router.set_break("a1", "absent")
    await router.enqueue("c1", "fault")
    assert await router.estimate_wait("fault", 1) is None


async def test_agents_below_the_floor_do_not_count(router: Router) -> None:
    await router.configure_queue(QueueRules("vip", plan=VIP_PLAN))
    await router.login("junior", {"vip": 1})  # in the queue, never offered its calls
    await router.enqueue("c1", "vip")
    assert await router.estimate_wait("vip", 1) is None
    await router.login("senior", {"vip": 3})  # takes c1 at once
    await router.enqueue("c2", "vip")
    assert await router.estimate_wait("vip", 1) == 180  # no history yet: three minutes


async def test_a_serving_agent_gives_an_estimate(router: Router) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"fault": 2})
    await busy_with_one_call(router, "a1", "c1", "fault")
    await router.enqueue("c2", "fault")
    assert await router.estimate_wait("fault", 1) == 180  # no history yet: three minutes
    await router.login("a2", {"fault": 2})  # takes c2
    await router.enqueue("c3", "fault")
    await router.enqueue("c4", "fault")
    assert await router.estimate_wait("fault", 2) == 180  # two callers, two agents
