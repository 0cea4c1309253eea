"""GET /desk/wallboard/ws: pushes every board this process's wallboard feed builds.

Server → page (JSON): `board` {board: the snapshot} on connecting and after every change
(at most every 250 ms) or tick. The page sends nothing but pings. Cookie-authenticated,
supervisors and admins only, and refused (403) unless its Origin is this site's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from hotline.appkeys import WALLBOARD
from staff_web.auth.identity import current_user
from staff_web.softphone.socket import origin_allowed
from staff_web.supervisor.access import manages

log = logging.getLogger(__name__)

HEARTBEAT_S = 25.0


async def _until_closed(ws: web.WebSocketResponse) -> None:
    async for message in ws:
        if message.type == WSMsgType.ERROR:
            break


async def wallboard_socket(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    if user is None:  # a socket cannot follow the pages' redirect to the login form
        return web.Response(status=401, text="sign in first")
    if not manages(user):
        raise web.HTTPForbidden(reason="needs the supervisor role")
    if not origin_allowed(request):
        raise web.HTTPForbidden(reason="Origin: not this site")
    feed = request.config_dict[WALLBOARD]
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=4096)
    await ws.prepare(request)
    reader = asyncio.create_task(_until_closed(ws), name="wallboard-socket-read")
    going_away = False
    try:
        with feed.listen() as screen:
            while not ws.closed and not reader.done() and not screen.closed:
                message = await screen.next(within_s=HEARTBEAT_S)
                if message is not None and not ws.closed:
                    await ws.send_str(message)
            going_away = screen.closed
    except (ConnectionError, RuntimeError) as error:  # the page went away mid-send
        log.info("wallboard socket closed: %s", error)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await ws.close(code=WSCloseCode.GOING_AWAY if going_away else WSCloseCode.OK)
    return ws
