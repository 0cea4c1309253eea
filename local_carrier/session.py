"""One call's state as the carrier holds it: identity, clock, queue place, log and fetches."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .caller import CallerIO
from .clock import CallClock
from .legs import LegBook
from .phones import PhoneBook
from .queue_book import CarrierQueue, QueueBook, QueueMember
from .twiml_parser import VERBS, Document, parse_document
from .webhook_poster import WebhookPoster

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"


@dataclass(frozen=True, slots=True)
class Fetch:
    """Ask `url` (absolute) for the next document, sending `params` with the call's own."""

    url: str
    method: str = "POST"
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Inline:
    """A document given as text (a live-call update); `url` resolves its relative URLs."""

    twiml: str
    url: str


Instruction = Fetch | Inline


@dataclass(frozen=True, slots=True)
class CallEvent:
    """Something that happened on a call, at a simulated second of it."""

    kind: str
    at: float
    detail: str


class CallEnded(Exception):
    """The call is over: `status` is the final CallStatus."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


class ApplicationError(Exception):
    """The server answered something the carrier cannot follow."""


@dataclass(frozen=True, slots=True)
class Recording:
    sid: str
    text: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Membership:
    """The queue a call waits in, and where to report when it leaves."""

    queue: CarrierQueue
    member: QueueMember
    action: str | None
    method: str


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


@dataclass(eq=False)
class CallSession:
    """Shared by the call's interpreter and its control loop."""

    sid: str
    account_sid: str
    from_: str
    to: str
    io: CallerIO
    clock: CallClock
    poster: WebhookPoster
    queues: QueueBook
    recordings: dict[str, Recording]
    recordings_base: str
    play_seconds: float = 10.0
    phones: PhoneBook = field(default_factory=PhoneBook)
    legs: LegBook = field(default_factory=LegBook)
    wall_clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    answered: bool = False
    membership: Membership | None = None
    events: list[CallEvent] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

    def record(self, kind: str, detail: str) -> None:
        self.events.append(CallEvent(kind, self.clock.now(), detail))
        if kind == "error":
            log.warning("call %s: %s", self.sid, detail, extra={"call_sid": self.sid})
        else:
            log.debug("call %s: %s %s", self.sid, kind, detail, extra={"call_sid": self.sid})

    def params(self) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "AccountSid": self.account_sid,
            "From": self.from_,
            "To": self.to,
            "CallStatus": "in-progress" if self.answered else "ringing",
            "Direction": "inbound",
            "ApiVersion": API_VERSION,
        }

    def absolute(self, url: str, document_url: str) -> str:
        return self.poster.absolute(url, document_url)

    async def send(self, fetch: Fetch) -> tuple[int, str]:
        """Send a webhook; the answer's status and text."""
        response = await self.poster.request(
            fetch.url, {**self.params(), **fetch.params}, fetch.method
        )
        self.record("webhook", f"{fetch.method} {fetch.url} -> {response.status}")
        return response.status, response.text

    async def load(self, instruction: Instruction, allowed: frozenset[str] = VERBS) -> Document:
        """The next document: fetched (it must answer 200 with TwiML) or given inline."""
        if isinstance(instruction, Inline):
            return parse_document(instruction.twiml, instruction.url, allowed=allowed)
        status, text = await self.send(instruction)
        if status != 200:
            raise ApplicationError(f"{instruction.url} answered HTTP {status}")
        return parse_document(text, instruction.url, allowed=allowed)

    def keep_recording(self, text: str, seconds: float) -> tuple[str, str]:
        """Store a message; its RecordingSid and RecordingUrl."""
        sid = new_sid("RE")
        self.recordings[sid] = Recording(sid, text, seconds)
        return sid, f"{self.recordings_base.rstrip('/')}/{sid}"
