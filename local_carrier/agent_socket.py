"""The agent phone socket: a browser softphone registers an identity and is rung by <Dial>.

Connect: `GET /carrier/agent-ws?identity=a1001[&token=...]` (WebSocket, JSON text frames).
The identity is what `<Dial><Client>a1001</Client></Dial>` rings; one socket per identity,
a newer socket for the same identity replaces the older one (which is then never rung).

Server → client:
- `{"type": "registered", "identity": "a1001"}` once connected;
- `{"type": "ring", "callSid": "CA…", "parentCallSid": "CA…", "from": "+86…",
  "to": "client:a1001", "timeout": 20}` — a call offered (`callSid` is the agent's leg,
  `parentCallSid` the caller's call the server knows; `timeout` in seconds of ringing);
- `{"type": "connected", "callSid": "CA…"}` — answered and bridged to the caller;
- `{"type": "ended", "callSid": "CA…", "reason": R}` — the leg is over; R is `canceled`
  (the caller hung up while it rang), `no-answer` (ring timeout), `rejected`,
  `caller-hung-up`, `agent-hung-up` or `time-limit`;
- `{"type": "error", "message": "…"}` — a message it could not act on.

Client → server: `{"type": "answer"}`, `{"type": "reject"}`, `{"type": "hangup"}` (while
ringing, a hang-up rejects). Each may carry `"callSid"`; a stale one is refused with an
error instead of acting on a newer call. Closing the socket mid-call hangs up; closing it
while it rings lets the call ring out (no-answer), as an offline Twilio client does.

Identity: `create_carrier_app(verify_agent=...)` takes an async check of `(identity, token)`
and a refused socket gets HTTP 403 before the upgrade. The hotline passes one that accepts
only a short-lived token it minted for the signed-in agent (GET /api/agent/phone-token), so
no other page or local user can displace an agent's softphone; the default (for a carrier
on its own, as in its tests) accepts everyone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from .carrier import LocalCarrier
from .phones import DialLeg

log = logging.getLogger(__name__)

AgentVerifier = Callable[[str, str | None], Awaitable[bool]]
"""Whether `(identity, token)` may register; the token is None when the socket sent none."""
Send = Callable[[dict[str, Any]], Awaitable[None]]

IDENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,120}$")


async def accept_all(identity: str, token: str | None) -> bool:
    return True


def _ended_reason(leg: DialLeg, by: str) -> str:
    if by == "caller":
        return "caller-hung-up" if leg.answered else "canceled"
    if by == "agent":
        return "agent-hung-up" if leg.answered else "rejected"
    return by


class WebSocketAgent:
    """An agent phone on the other end of a socket (one call at a time)."""

    def __init__(self, identity: str, send: Send) -> None:
        self.identity = identity
        self._send = send
        self.leg: DialLeg | None = None

    async def ring(self, leg: DialLeg) -> None:
        self.leg = leg
        await self._send(
            {
                "type": "ring",
                "callSid": leg.sid,
                "parentCallSid": leg.parent_call_sid,
                "from": leg.from_,
                "to": leg.to,
                "timeout": leg.timeout,
            }
        )

    async def connected(self, leg: DialLeg) -> None:
        await self._send({"type": "connected", "callSid": leg.sid})

    async def hung_up(self, leg: DialLeg, by: str) -> None:
        if self.leg is leg:
            self.leg = None
        await self._send({"type": "ended", "callSid": leg.sid, "reason": _ended_reason(leg, by)})

    def act(self, message: dict[str, Any]) -> str | None:
        """Carry out a client message; an error text when it cannot."""
        kind = message.get("type")
        if kind not in {"answer", "reject", "hangup"}:
            return f"unknown message type {kind!r}"
        leg = self.leg
        if leg is None:
            return "no call"
        wanted = message.get("callSid")
        if wanted is not None and wanted != leg.sid:
            return f"callSid: not the current call ({leg.sid})"
        if kind == "answer":
            if leg.decision is not None:
                return "already answered or rejected"
            leg.answer()
        elif kind == "reject" or not leg.answered:
            leg.reject()
        else:
            leg.hang_up()
        log.info(
            "agent %s: %s %s",
            self.identity,
            kind,
            leg.sid,
            extra={"call_sid": leg.parent_call_sid, "agent_id": self.identity},
        )
        return None

    def lost(self) -> None:
        """The socket closed: a call in progress hangs up; a ringing one rings out."""
        if self.leg is not None and self.leg.answered:
            self.leg.hang_up()


async def agent_socket(
    request: web.Request, carrier: LocalCarrier, verify: AgentVerifier
) -> web.WebSocketResponse:
    identity = request.query.get("identity", "").strip()
    if not IDENTITY.match(identity):
        raise web.HTTPBadRequest(text="identity: letters, digits and _.@+- (up to 121)")
    if not await verify(identity, request.query.get("token")):
        raise web.HTTPForbidden(text="identity: not allowed to register")
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=16 * 1024)
    await ws.prepare(request)

    async def send(message: dict[str, Any]) -> None:
        if not ws.closed:
            with contextlib.suppress(ConnectionError):
                await ws.send_json(message)

    phone = WebSocketAgent(identity, send)
    carrier.register_agent(identity, phone)
    try:
        await send({"type": "registered", "identity": identity})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                message = json.loads(msg.data)
            except ValueError:
                message = None
            if not isinstance(message, dict):
                await send({"type": "error", "message": "expected a JSON object"})
                continue
            error = phone.act(message)
            if error is not None:
                await send({"type": "error", "message": error})
    finally:
        carrier.unregister_agent(identity, phone)
        phone.lost()
    return ws
