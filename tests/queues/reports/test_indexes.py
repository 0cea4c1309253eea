"""The reports' indexes: what migrations build is what the models declare, on every
database the tests run on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.cdr import CallRecord
from queues.call_records.router_events import RouterEventRow
from queues.db import Base
from queues.work_orders.orders import WorkOrder

Shape = tuple[tuple[str, ...], tuple[str, ...]]  # key columns, covered columns


def declared(table: str, dialect: str) -> dict[str, Shape]:
    found = {}
    for index in Base.metadata.tables[table].indexes:
        include = index.dialect_options["postgresql"]["include"] if dialect == "postgresql" else ()
        found[str(index.name)] = (tuple(c.name for c in index.columns), tuple(include or ()))
    return found


def reflected(index: Any) -> Shape:
    include = index.get("include_columns") or index.get("dialect_options", {}).get(
        "postgresql_include", ()
    )
    return tuple(str(c) for c in index["column_names"]), tuple(str(c) for c in include)


async def test_migrated_indexes_match_the_models(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    tables = (CallRecord.__tablename__, RouterEventRow.__tablename__, WorkOrder.__tablename__)
    async with sessionmaker() as session:
        connection = await session.connection()
        dialect = connection.dialect.name
        built = await connection.run_sync(
            lambda sync: {
                table: {
                    str(ix["name"]): reflected(ix)
                    for ix in inspect(sync).get_indexes(table)
                    if "duplicates_constraint" not in ix  # PostgreSQL's unique constraints
                }
                for table in tables
            }
        )
    for table in tables:
        assert built[table] == declared(table, dialect), table
    assert built["router_events"]["ix_router_events_name_at"][0] == ("name", "at")
    month_per_agent = built["call_records"]["ix_call_records_agent_id_answered_at"]
    assert month_per_agent[0] == ("agent_id", "answered_at")
    if dialect == "postgresql":
        assert month_per_agent[1] == ("talk_ms", "wrap_ms")
