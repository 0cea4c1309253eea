"""The wallboard in headless Chromium on the embedded hotline with the local carrier: the
board follows calls that queue, ring, are answered and abandoned without a reload; a
supervisor puts the agent on break from it and the next call waits instead of ringing
that agent; after a server restart the page reconnects by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import unused_port
from playwright.async_api import Locator, Page, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import LOCAL_CARRIER, MATCHING
from local_carrier.phones import DialLeg
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import FakeClock, on_port_settings, serving
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.local_carrier.scripted_caller import Press, ScriptedCaller
from tests.staff_web.softphone.conftest import PASSWORD, build_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

FAULT = [Press("1", barge_in=True), Press("1", barge_in=True)]  # 1 故障报修 > 1 停电
SLOW = 20_000  # ms: a call's IVR, the sink's write to SQL and a board push, with room


class HeldPhone:
    """An agent phone the test answers and hangs up by hand."""

    def __init__(self) -> None:
        self.legs: list[DialLeg] = []
        self.rang = asyncio.Event()

    async def ring(self, leg: DialLeg) -> None:
        self.legs.append(leg)
        self.rang.set()

    async def connected(self, leg: DialLeg) -> None:
        return None

    async def hung_up(self, leg: DialLeg, by: str) -> None:
        return None


Serve = Callable[[], AbstractAsyncContextManager[web.Application]]


@pytest.fixture
def hotline(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    users: dict[str, int],
) -> tuple[str, Serve]:
    """The public URL, and a way to serve a fresh app there (a restart is a second one)."""
    port = unused_port()
    # No desk sweep: the agent's phone here is the test's, with no softphone page open.
    settings = on_port_settings(keys, port, agent_absent_s=0)

    @asynccontextmanager
    async def serve() -> AsyncIterator[web.Application]:
        app = build_app(settings, redis, sessionmaker, clock, passwords, keys)
        async with serving(app, port):
            yield app

    return settings.public_url, serve


def cell(page: Page, queue: str, column: str) -> Locator:
    return page.locator(f'#wb-queues tr[data-queue="{queue}"] .q-{column}')


async def test_the_board_follows_calls_and_a_break_stops_offers(
    hotline: tuple[str, Serve], tmp_path: Path
) -> None:
    base, serve = hotline
    chromium = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1920, "height": 1080})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            async with serve() as app:
                await run_the_floor(page, app, base, tmp_path)
            # The server is gone: the page says so and keeps trying.
            status = page.locator("#wb-status")
            await expect(status).to_have_attribute("data-connected", "0")
            await expect(status).to_have_text("正在重新连接…")
            builds = int(await page.locator("#wallboard").get_attribute("data-builds") or 0)
            async with serve():
                await expect(status).to_have_attribute("data-connected", "1", timeout=SLOW)
                await expect(status).to_have_text("实时")
                # Boards flow again on the new server, on the same page.
                await page.wait_for_function(
                    f"Number(document.getElementById('wallboard').dataset.builds) > {builds}"
                )
                assert await page.evaluate("window.__kept") == "still here"
            assert errors == []
        finally:
            await browser.close()


async def run_the_floor(page: Page, app: web.Application, base: str, shots: Path) -> None:
    carrier = app[LOCAL_CARRIER]
    phone = HeldPhone()
    carrier.register_agent("a1005", phone)
    await app[MATCHING].agent_ready("a1005")

    await page.goto(base + "/desk/wallboard")  # → login → back here
    await page.fill("input[name=username]", "leader")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/desk/wallboard")
    await expect(page.locator("#wb-status")).to_have_attribute("data-connected", "1")
    # From here on the page is never loaded again: a mark left in it must survive.
    await page.evaluate("window.__kept = 'still here'")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    agent_state = page.locator('#wb-agents tr[data-agent="a1005"] .a-state')
    await expect(agent_state).to_have_attribute("data-state", "ready")
    await expect(cell(page, "fault", "offered")).to_have_text("0")

    # A call rings a1005: the board shows it ringing; answered, on a call.
    first = await carrier.place_call("+8613812345678", "95598", ScriptedCaller(list(FAULT)))
    await asyncio.wait_for(phone.rang.wait(), SLOW / 1000)
    await expect(agent_state).to_have_attribute("data-state", "reserved")
    await expect(page.locator('#wb-agents tr[data-agent="a1005"] .a-reason')).to_have_text("振铃中")
    phone.legs[0].answer()
    await expect(agent_state).to_have_attribute("data-state", "busy", timeout=SLOW)
    await expect(cell(page, "fault", "answered")).to_have_text("1", timeout=SLOW)
    await expect(cell(page, "fault", "offered")).to_have_text("1")
    await page.screenshot(path=str(shots / "wallboard-busy.png"))
    first.hangup()
    await first.wait()
    await expect(agent_state).to_have_attribute("data-state", "wrap_up", timeout=SLOW)

    # The supervisor puts a1005 on break from the board.
    await page.click('#wb-agents tr[data-agent="a1005"] .a-break')
    await expect(page.locator("#wb-dialog")).to_be_visible()
    await page.select_option("#wb-reason", "培训")
    await page.click("#wb-confirm")
    result = page.locator("#wb-result")
    await expect(result).to_have_attribute("data-outcome", "ok")
    await expect(agent_state).to_have_attribute("data-state", "break")
    await expect(page.locator('#wb-agents tr[data-agent="a1005"] .a-reason')).to_have_text("培训")
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert (snapshot.state, snapshot.reason) == ("break", "培训")

    # The next call waits instead of ringing a1005; the board counts it waiting.
    second = await carrier.place_call("+8613900000001", "95598", ScriptedCaller(list(FAULT)))
    await expect(cell(page, "fault", "waiting")).to_have_text("1", timeout=SLOW)
    await expect(page.locator("#wb-total-waiting .wb-value")).to_have_text("1")
    assert len(phone.legs) == 1
    await page.screenshot(path=str(shots / "wallboard-waiting.png"))

    # The caller gives up within seconds: a short abandon (docs/metrics.md), nobody waiting.
    second.hangup()
    await second.wait()
    await expect(cell(page, "fault", "waiting")).to_have_text("0", timeout=SLOW)
    await expect(cell(page, "fault", "short_abandons")).to_have_text("1", timeout=SLOW)
    await expect(cell(page, "fault", "abandoned")).to_have_text("0")
    await expect(cell(page, "fault", "offered")).to_have_text("2")
    assert len(phone.legs) == 1

    # A refused action shows its error: a skills change that leaves no queue served.
    await page.click('#wb-agents tr[data-agent="a1005"] .a-skills')
    for queue in ("business", "fault", "general"):
        await page.select_option(f"#wb-grade-{queue}", "")
    await page.click("#wb-confirm")
    await expect(result).to_have_attribute("data-outcome", "error")
    await expect(result).to_contain_text("skills")
    skills = await app[MATCHING].router.agent("a1005")
    assert skills is not None
    assert dict(skills.skills) == {"business": 2, "fault": 4, "general": 3}

    # Signed out from the board: nothing more to put on break.
    await page.click('#wb-agents tr[data-agent="a1005"] .a-offline')
    await page.click("#wb-confirm")
    await expect(result).to_have_attribute("data-outcome", "ok")
    await expect(agent_state).to_have_attribute("data-state", "offline")
    await expect(page.locator('#wb-agents tr[data-agent="a1005"] .a-break')).to_be_disabled()

    # Full screen for the wall: the board alone fills 1920×1080.
    await page.click("#wb-fullscreen")
    await page.wait_for_function(
        "document.fullscreenElement === document.getElementById('wallboard')"
    )
    box = await page.locator("#wallboard").bounding_box()
    assert box is not None
    assert (box["width"], box["height"]) == (1920, 1080)
    await page.screenshot(path=str(shots / "wallboard-full.png"))
    await page.click("#wb-fullscreen")
    assert navigations == []
