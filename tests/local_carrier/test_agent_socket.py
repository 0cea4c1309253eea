"""The agent phone socket: register, ring, answer / reject / hang up, and what the Dial reports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSServerHandshakeError
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from local_carrier import LocalCarrier, WebSocketAgent, create_carrier_app
from local_carrier.agent_socket import AgentVerifier
from tests.local_carrier.conftest import FIXED_NOW
from tests.local_carrier.scripted_caller import ScriptedCaller
from tests.local_carrier.server import ACCOUNT_SID, AUTH_TOKEN, TwimlServer, twiml

pytestmark = pytest.mark.timeout(15)

# Real time: a person answers; a 600 s ring timeout never passes within a test.
DIAL = twiml(
    '<Dial action="/dial/done" timeout="600">'
    '<Client statusCallback="/dial/leg" statusCallbackEvent="initiated ringing answered completed">'
    "a1001</Client></Dial>"
)

Connect = Callable[..., Awaitable[ClientWebSocketResponse]]


@pytest.fixture
async def live(server: TwimlServer) -> AsyncIterator[LocalCarrier]:
    carrier = LocalCarrier([server.base], AUTH_TOKEN, ACCOUNT_SID, wall_clock=lambda: FIXED_NOW)
    yield carrier
    await carrier.aclose()


@pytest.fixture
def connect(aiohttp_client: AiohttpClient, live: LocalCarrier) -> Connect:
    clients: dict[int, TestClient[Any, Any]] = {}

    async def open_socket(
        identity: str = "a1001", *, verify: AgentVerifier | None = None, query: str = ""
    ) -> ClientWebSocketResponse:
        key = id(verify)
        if key not in clients:
            app = create_carrier_app(live, numbers=[], verify_agent=verify)
            clients[key] = await aiohttp_client(app)
        ws = await clients[key].ws_connect(f"/agent-ws?identity={identity}{query}")
        assert await ws.receive_json() == {"type": "registered", "identity": identity}
        return ws

    return open_socket


async def next_of(ws: ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = await ws.receive_json()
        if message["type"] == kind:
            return message


async def test_answer_talk_and_hang_up(
    server: TwimlServer, live: LocalCarrier, connect: Connect
) -> None:
    server.route("/twilio/voice", DIAL)
    server.route("/dial/done", twiml("<Say>goodbye</Say>"))
    ws = await connect()
    call = await live.place_call("+8613900000000", "95598", ScriptedCaller([]))

    ring = await ws.receive_json()
    assert ring["type"] == "ring"
    assert ring["parentCallSid"] == call.sid
    assert ring["from"] == "+8613900000000"
    assert ring["to"] == "client:a1001"
    assert ring["timeout"] == 600
    await ws.send_json({"type": "answer", "callSid": ring["callSid"]})
    assert await ws.receive_json() == {"type": "connected", "callSid": ring["callSid"]}
    await ws.send_json({"type": "hangup"})
    ended = await ws.receive_json()
    assert ended == {"type": "ended", "callSid": ring["callSid"], "reason": "agent-hung-up"}
    await call.wait()

    legs = server.to("/dial/leg")
    assert [h.params["CallStatus"] for h in legs] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert {h.params["CallSid"] for h in legs} == {ring["callSid"]}
    [done] = server.to("/dial/done")
    assert done.params["DialCallStatus"] == "completed"
    assert done.params["DialBridged"] == "true"
    assert call.transcript[-1] == "goodbye"
    await ws.close()


@pytest.mark.parametrize("message", ["reject", "hangup"])
async def test_rejecting_is_busy(
    server: TwimlServer, live: LocalCarrier, connect: Connect, message: str
) -> None:
    server.route("/twilio/voice", DIAL)
    server.route("/dial/done", twiml(""))
    ws = await connect()
    call = await live.place_call("+1", "95598", ScriptedCaller([]))
    ring = await next_of(ws, "ring")
    await ws.send_json({"type": message})
    assert await ws.receive_json() == {
        "type": "ended",
        "callSid": ring["callSid"],
        "reason": "rejected",
    }
    await call.wait()
    assert server.to("/dial/done")[0].params["DialCallStatus"] == "busy"
    assert server.to("/dial/leg")[-1].params["CallStatus"] == "busy"


async def test_caller_hanging_up_cancels_the_ring(
    server: TwimlServer, live: LocalCarrier, connect: Connect
) -> None:
    server.route("/twilio/voice", DIAL)
    server.route("/dial/done", twiml(""))
    ws = await connect()
    call = await live.place_call("+1", "95598", ScriptedCaller([]))
    ring = await next_of(ws, "ring")
    call.hangup()
    ended = await ws.receive_json()
    assert ended == {"type": "ended", "callSid": ring["callSid"], "reason": "canceled"}
    await call.wait()
    assert server.to("/dial/done") == []
    assert server.to("/dial/leg")[-1].params["CallStatus"] == "canceled"
    # answering too late is refused, not acted on
    await ws.send_json({"type": "answer"})
    assert await ws.receive_json() == {"type": "error", "message": "no call"}


async def test_caller_hanging_up_mid_call(
    server: TwimlServer, live: LocalCarrier, connect: Connect
) -> None:
    server.route("/twilio/voice", DIAL)
    ws = await connect()
    call = await live.place_call("+1", "95598", ScriptedCaller([]))
    await next_of(ws, "ring")
    await ws.send_json({"type": "answer"})
    await next_of(ws, "connected")
    call.hangup()
    assert (await ws.receive_json())["reason"] == "caller-hung-up"
    await call.wait()
    assert server.to("/dial/leg")[-1].params["CallStatus"] == "completed"
    assert server.to("/dial/done") == []


async def test_the_ring_times_out(server: TwimlServer) -> None:
    # a carrier 50x faster than real time: a 1 s ring timeout passes in 20 ms
    fast = LocalCarrier([server.base], AUTH_TOKEN, ACCOUNT_SID, speed=50.0)
    server.route(
        "/twilio/voice", twiml('<Dial action="/dial/done" timeout="1"><Client>a9</Client></Dial>')
    )
    server.route("/dial/done", twiml(""))
    seen: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        seen.append(message)
        if message["type"] == "ended":
            done.set()

    fast.register_agent("a9", WebSocketAgent("a9", send))
    try:
        call = await fast.place_call("+1", "95598", ScriptedCaller([]))
        await call.wait()
        await done.wait()
    finally:
        await fast.aclose()
    assert [m["type"] for m in seen] == ["ring", "ended"]
    assert seen[-1]["reason"] == "no-answer"
    assert server.to("/dial/done")[0].params["DialCallStatus"] == "no-answer"


async def test_closing_the_socket_mid_call_hangs_up(
    server: TwimlServer, live: LocalCarrier, connect: Connect
) -> None:
    server.route("/twilio/voice", DIAL)
    server.route("/dial/done", twiml(""))
    ws = await connect()
    call = await live.place_call("+1", "95598", ScriptedCaller([]))
    await next_of(ws, "ring")
    await ws.send_json({"type": "answer"})
    await next_of(ws, "connected")
    await ws.close()
    await call.wait()
    assert server.to("/dial/done")[0].params["DialCallStatus"] == "completed"
    assert live.phones.identities() == []


async def test_protocol_errors(live: LocalCarrier, server: TwimlServer, connect: Connect) -> None:
    ws = await connect()
    await ws.send_str("not json")
    assert await ws.receive_json() == {"type": "error", "message": "expected a JSON object"}
    await ws.send_json({"type": "dance"})
    assert (await ws.receive_json())["message"] == "unknown message type 'dance'"
    await ws.send_json({"type": "hangup"})
    assert await ws.receive_json() == {"type": "error", "message": "no call"}

    server.route("/twilio/voice", DIAL)
    server.route("/dial/done", twiml(""))
    call = await live.place_call("+1", "95598", ScriptedCaller([]))
    ring = await next_of(ws, "ring")
    await ws.send_json({"type": "answer", "callSid": "CA-stale"})
    error = await ws.receive_json()
    assert error["type"] == "error"
    assert error["message"].startswith("callSid: not the current call")
    await ws.send_json({"type": "answer"})
    await next_of(ws, "connected")
    await ws.send_json({"type": "answer"})
    assert (await ws.receive_json())["message"] == "already answered or rejected"
    await ws.send_json({"type": "hangup", "callSid": ring["callSid"]})
    await next_of(ws, "ended")
    await call.wait()


async def test_a_newer_socket_takes_over_the_identity(
    server: TwimlServer, live: LocalCarrier, connect: Connect
) -> None:
    old = await connect()
    new = await connect()
    await old.close()  # the old tab closing does not unregister the new one
    assert live.phones.identities() == ["a1001"]
    server.route("/twilio/voice", DIAL)
    server.route("/dial/done", twiml(""))
    call = await live.place_call("+1", "95598", ScriptedCaller([]))
    await next_of(new, "ring")
    await new.send_json({"type": "reject"})
    await call.wait()
    assert server.to("/dial/done")[0].params["DialCallStatus"] == "busy"


@pytest.mark.parametrize("identity", ["", "a b", "-x", "x" * 200])
async def test_a_bad_identity_is_refused(
    aiohttp_client: AiohttpClient, live: LocalCarrier, identity: str
) -> None:
    client = await aiohttp_client(create_carrier_app(live, numbers=[]))
    with pytest.raises(WSServerHandshakeError) as caught:
        await client.ws_connect("/agent-ws", params={"identity": identity})
    assert caught.value.status == 400


async def test_the_verifier_decides_who_registers(
    aiohttp_client: AiohttpClient, live: LocalCarrier
) -> None:
    asked: list[tuple[str, str | None]] = []

    async def verify(identity: str, token: str | None) -> bool:
        asked.append((identity, token))
        return token == f"ok-{identity}"

    client = await aiohttp_client(create_carrier_app(live, numbers=[], verify_agent=verify))
    with pytest.raises(WSServerHandshakeError) as caught:
        await client.ws_connect("/agent-ws?identity=a1001")
    assert caught.value.status == 403
    with pytest.raises(WSServerHandshakeError):
        await client.ws_connect("/agent-ws?identity=a1001&token=ok-a1002")
    ws = await client.ws_connect("/agent-ws?identity=a1001&token=ok-a1001")
    assert (await ws.receive_json())["type"] == "registered"
    assert asked == [("a1001", None), ("a1001", "ok-a1002"), ("a1001", "ok-a1001")]
    assert live.phones.identities() == ["a1001"]
    await ws.close()
