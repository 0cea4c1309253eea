"""Work orders (工单): the order, deadline and audit tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queues.db import Base, UtcDateTime
from queues.work_orders.categories import Category
from queues.work_orders.deadlines import Area, DeadlineKind
from queues.work_orders.status import Status


def _enum(cls: type[StrEnum], length: int) -> Enum:
    """A StrEnum stored as its value in a plain VARCHAR (no native type, no CHECK)."""
    return Enum(
        cls, native_enum=False, create_constraint=False, length=length,
        values_callable=lambda members: [member.value for member in members],
    )  # fmt: skip


class Action(StrEnum):
    """What an audit row records."""

    CREATED = "created"
    TRANSITION = "transition"
    EDITED = "edited"
    URGED = "urged"
    NOTE = "note"
    CONTACTED = "contacted"


class WorkOrder(Base):
    __tablename__ = "work_orders"
    __table_args__ = (
        Index("ix_work_orders_agent_id_created_at", "agent_id", "created_at"),
        Index("ix_work_orders_caller_created_at", "caller", "created_at"),
        # Migration 0010: the per-agent report counts a month's orders per agent and
        # category in this index's order, without a hash table; a day's from the next.
        Index("ix_work_orders_agent_id_category_created_at", "agent_id", "category", "created_at"),
        Index("ix_work_orders_created_at", "created_at"),
        # Migration 0008: a month's complaints, to find the orders they relate to.
        Index(
            "ix_work_orders_category_created_at",
            "category",
            "created_at",
            postgresql_include=["related_id"],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    hotline_id: Mapped[str] = mapped_column(String(64), index=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    caller: Mapped[str] = mapped_column(String(32))
    customer_name: Mapped[str] = mapped_column(String(128), default="")
    customer_account: Mapped[str] = mapped_column(String(64), default="")
    vip_class: Mapped[str] = mapped_column(String(32), default="")
    queue: Mapped[str] = mapped_column(String(64), default="")
    category: Mapped[Category] = mapped_column(_enum(Category, 32), index=True)
    sub_type: Mapped[str] = mapped_column(String(32), default="")
    area: Mapped[Area] = mapped_column(_enum(Area, 16), default=Area.CITY)
    ivr_path: Mapped[str] = mapped_column(Text, default="")
    agent_id: Mapped[str | None] = mapped_column(String(64))
    agent_grade: Mapped[int | None] = mapped_column(Integer)
    wait_s: Mapped[int] = mapped_column(Integer, default=0)
    decision_trace: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    address: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(128), default="")
    # The wrap-up form as the agent typed it, until saved (see work_orders/drafts.py).
    wrap_up_draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[Status] = mapped_column(_enum(Status, 16), index=True)
    urge_count: Mapped[int] = mapped_column(Integer, default=0)
    last_urged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    related_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_orders.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    related: Mapped[WorkOrder | None] = relationship(remote_side=[id], lazy="raise")
    deadlines: Mapped[list[WorkOrderDeadline]] = relationship(
        back_populates="order", lazy="raise", order_by="WorkOrderDeadline.due_at"
    )
    events: Mapped[list[WorkOrderEvent]] = relationship(
        back_populates="order", lazy="raise", order_by="WorkOrderEvent.id"
    )


class WorkOrderDeadline(Base):
    __tablename__ = "work_order_deadlines"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", name="uq_work_order_deadlines_order_id_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    kind: Mapped[DeadlineKind] = mapped_column(_enum(DeadlineKind, 16))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    order: Mapped[WorkOrder] = relationship(back_populates="deadlines", lazy="raise")


class WorkOrderEvent(Base):
    """One audit row: who did what to the order, when, and what changed."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[Action] = mapped_column(_enum(Action, 16))
    from_status: Mapped[Status | None] = mapped_column(_enum(Status, 16))
    to_status: Mapped[Status | None] = mapped_column(_enum(Status, 16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[WorkOrder] = relationship(back_populates="events", lazy="raise")
