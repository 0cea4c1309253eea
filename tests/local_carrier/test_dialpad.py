"""The dial pad sub-app: its page, its WebSocket protocol, recordings, and `hotline call`."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from local_carrier import LocalCarrier, create_carrier_app, run_terminal_call
from tests.local_carrier.server import ACCOUNT_SID, AUTH_TOKEN, Hit, TwimlServer, twiml

pytestmark = pytest.mark.timeout(20)

NUMBERS = [("95598", "国家电网 95598"), ("4008000000", "400 enterprise line")]
# at 100x, prompts pass in milliseconds while a 600 s gather timeout leaves 6 s to answer
SPEED = 100.0


def menu(server: TwimlServer) -> None:
    server.route(
        "/twilio/voice",
        twiml(
            '<Gather numDigits="1" action="/ivr/menu" timeout="600">'
            '<Say language="zh-CN">欢迎致电，故障报修请按1</Say></Gather>'
        ),
    )
    server.route(
        "/ivr/menu",
        lambda hit: twiml(
            '<Enqueue action="/queue/done" waitUrl="/queue/wait">fault</Enqueue>'
            if hit.params.get("Digits") == "1"
            else "<Say>bye</Say>"
        ),
    )
    server.route("/queue/wait", twiml('<Say language="zh-CN">请稍候</Say><Pause length="10"/>'))
    server.route("/queue/done", twiml(""))


@pytest.fixture
async def client(
    server: TwimlServer, aiohttp_client: AiohttpClient
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    menu(server)
    carrier = LocalCarrier([server.base], AUTH_TOKEN, ACCOUNT_SID, speed=SPEED)
    app = web.Application()
    app.add_subapp("/carrier/", create_carrier_app(carrier, numbers=NUMBERS))
    yield await aiohttp_client(app)
    await carrier.aclose()


async def receive_until(ws: Any, kind: str) -> list[dict[str, Any]]:
    """Messages up to and including the first of type `kind`."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != kind:
        seen.append(await ws.receive_json())
    return seen


async def test_the_page_lists_the_numbers_and_its_socket(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/carrier/")
    assert response.status == 200
    page = await response.text()
    config = json.loads(page.split('type="application/json">')[1].split("</script>")[0])
    assert config["ws"] == "/carrier/ws"
    assert config["numbers"][0] == {"number": "95598", "label": "国家电网 95598"}
    for asset in ("dialpad.js", "dialpad.css"):
        url = (
            page.split(f"/carrier/static/{asset}")[0].rsplit('"', 1)[1] + f"/carrier/static/{asset}"
        )
        assert (await client.get(url)).status == 200
    assert "http://" not in page  # nothing is loaded from outside
    assert "https://" not in page


async def test_a_call_over_the_socket_reaches_a_queue(
    server: TwimlServer, client: TestClient[web.Request, web.Application]
) -> None:
    async with client.ws_connect("/carrier/ws") as ws:
        await ws.send_json({"type": "dial", "to": "95598", "from": "+8613800000000"})
        messages = await receive_until(ws, "say")
        assert messages[0]["type"] == "ringing"
        call_sid = messages[0]["call_sid"]
        assert messages[1] == {
            "type": "gather",
            "input": ["dtmf"],
            "numDigits": 1,
            "finishOnKey": "#",
            "timeout": 600,
        }
        assert messages[2] == {
            "type": "say",
            "text": "欢迎致电，故障报修请按1",
            "language": "zh-CN",
            "voice": None,
        }
        await ws.send_json({"type": "digits", "digits": "1"})
        queued = (await receive_until(ws, "queued"))[-1]
        assert queued == {
            "type": "queued",
            "queue": "fault",
            "position": 1,
            "size": 1,
            "queueTime": 0,
        }
        await ws.send_json({"type": "hangup"})
        ended = (await receive_until(ws, "ended"))[-1]
        assert ended == {"type": "ended", "reason": "caller hung up"}
    [menu_hit] = server.to("/ivr/menu")
    assert menu_hit.params["Digits"] == "1"
    assert menu_hit.params["CallSid"] == call_sid
    assert server.to("/queue/done")[0].params["QueueResult"] == "hangup"


async def test_speech_over_the_socket(
    server: TwimlServer, client: TestClient[web.Request, web.Application]
) -> None:
    server.route(
        "/twilio/voice",
        twiml('<Gather input="speech" action="/said" timeout="600"><Say>请讲</Say></Gather>'),
    )
    server.route("/said", lambda hit: twiml(f"<Say>{hit.params['SpeechResult']}</Say>"))
    async with client.ws_connect("/carrier/ws") as ws:
        await ws.send_json({"type": "dial", "to": "95598"})
        await receive_until(ws, "gather")
        await ws.send_json({"type": "speech", "text": "停电了"})
        said = [m for m in await receive_until(ws, "ended") if m["type"] == "say"]
    assert said[-1]["text"] == "停电了"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"type": "digits", "digits": "1"}, "not in a call"),
        ({"type": "dial", "to": "<script>"}, "to: not a phone number"),
        ({"type": "dial", "to": "95598", "from": "x"}, "from: not a phone number"),
        ({"type": "dance"}, "unknown message type 'dance'"),
        (["not", "an", "object"], "expected a JSON object"),
    ],
)
async def test_socket_errors(
    client: TestClient[web.Request, web.Application], message: object, error: str
) -> None:
    async with client.ws_connect("/carrier/ws") as ws:
        await ws.send_json(message)
        assert await ws.receive_json() == {"type": "error", "message": error}


