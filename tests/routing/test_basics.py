"""The call lifecycle through the router: enqueue, offer, accept, complete, release, leave."""

from __future__ import annotations

import redis.asyncio as aioredis

from routing.keys import Keys
from routing.offer import EnqueueStatus, LeaveReason, OfferResult, ReleaseCause
from routing.presence import AgentState
from routing.router import Router
from routing.rules import QueueRules
from tests.routing.conftest import Clock


async def test_enqueue_with_idle_agent_offers_at_once(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"fault": 2})
    queued = await router.enqueue("c1", "fault")
    assert queued.status is EnqueueStatus.QUEUED
    assert queued.offer is not None
    offer = queued.offer
    assert (offer.call_id, offer.agent_id, offer.queue) == ("c1", "a1", "fault")
    assert offer.lease_expires_ms == clock.now + 30_000
    assert offer.trace.chosen_agent == "a1"
    snap = await router.agent("a1")
    assert snap is not None
    assert snap.state is AgentState.RESERVED


async def test_accept_complete_wrap_up_then_ready(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("fault", wrap_up_s=10))
    await router.login("a1", {"fault": 2})
    offer = (await router.enqueue("c1", "fault")).offer
    assert offer is not None
    clock.advance(3)
    assert (await router.accept("c1", offer.token)).result is OfferResult.ACCEPTED
    assert (await router.agent("a1")).state is AgentState.BUSY  # type: ignore[union-attr]
    clock.advance(60)
    done = await router.complete("c1", offer.token)
    assert done.result is OfferResult.COMPLETED
    snap = await router.agent("a1")
    assert snap is not None
    assert snap.state is AgentState.WRAP_UP
    assert (snap.calls, snap.talk_ms) == (1, 60_000)
    # a call arriving during wrap-up waits; the wrap-up end (a schedule instant) offers it
    assert (await router.enqueue("c2", "fault")).offer is None
    assert await router.next_escalation_at() == clock.now + 10_000
    assert await router.tick(clock.now + 9_999) == []
    offers = await router.tick(clock.advance(10))
    assert [(o.call_id, o.agent_id) for o in offers] == [("c2", "a1")]
    # repeating a finished action is harmless
    again = await router.complete("c1", offer.token)
    assert again.result is OfferResult.COMPLETED
    assert (await router.stats("fault"))["completed"] == 1


async def test_back_during_a_connected_call_is_busy_until_it_ends(
    router: Router, clock: Clock
) -> None:
    """An agent who leaves during a call and logs in again is still on that call."""
    await router.configure_queue(QueueRules("fault", wrap_up_s=0))
    await router.login("a1", {"fault": 2})
    offer = (await router.enqueue("c1", "fault")).offer
    assert offer is not None
    await router.accept("c1", offer.token)
    await router.set_offline("a1")
    assert (await router.login("a1", {"fault": 2})).offers == ()
    assert (await router.agent("a1")).state is AgentState.BUSY  # type: ignore[union-attr]
    assert (await router.enqueue("c2", "fault")).offer is None  # not while on c1
    done = await router.complete("c1", offer.token)
    assert [(o.call_id, o.agent_id) for o in done.offers] == [("c2", "a1")]


async def test_wrong_token_is_stale(router: Router) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"fault": 1})
    offer = (await router.enqueue("c1", "fault")).offer
    assert offer is not None
    assert (await router.accept("c1", offer.token + 1)).result is OfferResult.STALE
    released = await router.release("c1", offer.token + 1, ReleaseCause.REJECT)
    assert released.result is OfferResult.STALE
    assert (await router.accept("nope", 1)).result is OfferResult.UNKNOWN


async def test_release_returns_call_to_old_place(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("fault"))
    for call in ("c1", "c2", "c3"):
        await router.enqueue(call, "fault")
        clock.advance(1)
    offer = (await router.login("a1", {"fault": 1})).offers[0]
    assert offer.call_id == "c1"
    assert (await router.position("c2")).position == 1  # type: ignore[union-attr]
    out = await router.release("c1", offer.token, ReleaseCause.REJECT)
    assert out.result is OfferResult.RELEASED
    assert out.offers == ()
    pos = await router.position("c1")
    assert pos is not None
    assert (pos.position, pos.waiting, pos.state) == (1, 3, "waiting")


async def test_abandon_while_waiting_and_while_ringing(
    router: Router, clock: Clock, redis: aioredis.Redis, keys: Keys
) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.enqueue("c1", "fault")
    await router.enqueue("c2", "fault")
    out = await router.abandon("c1")
    assert out.result is OfferResult.RELEASED
    assert await router.position("c1") is None
    offer = (await router.login("a1", {"fault": 1})).offers[0]
    assert offer.call_id == "c2"
    out = await router.leave("c2", LeaveReason.ABANDON)
    assert out.agent_id == "a1"
    assert (await router.agent("a1")).state is AgentState.READY  # type: ignore[union-attr]
    assert await redis.zcard(keys.waiting("fault")) == 0
    assert (await router.stats("fault"))["abandoned"] == 2
    assert (await router.accept("c2", offer.token)).result is OfferResult.UNKNOWN


async def test_abandon_connected_call_completes_it(router: Router) -> None:
    await router.configure_queue(QueueRules("fault", wrap_up_s=0))
    await router.login("a1", {"fault": 1})
    offer = (await router.enqueue("c1", "fault")).offer
    assert offer is not None
    await router.accept("c1", offer.token)
    out = await router.abandon("c1")
    assert out.result is OfferResult.COMPLETED
    assert (await router.agent("a1")).state is AgentState.READY  # type: ignore[union-attr]


async def test_enqueue_statuses(router: Router) -> None:
    assert (await router.enqueue("c0", "nowhere")).status is EnqueueStatus.UNKNOWN_QUEUE
    await router.configure_queue(QueueRules("fault", max_size=2))
    assert (await router.enqueue("c1", "fault")).status is EnqueueStatus.QUEUED
    assert (await router.enqueue("c1", "fault")).status is EnqueueStatus.DUPLICATE
    assert (await router.enqueue("c2", "fault")).status is EnqueueStatus.QUEUED
    assert (await router.enqueue("c3", "fault")).status is EnqueueStatus.FULL
