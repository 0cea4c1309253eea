"""The reports' indexes: what migrations build is what the models declare, on every
database the tests run on."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.cdr import CallRecord
from queues.call_records.router_events import RouterEventRow
from queues.db import Base
from queues.work_orders.orders import WorkOrder


def declared(table: str) -> dict[str, tuple[str, ...]]:
    found = {}
    for index in Base.metadata.tables[table].indexes:
        found[str(index.name)] = tuple(column.name for column in index.columns)
    return found


async def test_migrated_indexes_match_the_models(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    tables = (CallRecord.__tablename__, RouterEventRow.__tablename__, WorkOrder.__tablename__)
    async with sessionmaker() as session:
        connection = await session.connection()
        built = await connection.run_sync(
            lambda sync: {
                table: {
                    str(ix["name"]): tuple(str(c) for c in ix["column_names"])
                    for ix in inspect(sync).get_indexes(table)
                    if "duplicates_constraint" not in ix  # PostgreSQL's unique constraints
                }
                for table in tables
            }
        )
    for table in tables:
        assert built[table] == declared(table), table
    assert built["router_events"]["ix_router_events_name_at"] == ("name", "at")
    assert built["call_records"]["ix_call_records_agent_id_answered_at"] == (
        "agent_id",
        "answered_at",
    )
