"""The month's per-agent report: work orders counted per agent and category in the order
of an index on (agent, category, created), rather than hashed from an index on the
creation time; that index keeps serving a day's orders, without the covered columns that
made PostgreSQL prefer hashing a month of them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "work_orders"
BY_AGENT = "ix_work_orders_agent_id_category_created_at"
BY_TIME = "ix_work_orders_created_at"


def upgrade() -> None:
    op.create_index(BY_AGENT, TABLE, ["agent_id", "category", "created_at"])
    op.drop_index(BY_TIME, table_name=TABLE)
    op.create_index(BY_TIME, TABLE, ["created_at"])


def downgrade() -> None:
    op.drop_index(BY_TIME, table_name=TABLE)
    op.create_index(BY_TIME, TABLE, ["created_at"], postgresql_include=["agent_id", "category"])
    op.drop_index(BY_AGENT, table_name=TABLE)
