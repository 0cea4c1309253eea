"""The per-agent report: calls answered, talk and wrap-up, handle time, occupancy, missed
offers by cause, work orders by category and complaints about them (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from queues.call_records.cdr import CallRecord
from queues.call_records.router_events import RouterEventRow
from queues.reports.buckets import range_bounds
from queues.reports.queue_row import ratio
from queues.reports.sign_in_time import LOOKBACK, PRESENCE_EVENTS, presence_by_agent
from queues.work_orders.categories import Category
from queues.work_orders.orders import WorkOrder
from routing.events import EventName


@dataclass(frozen=True)
class AgentRow:
    """One agent's work in the range: calls by when they were answered, orders by when
    they were logged, time by the router's membership and pause events."""

    agent_id: str
    answered: int = 0
    handled: int = 0  # answered calls whose talk has ended
    talk_ms: int = 0
    wrap_ms: int = 0
    rejects: int = 0  # RINGNOANSWER cause reject: the agent declined the offer
    no_answers: int = 0  # RINGNOANSWER cause no_answer: rang out
    busy: int = 0  # RINGNOANSWER cause busy
    failed: int = 0  # RINGNOANSWER cause failed: the agent's leg could not be reached
    signed_in_ms: int = 0
    break_ms: int = 0
    orders: dict[str, int] = field(default_factory=dict)  # work-order category → count
    complaints: int = 0  # complaint orders related to an order this agent took

    @property
    def aht_s(self) -> float | None:
        return ratio(self.talk_ms + self.wrap_ms, self.handled, 0.001)

    @property
    def available_ms(self) -> int:
        return self.signed_in_ms - self.break_ms

    @property
    def occupancy_pct(self) -> float | None:
        """Talk plus wrap-up as a share of signed-in time less breaks."""
        if self.available_ms <= 0:
            return None
        return ratio(self.talk_ms + self.wrap_ms, self.available_ms, 100)

    @property
    def orders_total(self) -> int:
        return sum(self.orders.values())


async def _calls(session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
    r = CallRecord
    # A call's wrap-up is known only once its talk is (both come with COMPLETE*), so plain
    # sums are the handled calls' sums: the cheapest aggregates over a month of calls.
    query = (
        select(
            r.agent_id,
            func.count(),
            func.count(r.talk_ms),
            func.coalesce(func.sum(r.talk_ms), 0),
            func.coalesce(func.sum(r.wrap_ms), 0),
        )
        .where(r.answered_at >= start, r.answered_at < end, r.agent_id != "")
        .group_by(r.agent_id)
    )
    return list(await session.execute(query))


async def _misses(session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
    e = RouterEventRow
    cause = e.data["cause"].as_string()
    query = (
        select(e.agent_id, cause, func.count())
        .where(e.name == EventName.RINGNOANSWER.value, e.at >= start, e.at < end, e.agent_id != "")
        .group_by(e.agent_id, cause)
    )
    return list(await session.execute(query))


async def _presence_events(session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
    e = RouterEventRow
    query = (
        select(e.agent_id, e.name, e.queue, e.at)
        .where(e.name.in_(PRESENCE_EVENTS), e.at >= start - LOOKBACK, e.at < end)
        .where(e.agent_id != "", e.error == "")
        .order_by(e.at, e.id)
    )
    return list(await session.execute(query))


async def _router_now(session: AsyncSession) -> datetime | None:
    """The router's clock as far as SQL knows it: the latest event consumed."""
    e = RouterEventRow
    query = select(e.at).order_by(e.id.desc()).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def _orders(session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
    o = WorkOrder
    query = (
        select(o.agent_id, o.category, func.count())
        .where(o.created_at >= start, o.created_at < end, o.agent_id.is_not(None))
        .group_by(o.agent_id, o.category)
    )
    return list(await session.execute(query))


async def _complaints(session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
    complaint, earlier = WorkOrder, aliased(WorkOrder)
    query = (
        select(earlier.agent_id, func.count())
        .select_from(complaint)
        .join(earlier, complaint.related_id == earlier.id)
        .where(
            complaint.category == Category.COMPLAINT,
            complaint.created_at >= start,
            complaint.created_at < end,
            earlier.agent_id.is_not(None),
        )
        .group_by(earlier.agent_id)
    )
    return list(await session.execute(query))


async def agent_report(session: AsyncSession, first: date, last: date) -> list[AgentRow]:
    """Every agent with a call, a missed offer, a sign-in or a work order in the Shanghai
    days first..last, by agent id."""
    start, end = range_bounds(first, last)
    values: dict[str, dict[str, Any]] = {}

    def agent(agent_id: str) -> dict[str, Any]:
        return values.setdefault(agent_id, {"orders": {}})

    for agent_id, answered, handled, talk, wrap in await _calls(session, start, end):
        agent(agent_id).update(
            answered=int(answered), handled=int(handled), talk_ms=int(talk), wrap_ms=int(wrap)
        )
    misses = {"reject": "rejects", "no_answer": "no_answers", "busy": "busy", "failed": "failed"}
    for agent_id, cause, count in await _misses(session, start, end):
        if cause in misses:
            row = agent(agent_id)
            row[misses[cause]] = row.get(misses[cause], 0) + int(count)
    now = await _router_now(session)
    until = min(end, now) if now is not None else end
    events = [tuple(row) for row in await _presence_events(session, start, end)]
    for agent_id, presence in presence_by_agent(events, start, until).items():
        if presence.signed_in_ms:
            agent(agent_id).update(signed_in_ms=presence.signed_in_ms, break_ms=presence.break_ms)
    for agent_id, category, count in await _orders(session, start, end):
        agent(agent_id)["orders"][Category(category).value] = int(count)
    for agent_id, count in await _complaints(session, start, end):
        agent(agent_id)["complaints"] = int(count)
    return [AgentRow(agent_id=a, **values[a]) for a in sorted(values)]
