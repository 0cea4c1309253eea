"""Writing one entry (or a batch) of the router's stream into SQL: the event row and the
call's record, with what the entry writes besides, in one transaction (a batch's work
orders each in a short one of their own first); an entry that keeps failing is set aside
with its error, never dropped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.metrics import ErrorKind, Metrics
from queues.call_records.router_events import consume, set_aside
from routing.events import RouterEvent
from routing.outbox import is_outbox
from switchboard.stream_writes import Announce, StreamWrites, announce_all

log = logging.getLogger(__name__)

Entry = tuple[str, Mapping[str, str] | None]
SQL_DOWN = (OperationalError, DBAPIError, ConnectionError, TimeoutError)


class EntryWriter:
    """Stores stream entries; `stored` counts the events written (duplicates not counted),
    and so do the metrics, once each event's transaction has committed. SQL being down is
    raised (the sink backs off); other failures are retried up to `max_attempts`, then the
    entry is set aside."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        writes: StreamWrites,
        max_attempts: int,
        metrics: Metrics | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.writes = writes
        self.max_attempts = max_attempts
        self._attempts: dict[str, int] = {}
        self.stored = 0
        self.metrics = metrics or Metrics()

    async def store(self, entry_id: str, fields: Mapping[str, str] | None) -> bool:
        """Write one entry; True when it may be acknowledged."""
        now = self.clock()
        if fields is None:  # trimmed while pending: only the outage cap does that (lib.lua)
            log.error("event sink: entry %s was trimmed before it was stored", entry_id)
            self.metrics.error(ErrorKind.SINK_ENTRY_LOST)
            return True
        try:
            event = None if is_outbox(fields) else RouterEvent.from_entry(entry_id, fields)
        except (KeyError, ValueError) as error:
            log.warning(
                "event sink: entry %s set aside: %s",
                entry_id,
                error,
                extra={"call_sid": fields.get("call", "")},
            )
            async with self.sessionmaker() as session, session.begin():
                kept = await set_aside(session, entry_id, fields, f"unreadable: {error}", now=now)
            if kept:
                self.metrics.error(ErrorKind.SINK_SET_ASIDE)
            return True
        call_sid = fields.get("call", "")
        try:
            new = False
            async with self.sessionmaker() as session, session.begin():
                if event is None:
                    announce = await self.writes.apply(session, entry_id, fields, now)
                else:
                    announce = await self.writes.before_event(session, event, now)
                    new = await consume(session, event, now=now)
            if event is not None and new:  # committed: a retry finds it and counts nothing
                self.stored += 1
                self.metrics.event_stored(event, stored_at_ms=_ms(now))
            self._attempts.pop(entry_id, None)
            await announce_all([announce] if announce else [])
            return True
        except SQL_DOWN:
            raise
        except Exception as error:
            attempts = self._attempts.get(entry_id, 0) + 1
            self._attempts[entry_id] = attempts
            self.metrics.error(ErrorKind.SINK_ENTRY_FAILED)
            log.exception(
                "event sink: entry %s failed (attempt %d)",
                entry_id,
                attempts,
                extra={"call_sid": call_sid, "agent_id": fields.get("agent", "")},
            )
            if attempts < self.max_attempts:
                return False
            async with self.sessionmaker() as session, session.begin():
                kept = await set_aside(session, entry_id, fields, f"failed: {error!r}", now=now)
            if kept:
                self.metrics.error(ErrorKind.SINK_SET_ASIDE)
            self._attempts.pop(entry_id, None)
            return True

    async def store_batch(self, entries: Sequence[Entry]) -> bool:
        """Write a whole batch in one transaction (one commit instead of one per event);
        False when any entry needs the one-by-one path (unreadable, or failing)."""
        now = self.clock()
        if any(is_outbox(fields) for _, fields in entries):
            return False  # rare, and each queued write stands alone
        try:
            events = [
                RouterEvent.from_entry(entry_id, fields)
                for entry_id, fields in entries
                if fields is not None
            ]
        except (KeyError, ValueError):
            return False
        announces: list[Announce] = []
        try:
            # The batch's work orders first, each committed on its own: taking a number
            # locks the day's counter until the transaction ends, and every answering agent's
            # webhook waits for that lock. Held through a batch's writes it stalled them for
            # seconds; an order already logged is found again if the batch is retried.
            for event in events:
                if self.writes.takes_order(event):
                    async with self.sessionmaker() as session, session.begin():
                        announce = await self.writes.before_event(session, event, now)
                    if announce is not None:
                        announces.append(announce)
            async with self.sessionmaker() as session, session.begin():
                new = [event for event in events if await consume(session, event, now=now)]
        except SQL_DOWN:
            await announce_all(announces)  # the orders committed before it stay
            raise
        except Exception:
            await announce_all(announces)
            log.warning("event sink: a batch of %d failed; storing one by one", len(entries))
            return False
        await announce_all(announces)
        self.stored += len(new)
        for event in new:  # committed: a batch that failed counted nothing
            self.metrics.event_stored(event, stored_at_ms=_ms(now))
        return True


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
