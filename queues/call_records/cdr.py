"""Call records (CDR): one row per call, answered or not, filled by the call-end webhook and
by the router's events in whichever order they arrive (see queues/call_records/merge.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base, UtcDateTime


class CallRecord(Base):
    __tablename__ = "call_records"
    __table_args__ = (
        Index("ix_call_records_queued_at", "queued_at"),
        Index("ix_call_records_arrived_at", "arrived_at"),
        # Added by migration 0008, for the reports (queues/reports/).
        Index("ix_call_records_queue_joined_at", "queue_joined_at"),
        # Covering on PostgreSQL: the per-agent report reads a month from the index alone.
        Index(
            "ix_call_records_answered_at",
            "answered_at",
            postgresql_include=["agent_id", "talk_ms", "wrap_ms"],
        ),
        # Covering (migration 0009): a month per agent summed in agent order.
        Index(
            "ix_call_records_agent_id_answered_at",
            "agent_id",
            "answered_at",
            postgresql_include=["talk_ms", "wrap_ms"],
        ),
    )

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    hotline_id: Mapped[str] = mapped_column(String(64), index=True)
    config_version: Mapped[int] = mapped_column(Integer)
    caller: Mapped[str] = mapped_column(String(32), index=True)
    dialled: Mapped[str] = mapped_column(String(32))
    vip_class: Mapped[str] = mapped_column(String(32), default="")
    path: Mapped[str] = mapped_column(Text, default="")
    queue: Mapped[str] = mapped_column(String(64), default="")
    # How the call ended for the caller, derived from every fact below (call_records/outcome.py).
    outcome: Mapped[str] = mapped_column(String(32), default="")
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_s: Mapped[int] = mapped_column(Integer, default=0)

    # Added by migration 0004: the CDR proper.
    ivr_outcome: Mapped[str] = mapped_column(String(32), default="")  # as the webhook saw it
    end_cause: Mapped[str] = mapped_column(String(32), default="")  # in_menu, in_queue...
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    offered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the first offer
    offers: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    agent_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    agent_grade: Mapped[int | None] = mapped_column(Integer)
    wait_ms: Mapped[int | None] = mapped_column(Integer)
    talk_ms: Mapped[int | None] = mapped_column(Integer)
    queue_exit: Mapped[str] = mapped_column(String(24), default="")  # CONNECT, ABANDON...
    queue_exit_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    queue_exit_id: Mapped[str] = mapped_column(String(32), default="")  # its stream id
    queue_event_id: Mapped[str] = mapped_column(String(32), default="")  # set `queue`
    ringing_left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[str] = mapped_column(String(16), default="")  # caller | agent
    work_order: Mapped[str] = mapped_column(String(32), default="")

    # Added by migration 0008: when the call joined its latest queue (an overflowed call's
    # queued_at is when it joined the first), and the wrap-up its agent spent after it.
    queue_joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    wrap_ms: Mapped[int | None] = mapped_column(Integer)

    @property
    def wait_s(self) -> int | None:
        return None if self.wait_ms is None else round(self.wait_ms / 1000)

    @property
    def talk_s(self) -> int | None:
        return None if self.talk_ms is None else round(self.talk_ms / 1000)


async def get(session: AsyncSession, call_sid: str) -> CallRecord | None:
    return await session.get(CallRecord, call_sid)


async def recent(session: AsyncSession, limit: int = 50) -> list[CallRecord]:
    query = select(CallRecord).order_by(CallRecord.arrived_at.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
