"""The month's per-agent report: the calls answered per agent, their talk and wrap-up
read from one index in agent order, so PostgreSQL sums them without a hash table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME, TABLE, COLUMNS = (
    "ix_call_records_agent_id_answered_at",
    "call_records",
    ["agent_id", "answered_at"],
)


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, COLUMNS, postgresql_include=["talk_ms", "wrap_ms"])


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, COLUMNS)
