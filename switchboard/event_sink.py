"""The router's event stream consumed into SQL once per event: call records and reports.

Every server process runs one consumer of the deployment's consumer group (the stream's key
carries the deployment's prefix). Order of the two steps, per entry:
1. one SQL transaction inserts the event row (its stream id unique) and updates the call's
   record; 2. XACK. A crash between them leaves the entry pending; whoever reads it again
(this process on restart, or another one via XAUTOCLAIM once it has been idle long enough)
finds the event row already there, changes nothing, and acknowledges it. The same holds
for what an entry writes besides (a CONNECT's work order, a queued write of the outbox:
switchboard/stream_writes.py): it is in that same transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.metrics import ErrorKind, Metrics
from routing.keys import Keys
from switchboard.entry_writer import SQL_DOWN, Entry, EntryWriter
from switchboard.stream_trim import trim_stored
from switchboard.stream_writes import StreamWrites

log = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


@dataclass(frozen=True)
class SinkPolicy:
    """How the consumer reads, claims and backs off."""

    group: str = "cdr"
    batch: int = 200
    block_ms: int = 1000  # a stop ends the wait at once (`run`)
    claim_idle_ms: int = 60_000  # a dead consumer's entries are claimed after this idle time
    claim_every_s: float = 10.0
    max_attempts: int = 5  # an entry failing this often is set aside (kept with its error)
    backoff_first_s: float = 0.5
    backoff_max_s: float = 30.0
    trim_every_s: float = 10.0  # drop what every group has stored (switchboard/stream_trim.py)
    keep_s: float = 600.0  # ...once older than this


def default_consumer_name() -> str:
    """Unique per process, readable in XINFO CONSUMERS."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _entries(reply: Any) -> list[Entry]:
    """XREADGROUP's reply (RESP2 list or RESP3 dict) as (id, fields) pairs."""
    if not reply:
        return []
    streams = reply.items() if isinstance(reply, dict) else reply
    found: list[Entry] = []
    for _name, entries in streams:
        found.extend((entry_id, fields) for entry_id, fields in entries)
    return found


def _outcome_dropped(read: asyncio.Future[list[Entry]]) -> None:
    """A read given up on: its entries stay pending; an error it ended with is dropped."""
    if not read.cancelled():
        read.exception()


