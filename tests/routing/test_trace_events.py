"""The decision trace says why; the event stream says what happened, atomically."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis

from routing.contract import GRADES, OFFER_REPLY
from routing.events import EventName, read_events
from routing.grades import Grade
from routing.keys import Keys
from routing.offer import LeaveReason, Offer, ReleaseCause
from routing.router import MAX_TRACE_SAMPLE, Router
from routing.rules import QueueRules
from routing.tier_plan import TierPlan, TierStep
from routing.trace import PassReason
from tests.routing.conftest import Clock


async def test_trace_names_step_candidates_and_reasons(router: Router, clock: Clock) -> None:
    plan = TierPlan((TierStep(3, 4, 30), TierStep(1, 4)), floor=Grade.INTERMEDIATE)  # type: ignore[arg-type]
    await router.configure_queue(QueueRules("vip", plan=plan, wrap_up_s=30))
    await router.login("busy", {"vip": 4})
    await router.enqueue("c0", "vip")  # busy is now reserved
    await router.login("wrap", {"vip": 3})
    offer = (await router.enqueue("c1", "vip")).offer
    assert offer is not None
    await router.accept("c1", offer.token)
    await router.complete("c1", offer.token)  # wrap is in wrap-up
    await router.login("lunch", {"vip": 3})
    await router.set_break("lunch", "lunch")
    await router.login("shy", {"vip": 3})
    offer = (await router.enqueue("c2", "vip")).offer
    assert offer is not None
    await router.release("c2", offer.token, ReleaseCause.REJECT)  # shy backs off
    await router.login("junior", {"vip": 1})
    taken = await router.login("chosen", {"vip": 3})
    assert [o.call_id for o in taken.offers] == ["c2"]
    await router.login("later", {"vip": 3}, now=clock.advance(1))
    await router.login("other", {"vip": 3}, now=clock.advance(1))
    offer = (await router.enqueue("c3", "vip")).offer
    assert offer is not None
    trace = offer.trace
    assert trace.chosen_agent == "later"
    assert trace.chosen_grade == 3
    assert trace.step == 0
    assert trace.grades == (3, 4)
    assert trace.floor == 2
    why = {p.agent_id: p.why for p in trace.passed_over}
    assert why["busy"] is PassReason.RESERVED
    assert why["wrap"] is PassReason.WRAP_UP
    assert why["lunch"] is PassReason.BREAK
    assert why["shy"] is PassReason.BACK_OFF
    assert why["chosen"] is PassReason.RESERVED
    assert why["other"] is PassReason.RANKED_LOWER
    assert why["junior"] is PassReason.GRADE
    by_grade = {c.grade: c for c in trace.candidates}
    assert (by_grade[3].logged_in, by_grade[3].on_break, by_grade[3].idle) == (6, 1, 1)
    assert by_grade[1].in_range is False
    assert json.loads(trace.to_json())["chosen_agent"] == "later"


async def test_offers_made_in_one_batch_each_see_the_agents_the_others_left(
    router: Router, clock: Clock
) -> None:
    """Enqueued in the same loop turn, the calls are matched by one script call, one after
    the other: each trace counts the idle agents and states as that offer found them."""
    await router.configure_queue(QueueRules("q", wrap_up_s=0))
    for n in range(4):
        await router.login(f"a{n}", {"q": 2}, now=clock.advance(1))
    enqueued = await asyncio.gather(*(router.enqueue(f"c{n}", "q") for n in range(3)))
    offers = [e.offer for e in enqueued]
    assert all(o is not None for o in offers)
    traces = [o.trace for o in offers if o is not None]
    assert [t.chosen_agent for t in traces] == ["a0", "a1", "a2"]  # longest idle first
    assert [t.candidates[1].idle for t in traces] == [3, 2, 1]  # idle besides the chosen
    why = [{p.agent_id: p.why for p in t.passed_over} for t in traces]
    assert why[2]["a0"] is PassReason.RESERVED
    assert why[2]["a1"] is PassReason.RESERVED
    assert why[0]["a1"] is PassReason.RANKED_LOWER


async def test_events_follow_a_call(
    router: Router, clock: Clock, redis: aioredis.Redis, keys: Keys
) -> None:
    await router.configure_queue(QueueRules("q", wrap_up_s=0))
    await router.login("a", {"q": 2})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    out = await router.release("c1", offer.token, ReleaseCause.NO_ANSWER)
    offers = await router.tick(clock.advance(30))
    await router.accept("c1", offers[0].token, now=clock.advance(2))
    await router.complete("c1", offers[0].token, by_caller=False, now=clock.advance(50))
    await router.enqueue("c2", "q")
    await router.enqueue("c3", "q")
    await router.leave("c3", LeaveReason.TIMEOUT)
    await router.leave("c2", LeaveReason.KEY, key="1")
    await router.set_break("a", "lunch")
    await router.set_offline("a")
    events = await read_events(redis, keys)
    names = [e.name for e in events]
    assert (
        names
        == [
            EventName.ADDMEMBER,
            EventName.ENTERQUEUE,
            EventName.OFFER,
            EventName.RINGNOANSWER,
            EventName.OFFER,
            EventName.CONNECT,
            EventName.COMPLETEAGENT,
            EventName.ENTERQUEUE,
            EventName.OFFER,
            EventName.RINGCANCELED,
            EventName.EXITWITHTIMEOUT,
            EventName.ENTERQUEUE,
            EventName.EXITWITHKEY,
            EventName.PAUSE,
            EventName.REMOVEMEMBER,
        ]
        or out
    )  # `out` keeps the release in view when this fails
    connect = events[5]
    assert (connect.call_id, connect.queue, connect.agent_id) == ("c1", "q", "a")
    assert connect.data["hold_ms"] == "32000"
    assert connect.data["ring_ms"] == "2000"
    assert events[6].data["talk_ms"] == "50000"
    assert events[6].data["wrap_ms"] == "0"  # the queue has no wrap-up
    assert events[12].data["key"] == "1"
    tail = await read_events(redis, keys, after=events[-2].id)
    assert [e.name for e in tail] == [EventName.REMOVEMEMBER]


async def test_stream_is_trimmed_approximately(
    router: Router, redis: aioredis.Redis, keys: Keys
) -> None:
    await router.configure_queue(QueueRules("q"))
    await router.enqueue("c1", "q")
    info = await redis.xinfo_stream(keys.events())
    assert info["length"] == 1


def test_offer_parses_the_flat_trace_and_the_older_json() -> None:
    fields: dict[str, str | int] = {"call": "c", "agent": "a", "queue": "q", "token": 7}
    fields |= {"lease": 30, "offered": 10, "step": 0, "opened": 5, "lo": 2, "hi": 3, "floor": 2}
    fields |= {"direction": "best_first_relax_down", "strategy": "longest_idle"}
    fields |= {"skips": "0:none_logged_in:5;", "waited": 5, "grade": 3}
    # Grades 1-4: logged in, on break, idle, agents sampled so far; then who and states.
    for g, sampled_upto in zip(GRADES, (0, 2, 3, 4), strict=True):
        fields |= {f"logged_in_{g}": 1, f"on_break_{g}": 0, f"idle_{g}": 1}
        fields[f"sampled_upto_{g}"] = sampled_upto
    fields |= {"sampled": "d e b c", "states": "99 0 busy"}  # c is of grade 4, outside 2-3
    flat = [fields[name] for name in OFFER_REPLY]
    offer = Offer.from_script(flat)
    older = {
        "call": "c", "queue": "q", "step": 0, "step_opened_ms": 5, "grades": [2, 3],
        "floor": 2, "direction": "best_first_relax_down", "strategy": "longest_idle",
        "skipped": "0:none_logged_in:5;", "waited_ms": 5, "decided_ms": 10,
        "chosen": {"agent": "a", "grade": 3},
        "candidates": [
            {"grade": g, "in_range": 2 <= g <= 3, "logged_in": 1, "on_break": 0, "idle": 1}
            for g in range(1, 5)
        ],
        "passed_over": [
            {"agent": "d", "grade": 2, "why": "back_off"},
            {"agent": "e", "grade": 2, "why": "ranked_lower"},
            {"agent": "b", "grade": 3, "why": "busy"},
            {"agent": "c", "grade": 4, "why": "grade"},
        ],
    }  # fmt: skip
    assert offer == Offer.from_script([*flat[:6], json.dumps(older)])
    assert [p.why for p in offer.trace.passed_over] == [
        PassReason.BACK_OFF,  # its back-off ends at 99, after the decision at 10
        PassReason.RANKED_LOWER,
        PassReason.BUSY,
        PassReason.GRADE,
    ]
    assert offer.trace.passed_over[3] == ("c", 4, PassReason.GRADE)
    nobody = Offer.from_script(flat[:-2])  # nobody passed over: no texts at all
    assert nobody.trace.passed_over == ()


async def test_trace_samples_the_first_agents_of_each_grade_as_they_come_and_go(
    redis: aioredis.Redis, keys: Keys, router: Router
) -> None:
    await router.configure_queue(QueueRules("billing"))
    for name in ("a1", "a2", "a3", "a4"):
        await router.login(name, {"billing": 2})
    await router.set_break("a2", "lunch")
    sampling = Router(redis, keys, clock=router.clock, trace_sample=2)
    offer = (await sampling.enqueue("c1", "billing")).offer
    assert offer is not None
    assert offer.agent_id == "a1"
    # The first two by name other than the chosen one.
    assert [(p.agent_id, p.why) for p in offer.trace.passed_over] == [
        ("a2", PassReason.BREAK),
        ("a3", PassReason.RANKED_LOWER),
    ]
    await router.set_offline("a2")
    await router.set_offline("a3")
    await router.login("a0", {"billing": 2})
    offer = (await sampling.enqueue("c2", "billing")).offer
    assert offer is not None
    assert offer.agent_id == "a0"  # idle as long as a4, and first by name
    assert [(p.agent_id, p.why) for p in offer.trace.passed_over] == [
        ("a1", PassReason.RESERVED),
        ("a4", PassReason.RANKED_LOWER),
    ]


async def test_trace_samples_a_census_kept_before_it_named_agents(
    redis: aioredis.Redis, keys: Keys, router: Router
) -> None:
    await router.configure_queue(QueueRules("billing"))
    for name in ("a1", "a2"):
        await router.login(name, {"billing": 2})
    # As an older server left it.
    await redis.hdel(keys.census("billing"), "s1", "s2", "s3", "s4")
    offer = (await router.enqueue("c1", "billing")).offer
    assert offer is not None
    assert [p.agent_id for p in offer.trace.passed_over] == ["a2"]
    assert await redis.hget(keys.census("billing"), "s2") == "a1 a2"


def test_trace_sample_and_agent_ids_are_checked(redis: aioredis.Redis, keys: Keys) -> None:
    with pytest.raises(ValueError, match="trace_sample"):
        Router(redis, keys, trace_sample=MAX_TRACE_SAMPLE + 1)
    with pytest.raises(ValueError, match="trace_sample"):
        Router(redis, keys, trace_sample=-1)


async def test_agent_ids_with_spaces_are_refused(router: Router) -> None:
    await router.configure_queue(QueueRules("billing"))
    for bad in ("", "a b", "a\tb"):
        with pytest.raises(ValueError, match="agent id"):
            await router.login(bad, {"billing": 2})
