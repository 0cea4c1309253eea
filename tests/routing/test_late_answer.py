"""A bridge the router no longer held an offer for (`connect`): after a break or sign-out
withdrew the offer, after a release, while another agent is offered the call."""

from __future__ import annotations

from typing import cast

import pytest
import redis.asyncio as aioredis

from routing.keys import Keys
from routing.offer import OfferResult, ReleaseCause
from routing.presence import AgentState
from routing.router import Router
from routing.rules import Backoff, QueueRules
from tests.routing.conftest import Clock

RULES = QueueRules("q", backoff=Backoff(no_answer_s=30), max_no_answer=1, wrap_up_s=10)


async def events(redis: aioredis.Redis, keys: Keys) -> list[dict[str, str]]:
    raw = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events()))
    return [fields for _, fields in raw]


@pytest.mark.parametrize("leave", ["break", "offline"])
async def test_an_agent_who_left_while_it_rang_and_was_bridged_is_busy_with_the_call(
    router: Router, redis: aioredis.Redis, keys: Keys, clock: Clock, leave: str
) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    if leave == "break":
        await router.set_break("a", "lunch")
    else:
        await router.set_offline("a")
    assert (await router.accept("c1", offer.token)).result is OfferResult.STALE
    out = await router.connect("c1", "a", offer.token, now=clock.advance(2))
    assert (out.result, out.queue, out.agent_id) == (OfferResult.ACCEPTED, "q", "a")
    snap = await router.agent("a")
    assert snap is not None
    assert (snap.state, snap.call_id, snap.token) == (AgentState.BUSY, "c1", offer.token)
    position = await router.position("c1")
    assert position is not None
    assert position.state == "connected"
    assert [e["ev"] for e in await events(redis, keys)].count("CONNECT") == 1
    # It ends as any connected call does: wrap-up, counted once.
    done = await router.complete("c1", offer.token, now=clock.advance(60))
    assert done.result is OfferResult.COMPLETED
    assert (await router.agent("a")).state is AgentState.WRAP_UP  # type: ignore[union-attr]
    assert (await router.stats("q"))["answered"] == 1


async def test_a_bridge_after_a_no_answer_takes_back_the_next_agents_offer(
    router: Router, clock: Clock
) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    first = (await router.enqueue("c1", "q")).offer
    assert first is not None
    await router.login("b", {"q": 1})
    released = await router.release("c1", first.token, ReleaseCause.NO_ANSWER)
    [second] = released.offers
    a = await router.agent("a")
    assert a is not None
    assert (second.agent_id, a.state) == ("b", AgentState.BREAK)  # max_no_answer 1
    # The carrier says a's leg is live after all: b's offer is withdrawn without back-off.
    out = await router.connect("c1", "a", first.token, now=clock.advance(1))
    assert out.result is OfferResult.ACCEPTED
    assert (await router.agent("a")).state is AgentState.BUSY  # type: ignore[union-attr]
    b = await router.agent("b")
    assert b is not None
    assert (b.state, b.call_id, b.in_back_off(clock.now)) == (AgentState.READY, "", False)
    assert (await router.accept("c1", second.token)).result is OfferResult.STALE
    # b is free for the next caller at once.
    next_offer = (await router.enqueue("c2", "q")).offer
    assert next_offer is not None
    assert next_offer.agent_id == "b"


async def test_a_bridge_of_an_older_leg_supersedes_the_newer_offer(
    router: Router, clock: Clock
) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    first = (await router.enqueue("c1", "q")).offer
    assert first is not None
    await router.release("c1", first.token, ReleaseCause.LAPSED)  # re-offered to a at once
    await router.enqueue("c2", "q")
    await router.login("b", {"q": 1})
    assert (await router.accept("c1", first.token)).result is OfferResult.STALE
    # a is rung for c1 again (a new token); its first leg turns out live: the new offer of
    # c1 is the one superseded, and c2 is still waiting for b.
    out = await router.connect("c1", "a", first.token, now=clock.advance(1))
    assert out.result is OfferResult.ACCEPTED
    snap = await router.agent("a")
    assert snap is not None
    assert (snap.state, snap.call_id, snap.token) == (AgentState.BUSY, "c1", first.token)
    b = await router.agent("b")
    assert b is not None
    assert (b.state, b.call_id) == (AgentState.RESERVED, "c2")


async def test_a_bridge_of_a_withdrawn_offer_returns_the_agents_newer_offer(
    router: Router, clock: Clock
) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    await router.login("b", {"q": 1})
    c1 = (await router.enqueue("c1", "q")).offer
    assert c1 is not None
    assert c1.agent_id == "a"
    await router.set_break("a", "x")  # c1 goes to b
    await router.agent_ready("a")
    c2 = (await router.enqueue("c2", "q", now=clock.advance(1))).offer
    assert c2 is not None
    assert c2.agent_id == "a"
    # a's first leg (c1) was bridged after all: c1 is a's; b's offer of it and a's offer of
    # c2 go back, and c2 is offered to b at once.
    out = await router.connect("c1", "a", c1.token, now=clock.advance(1))
    assert out.result is OfferResult.ACCEPTED
    assert [(o.call_id, o.agent_id) for o in out.offers] == [("c2", "b")]
    a = await router.agent("a")
    assert a is not None
    assert (a.state, a.call_id) == (AgentState.BUSY, "c1")


async def test_connect_refuses_what_cannot_be(router: Router, clock: Clock) -> None:
    await router.configure_queue(RULES)
    assert (await router.connect("nobody", "a", 1)).result is OfferResult.UNKNOWN
    await router.login("a", {"q": 1})
    await router.login("b", {"q": 1})
    c1 = (await router.enqueue("c1", "q")).offer
    assert c1 is not None
    assert (await router.accept("c1", c1.token)).result is OfferResult.ACCEPTED
    # Connected on another leg: a second bridge of the same call is not believed.
    other = "b" if c1.agent_id == "a" else "a"
    assert (await router.connect("c1", other, c1.token + 5)).result is OfferResult.STALE
    # Repeated for the same leg: accepted again, nothing changes.
    assert (await router.connect("c1", c1.agent_id, c1.token)).result is OfferResult.ACCEPTED
    # An agent already talking on another call cannot be bridged to this one.
    c2 = (await router.enqueue("c2", "q")).offer
    assert c2 is not None
    assert c2.agent_id == other
    await router.set_break(other, "x")
    out = await router.connect("c2", c1.agent_id, c2.token)
    assert out.result is OfferResult.STALE
    # A call that ended is over.
    await router.complete("c1", c1.token, now=clock.advance(30))
    assert (await router.connect("c1", c1.agent_id, c1.token)).result is OfferResult.UNKNOWN
