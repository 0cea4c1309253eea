"""The local carrier: places calls on the server through Twilio's public webhook contract."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp

from .call import CallHandle
from .caller import CallerIO
from .clock import CallClock
from .legs import LegBook
from .phones import AgentPhone, DialLeg, PhoneBook
from .queue_book import QueueBook
from .scripted_phone import outside_line as default_outside_line
from .session import CallSession, Fetch, Inline, Instruction, Recording, new_sid
from .webhook_poster import WebhookPoster

log = logging.getLogger(__name__)


class LocalCarrier:
    """A Twilio-compatible stand-in: calls POST signed webhooks to `{target}/twilio/voice`,
    follow the TwiML they get, and report to `{target}/twilio/status` when they end.

    `speed` is simulated seconds per real second (None: real time; `math.inf`: never wait;
    only scripted phones keep up with an instant carrier, a person cannot).
    `poster` replaces the webhook sender built from `targets` (a test may give one that
    loses, repeats or delays webhooks as a network does); its HTTP session is its own.
    A <Dial> rings the phone registered for a `<Client>` identity (`register_agent`) or a
    `<Number>` (`register_number`; any other number is answered by `outside_line`).
    """

    def __init__(
        self,
        targets: list[str],
        auth_token: str,
        account_sid: str,
        *,
        http: aiohttp.ClientSession | None = None,
        speed: float | None = None,
        public_url: str | None = None,
        recordings_base: str | None = None,
        play_seconds: float = 10.0,
        wall_clock: Callable[[], datetime] | None = None,
        outside_line: AgentPhone | None = None,
        poster: WebhookPoster | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.speed = 1.0 if speed is None else speed
        if not self.speed > 0:
            raise ValueError(f"speed: must be positive, got {speed!r}")
        self._auth_token = auth_token
        self._targets = targets
        self._public_url = public_url
        self._own_http = http is None
        self._http = http
        self._given_poster = poster
        self._poster: WebhookPoster | None = poster
        self.queues = QueueBook()
        self.recordings: dict[str, Recording] = {}
        self._calls: dict[str, CallHandle] = {}
        self.play_seconds = play_seconds
        self._wall_clock = wall_clock or (lambda: datetime.now(UTC))
        self.phones = PhoneBook(outside_line or default_outside_line())
        self.legs = LegBook()
        self.recordings_base = recordings_base or (
            (public_url or targets[0]).rstrip("/") + "/carrier/recordings"
        )

    @property
    def poster(self) -> WebhookPoster:
        if self._poster is None:
            if self._http is None:
                self._http = aiohttp.ClientSession()
            self._poster = WebhookPoster(
                self._targets, self._auth_token, self._http, public_url=self._public_url
            )
        return self._poster

    async def place_call(self, from_: str, to: str, io: CallerIO) -> CallHandle:
        """Dial `to` from `from_`; the call runs in the background and `io` is its caller."""
        poster = self.poster
        session = CallSession(
            sid=new_sid("CA"),
            account_sid=self.account_sid,
            from_=from_,
            to=to,
            io=io,
            clock=CallClock(self.speed),
            poster=poster,
            queues=self.queues,
            recordings=self.recordings,
            recordings_base=self.recordings_base,
            play_seconds=self.play_seconds,
            phones=self.phones,
            legs=self.legs,
            wall_clock=self._wall_clock,
        )
        handle = CallHandle(
            session,
            voice_url=poster.absolute("/twilio/voice"),
            status_url=poster.absolute("/twilio/status"),
            wall_clock=self._wall_clock,
        )
        self._calls[handle.sid] = handle
        handle.task.add_done_callback(lambda _: self._calls.pop(handle.sid, None))
        log.info("call %s: %s -> %s", handle.sid, from_, to, extra={"call_sid": handle.sid})
        return handle

    def check_credentials(self, username: str, password: str) -> bool:
        """Whether REST Basic credentials are this carrier's account SID and auth token."""
        user_ok = hmac.compare_digest(username.encode(), self.account_sid.encode())
        token_ok = hmac.compare_digest(password.encode(), self._auth_token.encode())
        return user_ok and token_ok

    def register_agent(self, identity: str, phone: AgentPhone) -> None:
        """Ring `phone` for `<Dial><Client>identity</Client></Dial>` (replacing any earlier)."""
        self.phones.register(identity, phone)

    def unregister_agent(self, identity: str, phone: AgentPhone | None = None) -> None:
        """Stop ringing `identity` (only if `phone` is still the one registered, when given)."""
        self.phones.unregister(identity, phone)

    def register_number(self, number: str, phone: AgentPhone) -> None:
        """Answer `<Dial><Number>number</Number></Dial>` with `phone`."""
        self.phones.register_number(number, phone)

    def active_calls(self) -> list[CallHandle]:
        return [h for h in self._calls.values() if not h.done]

    def call(self, call_sid: str) -> CallHandle:
        handle = self._calls.get(call_sid)
        if handle is None or handle.done:
            raise LookupError(f"call_sid: no live call {call_sid!r}")
        return handle

    def leg(self, leg_sid: str) -> DialLeg:
        """A child leg a Dial placed, live or ended."""
        leg = self.legs.get(leg_sid)
        if leg is None:
            raise LookupError(f"call_sid: no leg {leg_sid!r}")
        return leg

    def hang_up(self, call_sid: str, reason: str = "hung up by the REST API") -> CallHandle:
        """End a live call (the REST `Status=completed` update)."""
        handle = self.call(call_sid)
        handle.hangup(reason)
        return handle

    async def redirect(
        self,
        call_sid: str,
        *,
        url: str | None = None,
        twiml: str | None = None,
        method: str = "POST",
    ) -> None:
        """Give a live call new instructions (Twilio's `Calls/{sid}` update with `Url` or
        `Twiml`): it drops what it is doing, leaving its queue as `redirected`."""
        if (url is None) == (twiml is None):
            raise ValueError("redirect: give exactly one of url or twiml")
        handle = self.call(call_sid)
        instruction: Instruction
        if url is not None:
            instruction = Fetch(self.poster.absolute(url), method.upper())
        else:
            assert twiml is not None  # noqa: S101 - checked above
            instruction = Inline(twiml, self.poster.absolute("/twilio/voice"))
        handle.redirect(instruction)

    async def aclose(self) -> None:
        """Hang up every live call, wait for them to end, close our HTTP session."""
        calls = list(self._calls.values())
        for handle in calls:
            handle.hangup("carrier closing")
        for handle in calls:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await handle.wait()
            if not handle.done:
                handle.task.cancel()
        if self._own_http and self._http is not None:
            await self._http.close()
        self._http = None
        self._poster = self._given_poster
