"""GET /softphone/ws: the agent's live desk. Relays the agent's events from Redis (through
this process's AgentEventHub) enriched for the page, and pushes the agent's state whenever
it changes, whichever process changed it.

Server → page (JSON): `hello` {agent_id, readonly, state} once; `offer` (the published
offer plus caller_name, customer_account, queue_name, open_orders...); `connected`,
`ended`, `missed` as published; `state` {state} after any change; `resync` when events may
have been lost (the page then re-reads GET /api/agent/state). Page → server: `{"type":
"sync"}` asks for a fresh `state`. The socket is cookie-authenticated and refused (403)
unless its Origin is the public URL's or the server's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import ChainMapProxy, WSMsgType, web
from yarl import URL

from hotline.appkeys import AGENT_EVENT_HUB, DESK_PRESENCE, SETTINGS
from staff_web.auth.identity import current_user
from staff_web.softphone.agent_api import viewed_agent
from staff_web.softphone.call_details import describe_call
from staff_web.softphone.desk_state import desk_state, now_ms, state_key
from staff_web.softphone.fanout import Delivery, Inbox

log = logging.getLogger(__name__)

HEARTBEAT_S = 25.0
WRAP_UP_GRACE_S = 0.3  # the router's timer loop ends wrap-up within about half a second
WRAP_UP_RECHECK_S = 1.0


def _origin(url: URL) -> str:
    return f"{url.scheme}://{url.host}" + (f":{url.port}" if not url.is_default_port() else "")


def origin_allowed(request: web.Request) -> bool:
    """A browser always sends Origin on a WebSocket; only our own pages may open this one.

    The public URL is the origin behind a proxy; the request's own origin covers the
    embedded mode opened as localhost instead of 127.0.0.1 (a browser cannot forge Host).
    """
    origin = request.headers.get("Origin", "")
    if not origin:
        return False
    allowed = {
        _origin(URL(request.config_dict[SETTINGS].public_url)),
        f"{request.scheme}://{request.host}",
    }
    return origin.rstrip("/") in allowed


class DeskRelay:
    """One socket: what it last told the page, and how to tell it more."""

    def __init__(self, app: ChainMapProxy, agent_id: str, ws: web.WebSocketResponse) -> None:
        self.app = app
        self.agent_id = agent_id
        self.ws = ws
        self.state: dict[str, Any] | None = None

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_json(message)

    async def push_state(self, *, force: bool = False) -> None:
        state = await desk_state(self.app, self.agent_id)
        if force or self.state is None or state_key(state) != state_key(self.state):
            await self.send({"type": "state", "state": state})
        self.state = state

    def recheck_in(self) -> float | None:
        """Seconds until the state may change on its own (wrap-up ending), if it may."""
        if self.state is None or self.state["state"] != "wrap_up":
            return None
        left = (self.state["wrap_until_ms"] - now_ms(self.app)) / 1000
        return left + WRAP_UP_GRACE_S if left > 0 else WRAP_UP_RECHECK_S

    async def relay(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "state":  # someone changed the state: send the state itself
            await self.push_state()
            return
        if kind == "offer":
            event = await self._enriched(event)
        await self.send(event)
        await self.push_state()

    async def _enriched(self, offer: dict[str, Any]) -> dict[str, Any]:
        call_sid = str(offer.get("call_sid", ""))
        try:
            details = await describe_call(self.app, call_sid)
        except Exception:
            log.exception(
                "offer not enriched", extra={"call_sid": call_sid, "agent_id": self.agent_id}
            )
            return offer
        if details is None:
            return offer
        # The published offer wins where both know a field (it is the router's word).
        return details | offer


async def _read_page(ws: web.WebSocketResponse, inbox: Inbox) -> None:
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT and '"sync"' in message.data:
                inbox.put(Delivery("resync", {"quiet": True}))
    finally:
        inbox.put(Delivery("closed"))


async def softphone_socket(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    if user is None:  # a socket cannot follow the pages' redirect to the login form
        return web.Response(status=401, text="sign in first")
    if not origin_allowed(request):
        raise web.HTTPForbidden(reason="Origin: not this site")
    agent_id = viewed_agent(request, user)
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=4096)
    await ws.prepare(request)
    relay = DeskRelay(request.config_dict, agent_id, ws)
    readonly = agent_id != user.agent_id
    async with contextlib.AsyncExitStack() as opened:
        if not readonly:  # a supervisor watching is not the agent's desk
            await opened.enter_async_context(request.config_dict[DESK_PRESENCE].desk_open(agent_id))
        await _serve(relay, request, readonly)
    return ws


async def _serve(relay: DeskRelay, request: web.Request, readonly: bool) -> None:
    agent_id, ws = relay.agent_id, relay.ws
    with request.config_dict[AGENT_EVENT_HUB].listen(agent_id) as inbox:
        reader = asyncio.create_task(_read_page(ws, inbox), name=f"softphone-read-{agent_id}")
        try:
            relay.state = await desk_state(relay.app, agent_id)
            await relay.send(
                {"type": "hello", "agent_id": agent_id, "readonly": readonly, "state": relay.state}
            )
            while not ws.closed:
                delivery = await inbox.get(relay.recheck_in())
                if delivery is None:
                    await relay.push_state()
                elif delivery.kind == "closed":
                    break
                elif delivery.kind == "event":
                    await relay.relay(delivery.event)
                elif delivery.kind == "nudge":
                    await relay.push_state()
                else:  # resync
                    if not delivery.event.get("quiet"):
                        await relay.send({"type": "resync"})
                    await relay.push_state(force=True)
        except Exception:
            log.exception("softphone socket failed", extra={"agent_id": agent_id})
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await ws.close()
