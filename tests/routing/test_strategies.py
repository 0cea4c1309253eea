"""Each strategy picks the expected idle agent among equals of one grade."""

from __future__ import annotations

from collections import Counter

from routing.router import Router
from routing.rules import QueueRules
from routing.strategy import Strategy
from tests.routing.conftest import Clock


async def serve(router: Router, clock: Clock, call: str, talk_s: float = 10) -> str:
    """Enqueue, accept and complete one call; return the agent that took it."""
    offer = (await router.enqueue(call, "q")).offer
    assert offer is not None
    await router.accept(call, offer.token)
    clock.advance(talk_s)
    await router.complete(call, offer.token)
    return offer.agent_id


async def setup(router: Router, clock: Clock, strategy: Strategy, agents: str = "abc") -> None:
    await router.configure_queue(QueueRules("q", strategy=strategy, wrap_up_s=0))
    for rank, agent in enumerate(agents):
        await router.login(agent, {"q": 2}, order=len(agents) - rank)
        clock.advance(1)


async def test_longest_idle(router: Router, clock: Clock) -> None:
    await setup(router, clock, Strategy.LONGEST_IDLE)
    assert [await serve(router, clock, f"c{i}") for i in range(4)] == ["a", "b", "c", "a"]


async def test_fewest_calls(router: Router, clock: Clock) -> None:
    await setup(router, clock, Strategy.FEWEST_CALLS, agents="ab")
    assert await serve(router, clock, "c0") == "a"  # tie at 0 calls: agent id order
    assert await serve(router, clock, "c1") == "b"
    await router.set_break("b", "meeting")
    assert await serve(router, clock, "c2") == "a"  # a: 2 calls, b: 1
    await router.agent_ready("b")
    assert await serve(router, clock, "c3") == "b"
    assert await serve(router, clock, "c4") == "a"  # 2 each: id order again


async def test_least_talk_time(router: Router, clock: Clock) -> None:
    await setup(router, clock, Strategy.LEAST_TALK_TIME, agents="ab")
    assert await serve(router, clock, "c0", talk_s=100) == "a"
    assert await serve(router, clock, "c1", talk_s=10) == "b"
    assert await serve(router, clock, "c2", talk_s=10) == "b"  # 20 s < 100 s
    assert await serve(router, clock, "c3", talk_s=100) == "b"  # 20 s < 100 s
    assert await serve(router, clock, "c4") == "a"  # 100 s < 120 s


async def test_round_robin(router: Router, clock: Clock) -> None:
    await setup(router, clock, Strategy.ROUND_ROBIN)
    got = [await serve(router, clock, f"c{i}") for i in range(7)]
    assert got == ["a", "b", "c", "a", "b", "c", "a"]


async def test_fixed_order(router: Router, clock: Clock) -> None:
    await setup(router, clock, Strategy.FIXED_ORDER)  # ranks: a=3, b=2, c=1
    assert [await serve(router, clock, f"c{i}") for i in range(3)] == ["c", "c", "c"]
    await router.set_break("c", "lunch")
    assert await serve(router, clock, "c9") == "b"


async def test_random_spreads_calls(router: Router, clock: Clock) -> None:
    await setup(router, clock, Strategy.RANDOM)
    counts = Counter([await serve(router, clock, f"c{i}") for i in range(60)])
    assert set(counts) == {"a", "b", "c"}
    assert min(counts.values()) >= 8
