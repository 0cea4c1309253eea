"""Random sequences of calls, presence changes, answers and clock moves, checked after every
step against a plain-Python reference model (fakeredis; one event loop per run)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any

import fakeredis
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from routing.grades import Grade
from routing.keys import Keys
from routing.offer import Offer, OfferResult, ReleaseCause
from routing.router import Router
from routing.rules import Backoff, QueueRules
from routing.tier_plan import Direction, TierPlan, TierStep

pytestmark = pytest.mark.timeout(60)  # many generated runs of the router: about 7 s

T0 = 1_700_000_000_000
RULES = {
    "vip": QueueRules(
        "vip",
        plan=TierPlan(
            (TierStep(4, 4, 20), TierStep(3, 4, 20), TierStep(1, 4)),  # type: ignore[arg-type]
            Direction.BEST_FIRST_RELAX_DOWN,
            floor=Grade.INTERMEDIATE,
        ),
        backoff=Backoff(reject_s=5, busy_s=5, no_answer_s=30),
        max_no_answer=2,
        wrap_up_s=10,
        priority_offsets_s={"gold": 30},
    ),
    "bill": QueueRules(
        "bill",
        plan=TierPlan((TierStep(1, 1, 15), TierStep(1, 4)), floor=Grade.JUNIOR),  # type: ignore[arg-type]
        backoff=Backoff(reject_s=5, busy_s=5, no_answer_s=30),
        max_no_answer=2,
        wrap_up_s=0,
        weight=2,
    ),
}
SKILLS = {
    "a0": {"vip": 4},
    "a1": {"vip": 3, "bill": 1},
    "a2": {"vip": 2, "bill": 2},
    "a3": {"bill": 1},
    "a4": {"vip": 4, "bill": 3},
}


@dataclass
class MCall:
    queue: str
    score: int
    enq: int
    state: str = "waiting"  # waiting | reserved | connected
    agent: str = ""
    token: int = 0
    lease: int = 0


@dataclass
class MAgent:
    state: str = "offline"
    backoff_until: int = 0
    wrap_until: int = 0
    no_answer: int = 0
    call: str = ""


class RouterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.now = T0
        self.redis = fakeredis.FakeAsyncRedis(decode_responses=True)
        self.keys = Keys("stateful")
        self.router = Router(
            self.redis, self.keys, clock=lambda: self.now, rng=random.Random(1), trace_sample=0
        )
        self.calls: dict[str, MCall] = {}
        self.agents = {a: MAgent() for a in SKILLS}
        self.next_call = 0

    def run(self, step: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(step)

    def teardown(self) -> None:
        self.run(self.redis.aclose())
        self.loop.close()

    # ---- the model's knowledge

    def blocked(self, queue: str, step: int) -> str | None:
        lo, hi = RULES[queue].plan.grades(step)
        present = [
            a
            for a, m in self.agents.items()
            if m.state != "offline" and lo <= SKILLS[a].get(queue, 0) <= hi
        ]
        if not present:
            return "none_logged_in"
        if all(self.agents[a].state == "break" for a in present):
            return "all_on_break"
        return None

    def available(self, agent: str) -> bool:
        m = self.agents[agent]
        return m.state == "ready" and m.backoff_until <= self.now

    def take(self, offers: Iterable[Offer]) -> None:
        """Check each offer against the model, then record it."""
        for offer in offers:
            call = self.calls.get(offer.call_id)
            assert call is not None, f"offer of an unknown call {offer}"
            assert call.state == "waiting", f"double offer {offer}"
            assert self.available(offer.agent_id), f"agent not free: {offer}"
            grade = SKILLS[offer.agent_id][call.queue]
            plan = RULES[call.queue].plan
            lo, hi = plan.grades(offer.trace.step)
            assert lo <= grade <= hi, offer.trace
            assert grade >= plan.floor, offer.trace
            skipped = {s.step: s for s in offer.trace.skipped}
            opened = call.enq
            for i in range(offer.trace.step):
                if i in skipped:
                    assert opened <= skipped[i].at_ms < opened + plan.steps[i].duration_s * 1000
                    opened = skipped[i].at_ms
                else:
                    opened += plan.steps[i].duration_s * 1000
            assert opened == offer.trace.step_opened_ms <= self.now
            for other_id, other in self.calls.items():
                if (
                    other.queue == call.queue
                    and other.state == "waiting"
                    and other.score < call.score
                    and other_id != offer.call_id
                ):
                    step = self.router_step(other_id)
                    olo, ohi = plan.grades(step)
                    assert not olo <= grade <= ohi, f"{other_id} was ahead of {offer.call_id}"
            call.state, call.agent, call.token = "reserved", offer.agent_id, offer.token
            call.lease = offer.lease_expires_ms
            self.agents[offer.agent_id].state = "reserved"
            self.agents[offer.agent_id].call = offer.call_id

    def router_step(self, call_id: str) -> int:
        return int(self.run(self.redis.hget(self.keys.routed_call(call_id), "step")) or 1) - 1

    def back_to_queue(self, call_id: str) -> None:
        call = self.calls[call_id]
        self.agents[call.agent].call = ""
        call.state, call.agent, call.token = "waiting", "", 0

    # ---- rules

    @initialize()
    def configure(self) -> None:
        for rules in RULES.values():
            self.run(self.router.configure_queue(rules))

    @rule(queue=st.sampled_from(sorted(RULES)), gold=st.booleans())
    def enqueue(self, queue: str, gold: bool) -> None:
        call_id = f"c{self.next_call}"
        self.next_call += 1
        offset = RULES[queue].priority_offset_ms("gold" if gold else None)
        out = self.run(self.router.enqueue(call_id, queue, priority_offset_ms=offset))
        self.calls[call_id] = MCall(queue, self.now - offset, self.now)
        self.take([out.offer] if out.offer else [])

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def abandon(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.calls)))
        call = self.calls.pop(call_id)
        freed = call.agent if call.state == "reserved" else ""
        if call.state == "connected":
            self.finish(call_id, call)
        elif freed:
            self.agents[freed].state, self.agents[freed].call = "ready", ""
        out = self.run(self.router.abandon(call_id))
        self.take(out.offers)

    @rule(agent=st.sampled_from(sorted(SKILLS)))
    def login_or_ready(self, agent: str) -> None:
        m = self.agents[agent]
        if m.state == "offline":
            out = self.run(self.router.login(agent, SKILLS[agent]))
            # Back during a call still connected (left while on it): busy until it ends.
            m.state = "busy" if m.call else "ready"
            m.backoff_until, m.no_answer = 0, 0
        else:
            out = self.run(self.router.agent_ready(agent))
            on_call = m.state == "break" and m.call != ""  # a break taken during a call
            if m.state in ("break", "wrap_up") and not on_call:
                m.no_answer = 0 if m.state == "break" else m.no_answer
                m.state = "ready"
        self.take(out.offers)

    @rule(agent=st.sampled_from(sorted(SKILLS)), offline=st.booleans())
    def leave(self, agent: str, offline: bool) -> None:
        m = self.agents[agent]
        if m.state == "offline":
            return
        if m.state == "reserved":
            self.back_to_queue(m.call)
        target = "offline" if offline else "break"
        if offline:
            out = self.run(self.router.set_offline(agent))
        else:
            out = self.run(self.router.set_break(agent, "lunch"))
        m.state = target
        self.take(out.offers)

    def reserved(self) -> list[str]:
        return sorted(c for c, m in self.calls.items() if m.state == "reserved")

    @precondition(lambda self: self.reserved())
    @rule(data=st.data(), action=st.sampled_from(["accept", "reject", "no_answer"]))
    def answer(self, data: st.DataObject, action: str) -> None:
        call_id = data.draw(st.sampled_from(self.reserved()))
        call = self.calls[call_id]
        m = self.agents[call.agent]
        if action == "accept":
            out = self.run(self.router.accept(call_id, call.token))
            assert out.result is OfferResult.ACCEPTED
            call.state, m.state, m.no_answer = "connected", "busy", 0
            return
        cause = ReleaseCause(action)
        out = self.run(self.router.release(call_id, call.token, cause))
        assert out.result is OfferResult.RELEASED
        rules = RULES[call.queue]
        self.back_to_queue(call_id)
        if cause is ReleaseCause.NO_ANSWER:
            m.no_answer += 1
            m.backoff_until = self.now + rules.backoff.no_answer_s * 1000
        else:
            m.backoff_until = self.now + rules.backoff.reject_s * 1000
        m.state = (
            "break"
            if m.no_answer >= rules.max_no_answer and cause is ReleaseCause.NO_ANSWER
            else "ready"
        )
        self.take(out.offers)

    def finish(self, call_id: str, call: MCall) -> None:
        m = self.agents[call.agent]
        if m.call == call_id and m.state != "busy":
            m.call = ""  # on break or offline since the call: nothing more changes
        elif m.state == "busy" and m.call == call_id:
            m.call = ""
            wrap = RULES[call.queue].wrap_up_s * 1000
            m.state, m.wrap_until = ("wrap_up", self.now + wrap) if wrap else ("ready", 0)

    @precondition(lambda self: any(c.state == "connected" for c in self.calls.values()))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        call_id = data.draw(
            st.sampled_from(sorted(c for c, m in self.calls.items() if m.state == "connected"))
        )
        call = self.calls.pop(call_id)
        self.finish(call_id, call)
        out = self.run(self.router.complete(call_id, call.token))
        assert out.result is OfferResult.COMPLETED
        self.take(out.offers)

    @rule(seconds=st.integers(0, 40))
    def advance(self, seconds: int) -> None:
        self.now += seconds * 1000
        for m in self.agents.values():
            if m.state == "wrap_up" and m.wrap_until <= self.now:
                m.state = "ready"
        self.take(self.run(self.router.tick()))
        due = sorted(
            c for c, m in self.calls.items() if m.state == "reserved" and m.lease <= self.now
        )
        lapsed = self.run(self.router.lapsed_offers())
        assert sorted(o.call_id for o in lapsed) == due
        for offer in lapsed:
            # The carrier has no leg for it (this model rings nobody): release it; until
            # then it is still reserved, and the others' releases may offer calls behind it.
            self.agents[self.calls[offer.call_id].agent].state = "ready"
            self.back_to_queue(offer.call_id)
            out = self.run(self.router.release(offer.call_id, offer.token, ReleaseCause.LAPSED))
            self.take(out.offers)

    # ---- invariants, after every step

    @invariant()
    def router_agrees_with_model(self) -> None:
        if not hasattr(self, "router"):
            return
        k, r = self.keys, self.redis
        waiting: dict[str, str] = {}
        for queue, rules in RULES.items():
            in_steps: list[str] = []
            for s in range(1, len(rules.plan.steps) + 1):
                in_steps += self.run(r.zrange(k.waiting_step(queue, s), 0, -1))
            members = self.run(r.zrange(k.waiting(queue), 0, -1))
            assert sorted(in_steps) == sorted(members), "a waiting call in no step, or two"
            waiting.update((c, queue) for c in members)
        model_waiting = {c: m.queue for c, m in self.calls.items() if m.state == "waiting"}
        assert waiting == model_waiting, "lost or phantom waiting calls"
        holders: dict[str, str] = {}
        for call_id, call in self.calls.items():
            fields = self.run(r.hgetall(k.routed_call(call_id)))
            assert fields["st"] == call.state
            if call.state != "waiting":
                assert fields["agent"] == call.agent
                assert call.agent not in holders, "agent with two calls"
                holders[call.agent] = call_id
        for agent, m in self.agents.items():
            fields = self.run(r.hgetall(k.agent(agent)))
            assert fields.get("st", "offline") == m.state, agent
        for call_id, queue in waiting.items():
            call, plan = self.calls[call_id], RULES[queue].plan
            step = self.router_step(call_id)
            opened = int(self.run(r.hget(k.routed_call(call_id), "so")))
            last = step == len(plan.steps) - 1
            assert last or self.now < opened + plan.steps[step].duration_s * 1000, "late step"
            assert last or self.blocked(queue, step) is None, "blocked step not skipped"
            lo, hi = plan.grades(step)
            for agent in self.agents:
                if self.available(agent) and lo <= SKILLS[agent].get(queue, 0) <= hi:
                    raise AssertionError(f"{agent} idle while {call_id} waits")


RouterMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRouterMachine = RouterMachine.TestCase
