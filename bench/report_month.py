"""The reports on a month in PostgreSQL: 1,000,000 calls, 900,000 work orders, 4,000,000
router events, 100 agents in 4 queues (bench/report_month.sql writes them in the server).

    .venv/bin/python bench/report_month.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

A scratch database of the run's own is created, migrated, filled, vacuumed (so the
covering indexes answer alone, as autovacuum leaves a live table), checkpointed, and
dropped at the end.
Each report runs once to warm up, then `--runs` times; the median is the figure, beside
the median of its baseline: the cheapest query over the same rows (a count of the calls
it reads), timed in the same rounds. Every report's totals are checked against counts
taken straight from the tables, and the agents' signed-in and break time against the
shifts the data was written with, so a fast wrong answer fails the run.

The goal: a day's interval report and a month's per-agent report within 1 s each.
`--write-doc` puts the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench.webhook_load import load_average, write_doc
from queues.catalogue import TargetsSpec
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from queues.reports.agent_report import AgentRow, agent_report
from queues.reports.buckets import range_bounds
from queues.reports.queue_report import queue_report
from queues.reports.queue_row import QueueRow

DATA = Path(__file__).with_suffix(".sql")
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN = "<!-- report-month:begin (written by bench/report_month.py) -->"
END = "<!-- report-month:end -->"
DAY, FIRST, LAST = date(2026, 11, 17), date(2026, 11, 1), date(2026, 11, 30)
TARGETS = {"vip": TargetsSpec(service_level_s=10)}
GOAL_MS = 1000.0
# The shifts bench/report_month.sql gives every agent on each of the 30 days: signed in
# 8 h, on break 15 min and 1 h.
SHIFT_MS, BREAKS_MS, DAYS = 8 * 3600_000, (900 + 3600) * 1000, 30

Report = Callable[[AsyncSession], Awaitable[list[Any]]]


@dataclass(frozen=True)
class Case:
    label: str
    report: Report
    baseline: str  # SQL over the same rows, with :start and :end
    first: date
    last: date
    goal: bool  # held to GOAL_MS


CALLS_JOINED = (
    "SELECT count(*) FROM call_records WHERE queue_joined_at >= :start AND queue_joined_at < :end"
)
CALLS_ANSWERED = (
    "SELECT count(*) FROM call_records WHERE answered_at >= :start AND answered_at < :end"
)
# Visits a call left for another queue (its record holds only the latest): offered too.
EARLIER_VISITS = (
    "SELECT count(*) FROM router_events e JOIN call_records r ON r.call_sid = e.call_sid"
    " WHERE e.name IN ('EXITWITHTIMEOUT', 'EXITEMPTY') AND r.queue_exit_id <> e.stream_id"
    " AND e.at - ((e.data ->> 'wait_ms')::bigint * interval '1 millisecond') >= :start"
    " AND e.at - ((e.data ->> 'wait_ms')::bigint * interval '1 millisecond') < :end"
)
ORDERS = (
    "SELECT count(*) FROM work_orders"
    " WHERE created_at >= :start AND created_at < :end AND agent_id IS NOT NULL"
)
COMPLAINTS = (
    "SELECT count(*) FROM work_orders c JOIN work_orders o ON c.related_id = o.id"
    " WHERE c.category = 'complaint' AND c.created_at >= :start AND c.created_at < :end"
    " AND o.agent_id IS NOT NULL"
)
CASES = [
    Case("a day, 15 min", lambda s: queue_report(s, DAY, DAY, interval_min=15, targets=TARGETS),
         CALLS_JOINED, DAY, DAY, goal=True),
    Case("a month per agent", lambda s: agent_report(s, FIRST, LAST), CALLS_ANSWERED,
         FIRST, LAST, goal=True),
    Case("a month by day",
         lambda s: queue_report(s, FIRST, LAST, interval_min=None, targets=TARGETS),
         CALLS_JOINED, FIRST, LAST, goal=False),
    Case("a day per agent", lambda s: agent_report(s, DAY, DAY), CALLS_ANSWERED, DAY, DAY,
         goal=False),
]  # fmt: skip


@dataclass(frozen=True)
class Timing:
    case: Case
    rows: int
    report_ms: list[float]
    baseline_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.report_ms)

    @property
    def baseline_median_ms(self) -> float:
        return statistics.median(self.baseline_ms)


class WrongFigures(AssertionError):
    pass


async def count(session: AsyncSession, sql: str, first: date, last: date) -> int:
    start, end = range_bounds(first, last)
    return int((await session.execute(text(sql), {"start": start, "end": end})).scalar_one())


def expect(what: str, got: object, wanted: object) -> None:
    if got != wanted:
        raise WrongFigures(f"{what}: the report says {got}, the tables say {wanted}")


async def check(session: AsyncSession, case: Case, rows: list[Any]) -> None:
    """The report's totals against counts taken straight from the tables."""
    first, last = case.first, case.last
    if not rows:
        raise WrongFigures(f"{case.label}: no rows")
    if isinstance(rows[0], QueueRow):
        queues: list[QueueRow] = rows
        joined = await count(session, CALLS_JOINED, first, last)
        visits = await count(session, EARLIER_VISITS, first, last)
        expect(f"{case.label}: visits offered", sum(r.offered for r in queues), joined + visits)
        expect(f"{case.label}: overflows", sum(r.overflowed for r in queues), visits)
        return
    agents: list[AgentRow] = rows
    answered = await count(session, CALLS_ANSWERED + " AND agent_id <> ''", first, last)
    expect(f"{case.label}: calls answered", sum(a.answered for a in agents), answered)
    orders = await count(session, ORDERS, first, last)
    expect(f"{case.label}: work orders", sum(a.orders_total for a in agents), orders)
    complaints = await count(session, COMPLAINTS, first, last)
    expect(f"{case.label}: complaints", sum(a.complaints for a in agents), complaints)
    days = (last - first).days + 1
    for agent in agents:
        expect(f"{case.label}: {agent.agent_id} signed in", agent.signed_in_ms, SHIFT_MS * days)
        expect(f"{case.label}: {agent.agent_id} on break", agent.break_ms, BREAKS_MS * days)


