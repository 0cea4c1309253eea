"""Per-cause back-off, max_no_answer → break, lease expiry and presence during an offer."""

from __future__ import annotations

import pytest

from routing.offer import OfferResult, ReleaseCause
from routing.presence import AgentState, PresenceChange
from routing.router import Router
from routing.rules import Backoff, QueueRules
from tests.routing.conftest import Clock

RULES = QueueRules(
    "q", backoff=Backoff(reject_s=5, busy_s=15, no_answer_s=30), max_no_answer=2, wrap_up_s=0
)


@pytest.mark.parametrize(
    ("cause", "seconds"),
    [(ReleaseCause.REJECT, 5), (ReleaseCause.BUSY, 15), (ReleaseCause.NO_ANSWER, 30)],
)
async def test_back_off_per_cause(
    router: Router, clock: Clock, cause: ReleaseCause, seconds: int
) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    out = await router.release("c1", offer.token, cause)
    assert out.offers == ()  # a is backing off, nobody else
    snap = await router.agent("a")
    assert snap is not None
    assert snap.state is AgentState.READY
    assert snap.in_back_off(clock.now)
    assert await router.next_escalation_at() == clock.now + seconds * 1000
    assert await router.tick(clock.now + seconds * 1000 - 1) == []
    again = await router.tick(clock.advance(seconds))
    assert [(o.call_id, o.agent_id) for o in again] == [("c1", "a")]


async def test_failed_has_no_back_off_and_others_take_the_call(
    router: Router, clock: Clock
) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    clock.advance(1)
    await router.login("b", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    assert offer.agent_id == "a"
    out = await router.release("c1", offer.token, ReleaseCause.REJECT)
    assert [(o.call_id, o.agent_id) for o in out.offers] == [("c1", "b")]
    out = await router.release("c1", out.offers[0].token, ReleaseCause.FAILED)
    assert [(o.call_id, o.agent_id) for o in out.offers] == [("c1", "b")]


async def test_max_no_answer_puts_agent_on_break(router: Router, clock: Clock) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    await router.release("c1", offer.token, ReleaseCause.NO_ANSWER)
    offers = await router.tick(clock.advance(30))
    await router.release("c1", offers[0].token, ReleaseCause.NO_ANSWER)
    snap = await router.agent("a")
    assert snap is not None
    assert (snap.state, snap.reason, snap.no_answer) == (AgentState.BREAK, "no_answer", 2)
    assert await router.tick(clock.advance(300)) == []
    out = await router.agent_ready("a")
    assert out.change is PresenceChange.CHANGED
    assert [o.call_id for o in out.offers] == ["c1"]
    # the miss counter restarts when the agent comes back from the break
    assert (await router.agent("a")).no_answer == 0  # type: ignore[union-attr]


async def test_answer_resets_no_answer_count(router: Router, clock: Clock) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    await router.release("c1", offer.token, ReleaseCause.NO_ANSWER)
    offers = await router.tick(clock.advance(30))
    await router.accept("c1", offers[0].token)
    assert (await router.agent("a")).no_answer == 0  # type: ignore[union-attr]


async def test_a_lapsed_lease_is_handed_out_once_and_releases_nothing(
    router: Router, clock: Clock
) -> None:
    await router.configure_queue(RULES)  # lease = 20 s ring + 10 s margin
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    assert offer.lease_expires_ms == clock.now + 30_000
    assert await router.lapsed_offers(now=clock.now + 29_999) == []
    lapsed = await router.lapsed_offers(now=clock.advance(30), recheck_s=5)
    assert [(o.call_id, o.agent_id, o.token) for o in lapsed] == [("c1", "a", offer.token)]
    assert await router.lapsed_offers(now=clock.advance(4)) == []  # asked already
    snap = await router.agent("a")
    assert snap is not None
    assert (snap.state, snap.call_id, snap.token) == (AgentState.RESERVED, "c1", offer.token)
    assert len(await router.lapsed_offers(now=clock.advance(1))) == 1  # asked again
    # What the carrier says settles it: here, nobody ever rang, so the call is offered again.
    out = await router.release("c1", offer.token, ReleaseCause.LAPSED)
    assert [(o.call_id, o.agent_id) for o in out.offers] == [("c1", "a")]  # no back-off
    assert out.offers[0].token > offer.token
    again = await router.lapsed_offers(now=clock.advance(30))
    assert [o.token for o in again] == [out.offers[0].token]  # the old offer is gone


async def test_an_answer_after_the_lease_lapsed_is_accepted(router: Router, clock: Clock) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    out = await router.accept("c1", offer.token, now=clock.advance(31))
    assert (out.result, out.offers) == (OfferResult.ACCEPTED, ())
    assert (await router.agent("a")).state is AgentState.BUSY  # type: ignore[union-attr]
    assert await router.lapsed_offers(now=clock.advance(60)) == []


@pytest.mark.parametrize("leave", ["break", "offline"])
async def test_break_or_offline_never_strands_an_offer(
    router: Router, clock: Clock, leave: str
) -> None:
    await router.configure_queue(RULES)
    await router.login("a", {"q": 1})
    clock.advance(1)
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    await router.login("b", {"q": 1})
    if leave == "break":
        out = await router.set_break("a", "toilet")
    else:
        out = await router.set_offline("a")
    assert [(o.call_id, o.agent_id) for o in out.offers] == [("c1", "b")]
    snap = await router.agent("a")
    assert snap is not None
    assert snap.state == leave
    assert snap.call_id == ""
    assert (await router.accept("c1", offer.token)).result is OfferResult.STALE


async def test_presence_edge_cases(router: Router) -> None:
    await router.configure_queue(RULES)
    assert (await router.agent_ready("ghost")).change is PresenceChange.UNKNOWN
    await router.login("a", {"q": 1})
    assert (await router.agent_ready("a")).change is PresenceChange.UNCHANGED
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    assert (await router.agent_ready("a")).change is PresenceChange.BUSY
    await router.set_offline("a")
    assert (await router.set_offline("a")).change is PresenceChange.UNCHANGED
    assert (await router.agent_ready("a")).change is PresenceChange.UNKNOWN


async def test_ready_ends_wrap_up_early(router: Router, clock: Clock) -> None:
    await router.configure_queue(QueueRules("q", wrap_up_s=120))
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    await router.accept("c1", offer.token)
    await router.complete("c1", offer.token, now=clock.advance(5))
    await router.enqueue("c2", "q")
    out = await router.agent_ready("a")  # the wrap-up form was saved
    assert [o.call_id for o in out.offers] == ["c2"]
    assert await router.tick(clock.advance(120)) == []  # the stale wrap-up instant is harmless


async def test_break_during_a_call_takes_no_second_call(router: Router) -> None:
    """Found by the stateful test: ready after a break taken mid-call gave a second call."""
    await router.configure_queue(RULES)
    await router.login("a", {"q": 2})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    await router.accept("c1", offer.token)
    await router.set_break("a", "lunch")
    await router.enqueue("c2", "q")
    out = await router.agent_ready("a")
    assert (out.change, out.offers) == (PresenceChange.BUSY, ())
    await router.complete("c1", offer.token)
    out = await router.agent_ready("a")
    assert [o.call_id for o in out.offers] == ["c2"]
