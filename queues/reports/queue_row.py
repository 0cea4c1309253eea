"""One queue's figures for one interval (or the sum of several), with the rates derived
from the counts: the definitions are docs/metrics.md's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime


def ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
    return None if whole == 0 else part * scale / whole


@dataclass(frozen=True)
class QueueRow:
    """Calls that joined `queue` in [start, start + interval_min) and what became of them."""

    queue: str  # "" for all queues together
    start: datetime  # tz-aware, Asia/Shanghai
    interval_min: int | None  # None: the whole day
    offered: int = 0  # joined the queue
    answered: int = 0
    abandoned: int = 0  # hung up waiting (or ringing) after short_abandon_s or more
    short_abandoned: int = 0  # hung up sooner: counted apart, not in `abandoned`
    answered_within: int = 0  # answered after waiting service_level_s or less
    timed_out: int = 0  # left at the queue's maximum wait
    overflowed: int = 0  # left (at its maximum wait, or emptied) for another queue
    answered_wait_ms: int = 0  # summed over answered calls whose wait is known
    answered_waits: int = 0  # how many those are
    handled: int = 0  # answered calls whose talk has ended (talk known)
    talk_ms: int = 0  # summed over handled calls
    wrap_ms: int = 0  # summed over handled calls
    longest_wait_ms: int | None = None  # any call's, answered or not

    @property
    def service_level_base(self) -> int:
        """Calls service level is a share of: all offered but the short abandons."""
        return self.offered - self.short_abandoned

    @property
    def service_level_pct(self) -> float | None:
        return ratio(self.answered_within, self.service_level_base, 100)

    @property
    def answer_rate_pct(self) -> float | None:
        return ratio(self.answered, self.offered, 100)

    @property
    def abandon_rate_pct(self) -> float | None:
        return ratio(self.abandoned, self.service_level_base, 100)

    @property
    def asa_s(self) -> float | None:
        """Average speed of answer: the mean wait of answered calls, in seconds."""
        return ratio(self.answered_wait_ms, self.answered_waits, 0.001)

    @property
    def aht_s(self) -> float | None:
        """Average handle time: talk plus wrap-up per handled call, in seconds."""
        return ratio(self.talk_ms + self.wrap_ms, self.handled, 0.001)

    @property
    def avg_talk_s(self) -> float | None:
        return ratio(self.talk_ms, self.handled, 0.001)

    @property
    def avg_wrap_s(self) -> float | None:
        return ratio(self.wrap_ms, self.handled, 0.001)

    @property
    def longest_wait_s(self) -> float | None:
        return None if self.longest_wait_ms is None else self.longest_wait_ms / 1000

    def plus(self, other: QueueRow) -> QueueRow:
        """Both rows' calls together (counts and sums add, the longest wait is the longer)."""
        values: dict[str, int] = {}
        for f in fields(self):
            if f.name in ("queue", "start", "interval_min", "longest_wait_ms"):
                continue
            values[f.name] = getattr(self, f.name) + getattr(other, f.name)
        waits = [w for w in (self.longest_wait_ms, other.longest_wait_ms) if w is not None]
        longest = max(waits) if waits else None
        return replace(self, **values, longest_wait_ms=longest)  # type: ignore[arg-type]


def totals(rows: Iterable[QueueRow], *, start: datetime | None = None) -> QueueRow | None:
    """All the rows as one "all queues" row (None when there are none); its start is the
    earliest row's unless given, its interval that of the rows when they share one."""
    rows = list(rows)
    if not rows:
        return None
    lengths = {row.interval_min for row in rows}
    total = QueueRow(
        queue="",
        start=start or min(row.start for row in rows),
        interval_min=lengths.pop() if len(lengths) == 1 else None,
    )
    for row in rows:
        total = total.plus(row)
    return total


def all_queues_by_interval(rows: Iterable[QueueRow]) -> list[QueueRow]:
    """One "all queues" row per interval start, in time order."""
    by_start: dict[datetime, list[QueueRow]] = {}
    for row in rows:
        by_start.setdefault(row.start, []).append(row)
    return [t for s in sorted(by_start) if (t := totals(by_start[s], start=s)) is not None]
