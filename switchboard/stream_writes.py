"""What the event sink writes besides a router event's own row and call record: the work
order of a CONNECT (switchboard/work_order_logging.py, step 3) and the queued writes of the
outbox (routing/outbox.py), each in the transaction that consumes its stream entry, so it is
applied exactly once; what the agent is told runs after the commit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from queues import voicemails
from queues.call_records.merge import record_call
from queues.call_records.queued_end import end_from_payload, voicemail_from_payload
from queues.call_records.router_events import record_queued_write
from routing.events import EventName, RouterEvent
from routing.outbox import OutboxEntry, OutboxKind
from switchboard.work_order_logging import WorkOrderIntake

log = logging.getLogger(__name__)

# Run after the transaction commits (telling an agent "saved"); never undone by a rollback.
Announce = Callable[[], Awaitable[None]]
# One kind of queued write, applied in the consuming transaction. Flushes, never commits.
Applier = Callable[[AsyncSession, OutboxEntry, datetime], Awaitable[Announce | None]]


async def apply_call_end(session: AsyncSession, entry: OutboxEntry, now: datetime) -> None:
    """A call-end webhook's facts the database could not take when the call ended."""
    await record_call(session, end_from_payload(entry.call_id, entry.data))


async def apply_voicemail(session: AsyncSession, entry: OutboxEntry, now: datetime) -> None:
    """A caller's message the database could not take when it was recorded."""
    await voicemails.save(session, voicemail_from_payload(entry.call_id, entry.data))


class StreamWrites:
    """The sink's extra writes: `intake` for CONNECT, `appliers` per kind of queued write."""

    def __init__(
        self,
        *,
        intake: WorkOrderIntake | None = None,
        appliers: Mapping[OutboxKind, Applier] | None = None,
    ) -> None:
        self.intake = intake
        self.appliers: dict[OutboxKind, Applier] = {
            OutboxKind.CALLEND: apply_call_end,
            OutboxKind.VOICEMAIL: apply_voicemail,
        }
        self.appliers.update(appliers or {})

    def takes_order(self, event: RouterEvent) -> bool:
        """Whether `before_event` logs a work order for this event."""
        return self.intake is not None and event.name is EventName.CONNECT and bool(event.call_id)

    async def before_event(
        self, session: AsyncSession, event: RouterEvent, now: datetime
    ) -> Announce | None:
        """Before the event's own row: a CONNECT's work order (the call record consuming
        the CONNECT then links its number)."""
        if self.intake is None or not self.takes_order(event):
            return None
        number = await self.intake.log(session, event.call_id, event.agent_id, now)
        if number is None:
            return None
        return functools.partial(self.intake.announce, event.call_id, event.agent_id, number)

    async def apply(
        self, session: AsyncSession, entry_id: str, fields: Mapping[str, str], now: datetime
    ) -> Announce | None:
        """A queued write, once: nothing when its entry was consumed before. ValueError or
        KeyError for an entry that cannot be read, LookupError for a kind nobody applies."""
        entry = OutboxEntry.from_entry(entry_id, fields)
        applier = self.appliers.get(entry.kind)
        if applier is None:
            raise LookupError(f"{entry.kind}: no applier in this process")
        if not await record_queued_write(session, entry_id, fields, now=now):
            return None
        return await applier(session, entry, now)


async def announce_all(announces: list[Announce]) -> None:
    """Tell whoever waits; a failure here loses no write (it is committed), only a message."""
    for announce in announces:
        try:
            await announce()
        except Exception:
            log.exception("event sink: a saved write could not be announced")
