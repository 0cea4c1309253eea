"""Read-side call-record queries for the supervisor pages: recent calls, filtered."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records.cdr import CallRecord

MAX_PAGE = 200


@dataclass(frozen=True)
class CallFilters:
    outcome: str | None = None
    queue: str | None = None
    agent_id: str | None = None
    caller: str | None = None

    def condition(self) -> ColumnElement[bool]:
        where: ColumnElement[bool] = true()
        if self.outcome is not None:
            where = where & (CallRecord.outcome == self.outcome)
        if self.queue:
            where = where & (CallRecord.queue == self.queue)
        if self.agent_id:
            where = where & (CallRecord.agent_id == self.agent_id)
        if self.caller:
            where = where & (CallRecord.caller == self.caller)
        return where


@dataclass(frozen=True)
class CallPage:
    items: list[CallRecord]
    total: int
    limit: int
    offset: int


async def search_calls(
    session: AsyncSession, filters: CallFilters, *, limit: int = 50, offset: int = 0
) -> CallPage:
    """Calls newest first (by arrival), one page of them and how many match."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit: must be 1..{MAX_PAGE}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset: must be zero or more, got {offset}")
    where = filters.condition()
    query = (
        select(CallRecord)
        .where(where)
        .order_by(CallRecord.arrived_at.desc(), CallRecord.call_sid)
        .limit(limit)
        .offset(offset)
    )
    items = list((await session.execute(query)).scalars())
    total = (
        await session.execute(select(func.count()).select_from(CallRecord).where(where))
    ).scalar_one()
    return CallPage(items=items, total=total, limit=limit, offset=offset)
