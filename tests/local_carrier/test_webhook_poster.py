"""Signed webhooks: signatures over the URL as requested, and several targets in turn."""

from __future__ import annotations

import math

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from local_carrier import LocalCarrier
from local_carrier.webhook_poster import WebhookPoster
from tests.local_carrier.scripted_caller import Press, ScriptedCaller
from tests.local_carrier.server import ACCOUNT_SID, AUTH_TOKEN, TwimlServer, twiml

pytestmark = pytest.mark.timeout(10)


def chain(server: TwimlServer) -> None:
    server.route("/twilio/voice", twiml("<Redirect>/step/1?a=b</Redirect>"))
    server.route("/step/1", twiml('<Gather action="2"><Say>key</Say></Gather>'))
    server.route("/step/2", twiml("<Say>done</Say>"))


async def test_webhooks_alternate_between_targets(aiohttp_server: AiohttpServer) -> None:
    servers = [TwimlServer(), TwimlServer()]
    for twiml_server in servers:
        started = await aiohttp_server(twiml_server.app)
        twiml_server.base = str(started.make_url("")).rstrip("/")
        chain(twiml_server)
    carrier = LocalCarrier([s.base for s in servers], AUTH_TOKEN, ACCOUNT_SID, speed=math.inf)
    try:
        call = await carrier.place_call("+1", "95598", ScriptedCaller([Press("1#")]))
        await call.wait()
    finally:
        await carrier.aclose()
    a, b = servers
    assert [h.path for h in a.hits] == ["/twilio/voice", "/step/2"]
    assert [h.path for h in b.hits] == ["/step/1", "/twilio/status"]
    assert a.forged == b.forged == []
    assert call.transcript == ["key", "done"]
    assert {h.params["CallSid"] for h in a.hits + b.hits} == {call.sid}


async def test_behind_a_public_url_signatures_cover_the_public_url(
    aiohttp_server: AiohttpServer,
) -> None:
    public = "https://hotline.example.com"
    twiml_server = TwimlServer(public_url=public)
    started = await aiohttp_server(twiml_server.app)
    chain(twiml_server)
    carrier = LocalCarrier(
        [str(started.make_url("")).rstrip("/")],
        AUTH_TOKEN,
        ACCOUNT_SID,
        speed=math.inf,
        public_url=public,
    )
    try:
        call = await carrier.place_call("+1", "95598", ScriptedCaller([Press("1#")]))
        # absolute URLs on the public address are the server's own, too
        await call.wait()
    finally:
        await carrier.aclose()
    assert twiml_server.forged == []
    assert [h.path for h in twiml_server.hits] == [
        "/twilio/voice",
        "/step/1",
        "/step/2",
        "/twilio/status",
    ]


async def test_a_wrong_auth_token_is_refused(server: TwimlServer) -> None:
    async with aiohttp.ClientSession() as http:
        poster = WebhookPoster([server.base], "not-the-token", http)
        response = await poster.request(f"{server.base}/twilio/voice", {"CallSid": "CA1"})
    assert response.status == 403
    assert server.forged == [f"{server.base}/twilio/voice"]
    server.forged.clear()


async def test_get_webhooks_sign_the_query(server: TwimlServer) -> None:
    server.route("/menu", twiml(""))
    async with aiohttp.ClientSession() as http:
        poster = WebhookPoster([server.base], AUTH_TOKEN, http)
        response = await poster.request(
            f"{server.base}/menu?node=1", {"Digits": "5", "CallSid": "CA1"}, "GET"
        )
    assert response.status == 200
    [hit] = server.hits
    assert hit.params == {"node": "1", "CallSid": "CA1", "Digits": "5"}


def test_urls_of_other_hosts_are_left_alone() -> None:
    poster = WebhookPoster(
        ["http://127.0.0.1:1", "http://127.0.0.1:2"],
        AUTH_TOKEN,
        None,  # type: ignore[arg-type]
    )
    assert poster.absolute("next", "http://127.0.0.1:1/ivr/menu?x=1") == (
        "http://127.0.0.1:1/ivr/next"
    )
    assert poster._route("https://elsewhere.example/x") == (
        "https://elsewhere.example/x",
        "https://elsewhere.example/x",
    )
