"""Service-level figures per queue for one day, computed from the call records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records.cdr import CallRecord
from queues.call_records.outcome import CallOutcome, EndCause
from queues.working_days import SHANGHAI

DEFAULT_THRESHOLD_S = 20  # 服务水平: answered within 20 s


@dataclass(frozen=True)
class QueueFigures:
    """One queue's day: calls that joined it and what became of them."""

    queue: str
    offered: int
    answered: int
    abandoned: int
    timed_out: int
    answered_within: int
    avg_wait_s: float | None  # of answered calls (ASA)
    aht_s: float | None  # average talk time of answered calls (wrap-up is not in the CDR)

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return None if whole == 0 else round(100 * part / whole, 1)

    @property
    def service_level(self) -> float | None:
        """Answered within the threshold, as a share of calls offered (%)."""
        return self._percent(self.answered_within, self.offered)

    @property
    def answer_rate(self) -> float | None:
        return self._percent(self.answered, self.offered)

    @property
    def abandon_rate(self) -> float | None:
        return self._percent(self.abandoned, self.offered)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A calendar day in Asia/Shanghai, as tz-aware instants [start, end)."""
    start = datetime.combine(day, time(0), SHANGHAI)
    return start, datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)


def today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


async def figures_for_day(
    session: AsyncSession, day: date, *, threshold_s: int = DEFAULT_THRESHOLD_S
) -> list[QueueFigures]:
    """Per queue, calls that joined it during `day`, queues in name order."""
    start, end = day_bounds(day)
    answered = CallRecord.answered_at.is_not(None)
    query = (
        select(
            CallRecord.queue,
            func.count(),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((CallRecord.outcome == CallOutcome.ABANDONED.value, 1), else_=0)),
            func.sum(case((CallRecord.end_cause == EndCause.MAX_WAIT.value, 1), else_=0)),
            func.sum(
                case(
                    (answered & (CallRecord.wait_ms <= threshold_s * 1000), 1),
                    else_=0,
                )
            ),
            func.avg(case((answered, CallRecord.wait_ms), else_=None).cast(Integer)),
            func.avg(case((answered, CallRecord.talk_ms), else_=None).cast(Integer)),
        )
        .where(CallRecord.queued_at >= start, CallRecord.queued_at < end)
        .group_by(CallRecord.queue)
        .order_by(CallRecord.queue)
    )
    figures = []
    for queue, offered, ans, abandoned, timed_out, within, wait, talk in await session.execute(
        query
    ):
        figures.append(
            QueueFigures(
                queue=queue,
                offered=int(offered),
                answered=int(ans or 0),
                abandoned=int(abandoned or 0),
                timed_out=int(timed_out or 0),
                answered_within=int(within or 0),
                avg_wait_s=None if wait is None else round(float(wait) / 1000, 1),
                aht_s=None if talk is None else round(float(talk) / 1000, 1),
            )
        )
    return figures


def totals(figures: list[QueueFigures]) -> QueueFigures:
    """All queues together (averages weighted by answered calls)."""
    answered = sum(f.answered for f in figures)

    def weighted(values: list[tuple[float | None, int]]) -> float | None:
        known = [(v, n) for v, n in values if v is not None and n]
        weight = sum(n for _, n in known)
        return round(sum(v * n for v, n in known) / weight, 1) if weight else None

    return QueueFigures(
        queue="",
        offered=sum(f.offered for f in figures),
        answered=answered,
        abandoned=sum(f.abandoned for f in figures),
        timed_out=sum(f.timed_out for f in figures),
        answered_within=sum(f.answered_within for f in figures),
        avg_wait_s=weighted([(f.avg_wait_s, f.answered) for f in figures]),
        aht_s=weighted([(f.aht_s, f.answered) for f in figures]),
    )
