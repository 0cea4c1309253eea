"""Work orders: the orders, their deadlines, their audit trail and the per-day number counter.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queues.db import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_order_counters",
        sa.Column("day", sa.String(8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_work_order_counters")),
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("hotline_id", sa.String(64), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=True),
        sa.Column("caller", sa.String(32), nullable=False),
        sa.Column("customer_name", sa.String(128), nullable=False),
        sa.Column("customer_account", sa.String(64), nullable=False),
        sa.Column("vip_class", sa.String(32), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("sub_type", sa.String(32), nullable=False),
        sa.Column("area", sa.String(16), nullable=False),
        sa.Column("ivr_path", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("agent_grade", sa.Integer(), nullable=True),
        sa.Column("wait_s", sa.Integer(), nullable=False),
        sa.Column("decision_trace", sa.JSON(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("department", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("urge_count", sa.Integer(), nullable=False),
        sa.Column("last_urged_at", UtcDateTime(), nullable=True),
        sa.Column("related_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_work_orders_number")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_work_orders_call_sid")),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["work_orders.id"],
            name=op.f("fk_work_orders_related_id_work_orders"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(op.f("ix_work_orders_hotline_id"), "work_orders", ["hotline_id"])
    op.create_index(op.f("ix_work_orders_status"), "work_orders", ["status"])
    op.create_index(op.f("ix_work_orders_category"), "work_orders", ["category"])
    op.create_index(op.f("ix_work_orders_related_id"), "work_orders", ["related_id"])
    op.create_index(
        op.f("ix_work_orders_agent_id_created_at"), "work_orders", ["agent_id", "created_at"]
    )
    op.create_index(
        op.f("ix_work_orders_caller_created_at"), "work_orders", ["caller", "created_at"]
    )
    op.create_table(
        "work_order_deadlines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("met_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_deadlines")),
        sa.UniqueConstraint("order_id", "kind", name=op.f("uq_work_order_deadlines_order_id_kind")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_deadlines_order_id_work_orders"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_work_order_deadlines_due_at"), "work_order_deadlines", ["due_at"])
    op.create_table(
        "work_order_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_events")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_events_order_id_work_orders"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_work_order_events_order_id"), "work_order_events", ["order_id"])


def downgrade() -> None:
    op.drop_table("work_order_events")
    op.drop_table("work_order_deadlines")
    op.drop_table("work_orders")
    op.drop_table("work_order_counters")