async def test_one_call_at_a_time_and_closing_the_socket_hangs_up(
    server: TwimlServer, client: TestClient[web.Request, web.Application]
) -> None:
    async with client.ws_connect("/carrier/ws") as ws:
        await ws.send_json({"type": "dial", "to": "95598"})
        await receive_until(ws, "gather")
        await ws.send_json({"type": "dial", "to": "95598"})
        assert (await receive_until(ws, "error"))[-1]["message"] == "already in a call"
    status = await server.next_hit("/twilio/status")
    assert status.params["CallStatus"] == "completed"


async def test_recordings_are_served(
    server: TwimlServer, client: TestClient[web.Request, web.Application]
) -> None:
    server.route("/twilio/voice", twiml('<Record action="/vm" maxLength="600"/>'))
    got: asyncio.Queue[Hit] = asyncio.Queue()

    def voicemail(hit: Hit) -> str:
        got.put_nowait(hit)
        return twiml("<Hangup/>")

    server.route("/vm", voicemail)
    async with client.ws_connect("/carrier/ws") as ws:
        await ws.send_json({"type": "dial", "to": "95598"})
        await receive_until(ws, "record")
        await ws.send_json({"type": "speech", "text": "我家停电了"})
        await receive_until(ws, "ended")
    vm = await got.get()
    path = "/carrier/recordings/" + vm.params["RecordingSid"]
    assert vm.params["RecordingUrl"].endswith(path)
    text = await client.get(path, params={"format": "text"})
    assert await text.text() == "我家停电了"
    audio = await client.get(path)
    assert audio.content_type == "audio/wav"
    assert (await audio.read())[:4] == b"RIFF"
    assert (await client.get("/carrier/recordings/RE0")).status == 404


class Screen(io.StringIO):
    """Terminal output that lets the test wait for a line."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        self.changed.set()
        return super().write(text)

    async def wait_for(self, text: str) -> None:
        while text not in self.getvalue():
            self.changed.clear()
            await self.changed.wait()


async def test_terminal_call(
    server: TwimlServer, client: TestClient[web.Request, web.Application]
) -> None:
    screen = Screen()

    async def keys() -> AsyncIterator[str]:
        await screen.wait_for("⌨")
        yield "what?\n"
        yield "1\n"
        await screen.wait_for("position 1")
        yield "h\n"

    base = str(client.make_url("/")).rstrip("/")
    code = await run_terminal_call(base, "95598", "+8613800000000", keys=keys(), out=screen)
    assert code == 0
    out = screen.getvalue()
    assert "🔊 [zh-CN] 欢迎致电，故障报修请按1" in out
    assert "keys: type digits" in out  # the help, after "what?"
    assert "⏳ waiting in queue fault — position 1" in out
    assert "☎ call ended: caller hung up" in out
    assert server.to("/ivr/menu")[0].params["From"] == "+8613800000000"


async def test_terminal_call_without_a_server() -> None:
    screen = Screen()
    code = await run_terminal_call("http://127.0.0.1:9", "95598", "+1", keys=None, out=screen)
    assert code == 2
    assert "cannot reach http://127.0.0.1:9/carrier/ws" in screen.getvalue()
