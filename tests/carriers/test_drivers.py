"""Carrier drivers: the Twilio REST driver against the local carrier's `Calls` API, and the
in-process driver, behind one interface."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from carriers.driver import CarrierDriver, CarrierError
from carriers.local_driver import LocalDriver
from carriers.twilio_driver import TwilioDriver
from local_carrier import Answer, LocalCarrier, ScriptedAgent, create_carrier_app
from tests.local_carrier.conftest import FIXED_NOW
from tests.local_carrier.scripted_caller import ScriptedCaller
from tests.local_carrier.server import ACCOUNT_SID, AUTH_TOKEN, TwimlServer, twiml

pytestmark = pytest.mark.timeout(15)

DIAL = twiml(
    '<Dial action="/dial/done" timeout="20">'
    '<Client statusCallback="/dial/leg" statusCallbackEvent="answered completed">a1001</Client>'
    "</Dial>"
)


@pytest.fixture
async def api_base(aiohttp_server: AiohttpServer, carrier: LocalCarrier) -> str:
    """The local carrier's sub-app mounted at /carrier/ on a real server, as in the app."""
    root = web.Application()
    root.add_subapp("/carrier/", create_carrier_app(carrier, numbers=[]))
    started = await aiohttp_server(root, host="127.0.0.1")
    return str(started.make_url("/carrier"))


DriverFactory = Callable[[LocalCarrier, str], CarrierDriver]


def twilio_driver(carrier: LocalCarrier, base: str) -> CarrierDriver:
    return TwilioDriver(ACCOUNT_SID, AUTH_TOKEN, base_url=base, timeout=5)


def local_driver(carrier: LocalCarrier, base: str) -> CarrierDriver:
    return LocalDriver(carrier)


@pytest.fixture(params=[twilio_driver, local_driver], ids=["twilio", "local"])
async def driver(
    request: pytest.FixtureRequest, carrier: LocalCarrier, api_base: str
) -> AsyncIterator[CarrierDriver]:
    made: CarrierDriver = request.param(carrier, api_base)
    yield made
    await made.aclose()


def queue_forever(server: TwimlServer) -> None:
    server.route(
        "/twilio/voice",
        twiml('<Enqueue waitUrl="/queue/wait" action="/queue/done">fault</Enqueue>'),
    )
    server.route("/queue/wait", twiml('<Play>/hold.mp3</Play><Pause length="10"/>'))
    server.route("/queue/done", twiml("<Say>the Enqueue action is ignored here</Say>"))


async def test_bridging_a_queued_caller_to_an_agent(
    server: TwimlServer, carrier: LocalCarrier, driver: CarrierDriver
) -> None:
    agent = ScriptedAgent("a1001", Answer(after=4, talk=60))
    carrier.register_agent("a1001", agent)
    queue_forever(server)
    server.route("/dial/done", twiml("<Say>请对本次服务评价</Say>"))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+8613900000000", "95598", caller)
    await caller.wait_queued()

    await driver.update_call(call.sid, DIAL)
    await call.wait()

    [left] = server.to("/queue/done")
    assert left.params["QueueResult"] == "redirected"
    assert [h.params["CallStatus"] for h in server.to("/dial/leg")] == ["in-progress", "completed"]
    [done] = server.to("/dial/done")
    assert done.params["DialCallStatus"] == "completed"
    assert done.params["DialCallDuration"] == "60"
    assert "the Enqueue action is ignored here" not in caller.transcript
    assert caller.transcript[-1] == "请对本次服务评价"
    assert agent.history[-1] == "hung_up:agent"
    assert carrier.queues.sizes() == {"fault": 0}
    assert call.errors == []


async def test_updating_an_unknown_call_fails_as_gone(driver: CarrierDriver) -> None:
    with pytest.raises(CarrierError) as caught:
        await driver.update_call("CA" + "f" * 32, DIAL)
    assert caught.value.call_gone
    assert caught.value.status == 404
    assert caught.value.code == 20404
    assert caught.value.call_sid == "CA" + "f" * 32


async def test_updating_an_ended_call_fails_as_gone(
    server: TwimlServer, carrier: LocalCarrier, driver: CarrierDriver
) -> None:
    server.route("/twilio/voice", twiml("<Say>bye</Say>"))
    call = await carrier.place_call("+1", "95598", ScriptedCaller([]))
    await call.wait()
    with pytest.raises(CarrierError) as caught:
        await driver.update_call(call.sid, DIAL)
    assert caught.value.call_gone


async def test_wrong_credentials_are_refused(
    server: TwimlServer, carrier: LocalCarrier, api_base: str
) -> None:
    queue_forever(server)
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    await caller.wait_queued()
    driver = TwilioDriver(ACCOUNT_SID, "wrong-token", base_url=api_base, timeout=5)
    try:
        with pytest.raises(CarrierError) as caught:
            await driver.update_call(call.sid, DIAL)
    finally:
        await driver.aclose()
    assert caught.value.status == 401
    assert caught.value.code == 20003
    assert not caught.value.call_gone
    assert not call.done  # still waiting, untouched
    assert server.to("/queue/done") == []


async def test_an_unreachable_carrier_fails_with_a_reason(unused_tcp_port: int) -> None:
    base = f"http://127.0.0.1:{unused_tcp_port}/carrier"
    driver = TwilioDriver(ACCOUNT_SID, AUTH_TOKEN, base_url=base, timeout=5)
    try:
        with pytest.raises(CarrierError, match="REST request failed"):
            await driver.update_call("CA1", DIAL)
    finally:
        await driver.aclose()


