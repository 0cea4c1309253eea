"""Only signed carrier requests get in; oversized and unsigned ones are refused and logged."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, unused_port
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from hotline.app import create_app
from routing.keys import Keys
from tests.app_fixtures import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    FakeClock,
    TwilioPoster,
    new_call_sid,
    on_port_settings,
    serving,
)

DEMO_NUMBER = "+8695598"
CALLER = "+8613700000001"


async def test_signed_request_is_answered(twilio: TwilioPoster) -> None:
    answer = await twilio.post(
        "/twilio/voice", twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    )
    assert answer.status == 200
    assert "Gather" in answer.verbs()


async def test_unsigned_request_is_forbidden(
    twilio: TwilioPoster, caplog: pytest.LogCaptureFixture
) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    answer = await twilio.post("/twilio/voice", params, signature="")
    assert answer.status == 403
    assert "missing signature" in caplog.text


async def test_forged_signature_is_forbidden(
    twilio: TwilioPoster, caplog: pytest.LogCaptureFixture
) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    answer = await twilio.post("/twilio/voice", params, signature="bm90IGEgc2lnbmF0dXJl")
    assert answer.status == 403
    assert "wrong signature" in caplog.text


async def test_signature_for_other_params_is_forbidden(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    signature = twilio.validator.compute_signature(PUBLIC_URL + "/twilio/voice", params)
    tampered = {**params, "From": "+8613999999999"}
    answer = await twilio.post("/twilio/voice", tampered, signature=signature)
    assert answer.status == 403


async def test_signature_is_checked_against_the_public_url(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    internal = str(twilio.client.make_url("/twilio/voice"))
    signature = twilio.validator.compute_signature(internal, params)
    answer = await twilio.post("/twilio/voice", params, signature=signature)
    assert answer.status == 403


async def test_query_string_is_part_of_the_signed_url(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    signature = twilio.validator.compute_signature(PUBLIC_URL + "/twilio/menu?h=95598&v=1", params)
    answer = await twilio.post("/twilio/menu?h=95598&v=2", params, signature=signature)
    assert answer.status == 403


async def test_oversized_body_is_refused(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    params["Padding"] = "x" * (65 * 1024)
    answer = await twilio.post("/twilio/voice", params)
    assert answer.status == 413


async def test_get_is_not_allowed(client: TestClient[Any, Any]) -> None:
    response = await client.get("/twilio/voice")
    assert response.status == 405


class RequestStarted:
    """A root middleware that tells the test when the server has begun a request, so the
    rest of its body is sent only once the handlers are reading it."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.started.set()
        return await handler(request)


def _voice_app(
    keys: Keys,
    port: int,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> tuple[web.Application, RequestStarted]:
    app = create_app(
        on_port_settings(keys, port), redis=redis, sessionmaker=sessionmaker, clock=clock
    )
    watch = RequestStarted()
    app.middlewares.append(watch.middleware)
    return app, watch


def _request_head(port: int, body_length: int | None, signature: str) -> bytes:
    length = (
        "Transfer-Encoding: chunked" if body_length is None else f"Content-Length: {body_length}"
    )
    return (
        f"POST /twilio/voice HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"{length}\r\nX-Twilio-Signature: {signature}\r\nConnection: close\r\n\r\n"
    ).encode()


async def _exchange(port: int, first: bytes, rest: bytes, watch: RequestStarted) -> bytes:
    """Send `first`, then `rest` once the server is handling the request; the response."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(first)
    await writer.drain()
    await watch.started.wait()
    writer.write(rest)
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    return response


def _incoming_fields() -> dict[str, str]:
    return {
        "CallSid": new_call_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": CALLER,
        "To": DEMO_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


async def test_a_signed_body_in_two_tcp_segments_is_read_whole(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    port = unused_port()
    app, watch = _voice_app(keys, port, redis, sessionmaker, clock)
    fields = _incoming_fields()
    url = f"http://127.0.0.1:{port}/twilio/voice"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, fields)
    body = urlencode(fields).encode()
    half = len(body) // 2
    async with serving(app, port):
        head = _request_head(port, len(body), signature)
        response = await _exchange(port, head + body[:half], body[half:], watch)
    assert response.startswith(b"HTTP/1.1 200"), response[:300]
    assert b"<Gather" in response


async def test_a_streamed_body_over_the_limit_is_refused(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    # No Content-Length to refuse it by: the limit holds while the body is read.
    port = unused_port()
    app, watch = _voice_app(keys, port, redis, sessionmaker, clock)
    body = urlencode({**_incoming_fields(), "Padding": "x" * (65 * 1024)}).encode()
    chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    async with serving(app, port):
        head = _request_head(port, None, "bm90IGEgc2lnbmF0dXJl")
        response = await _exchange(port, head + chunk[:100], chunk[100:], watch)
    assert response.startswith(b"HTTP/1.1 413"), response[:300]
