"""The far end of a <Dial>: the leg it rings, the phone protocol, and who answers where.

Times are simulated seconds on the caller's clock. A phone says what it does and *when*
(`leg.answer(after=5)`): a script decides at once and the carrier lets the simulated time
pass, so an instant carrier (`speed=math.inf`) still reports the right durations; a live
phone (a browser) decides later and calls `leg.answer()` at that moment.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .clock import CallClock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rung phone does (`answer` or `reject`) and at which simulated second."""

    kind: str
    at: float


class DialLeg:
    """The child call a <Dial> places (its own CallSid), as both ends see it."""

    def __init__(
        self,
        *,
        sid: str,
        parent_call_sid: str,
        from_: str,
        to: str,
        address: str,
        timeout: float,
        clock: CallClock,
    ) -> None:
        self.sid = sid
        self.parent_call_sid = parent_call_sid
        self.from_ = from_
        self.to = to
        self.address = address  # the client identity or the number dialled
        self.timeout = timeout
        self.clock = clock
        self.decision: Decision | None = None
        self.agent_hangup_at: float | None = None
        self.caller_hangup_at: float | None = None
        self.answered = False
        self.canceled = False
        # As the REST `Calls` resource shows the leg: queued, ringing, in-progress, then
        # completed, busy, no-answer, canceled or failed; its start, end and talk time.
        self.status = "queued"
        self.started_at: datetime | None = None
        self.ended_at: datetime | None = None
        self.duration = 0
        self.changed = asyncio.Event()

    def _at(self, after: float) -> float:
        return self.clock.now() + max(0.0, after)

    # the dialled party's side

    def answer(self, *, after: float = 0.0) -> None:
        """Pick up, `after` simulated seconds from now (the first decision counts)."""
        if self.decision is None:
            self.decision = Decision("answer", self._at(after))
            self.changed.set()

    def reject(self, *, after: float = 0.0) -> None:
        """Decline the call (the Dial reports `busy`), `after` seconds from now."""
        if self.decision is None:
            self.decision = Decision("reject", self._at(after))
            self.changed.set()

    def hang_up(self, *, after: float = 0.0) -> None:
        """End the conversation from the dialled side (while ringing: reject)."""
        if not self.answered:
            self.reject(after=after)
            return
        at = self._at(after)
        if self.agent_hangup_at is None or at < self.agent_hangup_at:
            self.agent_hangup_at = at
            self.changed.set()

    # the REST API's side

    def cancel(self) -> bool:
        """`Status=canceled`: stop a leg that has not been answered (at once, whatever the
        phone decided for later); a leg already answered is left alone. Whether it was."""
        if self.answered or self.ended_at is not None:
            return False
        self.canceled = True
        self.status = "canceled"
        self.changed.set()
        return True

    # the caller's side (a live caller hangs up through its `hangup_requested` instead)

    def caller_hang_up(self, *, after: float = 0.0) -> None:
        """The caller will hang up `after` seconds into the conversation."""
        at = self._at(after)
        if self.caller_hangup_at is None or at < self.caller_hangup_at:
            self.caller_hangup_at = at
            self.changed.set()


class AgentPhone(Protocol):
    """An endpoint a <Dial> can ring: an agent's softphone, a script, an outside line.

    `ring` starts the ringing (the phone answers or rejects through the leg, now or later;
    a phone that does neither is not answered); `connected` says the caller is on the line
    (the phone may `leg.hang_up()`); `hung_up` ends the leg, `by` one of `caller` (the caller
    hung up or left, the ring is canceled), `agent`, `no-answer` (the ring timed out),
    `time-limit`, `canceled` (the REST API withdrew the ring), `carrier` (something broke).
    """

    async def ring(self, leg: DialLeg) -> None: ...

    async def connected(self, leg: DialLeg) -> None: ...

    async def hung_up(self, leg: DialLeg, by: str) -> None: ...


class PhoneBook:
    """Which phone answers an identity or a number, and which are on a call.

    One phone per identity: a later registration replaces an earlier one (a reloaded
    softphone), and unregistering only removes the phone that registered. A number with no
    registered phone is answered by `outside_line` (an outside party; None: not answered).
    """

    def __init__(self, outside_line: AgentPhone | None = None) -> None:
        self._clients: dict[str, AgentPhone] = {}
        self._numbers: dict[str, AgentPhone] = {}
        self._busy: dict[int, DialLeg] = {}
        self.outside_line = outside_line

    def register(self, identity: str, phone: AgentPhone) -> None:
        self._clients[identity] = phone
        log.info("agent phone registered: %s", identity, extra={"agent_id": identity})

    def unregister(self, identity: str, phone: AgentPhone | None = None) -> None:
        if phone is None or self._clients.get(identity) is phone:
            self._clients.pop(identity, None)
            log.info("agent phone unregistered: %s", identity, extra={"agent_id": identity})

    def register_number(self, number: str, phone: AgentPhone) -> None:
        self._numbers[number] = phone

    def identities(self) -> list[str]:
        return sorted(self._clients)

    def lookup(self, kind: str, address: str) -> AgentPhone | None:
        if kind == "client":
            return self._clients.get(address)
        return self._numbers.get(address, self.outside_line)

    def on_call(self, phone: AgentPhone) -> DialLeg | None:
        """The leg `phone` is ringing or talking on, if any."""
        return self._busy.get(id(phone))

    def engage(self, phone: AgentPhone, leg: DialLeg) -> bool:
        """Mark `phone` as on `leg`; False when it already is on another call."""
        if id(phone) in self._busy:
            return False
        self._busy[id(phone)] = leg
        return True

    def release(self, phone: AgentPhone, leg: DialLeg) -> None:
        if self._busy.get(id(phone)) is leg:
            del self._busy[id(phone)]
