"""List filters and paging from a query string, with the field each bad value came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from queues.call_records.outcome import CallOutcome
from queues.call_records.record_queries import CallFilters
from queues.work_orders.categories import Category
from queues.work_orders.search import Due, OrderFilters
from queues.work_orders.status import Status
from staff_web.supervisor.order_actions import ActionRefused

PAGE_SIZE = 50


@dataclass(frozen=True)
class Paging:
    limit: int = PAGE_SIZE
    offset: int = 0


def _choice(query: Mapping[str, str], name: str, allowed: type[Status | Category | Due]) -> str:
    raw = query.get(name, "").strip()
    if raw and raw not in {member.value for member in allowed}:
        raise ActionRefused(400, f"{name}: {raw!r} is not a known value", {name: "field_bad"})
    return raw


def _number(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ActionRefused(400, f"{name}: a whole number {low}..{high}", {name: "field_bad"})
    return int(raw)


def paging(query: Mapping[str, str]) -> Paging:
    return Paging(_number(query, "limit", PAGE_SIZE, 1, 200), _number(query, "offset", 0, 0, 10**9))


def order_filters(query: Mapping[str, str]) -> OrderFilters:
    status = _choice(query, "status", Status)
    category = _choice(query, "category", Category)
    due = _choice(query, "due", Due)
    return OrderFilters(
        status=Status(status) if status else None,
        category=Category(category) if category else None,
        agent_id=query.get("agent", "").strip() or None,
        caller=query.get("caller", "").strip() or None,
        due=Due(due) if due else None,
    )


def call_filters(query: Mapping[str, str]) -> CallFilters:
    outcome = query.get("outcome")
    if outcome is not None and outcome not in {o.value for o in CallOutcome}:
        raise ActionRefused(
            400, f"outcome: {outcome!r} is not a known value", {"outcome": "field_bad"}
        )
    return CallFilters(
        outcome=outcome or None,
        queue=query.get("queue", "").strip() or None,
        agent_id=query.get("agent", "").strip() or None,
        caller=query.get("caller", "").strip() or None,
    )
