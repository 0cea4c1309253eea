"""<Dial>: ring one party on a child leg, bridge the caller, report as Twilio's Dial does.

What the server sees, in order:
- the child leg's `statusCallback` (if given) for each subscribed event: `initiated`,
  `ringing`, `answered` (CallStatus `in-progress`), `completed` (CallStatus `completed` with
  the talk time as `CallDuration`, or the unanswered leg's final status: `no-answer`, `busy`,
  `canceled`, `failed`), with the leg's own `CallSid`, `ParentCallSid`,
  `Direction=outbound-dial`, `To=client:<identity>` (or the number), the caller's `From` (or
  `callerId`) and a `SequenceNumber` counting that leg's callbacks from 0;
- then, if the caller is still on the line, the Dial `action` on the parent call with
  `DialCallStatus` (`completed` after a conversation, else `no-answer`, `busy`, `failed`,
  `canceled`), `DialCallSid`, `DialCallDuration` and `DialBridged`; the call follows its
  answer. Without an action the call goes on with the next verb.

A caller who hangs up (or a call redirected by the REST API) ends the child leg — `canceled`
while it rings, `completed` once bridged — and no action is fetched. The REST API may also
cancel the ringing child leg itself (`Status=canceled` on its CallSid): the Dial then ends
`canceled` and its action is fetched; a leg already answered is not affected. Each leg is
kept in the carrier's `LegBook`, where the REST `Calls` resource reads it. A `<Client>` with no
registered phone is not answered: `no-answer` after the ring timeout, with no `ringing`
callback (Twilio reports an offline client the same way when it has no push credential).
A phone already on a call is `busy` at once; a reject is `busy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import xml.etree.ElementTree as ET
from email.utils import format_datetime

from .phones import AgentPhone, DialLeg
from .session import API_VERSION, CallEnded, CallSession, Fetch, new_sid
from .twiml_parser import DialSpec, DialTarget, Document, dial_spec
from .webhook_poster import WebhookError

log = logging.getLogger(__name__)


class LegReporter:
    """Sends one child leg's status callbacks, numbering them per leg."""

    def __init__(self, session: CallSession, leg: DialLeg, target: DialTarget, url: str | None):
        self.session = session
        self.leg = leg
        self.target = target
        self.url = url
        self.sequence = 0
        self.sent: list[str] = []

    async def report(self, event: str, status: str, duration: float | None = None) -> None:
        if self.url is None or event not in self.target.events:
            return
        leg = self.leg
        params = {
            "CallSid": leg.sid,
            "ParentCallSid": leg.parent_call_sid,
            "AccountSid": self.session.account_sid,
            "From": leg.from_,
            "To": leg.to,
            "Caller": leg.from_,
            "Called": leg.to,
            "Direction": "outbound-dial",
            "ApiVersion": API_VERSION,
            "CallStatus": status,
            "SequenceNumber": str(self.sequence),
            "Timestamp": format_datetime(self.session.wall_clock()),
            "CallbackSource": "call-progress-events",
        }
        if duration is not None:
            params["CallDuration"] = str(int(duration))
        self.sequence += 1
        self.sent.append(status)
        method = self.target.status_callback_method
        try:
            response = await self.session.poster.request(self.url, params, method)
            self.session.record("dial-status", f"{leg.sid} {status} -> {response.status}")
        except WebhookError as exc:
            self.session.record("error", f"{self.url}: {exc}")


async def _ring(leg: DialLeg) -> str:
    """Let the phone ring until it decides or the timeout passes: answer, reject, no-answer."""
    clock = leg.clock
    deadline = clock.now() + leg.timeout
    while True:
        if leg.canceled:
            return "canceled"
        decision = leg.decision
        until = deadline if decision is None else min(decision.at, deadline)
        leg.changed.clear()
        if await clock.sleep_unless(until - clock.now(), leg.changed):
            continue
        if leg.canceled:
            return "canceled"
        if decision is not None and decision.at <= deadline:
            return decision.kind
        return "no-answer"


async def _talk(leg: DialLeg, time_limit: float) -> str:
    """Let the conversation run until someone hangs up: agent, caller or time-limit."""
    clock = leg.clock
    limit = clock.now() + time_limit
    while True:
        ends = [(limit, "time-limit")]
        if leg.agent_hangup_at is not None:
            ends.append((leg.agent_hangup_at, "agent"))
        if leg.caller_hangup_at is not None:
            ends.append((leg.caller_hangup_at, "caller"))
        at, by = min(ends)
        leg.changed.clear()
        if await clock.sleep_unless(at - clock.now(), leg.changed):
            continue
        return by


