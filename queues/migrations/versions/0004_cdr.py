"""Call records become CDRs (queued, offered, answered, agent, wait, talk, outcome cause,
work order) and the router's consumed events are kept, one row per stream entry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queues.db import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = (
    ("ivr_outcome", 32),
    ("end_cause", 32),
    ("agent_id", 64),
    ("queue_exit", 24),
    ("queue_exit_id", 32),
    ("queue_event_id", 32),
    ("completed_by", 16),
    ("work_order", 32),
)
TIME_COLUMNS = ("queued_at", "offered_at", "answered_at", "queue_exit_at", "ringing_left_at")


def upgrade() -> None:
    with op.batch_alter_table("call_records") as batch:
        for name, length in TEXT_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))
        for name in TIME_COLUMNS:
            batch.add_column(sa.Column(name, UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("offers", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("agent_grade", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("wait_ms", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("talk_ms", sa.Integer(), nullable=True))
    # Rows written before: what the webhook saw is the best we know of how they ended.
    op.execute("UPDATE call_records SET ivr_outcome = outcome")
    op.create_index(op.f("ix_call_records_agent_id"), "call_records", ["agent_id"])
    op.create_index(op.f("ix_call_records_queued_at"), "call_records", ["queued_at"])
    op.create_index(op.f("ix_call_records_arrived_at"), "call_records", ["arrived_at"])
    op.create_table(
        "router_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("stream_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(24), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("consumed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_router_events")),
        sa.UniqueConstraint("stream_id", name=op.f("uq_router_events_stream_id")),
    )
    op.create_index(op.f("ix_router_events_call_sid"), "router_events", ["call_sid"])
    op.create_index(op.f("ix_router_events_name"), "router_events", ["name"])


def downgrade() -> None:
    op.drop_table("router_events")
    op.drop_index(op.f("ix_call_records_arrived_at"), table_name="call_records")
    op.drop_index(op.f("ix_call_records_queued_at"), table_name="call_records")
    op.drop_index(op.f("ix_call_records_agent_id"), table_name="call_records")
    with op.batch_alter_table("call_records") as batch:
        for name in ("talk_ms", "wait_ms", "agent_grade", "offers", *TIME_COLUMNS):
            batch.drop_column(name)
        for name, _length in reversed(TEXT_COLUMNS):
            batch.drop_column(name)
