"""Service-level figures per queue for one day: the interval report's daily rows
(queues/reports/queue_report.py), so the desk, the wallboard and the reports agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from queues.catalogue import TargetsSpec
from queues.reports.queue_report import queue_report
from queues.reports.queue_row import QueueRow
from queues.working_days import SHANGHAI

DEFAULT_THRESHOLD_S = TargetsSpec().service_level_s  # 服务水平: answered within 20 s


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class QueueFigures:
    """One queue's day: calls that joined it and what became of them (docs/metrics.md)."""

    queue: str
    offered: int
    answered: int
    abandoned: int  # not counting short abandons
    timed_out: int
    answered_within: int
    avg_wait_s: float | None  # of answered calls (ASA)
    aht_s: float | None  # talk plus wrap-up of answered calls whose talk has ended
    short_abandoned: int = 0
    overflowed: int = 0
    longest_wait_s: float | None = None

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return None if whole <= 0 else round(100 * part / whole, 1)

    @property
    def service_level(self) -> float | None:
        """Answered within the threshold, as a share of calls offered less short abandons."""
        return self._percent(self.answered_within, self.offered - self.short_abandoned)

    @property
    def answer_rate(self) -> float | None:
        return self._percent(self.answered, self.offered)

    @property
    def abandon_rate(self) -> float | None:
        return self._percent(self.abandoned, self.offered - self.short_abandoned)

    @classmethod
    def of(cls, row: QueueRow) -> QueueFigures:
        return cls(
            queue=row.queue,
            offered=row.offered,
            answered=row.answered,
            abandoned=row.abandoned,
            timed_out=row.timed_out,
            answered_within=row.answered_within,
            avg_wait_s=_round(row.asa_s),
            aht_s=_round(row.aht_s),
            short_abandoned=row.short_abandoned,
            overflowed=row.overflowed,
            longest_wait_s=_round(row.longest_wait_s),
        )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A calendar day in Asia/Shanghai, as tz-aware instants [start, end)."""
    start = datetime.combine(day, time(0), SHANGHAI)
    return start, datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)


def today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


async def figures_for_day(
    session: AsyncSession,
    day: date,
    *,
    threshold_s: int = DEFAULT_THRESHOLD_S,
    targets: Mapping[str, TargetsSpec] | None = None,
) -> list[QueueFigures]:
    """Per queue, calls that joined it during `day`, queues in name order; a queue missing
    from `targets` is held to `threshold_s` and the other default targets."""
    fallback = TargetsSpec(service_level_s=threshold_s)
    chosen = dict(targets or {})
    if threshold_s != DEFAULT_THRESHOLD_S:
        # queue_report's own fallback is TargetsSpec(); name every other queue explicitly.
        return await _with_fallback(session, day, chosen, fallback)
    rows = await queue_report(session, day, day, interval_min=None, targets=chosen)
    return [QueueFigures.of(row) for row in rows]


async def _with_fallback(
    session: AsyncSession, day: date, targets: dict[str, TargetsSpec], fallback: TargetsSpec
) -> list[QueueFigures]:
    first = await queue_report(session, day, day, interval_min=None, targets=targets)
    missing = {row.queue: fallback for row in first if row.queue not in targets}
    if not missing:
        return [QueueFigures.of(row) for row in first]
    rows = await queue_report(session, day, day, interval_min=None, targets={**targets, **missing})
    return [QueueFigures.of(row) for row in rows]


def totals(figures: list[QueueFigures]) -> QueueFigures:
    """All queues together (averages weighted by answered calls)."""
    answered = sum(f.answered for f in figures)

    def weighted(values: list[tuple[float | None, int]]) -> float | None:
        known = [(v, n) for v, n in values if v is not None and n]
        weight = sum(n for _, n in known)
        return round(sum(v * n for v, n in known) / weight, 1) if weight else None

    waits = [f.longest_wait_s for f in figures if f.longest_wait_s is not None]
    return QueueFigures(
        queue="",
        offered=sum(f.offered for f in figures),
        answered=answered,
        abandoned=sum(f.abandoned for f in figures),
        timed_out=sum(f.timed_out for f in figures),
        answered_within=sum(f.answered_within for f in figures),
        avg_wait_s=weighted([(f.avg_wait_s, f.answered) for f in figures]),
        aht_s=weighted([(f.aht_s, f.answered) for f in figures]),
        short_abandoned=sum(f.short_abandoned for f in figures),
        overflowed=sum(f.overflowed for f in figures),
        longest_wait_s=max(waits) if waits else None,
    )
