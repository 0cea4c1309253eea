"""What lies between the carrier and the servers: a load balancer that routes around a dead
server, and a network that loses, repeats, delays or reorders callbacks, or splits a body
into two TCP segments. The local carrier sends its webhooks through it."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode, urlsplit

import aiohttp

from local_carrier.webhook_poster import WebhookError, WebhookPoster, WebhookResponse

SEGMENT_GAP_S = 0.05  # long enough that the server reads the first segment on its own
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


class CallbackFault(StrEnum):
    DROP = "drop"  # never delivered
    DUPLICATE = "duplicate"  # delivered twice at once
    DELAY = "delay"  # delivered `delay_s` later
    REORDER = "reorder"  # delivered after the call's next callback


@dataclass(frozen=True)
class Sent:
    """One webhook as the carrier sent it (before any fault), for replays."""

    url: str
    params: Mapping[str, str]
    method: str


#: Which callbacks a fault hits: (URL path, params) → yes or no.
Selector = Callable[[str, Mapping[str, str]], bool]


def is_callback(path: str, params: Mapping[str, str]) -> bool:
    """A status callback: the carrier ignores its answer, so the network may play with it."""
    return path in {"/twilio/agent-status", "/twilio/status"}


def answered(path: str, params: Mapping[str, str]) -> bool:
    return path == "/twilio/agent-status" and params.get("CallStatus") == "in-progress"


#: The server this task's last request was routed to, and the ones its retry must skip.
_CHOSEN: ContextVar[str] = ContextVar("chosen", default="")
_AVOID: ContextVar[frozenset[str]] = ContextVar("avoid", default=frozenset())


class Network(WebhookPoster):
    """Sends the carrier's webhooks like `WebhookPoster`, with faults on the callbacks that
    `select` picks (each with probability `rate`), a load balancer's fail-over (a target
    in `down` gets nothing; a request that finds its server dead is sent to the next one,
    as Twilio retries a fallback URL), and every request kept in `sent`."""

    def __init__(
        self,
        targets: list[str],
        auth_token: str,
        *,
        public_url: str,
        fault: CallbackFault | None = None,
        select: Selector = is_callback,
        rate: float = 1.0,
        delay_s: float = 0.0,
        two_segments: bool = False,
        seed: int = 13,
    ) -> None:
        super().__init__(targets, auth_token, aiohttp.ClientSession(), public_url=public_url)
        self.http = self._http
        self.fault = fault
        self.select = select
        self.rate = rate
        self.delay_s = delay_s
        self.two_segments = two_segments
        self.down: set[str] = set()
        self.sent: list[Sent] = []
        self.faulted: list[Sent] = []
        self._rng = random.Random(seed)
        self._held: dict[str, list[Sent]] = {}  # call → callbacks waiting for its next one
        self._later: set[asyncio.Task[None]] = set()

    async def aclose(self) -> None:
        for task in list(self._later):
            task.cancel()
        await asyncio.gather(*self._later, return_exceptions=True)
        await self.http.close()

    def _route(self, url: str) -> tuple[str, str]:
        skipped = self.down | _AVOID.get()
        for _ in self.targets:
            sent, signed = super()._route(url)
            target = next((t for t in self.targets if sent.startswith(t)), "")
            if target not in skipped:
                _CHOSEN.set(target)
                return sent, signed
        raise WebhookError(f"{url}: every server is down")

    async def request(
        self, url: str, params: Mapping[str, str], method: str = "POST"
    ) -> WebhookResponse:
        sent = Sent(url, dict(params), method)
        self.sent.append(sent)
        path = urlsplit(url).path
        call = params.get("ParentCallSid") or params.get("CallSid", "")
        # What reordering held for this call goes right after its next callback.
        held = self._held.pop(call, []) if is_callback(path, params) else []
        if self.fault is None or not self.select(path, params) or self._rng.random() >= self.rate:
            response = await self._deliver(sent)
            for late in held:
                self._later_deliver(late, 0.0)
            return response
        for late in held:
            self._later_deliver(late, 0.0)
        self.faulted.append(sent)
        if self.fault is CallbackFault.DUPLICATE:
            first, _ = await asyncio.gather(self._deliver(sent), self._deliver(sent))
            return first
        if self.fault is CallbackFault.DELAY:
            self._later_deliver(sent, self.delay_s)
        elif self.fault is CallbackFault.REORDER:
            self._held.setdefault(call, []).append(sent)
        return WebhookResponse(url, 200, "text/xml", EMPTY_TWIML)  # DROP, or on its way

    def _later_deliver(self, sent: Sent, delay_s: float) -> None:
        async def later() -> None:
            await asyncio.sleep(delay_s)
            # A late callback that finds no server is lost, as on a network.
            with contextlib.suppress(WebhookError):
                await self._deliver(sent)

        task = asyncio.create_task(later())
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def flush_held(self) -> None:
        """Deliver what reordering still holds (a call's last callback has no next one),
        and wait for every late delivery."""
        for held in self._held.values():
            for sent in held:
                self._later_deliver(sent, 0.0)
        self._held.clear()
        while self._later:
            await asyncio.gather(*self._later, return_exceptions=True)

    async def replay(self, sent: Sent) -> WebhookResponse:
        """Send `sent` again, exactly as it was signed the first time."""
        return await self._deliver(sent)

    async def _deliver(self, sent: Sent) -> WebhookResponse:
        """One delivery, to the next live server. A request that finds its server dead goes
        once more to the next: a balancer does that for a refused connection, and Twilio
        for a TwiML fetch, refused or cut off mid-answer (its retry of a failed fetch); a
        callback lost in flight stays lost."""
        try:
            return await self._send(sent)
        except WebhookError as exc:
            refused = isinstance(exc.__cause__, aiohttp.ClientConnectorError | OSError)
            callback = is_callback(urlsplit(sent.url).path, sent.params)
            if callback and not refused:
                return WebhookResponse(sent.url, 502, "text/plain", "lost in flight")
            # Another server must be live; the one that failed may not be marked down yet,
            # and other requests move the round robin on meanwhile: skip it by name.
            if len(self.targets) < 2 or len(self.down) >= len(self.targets):
                raise
            avoiding = _AVOID.set(frozenset({_CHOSEN.get("")}))
            try:
                return await self._send(sent)
            finally:
                _AVOID.reset(avoiding)

    async def _send(self, sent: Sent) -> WebhookResponse:
        if not self.two_segments:
            return await super().request(sent.url, sent.params, sent.method)
        return await self._send_in_two_segments(sent)

    async def _send_in_two_segments(self, sent: Sent) -> WebhookResponse:
        """A signed POST whose body arrives in two TCP segments, over a raw connection."""
        target, signed = self._route(sent.url)
        parts = urlsplit(target)
        body = urlencode(dict(sent.params)).encode()
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {self.sign(signed, sent.params)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        half = len(body) // 2
        try:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            try:
                writer.write(head + body[:half])
                await writer.drain()
                await asyncio.sleep(SEGMENT_GAP_S)
                writer.write(body[half:])
                await writer.drain()
                raw = await asyncio.wait_for(reader.read(), 15)
            finally:
                writer.close()
        except (OSError, TimeoutError) as exc:
            raise WebhookError(f"POST {target}: {exc!r}") from exc
        status_line, _, rest = raw.partition(b"\r\n")
        headers, _, text = rest.partition(b"\r\n\r\n")
        status = int(status_line.split()[1])
        kind = next(
            (
                line.split(b":", 1)[1].split(b";")[0].strip().decode()
                for line in headers.split(b"\r\n")
                if line.lower().startswith(b"content-type:")
            ),
            "",
        )
        return WebhookResponse(sent.url, status, kind, text.decode(errors="replace"))
