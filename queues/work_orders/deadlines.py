"""Work-order deadline rules per category and the pure computation of due times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from queues.work_orders.categories import Category
from queues.working_days import OFFICIAL, WorkingCalendar


class Area(StrEnum):
    """Where the customer is; fault-repair arrival times depend on it."""

    CITY = "city"
    RURAL = "rural"
    REMOTE = "remote"

    @property
    def label(self) -> str:
        return {"city": "城区", "rural": "农村", "remote": "特殊边远"}[self.value]


class DeadlineKind(StrEnum):
    CONTACT = "contact"
    ARRIVAL = "arrival"
    REPLY = "reply"

    @property
    def label(self) -> str:
        return {"contact": "联系客户", "arrival": "到达现场", "reply": "回复"}[self.value]


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class Rule:
    """One deadline: `amount` units after acceptance, optionally a different amount per area."""

    kind: DeadlineKind
    unit: Unit
    amount: int
    by_area: tuple[tuple[Area, int], ...] = ()

    def __post_init__(self) -> None:
        if self.amount < 0 or any(amount < 0 for _, amount in self.by_area):
            raise ValueError(f"{self.kind}: amounts must be zero or more")

    def amount_for(self, area: Area) -> int:
        return dict(self.by_area).get(area, self.amount)


def _working_days(kind: DeadlineKind, days: int) -> Rule:
    return Rule(kind, Unit.WORKING_DAYS, days)


DEFAULT_RULES: Mapping[Category, tuple[Rule, ...]] = MappingProxyType(
    {
        Category.FAULT_REPAIR: (
            Rule(
                DeadlineKind.ARRIVAL,
                Unit.MINUTES,
                45,
                by_area=((Area.CITY, 45), (Area.RURAL, 90), (Area.REMOTE, 120)),
            ),
            Rule(DeadlineKind.REPLY, Unit.HOURS, 24),
        ),
        Category.COMPLAINT: (
            _working_days(DeadlineKind.CONTACT, 1),
            _working_days(DeadlineKind.REPLY, 7),
        ),
        Category.REPORT: (_working_days(DeadlineKind.REPLY, 7),),
        Category.INQUIRY: (_working_days(DeadlineKind.REPLY, 1),),
        Category.SUGGESTION: (_working_days(DeadlineKind.REPLY, 7),),
        Category.SERVICE_REQUEST: (
            _working_days(DeadlineKind.CONTACT, 1),
            _working_days(DeadlineKind.REPLY, 5),
        ),
        Category.NEW_CONNECTION: (
            _working_days(DeadlineKind.CONTACT, 1),
            _working_days(DeadlineKind.REPLY, 5),
        ),
        # Praise asks nothing of anyone: no deadline.
        Category.PRAISE: (),
    }
)


@dataclass(frozen=True)
class DeadlinePolicy:
    """The deadline rules per category and the working-day calendar they count in."""

    rules: Mapping[Category, tuple[Rule, ...]] = field(default_factory=lambda: DEFAULT_RULES)
    calendar: WorkingCalendar = OFFICIAL

    def __post_init__(self) -> None:
        for category, rules in self.rules.items():
            kinds = [rule.kind for rule in rules]
            if len(kinds) != len(set(kinds)):
                raise ValueError(f"rules[{category}]: a deadline kind appears twice")

    def due_times(
        self, category: Category, area: Area, accepted_at: datetime
    ) -> dict[DeadlineKind, datetime]:
        """When each of the category's deadlines falls for an order accepted at `accepted_at`."""
        return {
            rule.kind: due_time(rule, area, accepted_at, self.calendar)
            for rule in self.rules.get(category, ())
        }


def due_time(rule: Rule, area: Area, accepted_at: datetime, calendar: WorkingCalendar) -> datetime:
    """The rule's due time for an order accepted at `accepted_at` (tz-aware)."""
    if accepted_at.tzinfo is None:
        raise ValueError("naive datetime: pass a tz-aware timestamp")
    amount = rule.amount_for(area)
    if rule.unit is Unit.MINUTES:
        return accepted_at + timedelta(minutes=amount)
    if rule.unit is Unit.HOURS:
        return accepted_at + timedelta(hours=amount)
    return calendar.add_working_days(accepted_at, amount)


DEFAULT_POLICY = DeadlinePolicy()

# Which deadlines a lifecycle step meets: starting work means the customer was contacted
# (or, for fault repair, the crew is on site); the department's reply meets the reply.
FIRST_RESPONSE = frozenset({DeadlineKind.CONTACT, DeadlineKind.ARRIVAL})
