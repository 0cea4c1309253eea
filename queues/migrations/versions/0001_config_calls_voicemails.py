"""Config versions, call records and voicemails.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queues.db import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_versions")),
    )
    op.create_index(op.f("ix_config_versions_published_at"), "config_versions", ["published_at"])
    op.create_table(
        "call_records",
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("hotline_id", sa.String(64), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("caller", sa.String(32), nullable=False),
        sa.Column("dialled", sa.String(32), nullable=False),
        sa.Column("vip_class", sa.String(32), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("arrived_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_call_records")),
    )
    op.create_index(op.f("ix_call_records_hotline_id"), "call_records", ["hotline_id"])
    op.create_index(op.f("ix_call_records_caller"), "call_records", ["caller"])
    op.create_table(
        "voicemails",
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("hotline_id", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(32), nullable=False),
        sa.Column("recording_url", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_voicemails")),
    )
    op.create_index(op.f("ix_voicemails_hotline_id"), "voicemails", ["hotline_id"])


def downgrade() -> None:
    op.drop_table("voicemails")
    op.drop_table("call_records")
    op.drop_table("config_versions")
