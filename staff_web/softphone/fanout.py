"""One Redis subscription per server process for every agent socket it holds: the agents'
pub/sub channels (offers, calls, state) and the router's event stream (state changes the
router makes alone: missed offers, lapsed leases, breaks after no answer), fanned out to the
local sockets of the agent concerned.

A socket per agent subscribing on its own would hold a pooled Redis connection each; one
pattern subscription and one stream reader per process hold two, however many agents.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

from routing.keys import Keys
from switchboard.agent_events import AgentEvents

log = logging.getLogger(__name__)

INBOX_SIZE = 256
READ_TIMEOUT_S = 1.0  # how long one read blocks; stopping cancels it at once
RETRY_S = 1.0
GLOB_SPECIALS = "\\*?[]{}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a socket is handed: an agent event, a state nudge, or "you may have missed
    something" (`resync`: the subscription was re-established or the inbox overflowed)."""

    kind: str  # "event" | "nudge" | "resync"
    event: dict[str, Any] = field(default_factory=dict)


class Inbox:
    """One socket's queue; overflow drops the backlog for a single resync."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue(INBOX_SIZE)

    def put(self, delivery: Delivery) -> None:
        try:
            self.queue.put_nowait(delivery)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(Delivery("resync"))

    async def get(self, within_s: float | None) -> Delivery | None:
        """The next delivery, or None when `within_s` seconds pass first."""
        try:
            return await asyncio.wait_for(self.queue.get(), within_s)
        except TimeoutError:
            return None


def glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in GLOB_SPECIALS else ch for ch in text)


class AgentEventHub:
    """This process's fan-out: `start` subscribes, `relay` runs until cancelled (the
    composition root runs it in the background), `aclose` drops the subscription."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, events: AgentEvents, *, retry_s: float = RETRY_S
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._retry_s = retry_s
        self._prefix = events.channel("")
        self._pattern = glob_escape(self._prefix) + "*"
        self._inboxes: dict[str, set[Inbox]] = {}
        self._pubsub: PubSub | None = None
        self._stream_after = "0-0"
        self._channels_read_at: float | None = None
        self._stream_read_at: float | None = None

    async def start(self) -> None:
        """Subscribe before returning, so an event published after a socket registered is
        never missed; the router's stream is read from its present head."""
        self._pubsub = await self._subscribe()
        self._stream_after = await self._stream_head()

    async def relay(self, stop: asyncio.Event) -> None:
        """Relay both sources to the local sockets until `stop` or cancellation; each
        source logs its own errors and goes on."""
        async with asyncio.TaskGroup() as relays:
            relays.create_task(self._relay_channels(stop), name="softphone-channels")
            relays.create_task(self._relay_router_events(stop), name="softphone-router-events")

    @property
    def last_read_at(self) -> float | None:
        """When both sources were last read (time.monotonic()): the relay's heartbeat."""
        if self._channels_read_at is None or self._stream_read_at is None:
            return None
        return min(self._channels_read_at, self._stream_read_at)

    async def aclose(self) -> None:
        await self._drop_subscription()

    @contextlib.contextmanager
    def listen(self, agent_id: str) -> Iterator[Inbox]:
        """An inbox for one socket of `agent_id`, for as long as the block lasts."""
        inbox = Inbox()
        self._inboxes.setdefault(agent_id, set()).add(inbox)
        try:
            yield inbox
        finally:
            boxes = self._inboxes.get(agent_id, set())
            boxes.discard(inbox)
            if not boxes:
                self._inboxes.pop(agent_id, None)

    def listeners(self, agent_id: str) -> int:
        return len(self._inboxes.get(agent_id, ()))

    def _deliver(self, agent_id: str, delivery: Delivery) -> None:
        for inbox in list(self._inboxes.get(agent_id, ())):
            inbox.put(delivery)

    def _resync_all(self) -> None:
        for agent_id in list(self._inboxes):
            self._deliver(agent_id, Delivery("resync"))

    async def _subscribe(self) -> PubSub:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=False)
        await pubsub.psubscribe(self._pattern)
        confirmed = await pubsub.get_message(timeout=5.0)
        if not confirmed or confirmed.get("type") != "psubscribe":
            log.warning("softphone: pattern subscription not confirmed: %r", confirmed)
        return pubsub

    async def _drop_subscription(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        self._pubsub = None

    async def _pause(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self._retry_s)

    async def _relay_channels(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if self._pubsub is None:
                    self._pubsub = await self._subscribe()
                    self._resync_all()  # what was published meanwhile is lost: re-read
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=READ_TIMEOUT_S
                )
                self._channels_read_at = time.monotonic()
                if message is not None and message.get("type") == "pmessage":
                    self._route(str(message["channel"]), message["data"])
            except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as error:
                log.warning("softphone: agent events subscription lost (%s); retrying", error)
                await self._drop_subscription()
                await self._pause(stop)
            except Exception:
                log.exception("softphone: agent events relay failed; subscribing again")
                await self._drop_subscription()
                await self._pause(stop)

    def _route(self, channel: str, data: Any) -> None:
        agent_id = channel.removeprefix(self._prefix)
        if agent_id not in self._inboxes:
            return
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            log.warning("unreadable agent event %r", data, extra={"agent_id": agent_id})
            return
        if isinstance(event, dict):
            self._deliver(agent_id, Delivery("event", event))

    async def _stream_head(self) -> str:
        newest = cast(
            list[tuple[str, Any]], await self._redis.xrevrange(self._keys.events(), count=1)
        )
        return newest[0][0] if newest else "0-0"

    async def _relay_router_events(self, stop: asyncio.Event) -> None:
        stream = self._keys.events()
        while not stop.is_set():
            try:
                read = cast(
                    list[tuple[str, list[tuple[str, dict[str, str]]]]],
                    await self._redis.xread(
                        {stream: self._stream_after}, block=int(READ_TIMEOUT_S * 1000), count=500
                    ),
                )
                self._stream_read_at = time.monotonic()
                for _stream, entries in read or []:
                    for entry_id, fields in entries:
                        self._stream_after = entry_id
                        agent_id = fields.get("agent", "")
                        if agent_id in self._inboxes:
                            kind = fields.get("ev", "")
                            self._deliver(agent_id, Delivery("nudge", {"ev": kind}))
            except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as error:
                log.warning("softphone: router event stream unreadable (%s); retrying", error)
                await self._pause(stop)
            except Exception:
                log.exception("softphone: router event relay failed; retrying")
                await self._pause(stop)
