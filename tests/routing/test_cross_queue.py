"""Agents in several queues: the best-scored call wins, weights delay but never starve."""

from __future__ import annotations

from routing.offer import Offer
from routing.router import Router
from routing.rules import WEIGHT_STEP_MS, QueueRules
from tests.routing.conftest import Clock


async def busy_agent(router: Router, clock: Clock, weight_a: int) -> Offer:
    await router.configure_queue(QueueRules("a", weight=weight_a, wrap_up_s=0))
    await router.configure_queue(QueueRules("b", weight=1, wrap_up_s=0))
    await router.login("x", {"a": 2, "b": 3})
    offer = (await router.enqueue("first", "a")).offer
    assert offer is not None
    await router.accept("first", offer.token)
    return offer


async def drain(router: Router, clock: Clock, offer: Offer, n: int) -> list[str]:
    """Let agent x finish its call and take the next `n` calls; return their ids."""
    served = []
    for _ in range(n):
        out = await router.complete(offer.call_id, offer.token, now=clock.advance(1))
        if not out.offers:
            break
        offer = out.offers[0]
        await router.accept(offer.call_id, offer.token)
        served.append(offer.call_id)
    return served


async def test_equal_weights_serve_in_arrival_order(router: Router, clock: Clock) -> None:
    offer = await busy_agent(router, clock, weight_a=1)
    await router.enqueue("b0", "b", now=clock.advance(1))
    for i, delay in enumerate((10, 29, 2)):
        await router.enqueue(f"a{i}", "a", now=clock.advance(delay))
    assert await drain(router, clock, offer, 5) == ["b0", "a0", "a1", "a2"]


async def test_weight_moves_calls_ahead_by_a_bounded_amount(router: Router, clock: Clock) -> None:
    offer = await busy_agent(router, clock, weight_a=5)  # a's calls look 40 s older
    bound_s = (5 - 1) * WEIGHT_STEP_MS // 1000
    await router.enqueue("b0", "b", now=clock.advance(1))
    t_b0 = clock.now
    await router.enqueue("a0", "a", now=t_b0 + 10_000)
    await router.enqueue("a1", "a", now=t_b0 + bound_s * 1000 - 1)  # within the bound
    await router.enqueue("a2", "a", now=t_b0 + bound_s * 1000 + 1)  # beyond it
    clock.now = t_b0 + 60_000
    assert await drain(router, clock, offer, 5) == ["a0", "a1", "b0", "a2"]


async def test_starvation_bound_under_a_flood(router: Router, clock: Clock) -> None:
    """A flood of weight-5 calls, two per handled call, cannot hold a weight-1 call past
    the bound: it is served before every call of the other queue that came 40 s later."""
    offer = await busy_agent(router, clock, weight_a=5)
    arrivals: dict[str, int] = {}
    await router.enqueue("b0", "b")
    arrivals["b0"] = clock.now
    served: list[str] = []
    for i in range(200):  # bounded: the bound says b0 goes within ~80 handled calls
        for j in range(2):
            call = f"a{i}-{j}"
            await router.enqueue(call, "a", now=clock.advance(0.5))
            arrivals[call] = clock.now
        out = await router.complete(offer.call_id, offer.token)
        assert out.offers
        offer = out.offers[0]
        await router.accept(offer.call_id, offer.token)
        served.append(offer.call_id)
        if offer.call_id == "b0":
            break
    assert served[-1] == "b0"
    bound_ms = 4 * WEIGHT_STEP_MS
    assert all(arrivals[c] <= arrivals["b0"] + bound_ms for c in served[:-1])
    assert max(arrivals[c] for c in served[:-1]) > arrivals["b0"] + bound_ms - 2_000
