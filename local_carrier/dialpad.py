"""The carrier sub-app: the dial pad page and socket, the agent phone socket, the REST API."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from .agent_socket import AgentVerifier, accept_all, agent_socket
from .call import CallHandle
from .carrier import LocalCarrier
from .rest import CALL_PATH, CALLS_PATH, fetch_call, list_calls, update_call
from .websocket_caller import WebSocketCaller

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
CARRIER: web.AppKey[LocalCarrier] = web.AppKey("carrier", LocalCarrier)
Directory = Callable[[], list[tuple[str, str]]]
"""The numbers the dial pad offers, as (number, label), asked for each time the page loads."""
NUMBERS = web.AppKey[Directory]("numbers")
VERIFY_AGENT = web.AppKey[AgentVerifier]("verify_agent")
DEFAULT_CALLER_ID = "+8613800000000"
PHONE = re.compile(r"^\+?[0-9]{3,20}$")
MAX_RECORDING_SECONDS = 60  # the silent stand-in audio is capped at a minute
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@web.middleware
async def clean_path_params(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A CR or LF in a path parameter (`%0D%0A`) is the client's error, never a crash."""
    for name, value in request.match_info.items():
        if CONTROL.search(value):
            raise web.HTTPBadRequest(text=f"{name}: control characters are not allowed")
    return await handler(request)


def create_carrier_app(
    carrier: LocalCarrier,
    *,
    numbers: list[tuple[str, str]] | Directory,
    verify_agent: AgentVerifier | None = None,
) -> web.Application:
    """The local carrier's pages, to be mounted at `/carrier/`: the dial pad at `/`, its
    socket at `/ws`, recordings at `/recordings/{sid}`, the agent phone socket at
    `/agent-ws` (see `agent_socket`), and the REST `Calls` resource at
    `/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` and `.../Calls.json` (see
    `rest`).

    `numbers` is a fixed list or a function giving the current one (the published config's).
    `verify_agent` checks an agent socket's `(identity, token)`; default: everyone may.
    """
    app = web.Application(middlewares=[clean_path_params])
    app[CARRIER] = carrier
    app[VERIFY_AGENT] = verify_agent or accept_all
    if callable(numbers):
        app[NUMBERS] = numbers
    else:
        fixed = list(numbers)
        app[NUMBERS] = lambda: fixed
    app.router.add_get("/", dial_pad, name="dialpad")
    app.router.add_get("/ws", dial_socket, name="ws")
    app.router.add_get("/recordings/{sid}", recording, name="recording")
    app.router.add_get("/agent-ws", agent_ws, name="agent-ws")
    app.router.add_post(CALL_PATH, calls_update, name="calls-update")
    app.router.add_get(CALL_PATH, calls_fetch, name="calls-fetch")
    app.router.add_get(CALLS_PATH, calls_list, name="calls-list")
    app.router.add_static("/static", STATIC, name="static", append_version=True)
    return app


async def dial_pad(request: web.Request) -> web.Response:
    """The dial pad; `?from=NUMBER` fills in the caller ID (a link may pick the caller)."""
    app = request.app
    asked = request.query.get("from", "").strip()
    config = {
        "ws": str(app.router["ws"].url_for()),
        "numbers": [{"number": n, "label": label} for n, label in app[NUMBERS]()],
        "callerId": asked if PHONE.fullmatch(asked) else DEFAULT_CALLER_ID,
    }
    page = (STATIC / "dialpad.html").read_text(encoding="utf-8")
    page = (
        page.replace("{{config}}", json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"))
        .replace("{{css}}", str(app.router["static"].url_for(filename="dialpad.css")))
        .replace("{{js}}", str(app.router["static"].url_for(filename="dialpad.js")))
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8")


async def agent_ws(request: web.Request) -> web.WebSocketResponse:
    return await agent_socket(request, request.app[CARRIER], request.app[VERIFY_AGENT])


async def calls_update(request: web.Request) -> web.Response:
    return await update_call(request, request.app[CARRIER])


async def calls_fetch(request: web.Request) -> web.Response:
    return await fetch_call(request, request.app[CARRIER])


async def calls_list(request: web.Request) -> web.Response:
    return await list_calls(request, request.app[CARRIER])


def _silent_wav(seconds: float) -> bytes:
    frames = int(8000 * min(max(seconds, 0.0), MAX_RECORDING_SECONDS))
    header = b"RIFF" + struct.pack("<I", 36 + frames) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8)
    return header + fmt + b"data" + struct.pack("<I", frames) + b"\x80" * frames


async def recording(request: web.Request) -> web.Response:
    """A recording as silent audio of its length, or its words with `?format=text`."""
    found = request.app[CARRIER].recordings.get(request.match_info["sid"])
    if found is None:
        raise web.HTTPNotFound(text="no such recording")
    if request.query.get("format") == "text":
        return web.Response(text=found.text, content_type="text/plain", charset="utf-8")
    return web.Response(body=_silent_wav(found.seconds), content_type="audio/wav")


class _DialSession:
    """One socket: at most one call at a time."""

    def __init__(self, carrier: LocalCarrier, ws: web.WebSocketResponse) -> None:
        self.carrier = carrier
        self.ws = ws
        self.call: CallHandle | None = None
        self.caller: WebSocketCaller | None = None

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_json(message)

    @property
    def in_call(self) -> bool:
        return self.call is not None and not self.call.done

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "dial":
            await self.dial(message)
        elif kind in {"digits", "speech", "hangup"} and not self.in_call:
            await self.send({"type": "error", "message": "not in a call"})
        elif kind == "digits" and self.caller is not None:
            self.caller.press(str(message.get("digits", "")))
        elif kind == "speech" and self.caller is not None:
            self.caller.speak(str(message.get("text", "")))
        elif kind == "hangup" and self.caller is not None:
            self.caller.hang_up()
        else:
            await self.send({"type": "error", "message": f"unknown message type {kind!r}"})

    async def dial(self, message: dict[str, Any]) -> None:
        if self.in_call:
            await self.send({"type": "error", "message": "already in a call"})
            return
        to = str(message.get("to", "")).strip()
        from_ = str(message.get("from") or DEFAULT_CALLER_ID).strip()
        for field, value in (("to", to), ("from", from_)):
            if not PHONE.match(value):
                await self.send({"type": "error", "message": f"{field}: not a phone number"})
                return
        self.caller = WebSocketCaller(self.send)
        self.call = await self.carrier.place_call(from_, to, self.caller)

    def close(self) -> None:
        if self.caller is not None and self.in_call:
            self.caller.hang_up()


async def dial_socket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=64 * 1024)
    await ws.prepare(request)
    session = _DialSession(request.app[CARRIER], ws)
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                message = json.loads(msg.data)
            except ValueError:
                message = None
            if not isinstance(message, dict):
                await session.send({"type": "error", "message": "expected a JSON object"})
                continue
            await session.handle(message)
    finally:
        session.close()
    return ws
