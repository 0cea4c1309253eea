"""The dial pad in headless Chromium: dial, hear the menu, press a key, wait in a queue."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from local_carrier import LocalCarrier, create_carrier_app
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.local_carrier.server import ACCOUNT_SID, AUTH_TOKEN, TwimlServer, twiml

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

MENU = twiml(
    '<Gather numDigits="1" action="/ivr/menu" timeout="600">'
    '<Say language="zh-CN">欢迎致电国家电网。故障报修请按1，电费查询请按2。</Say></Gather>'
)


@pytest.fixture
def chromium() -> str:
    return require_chromium()


@pytest.fixture
async def hotline(chromium: str) -> AsyncIterator[tuple[str, TwimlServer]]:
    """The dial pad and a tiny TwiML menu on one free port, as the embedded server runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    twiml_server = TwimlServer()
    twiml_server.base = base
    twiml_server.route("/twilio/voice", MENU)
    twiml_server.route(
        "/ivr/menu",
        lambda hit: twiml(
            '<Say language="zh-CN">正在为您转接故障报修。</Say>'
            '<Enqueue action="/queue/done" waitUrl="/queue/wait">fault</Enqueue>'
        ),
    )
    twiml_server.route(
        "/queue/wait",
        lambda hit: twiml(
            f'<Say language="zh-CN">您前面还有{int(hit.params["QueuePosition"]) - 1}位。</Say>'
            '<Pause length="20"/>'
        ),
    )
    twiml_server.route("/queue/done", twiml(""))
    carrier = LocalCarrier([base], AUTH_TOKEN, ACCOUNT_SID, speed=20.0)
    app = web.Application()
    app.add_subapp(
        "/carrier/",
        create_carrier_app(
            carrier, numbers=[("95598", "国家电网 95598"), ("4008000000", "400 enterprise line")]
        ),
    )
    for prefix in ("twilio", "ivr", "queue"):
        app.router.add_route("*", f"/{prefix}/{{tail:.*}}", twiml_server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield base, twiml_server
    finally:
        await carrier.aclose()
        await runner.cleanup()


async def walk_to_the_queue(page: Page, base: str, shots: Path | None) -> None:
    await page.goto(f"{base}/carrier/")
    await expect(page.locator("#call")).to_be_enabled()
    await page.select_option("#to", "95598")
    await page.click("#call")
    transcript = page.locator("#transcript")
    await expect(transcript).to_contain_text("故障报修请按1")
    await page.click('.keypad button[data-key="1"]')
    status = page.locator("#status")
    await expect(status).to_have_attribute("data-state", "queued")
    await expect(status).to_have_attribute("data-position", "1")
    await expect(status).to_contain_text("第 1 位")
    await expect(transcript).to_contain_text("您前面还有0位")
    if shots is not None:
        await page.screenshot(path=str(shots / "dialpad-zh.png"))
    await page.click("#lang")
    await expect(status).to_contain_text("waiting in queue — position 1")
    if shots is not None:
        await page.screenshot(path=str(shots / "dialpad-en.png"))
    await page.click("#hangup")
    await expect(status).to_have_attribute("data-state", "ended")
    await expect(page.locator("#call")).to_be_enabled()


async def test_the_dial_pad_walks_a_menu_to_a_queue(
    chromium: str, hotline: tuple[str, TwimlServer], tmp_path: Path
) -> None:
    base_url, twiml_server = hotline
    shots_dir = os.environ.get("HOTLINE_SCREENSHOTS")
    shots = Path(shots_dir) if shots_dir else tmp_path
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 720})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await walk_to_the_queue(page, base_url, shots)
            assert errors == []
        finally:
            await browser.close()
    assert twiml_server.forged == []
    assert [h.params["Digits"] for h in twiml_server.to("/ivr/menu")] == ["1"]
    assert twiml_server.to("/queue/done")[0].params["QueueResult"] == "hangup"
