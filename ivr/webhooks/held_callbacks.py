"""Status callbacks that came while Redis was down, applied again in order once it is back.

The carrier sends a call's or an agent leg's status once: lost, the router would keep an
ended call waiting or its agent busy, and its record would never end. The signed form is
already read and checked, so only the route's own handler runs again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import suppress
from dataclasses import dataclass

from aiohttp import web
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ivr.webhooks.signature import FORM

log = logging.getLogger(__name__)

#: The routes whose webhook the carrier sends once and that only tell us something.
ONCE_ROUTES = frozenset({"status", "agent_status"})
RETRY_S = 1.0
GIVE_UP_S = 900.0  # longer than any outage a call outlives


def redis_down(error: BaseException) -> bool:
    return isinstance(error, RedisConnectionError | RedisTimeoutError)


@dataclass(frozen=True)
class Held:
    request: web.Request
    since: float  # the event loop's clock, when the webhook came


class HeldCallbacks:
    """A FIFO of held webhooks, retried every `retry_s` by one task while any is held."""

    def __init__(self, retry_s: float = RETRY_S, give_up_s: float = GIVE_UP_S) -> None:
        self.retry_s = retry_s
        self.give_up_s = give_up_s
        self._held: deque[Held] = deque()
        self._lock = asyncio.Lock()
        self._worker: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, request: web.Request) -> None:
        loop = asyncio.get_running_loop()
        self._held.append(Held(request, loop.time()))
        log.warning(
            "Redis down: %s held until it is back",
            request.match_info.route.name,
            extra={"call_sid": request[FORM].get("CallSid", "?")[:40]},
        )
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._retry_until_empty(), name="held-callbacks")

    async def retry(self) -> int:
        """Apply the held webhooks in the order they came, up to the first Redis still
        refuses; returns how many are left."""
        async with self._lock:
            while self._held:
                held = self._held[0]
                request = held.request
                sid = request[FORM].get("CallSid", "?")[:40]
                try:
                    await request.match_info.handler(request)
                except Exception as error:
                    age = asyncio.get_running_loop().time() - held.since
                    if redis_down(error) and age < self.give_up_s:
                        break
                    log.exception("held %s dropped", request.path, extra={"call_sid": sid})
                else:
                    log.info("held %s applied", request.path, extra={"call_sid": sid})
                self._held.popleft()
            return len(self._held)

    async def _retry_until_empty(self) -> None:
        while True:
            if not await self.retry():
                return
            await asyncio.sleep(self.retry_s)  # Redis is still down: try again later

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with suppress(asyncio.CancelledError):
                await self._worker


HELD_CALLBACKS = web.AppKey("held_callbacks", HeldCallbacks)


async def close_held(app: web.Application) -> None:
    await app[HELD_CALLBACKS].close()
