"""A hand-written TwiML server playing Hotline's role, checking every request's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "0" * 32


@dataclass(frozen=True)
class Hit:
    """One webhook the server received."""

    method: str
    path: str
    url: str
    params: dict[str, str]


Answer = str | web.Response
Handler = Callable[[Hit], Answer]


def twiml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


class TwimlServer:
    """Routes paths to hand-written handlers; records hits; 403 on a bad signature."""

    def __init__(self, auth_token: str = AUTH_TOKEN, *, public_url: str | None = None) -> None:
        self.public_url = public_url  # check signatures against this, as Hotline does
        self.validator = RequestValidator(auth_token)
        self.base = ""  # set once the server listens
        self.routes: dict[str, Handler] = {"/twilio/status": lambda hit: ""}
        self.hits: list[Hit] = []
        self.forged: list[str] = []
        self.arrived: asyncio.Queue[Hit] = asyncio.Queue()
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.handle)

    def route(self, path: str, answer: Handler | str) -> None:
        self.routes[path] = answer if callable(answer) else (lambda hit: answer)

    def to(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    async def next_hit(self, path: str) -> Hit:
        """The next webhook to `path` that arrives (earlier hits are dropped)."""
        while True:
            hit = await self.arrived.get()
            if hit.path == path:
                return hit

    async def handle(self, request: web.Request) -> web.StreamResponse:
        params = dict(await request.post()) if request.method == "POST" else {}
        form = {k: str(v) for k, v in params.items()}
        url = str(request.url)
        if self.public_url is not None:
            url = self.public_url + request.path_qs
        signature = request.headers.get("X-Twilio-Signature", "")
        if not self.validator.validate(url, form, signature):
            self.forged.append(url)
            raise web.HTTPForbidden()
        if request.method == "GET":
            form = dict(request.query)
        hit = Hit(request.method, request.path, url, form)
        self.hits.append(hit)
        self.arrived.put_nowait(hit)
        handler = self.routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        answer = handler(hit)
        if isinstance(answer, web.Response):
            return answer
        return web.Response(text=answer, content_type="text/xml")
