"""One queue's routing options (`QueueRules`), validated, and their form in Redis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from routing.rule_error import RuleError
from routing.strategy import Strategy
from routing.tier_plan import TierPlan

#: How much earlier, in ms, each extra unit of queue weight makes a queue's calls look to
#: an agent serving several queues. See docs/routing.md for the starvation bound.
WEIGHT_STEP_MS = 10_000
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


class EmptyRule(StrEnum):
    """When a queue counts as empty for joining (and, in the waitUrl loop, for leaving)."""

    NEVER = "never"  # callers join and stay whatever the staffing
    NO_AGENTS = "no_agents"  # empty when no agent at or above the floor is logged in
    NO_AVAILABLE = "no_available"  # ...or all of those logged in are on break


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds an agent is not offered calls after an offer failed, per cause."""

    reject_s: int = 5
    busy_s: int = 15
    no_answer_s: int = 30

    def __post_init__(self) -> None:
        for name in ("reject_s", "busy_s", "no_answer_s"):
            _check_range(f"backoff.{name}", getattr(self, name), 0, 3600)


@dataclass(frozen=True, slots=True)
class QueueRules:
    """Everything the router needs to know about one queue; plain arguments, sane defaults."""

    name: str
    plan: TierPlan = field(default_factory=TierPlan)
    strategy: Strategy = Strategy.LONGEST_IDLE
    ring_timeout_s: int = 20
    lease_margin_s: int = 10
    wrap_up_s: int = 10
    backoff: Backoff = field(default_factory=Backoff)
    max_no_answer: int = 3
    weight: int = 1
    max_wait_s: int = 600
    max_size: int = 0  # 0: no limit
    join_empty: EmptyRule = EmptyRule.NEVER
    leave_empty: EmptyRule = EmptyRule.NEVER
    priority_offsets_s: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 64 or not set(self.name) <= _NAME_CHARS:
            raise RuleError("name", f"1-64 of a-z 0-9 _ -, got {self.name!r}")
        for name, enum in (("strategy", Strategy), ("join_empty", EmptyRule)):
            try:
                object.__setattr__(self, name, enum(getattr(self, name)))
            except ValueError:
                raise RuleError(name, f"unknown value {getattr(self, name)!r}") from None
        try:
            object.__setattr__(self, "leave_empty", EmptyRule(self.leave_empty))
        except ValueError:
            raise RuleError("leave_empty", f"unknown value {self.leave_empty!r}") from None
        _check_range("ring_timeout_s", self.ring_timeout_s, 1, 600)
        _check_range("lease_margin_s", self.lease_margin_s, 0, 600)
        _check_range("wrap_up_s", self.wrap_up_s, 0, 3600)
        _check_range("max_no_answer", self.max_no_answer, 1, 100)
        _check_range("weight", self.weight, 1, 100)
        _check_range("max_wait_s", self.max_wait_s, 1, 86_400)
        _check_range("max_size", self.max_size, 0, 1_000_000)
        for vip, seconds in self.priority_offsets_s.items():
            _check_range(f"priority_offsets_s[{vip!r}]", seconds, 0, 86_400)
        object.__setattr__(
            self, "priority_offsets_s", MappingProxyType(dict(self.priority_offsets_s))
        )

    @property
    def lease_ms(self) -> int:
        """How long an offer may ring before anyone may take it back (ring + margin)."""
        return (self.ring_timeout_s + self.lease_margin_s) * 1000

    def priority_offset_ms(self, vip_class: str | None) -> int:
        """How far ahead a caller of this VIP class starts (unknown classes: none)."""
        return self.priority_offsets_s.get(vip_class or "", 0) * 1000

    def to_redis(self) -> dict[str, str | int]:
        """The hash the scripts read (field names are the scripts' own)."""
        return {
            "steps": self.plan.encode(),
            "floor": int(self.plan.floor),
            "dir": self.plan.direction.value,
            "strat": self.strategy.value,
            "bo_reject": self.backoff.reject_s,
            "bo_busy": self.backoff.busy_s,
            "bo_no_answer": self.backoff.no_answer_s,
            "max_na": self.max_no_answer,
            "wrap": self.wrap_up_s,
            "lease": self.lease_ms,
            "weight": self.weight,
            "max_size": self.max_size,
            "join": self.join_empty.value,
            "leave": self.leave_empty.value,
            "max_wait": self.max_wait_s * 1000,
        }


def _check_range(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleError(name, f"must be an integer {low}-{high}, got {value!r}")