class EventSink:
    """One consumer of the router's stream; `pump` handles one batch, `run` loops."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        consumer: str | None = None,
        policy: SinkPolicy | None = None,
        monotonic: Callable[[], float] | None = None,
        writes: StreamWrites | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.redis = redis
        self.stream = keys.events()
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.consumer = consumer or default_consumer_name()
        self.policy = policy or SinkPolicy()
        self.metrics = metrics or Metrics()
        self.writer = EntryWriter(
            sessionmaker,
            clock=clock,
            writes=writes or StreamWrites(),
            max_attempts=self.policy.max_attempts,
            metrics=self.metrics,
        )
        self._monotonic = monotonic or asyncio.get_running_loop().time
        self._own_pending = True  # re-read our own unacknowledged entries first
        self._next_claim = 0.0
        self._next_trim = self._monotonic() + self.policy.trim_every_s
        self._group_ready = False
        self.progress = asyncio.Condition()

    async def ensure_group(self) -> None:
        """Create the group (and an empty stream) unless it exists; from the stream's start,
        so events written before the first consumer came up are consumed too."""
        try:
            await self.redis.xgroup_create(self.stream, self.policy.group, id="0", mkstream=True)
            log.info("event sink: created group %s on %s", self.policy.group, self.stream)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True

    async def _read(self, start: str, block_ms: int | None) -> list[Entry]:
        reply = await self.redis.xreadgroup(
            self.policy.group,
            self.consumer,
            {self.stream: start},
            count=self.policy.batch,
            block=block_ms,
        )
        return _entries(reply)

    async def claim(self) -> list[Entry]:
        """Take over entries other consumers left unacknowledged for `claim_idle_ms`."""
        claimed: list[Entry] = []
        cursor = "0-0"
        while len(claimed) < self.policy.batch:
            reply = await self.redis.xautoclaim(
                self.stream,
                self.policy.group,
                self.consumer,
                min_idle_time=self.policy.claim_idle_ms,
                start_id=cursor,
                count=self.policy.batch - len(claimed),
            )
            cursor, entries = reply[0], reply[1]
            claimed.extend((entry_id, fields) for entry_id, fields in entries)
            if cursor in ("0-0", "0"):
                break
        if claimed:
            log.info("event sink: %s claimed %d idle entries", self.consumer, len(claimed))
        return claimed

    async def handle(self, entries: Sequence[Entry]) -> int:
        """Store then acknowledge; the number of entries acknowledged."""
        done: list[str] = []
        failed = False
        if len(entries) > 1 and await self.writer.store_batch(entries):
            done = [entry_id for entry_id, _ in entries]
            entries = []
        for entry_id, fields in entries:
            if await self.writer.store(entry_id, fields):
                done.append(entry_id)
            else:
                failed = True
        if done:
            await self.redis.xack(self.stream, self.policy.group, *done)
        if failed:
            self._own_pending = True
        async with self.progress:
            self.progress.notify_all()
        return len(done)

    async def pump(self, *, block_ms: int | None = None, stop: asyncio.Event | None = None) -> int:
        """One round: own pending entries (after a start or a failure), idle entries of
        others (every `claim_every_s`), then new ones (waiting up to `block_ms`, or until
        `stop`)."""
        if not self._group_ready:
            await self.ensure_group()
        handled = 0
        try:
            if self._own_pending:
                self._own_pending = False
                handled += await self.handle(await self._read("0", None))
            if self._monotonic() >= self._next_claim:
                self._next_claim = self._monotonic() + self.policy.claim_every_s
                handled += await self.handle(await self.claim())
            handled += await self.handle(await self._read_new(block_ms, stop))
            if self._monotonic() >= self._next_trim:
                self._next_trim = self._monotonic() + self.policy.trim_every_s
                await trim_stored(self.redis, self.stream, keep_s=self.policy.keep_s)
        except BaseException:
            self._own_pending = True  # what was read and not stored is ours to read again
            raise
        return handled

    async def _read_new(self, block_ms: int | None, stop: asyncio.Event | None) -> list[Entry]:
        """New entries; a stop ends the wait with none. Whatever Redis handed over to a read
        given up on stays pending under this consumer, for a claim (nothing is acknowledged
        before it is stored)."""
        if stop is None:
            return await self._read(">", block_ms)
        if stop.is_set():
            return []
        reading = asyncio.ensure_future(self._read(">", block_ms))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not reading.done():
                # Not waited for: a client may finish a cancelled blocking read anyway (the
                # in-process stand-in can), which would be waiting out the block.
                reading.cancel()
                reading.add_done_callback(_outcome_dropped)
        return reading.result() if reading.done() else []

    async def run(self, stop: asyncio.Event) -> None:
        """Pump until `stop`; Redis or SQL outages are logged and retried with backoff. A
        stop ends a wait for new entries at once; the entries in hand are still stored
        and acknowledged (the owner's grace period is for that, then it cancels)."""
        delay = 0.0
        while not stop.is_set():
            try:
                await self.pump(block_ms=self.policy.block_ms, stop=stop)
                if self._own_pending:  # some entry failed: do not spin on it
                    delay = self._next_delay(delay)
                    await self._pause(stop, delay)
                else:
                    delay = 0.0
            except (*REDIS_DOWN, ResponseError, *SQL_DOWN) as error:
                self._group_ready = False  # Redis may have restarted empty: no group
                self._own_pending = True
                delay = self._next_delay(delay)
                self.metrics.error(ErrorKind.SINK_OUTAGE)
                log.warning("event sink: %r; retrying in %.1fs", error, delay)
                await self._pause(stop, delay)
            except Exception:
                self._own_pending = True
                delay = self._next_delay(delay)
                self.metrics.error(ErrorKind.SINK_OUTAGE)
                log.exception("event sink: unexpected failure; retrying in %.1fs", delay)
                await self._pause(stop, delay)

    def _next_delay(self, delay: float) -> float:
        grown = max(self.policy.backoff_first_s, delay * 2)
        capped = min(self.policy.backoff_max_s, grown)
        return capped * random.uniform(0.8, 1.0)  # noqa: S311 - spreads retries, not a secret

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    @property
    def stored(self) -> int:
        """Entries this consumer wrote to SQL (duplicates not counted)."""
        stored: int = self.writer.stored
        return stored

    async def wait_stored(self, count: int) -> None:
        """Until this consumer has stored `count` entries (for tests and start-up checks)."""
        async with self.progress:
            await self.progress.wait_for(lambda: self.stored >= count)
