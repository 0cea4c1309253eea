"""The report pages' and API's query (from, to, interval, view), parsed at the edge; a bad
field is a 400 that names it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from staff_web.supervisor.order_actions import ActionRefused

MAX_DAYS = 62  # two months at most: a report, not an export of the database
INTERVALS: dict[str, int | None] = {"15": 15, "30": 30, "60": 60, "day": None}


class View(StrEnum):
    QUEUES = "queues"
    AGENTS = "agents"


@dataclass(frozen=True)
class ReportQuery:
    first: date
    last: date
    interval_min: int | None  # None: per day
    view: View

    @property
    def interval(self) -> str:
        return "day" if self.interval_min is None else str(self.interval_min)

    def params(self) -> dict[str, str]:
        """The query string that asks for this report again (the CSV link, the form)."""
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "interval": self.interval,
            "view": self.view.value,
        }


def _bad(name: str, message: str) -> ActionRefused:
    return ActionRefused(400, f"{name}: {message}", {name: message})


def _day(query: Mapping[str, str], name: str, default: date) -> date:
    raw = query.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(name, f"expected a date YYYY-MM-DD, got {raw!r}") from None


def parse_report_query(query: Mapping[str, str], today: date) -> ReportQuery:
    """from/to default to today (in Shanghai), interval to 60, view to queues."""
    first = _day(query, "from", today)
    last = _day(query, "to", first if "from" in query else today)
    if first > last:
        raise _bad("from", f"{first} is after to ({last})")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise _bad("to", f"at most {MAX_DAYS} days from {first}, asked {days}")
    interval = query.get("interval", "60").strip() or "60"
    if interval not in INTERVALS:
        raise _bad("interval", f"one of 15, 30, 60 or day, got {interval!r}")
    raw_view = query.get("view", View.QUEUES.value).strip() or View.QUEUES.value
    try:
        view = View(raw_view)
    except ValueError:
        raise _bad("view", f"queues or agents, got {raw_view!r}") from None
    return ReportQuery(first, last, INTERVALS[interval], view)