async def test_a_carrier_that_does_not_answer_times_out(aiohttp_server: AiohttpServer) -> None:
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/{tail:.*}", stall)
    started = await aiohttp_server(app, host="127.0.0.1")
    driver = TwilioDriver(ACCOUNT_SID, AUTH_TOKEN, base_url=str(started.make_url("")), timeout=0.2)
    try:
        with pytest.raises(CarrierError, match="no answer"):
            await driver.update_call("CA1", DIAL)
    finally:
        release.set()
        await driver.aclose()


def test_a_driver_needs_a_positive_timeout() -> None:
    with pytest.raises(ValueError, match="timeout"):
        TwilioDriver(ACCOUNT_SID, AUTH_TOKEN, timeout=0)


def test_the_driver_does_not_show_its_token() -> None:
    assert AUTH_TOKEN not in repr(TwilioDriver(ACCOUNT_SID, AUTH_TOKEN))


# The REST endpoint itself, spoken to without the twilio library.


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def call_url(base: str, call_sid: str, account_sid: str = ACCOUNT_SID) -> str:
    return f"{base}/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json"


AUTH = {"Authorization": aiohttp.encode_basic_auth(ACCOUNT_SID, AUTH_TOKEN)}


async def test_status_completed_hangs_up(
    server: TwimlServer, carrier: LocalCarrier, api_base: str, http: aiohttp.ClientSession
) -> None:
    queue_forever(server)
    caller = ScriptedCaller([])
    call = await carrier.place_call("+8613900000000", "95598", caller)
    await caller.wait_queued()
    async with http.post(
        call_url(api_base, call.sid), data={"Status": "completed"}, headers=AUTH
    ) as response:
        assert response.status == 200
        body = await response.json()
    assert body["sid"] == call.sid
    assert body["status"] == "completed"
    assert body["account_sid"] == ACCOUNT_SID
    assert body["from"] == "+8613900000000"
    assert body["to"] == "95598"
    result = await call.wait()
    assert result.status == "completed"
    assert server.to("/queue/done")[0].params["QueueResult"] == "hangup"
    assert server.to("/twilio/status")[0].params["CallStatus"] == "completed"


async def test_url_update_fetches_the_new_instructions(
    server: TwimlServer, carrier: LocalCarrier, api_base: str, http: aiohttp.ClientSession
) -> None:
    queue_forever(server)
    server.route("/moved", twiml("<Say>moved</Say>"))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    await caller.wait_queued()
    data = {"Url": f"{server.base}/moved?x=1", "Method": "GET"}
    async with http.post(call_url(api_base, call.sid), data=data, headers=AUTH) as response:
        assert response.status == 200
        assert (await response.json())["status"] == "in-progress"
    await call.wait()
    [moved] = server.to("/moved")
    assert moved.method == "GET"
    assert moved.params["x"] == "1"
    assert caller.transcript[-1] == "moved"


@pytest.mark.parametrize(
    ("headers", "data", "status", "code"),
    [
        ({}, {"Twiml": "<Response/>"}, 401, 20003),
        (
            {"Authorization": aiohttp.encode_basic_auth(ACCOUNT_SID, "nope")},
            {"Twiml": "<Response/>"},
            401,
            20003,
        ),
        ({"Authorization": "Basic !!!"}, {"Twiml": "<Response/>"}, 401, 20003),
        (AUTH, {"Twiml": "<Response/>", "Url": "http://x/"}, 400, 21218),
        (AUTH, {"Status": "paused"}, 400, 20001),
        (AUTH, {}, 400, 20001),
        (AUTH, {"Url": "http://x/", "Method": "PUT"}, 400, 20001),
    ],
)
async def test_bad_requests_get_twilio_errors(
    server: TwimlServer,
    carrier: LocalCarrier,
    api_base: str,
    http: aiohttp.ClientSession,
    headers: dict[str, str],
    data: dict[str, str],
    status: int,
    code: int,
) -> None:
    queue_forever(server)
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    await caller.wait_queued()
    async with http.post(call_url(api_base, call.sid), data=data, headers=headers) as response:
        assert response.status == status
        body = await response.json()
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert body["code"] == code
    assert body["status"] == status
    assert body["more_info"].endswith(str(code))
    assert not call.done


async def test_another_accounts_call_is_not_found(
    api_base: str, http: aiohttp.ClientSession
) -> None:
    url = call_url(api_base, "CA1", account_sid="AC" + "9" * 32)
    async with http.post(url, data={"Twiml": "<Response/>"}, headers=AUTH) as response:
        assert response.status == 404
        assert (await response.json())["code"] == 20404


async def test_a_real_time_carrier_serves_the_driver_too(
    aiohttp_server: AiohttpServer, server: TwimlServer
) -> None:
    """Not only the instant carrier: the update lands while the caller hears hold music."""
    carrier = LocalCarrier(
        [server.base], AUTH_TOKEN, ACCOUNT_SID, speed=1000.0, wall_clock=lambda: FIXED_NOW
    )
    root = web.Application()
    root.add_subapp("/carrier/", create_carrier_app(carrier, numbers=[]))
    started = await aiohttp_server(root, host="127.0.0.1")
    driver = TwilioDriver(ACCOUNT_SID, AUTH_TOKEN, base_url=str(started.make_url("/carrier")))
    carrier.register_agent("a1001", ScriptedAgent("a1001", Answer(after=2, talk=5)))
    queue_forever(server)
    server.route("/dial/done", twiml(""))
    try:
        caller = ScriptedCaller([])
        call = await carrier.place_call("+1", "95598", caller)
        await caller.wait_queued()
        await driver.update_call(call.sid, DIAL)
        await call.wait()
    finally:
        await driver.aclose()
        await carrier.aclose()
    assert server.to("/dial/done")[0].params["DialCallStatus"] == "completed"
    assert server.to("/queue/done")[0].params["QueueResult"] == "redirected"
    assert math.isfinite(carrier.speed)