class Dialer:
    """Runs one <Dial> of one call."""

    def __init__(self, session: CallSession, spec: DialSpec, doc: Document) -> None:
        self.session = session
        self.spec = spec
        self.doc = doc
        target = spec.target
        callback = target.status_callback and session.absolute(target.status_callback, doc.url)
        self.leg = DialLeg(
            sid=new_sid("CA"),
            parent_call_sid=session.sid,
            from_=spec.caller_id or session.from_,
            to=target.to,
            address=target.address,
            timeout=float(spec.timeout),
            clock=session.clock,
        )
        self.reporter = LegReporter(session, self.leg, target, callback)
        self.phone: AgentPhone | None = None
        self.engaged = False
        self.answered_at: float | None = None
        self.duration = 0.0
        self.ended = False

    def talk_seconds(self) -> float:
        if self.answered_at is None:
            return 0.0
        return max(0.0, self.session.clock.now() - self.answered_at)

    async def _tell_phone(self, by: str) -> None:
        if self.phone is not None:
            with contextlib.suppress(Exception):
                await self.phone.hung_up(self.leg, by)

    async def _end_leg(self, status: str, by: str) -> None:
        """The child leg is over: tell its phone, report its final status (once)."""
        if self.ended:
            return
        self.ended = True
        self.duration = duration = self.talk_seconds()
        self.leg.status, self.leg.duration = status, int(duration)
        self.leg.ended_at = self.session.wall_clock()
        await self._tell_phone(by)
        if self.phone is not None and self.engaged:
            self.session.phones.release(self.phone, self.leg)
        self.session.record("dial-leg", f"{self.leg.sid} {status} ({by}) {duration:.0f}s")
        await self.reporter.report("completed", status, duration)

    async def run(self) -> tuple[str, bool]:
        """Ring, bridge and talk; (DialCallStatus, whether the caller is still on the line)."""
        session, leg, target = self.session, self.leg, self.spec.target
        leg.started_at = session.wall_clock()
        session.legs.add(leg)
        await self.reporter.report("initiated", "initiated")
        phone = session.phones.lookup(target.kind, target.address)
        if phone is None:
            session.record("dial", f"{target.to}: nobody registered")
            leg.status = "ringing"
            status = "canceled" if await _ring(leg) == "canceled" else "no-answer"
            await self._end_leg(status, status)
            return status, True
        self.phone = phone
        if target.kind == "client":
            self.engaged = session.phones.engage(phone, leg)
            if not self.engaged:
                session.record("dial", f"{target.to}: busy on another call")
                self.phone = None  # its other call goes on undisturbed
                await self._end_leg("busy", "agent")
                return "busy", True
        if not leg.canceled:
            leg.status = "ringing"
        await phone.ring(leg)
        await self.reporter.report("ringing", "ringing")
        await session.io.connecting(leg)
        outcome = await _ring(leg)
        if outcome != "answer":
            status = {"reject": "busy", "canceled": "canceled"}.get(outcome, "no-answer")
            by = {"reject": "agent", "canceled": "canceled"}.get(outcome, "no-answer")
            await self._end_leg(status, by)
            return status, True
        leg.answered = True
        leg.status = "in-progress"
        session.answered = True
        self.answered_at = session.clock.now()
        session.record("bridged", f"{leg.sid} {target.to}")
        await self.reporter.report("answered", "in-progress")
        await phone.connected(leg)
        await session.io.connected(leg)
        by = await _talk(leg, float(self.spec.time_limit))
        await self._end_leg("completed", by)
        return "completed", by != "caller"

    async def cancel(self) -> None:
        """The caller hung up or the call was redirected: end the child leg."""
        if self.leg.answered:
            await self._end_leg("completed", "caller")
        else:
            await self._end_leg("canceled", "caller")

    async def fail(self) -> None:
        """The dialled phone broke down: its leg fails (the call then gets an error)."""
        await self._end_leg("completed" if self.leg.answered else "failed", "carrier")


async def dial(session: CallSession, verb: ET.Element, doc: Document) -> Fetch | None:
    """Run a <Dial>: the action to fetch (or None to go on with the next verb)."""
    spec = dial_spec(verb)
    dialer = Dialer(session, spec, doc)
    session.record("dial", f"{dialer.leg.sid} -> {spec.target.to}")
    try:
        status, caller_on_line = await dialer.run()
    except asyncio.CancelledError:
        await dialer.cancel()
        raise
    except Exception:
        await dialer.fail()
        raise
    session.answered = True
    if not caller_on_line:
        raise CallEnded("completed", "caller hung up")
    if spec.action is None:
        return None
    params = {
        "DialCallStatus": status,
        "DialCallSid": dialer.leg.sid,
        "DialCallDuration": str(int(dialer.duration)),
        "DialBridged": "true" if dialer.leg.answered else "false",
    }
    return Fetch(session.absolute(spec.action, doc.url), spec.method, params)
