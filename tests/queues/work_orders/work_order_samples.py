"""Sample work orders and clocks shared by the work-order tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.categories import Category
from queues.work_orders.intake import NewWorkOrder, create_order
from queues.work_orders.orders import WorkOrder

# Friday 2026-11-27 10:00 in Shanghai.
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def sample(**overrides: Any) -> NewWorkOrder:
    values: dict[str, Any] = {
        "hotline_id": "95598",
        "caller": "+8613800000001",
        "category": Category.INQUIRY,
        "queue": "general",
        "ivr_path": "9 人工服务",
        "agent_id": "a1",
        "agent_grade": 2,
        "wait_s": 12,
        "decision_trace": {"step": 0, "chosen": "a1"},
    }
    values.update(overrides)
    return NewWorkOrder(**values)


async def make(session: AsyncSession, now: datetime = NOW, **overrides: Any) -> WorkOrder:
    return await create_order(session, sample(**overrides), now=now)
