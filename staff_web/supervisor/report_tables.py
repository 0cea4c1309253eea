"""The report's tables as columns of typed values, one definition shared by the page, the
CSV export and the chart: counts, percentages, seconds and hours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from queues.reports.agent_report import AgentRow
from queues.reports.queue_row import QueueRow
from queues.work_orders.categories import Category
from queues.working_days import SHANGHAI
from staff_web.supervisor.report_texts import ReportWords

Row = TypeVar("Row")
Value = int | float | str | None


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    PCT = "pct"
    SECONDS = "s"
    HOURS = "h"


@dataclass(frozen=True)
class Column(Generic[Row]):
    title: str  # in the page's language
    kind: Kind
    value: Callable[[Row], Value]


def queue_columns(w: ReportWords, *, all_queues: str) -> list[Column[QueueRow]]:
    def start(row: QueueRow) -> str:
        local = row.start.astimezone(SHANGHAI)
        return (
            local.strftime("%Y-%m-%d")
            if row.interval_min is None
            else local.strftime("%Y-%m-%d %H:%M")
        )

    return [
        Column(w["queue"], Kind.TEXT, lambda r: r.queue or all_queues),
        Column(w["start"], Kind.TEXT, start),
        Column(w["offered"], Kind.COUNT, lambda r: r.offered),
        Column(w["answered"], Kind.COUNT, lambda r: r.answered),
        Column(w["abandoned"], Kind.COUNT, lambda r: r.abandoned),
        Column(w["short_abandoned"], Kind.COUNT, lambda r: r.short_abandoned),
        Column(w["within"], Kind.COUNT, lambda r: r.answered_within),
        Column(w["sl"], Kind.PCT, lambda r: r.service_level_pct),
        Column(w["asa"], Kind.SECONDS, lambda r: r.asa_s),
        Column(w["aht"], Kind.SECONDS, lambda r: r.aht_s),
        Column(w["longest"], Kind.SECONDS, lambda r: r.longest_wait_s),
        Column(w["overflowed"], Kind.COUNT, lambda r: r.overflowed),
        Column(w["timed_out"], Kind.COUNT, lambda r: r.timed_out),
    ]


def agent_columns(w: ReportWords) -> list[Column[AgentRow]]:
    def orders_of(category: Category) -> Callable[[AgentRow], Value]:
        return lambda r: r.orders.get(category.value, 0)

    columns: list[Column[AgentRow]] = [
        Column(w["agent"], Kind.TEXT, lambda r: r.agent_id),
        Column(w["answered"], Kind.COUNT, lambda r: r.answered),
        Column(w["talk"], Kind.SECONDS, lambda r: r.talk_ms / 1000),
        Column(w["wrap"], Kind.SECONDS, lambda r: r.wrap_ms / 1000),
        Column(w["aht"], Kind.SECONDS, lambda r: r.aht_s),
        Column(w["occupancy"], Kind.PCT, lambda r: r.occupancy_pct),
        Column(w["rejects"], Kind.COUNT, lambda r: r.rejects),
        Column(w["no_answers"], Kind.COUNT, lambda r: r.no_answers),
        Column(w["signed_in"], Kind.HOURS, lambda r: r.signed_in_ms / 3_600_000),
        Column(w["breaks"], Kind.HOURS, lambda r: r.break_ms / 3_600_000),
        Column(w["orders"], Kind.COUNT, lambda r: r.orders_total),
    ]
    columns += [
        Column(f"{w['orders']}·{w.category(c)}", Kind.COUNT, orders_of(c)) for c in Category
    ]
    columns.append(Column(w["complaints"], Kind.COUNT, lambda r: r.complaints))
    return columns


def shown(w: ReportWords, kind: Kind, value: Value) -> str:
    """A cell as the page shows it: one decimal and a unit for times and rates."""
    if value is None:
        return ""
    if kind is Kind.PCT:
        return f"{float(value):.1f}%"
    if kind is Kind.SECONDS:
        return w.seconds(float(value))
    if kind is Kind.HOURS:
        return w["hours"].format(v=f"{float(value):.1f}")
    return str(value)


def plain(kind: Kind, value: Value) -> str:
    """A cell as the CSV holds it: a bare number (the unit is in the header)."""
    if value is None:
        return ""
    if kind in (Kind.PCT, Kind.SECONDS, Kind.HOURS):
        return f"{float(value):.1f}"
    return str(value)


def csv_title(w: ReportWords, column: Column[Row]) -> str:
    unit = {Kind.PCT: "%", Kind.SECONDS: w["seconds"].format(v="").strip(),
            Kind.HOURS: w["hours"].format(v="").strip()}.get(column.kind)  # fmt: skip
    return f"{column.title} ({unit})" if unit else column.title


def cells(columns: Sequence[Column[Row]], rows: Sequence[Row]) -> list[list[Value]]:
    return [[column.value(row) for column in columns] for row in rows]