async def timed(make: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    begun = time.perf_counter()
    result = await make()
    return (time.perf_counter() - begun) * 1000, result


async def measure(sessionmaker: Any, case: Case, runs: int) -> Timing:
    report_ms: list[float] = []
    baseline_ms: list[float] = []
    rows: list[Any] = []
    for round_ in range(runs + 1):  # the first round warms the caches up and is not kept
        async with sessionmaker() as session:
            spent, rows = await timed(lambda: case.report(session))
            spent_baseline, _ = await timed(
                lambda: count(session, case.baseline, case.first, case.last)
            )
            if round_ == 0:
                await check(session, case, rows)
                continue
        report_ms.append(spent)
        baseline_ms.append(spent_baseline)
    return Timing(case, len(rows), report_ms, baseline_ms)


def machine_line(server_version: str) -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    kib = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return (
        f"{model.group(1).strip() if model else platform.processor()}, {os.cpu_count()} cores, "
        f"{int(kib.group(1)) / 2**20 if kib else 0:.0f} GiB; Python {platform.python_version()}; "
        f"PostgreSQL {server_version} (its default settings)"
    )


def table(timings: list[Timing]) -> list[str]:
    lines = [
        "| report | rows | median | min – max | baseline median | ratio | goal |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in timings:
        goal = ("met" if t.median_ms <= GOAL_MS else "**missed**") if t.case.goal else "–"
        lines.append(
            f"| {t.case.label} | {t.rows} | {t.median_ms:.0f} ms "
            f"| {min(t.report_ms):.0f} – {max(t.report_ms):.0f} ms "
            f"| {t.baseline_median_ms:.0f} ms "
            f"| {t.median_ms / t.baseline_median_ms:.1f}× | {goal} |"
        )
    return lines


async def run(args: argparse.Namespace) -> int:
    url = make_url(args.database_url).set(drivername="postgresql")
    name = f"hotline_report_bench_{os.getpid()}"
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    server_version = str(await admin.fetchval("SHOW server_version"))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    scratch = url.set(database=name)
    engine = create_engine(scratch.set(drivername="postgresql+asyncpg").render_as_string(False))
    try:
        await upgrade(engine)
        filling = await asyncpg.connect(scratch.render_as_string(hide_password=False))
        started = time.perf_counter()
        await filling.execute(DATA.read_text("utf-8"))
        await filling.execute("VACUUM ANALYZE")
        # Write the fill out now: otherwise the checkpoint after it, spread over minutes,
        # competes for the disk with the timed reports, as no settled month of data does.
        await filling.execute("CHECKPOINT")
        await filling.close()
        filled_s = time.perf_counter() - started
        print(f"filled in {filled_s:.0f} s", flush=True)
        sessionmaker = create_sessionmaker(engine)
        load_before = load_average()
        timings = []
        for case in CASES:
            timing = await measure(sessionmaker, case, args.runs)
            timings.append(timing)
            print(table([timing])[-1], flush=True)
        load_after = load_average()
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()
    lines = [
        f"Machine: {machine_line(server_version)}. Load average before / after: "
        f"{load_before} / {load_after}. Filled in {filled_s:.0f} s; "
        f"{args.runs} timed runs of each report after one checked warm-up run.",
        "",
        *table(timings),
    ]
    print("\n".join(lines))
    if args.write_doc:
        command = " ".join(["python bench/report_month.py", *sys.argv[1:]])
        write_doc(DOC, command, lines, begin=BEGIN, end=END)
    missed = [t.case.label for t in timings if t.case.goal and t.median_ms > GOAL_MS]
    if missed:
        print(f"goal of {GOAL_MS:.0f} ms missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL to create from")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each report")
    parser.add_argument("--write-doc", action="store_true", help="write docs/benchmarks.md")
    raise SystemExit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
