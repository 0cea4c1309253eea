"""Options validate with the field's name; every router key carries the prefix hash tag."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from routing.grades import Grade
from routing.keys import Keys
from routing.router import Router
from routing.rule_error import RuleError
from routing.rules import Backoff, QueueRules
from routing.tier_plan import TierPlan, TierStep


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: QueueRules("Bad Name"), "name"),
        (lambda: QueueRules("q", ring_timeout_s=0), "ring_timeout_s"),
        (lambda: QueueRules("q", weight=0), "weight"),
        (lambda: QueueRules("q", max_no_answer=0), "max_no_answer"),
        (lambda: QueueRules("q", strategy="fastest"), "strategy"),  # type: ignore[arg-type]
        (lambda: QueueRules("q", join_empty="sometimes"), "join_empty"),  # type: ignore[arg-type]
        (lambda: QueueRules("q", priority_offsets_s={"gold": -1}), "priority_offsets_s['gold']"),
        (lambda: Backoff(reject_s=-1), "backoff.reject_s"),
        (lambda: TierStep(4, 3), "min_grade"),  # type: ignore[arg-type]
        (lambda: TierStep(5, 5), "min_grade"),  # type: ignore[arg-type]
        (lambda: TierPlan(()), "steps"),
        (lambda: TierPlan((TierStep(1, 1, 0), TierStep(1, 4))), "steps[0].duration_s"),  # type: ignore[arg-type]
        (lambda: TierPlan((TierStep(1, 2, 10), TierStep(1, 4)), floor=Grade.SENIOR), "steps[0]"),  # type: ignore[arg-type]
    ],
)
def test_invalid_options_name_the_field(build: object, field: str) -> None:
    with pytest.raises(RuleError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_grades_parse() -> None:
    assert Grade.parse("资深") is Grade.EXPERT
    assert Grade.parse("senior") is Grade.SENIOR
    assert Grade.parse("2") is Grade.INTERMEDIATE
    assert Grade.EXPERT.label_zh == "资深"
    with pytest.raises(ValueError, match="grade"):
        Grade.parse(0)


def test_priority_offset() -> None:
    rules = QueueRules("vip", priority_offsets_s={"gold": 120})
    assert rules.priority_offset_ms("gold") == 120_000
    assert rules.priority_offset_ms(None) == 0


async def test_vip_jumps_ahead_yet_everyone_ages(router: Router) -> None:
    rules = QueueRules("q", priority_offsets_s={"gold": 60})
    await router.configure_queue(rules)
    await router.enqueue("early", "q", now=1_000_000)
    await router.enqueue(
        "gold", "q", now=1_030_000, priority_offset_ms=rules.priority_offset_ms("gold")
    )
    await router.enqueue("old", "q", now=1_040_000, arrived_ms=900_000)  # put back after a flush
    order = [(await router.position(c)).position for c in ("old", "gold", "early")]  # type: ignore[union-attr]
    assert order == [1, 2, 3]


async def test_all_keys_share_the_hash_tag(
    router: Router, redis: aioredis.Redis, keys: Keys
) -> None:
    await router.configure_queue(QueueRules("q", wrap_up_s=5))
    await router.login("a", {"q": 1})
    offer = (await router.enqueue("c1", "q")).offer
    assert offer is not None
    await router.accept("c1", offer.token)
    await router.complete("c1", offer.token)
    await router.enqueue("c2", "q")
    names = [k async for k in redis.scan_iter(match=keys.pattern())]
    assert names
    assert all(k.startswith("{" + keys.prefix + "}:") for k in names)
    for name in (keys.routed_call("c1"), keys.routed_call("c2")):
        assert await redis.pttl(name) > 0  # transient: finished and waiting calls expire
    assert keys.schedule() in names
    assert keys.events() in names
