"""The reports on a month in PostgreSQL: 1,000,000 calls, 900,000 work orders, 4,000,000
router events, 100 agents in 4 queues (bench/report_month.sql writes them in the server).

    .venv/bin/python bench/report_month.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

A scratch database of the run's own is created, migrated, filled, vacuumed (so the
covering indexes answer alone, as autovacuum leaves a live table) and dropped at the end.
Each report runs three times; the best is printed. The goal: a day's interval report and
a month's per-agent report within 1 s each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from queues.catalogue import TargetsSpec
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from queues.reports.agent_report import agent_report
from queues.reports.queue_report import queue_report

DATA = Path(__file__).with_suffix(".sql")
DAY, FIRST, LAST = date(2026, 11, 17), date(2026, 11, 1), date(2026, 11, 30)
TARGETS = {"vip": TargetsSpec(service_level_s=10)}

Report = Callable[[AsyncSession], Awaitable[list[Any]]]
REPORTS: list[tuple[str, Report]] = [
    ("a day, 15 min", lambda s: queue_report(s, DAY, DAY, interval_min=15, targets=TARGETS)),
    ("a month by day", lambda s: queue_report(s, FIRST, LAST, interval_min=None, targets=TARGETS)),
    ("a month per agent", lambda s: agent_report(s, FIRST, LAST)),
    ("a day per agent", lambda s: agent_report(s, DAY, DAY)),
]  # fmt: skip


async def run(admin_url: str) -> None:
    url = make_url(admin_url).set(drivername="postgresql")
    name = f"hotline_report_bench_{os.getpid()}"
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    scratch = url.set(database=name)
    engine = create_engine(scratch.set(drivername="postgresql+asyncpg").render_as_string(False))
    try:
        await upgrade(engine)
        filling = await asyncpg.connect(scratch.render_as_string(hide_password=False))
        started = time.perf_counter()
        await filling.execute(DATA.read_text("utf-8"))
        await filling.execute("VACUUM ANALYZE")
        await filling.close()
        print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
        sessionmaker = create_sessionmaker(engine)
        for label, report in REPORTS:
            best = float("inf")
            for _ in range(3):
                async with sessionmaker() as session:
                    begun = time.perf_counter()
                    rows = await report(session)
                    best = min(best, time.perf_counter() - begun)
            print(f"{label:18} {len(rows):5} rows  best of 3: {best * 1000:7.1f} ms", flush=True)
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL to create from")
    asyncio.run(run(parser.parse_args().database_url))


if __name__ == "__main__":
    main()
