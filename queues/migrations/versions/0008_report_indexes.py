"""Reports: when a call joined its latest queue, its agent's wrap-up, and the indexes the
interval and per-agent reports read by (queues/reports/).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queues.db import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALL_RECORD_INDEXES: tuple[tuple[str, list[str], list[str]], ...] = (
    ("ix_call_records_queue_joined_at", ["queue_joined_at"], []),
    # Covering on PostgreSQL (ignored by SQLite): a month per agent from the index alone.
    ("ix_call_records_answered_at", ["answered_at"], ["agent_id", "talk_ms", "wrap_ms"]),
    ("ix_call_records_agent_id_answered_at", ["agent_id", "answered_at"], []),
)


def upgrade() -> None:
    with op.batch_alter_table("call_records") as batch:
        batch.add_column(sa.Column("queue_joined_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("wrap_ms", sa.Integer(), nullable=True))
    for name, columns, include in CALL_RECORD_INDEXES:
        op.create_index(name, "call_records", columns, postgresql_include=include)
    op.create_index("ix_router_events_name_at", "router_events", ["name", "at"])
    op.create_index(
        "ix_work_orders_created_at",
        "work_orders",
        ["created_at"],
        postgresql_include=["agent_id", "category"],
    )
    op.create_index(
        "ix_work_orders_category_created_at",
        "work_orders",
        ["category", "created_at"],
        postgresql_include=["related_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_work_orders_category_created_at", table_name="work_orders")
    op.drop_index("ix_work_orders_created_at", table_name="work_orders")
    op.drop_index("ix_router_events_name_at", table_name="router_events")
    for name, _columns, _include in reversed(CALL_RECORD_INDEXES):
        op.drop_index(name, table_name="call_records")
    with op.batch_alter_table("call_records") as batch:
        batch.drop_column("wrap_ms")
        batch.drop_column("queue_joined_at")
