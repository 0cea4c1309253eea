"""The softphone in headless Chromium: an offer is hard to miss (ring tone, notification,
blinking title, 接听 focused), the in-call panel keeps who called, and typed wrap-up is never
lost (autosaved as a draft, kept through the wrap-up timer and a reload, finished from the
list; a save the server queues shows 保存中… until its "saved" event)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import unused_port
from playwright.async_api import Browser, Page, Route, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import AGENT_EVENTS, LOCAL_CARRIER, MATCHING
from queues.work_orders.intake import by_call_sid
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import FakeClock, on_port_settings, serving
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.local_carrier.scripted_caller import Press, ScriptedCaller
from tests.staff_web.softphone.conftest import PASSWORD, build_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

CALLER = "+8613812345678"  # 张三 in the demo config
FAULT = [Press("1", barge_in=True), Press("1", barge_in=True)]
# Records each notification the page shows (headless Chromium displays none).
RECORD_NOTICES = """
window.__notices = [];
const RealNotification = window.Notification;
class RecordedNotification extends RealNotification {
  constructor(title, options) {
    window.__notices.push({ title, body: (options || {}).body || "" });
    super(title, options);
  }
}
Object.defineProperty(RecordedNotification, "permission", {
  get: () => RealNotification.permission,
});
RecordedNotification.requestPermission = (...args) => RealNotification.requestPermission(...args);
window.Notification = RecordedNotification;
"""


@pytest.fixture
async def embedded(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    users: dict[str, int],
) -> AsyncIterator[tuple[str, web.Application]]:
    port = unused_port()
    settings = on_port_settings(keys, port)
    app = build_app(settings, redis, sessionmaker, clock, passwords, keys)
    async with serving(app, port):
        yield settings.public_url, app


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium = require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium,
            args=[*LAUNCH_ARGS, "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            yield launched
        finally:
            await launched.close()


async def signed_in_desk(browser: Browser, base: str, errors: list[str]) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.grant_permissions(["notifications"], origin=base)
    await context.add_init_script(RECORD_NOTICES)
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(base + "/softphone/")
    await page.fill("input[name=username]", "a1005")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/softphone/")
    await expect(page.locator("#phone")).to_have_attribute("data-phone", "registered")
    await page.click("#btn-ready")
    await expect(page.locator("#state")).to_have_attribute("data-state", "ready")
    return page


async def test_an_offer_is_hard_to_miss_and_the_call_keeps_its_caller(
    embedded: tuple[str, web.Application], browser: Browser
) -> None:
    base, app = embedded
    errors: list[str] = []
    page = await signed_in_desk(browser, base, errors)
    title = await page.title()
    call = await app[LOCAL_CARRIER].place_call(CALLER, "95598", ScriptedCaller(list(FAULT)))
    await expect(page.locator("#offer")).to_be_visible(timeout=20_000)
    await expect(page.locator("#btn-accept")).to_be_focused()
    await expect(page).to_have_title(re.compile(r"^📞 来电 \+8613812345678"))
    await expect(page.locator("body")).to_have_attribute("data-ringing", "1")
    await expect(page.locator("body")).to_have_attribute("data-ring-sound", "playing")
    await expect(page.locator("#offer-name")).to_have_text("张三")
    await expect(page.locator("#offer-waited")).to_have_text(re.compile(r"^\d+\.\d 秒$"))
    notices = await page.evaluate("window.__notices")
    assert {n["title"] for n in notices} == {f"来电 {CALLER}"}
    assert "张三" in notices[-1]["body"]  # who is calling, once the server said it

    await page.keyboard.press("Enter")  # 接听 has the focus: the keyboard answers
    await expect(page.locator("#incall")).to_be_visible()
    await expect(page.locator("body")).to_have_attribute("data-ringing", "0")
    await expect(page).to_have_title(title)
    await expect(page.locator("#call-work-order")).to_have_text(re.compile(r"^GD-"))
    await expect(page.locator("#call-caller")).to_have_text(CALLER)
    await expect(page.locator("#call-name")).to_have_text("张三")
    await expect(page.locator("#call-path")).to_have_text("1 故障报修 > 1 停电")
    number = await page.locator("#call-work-order").text_content()
    await page.click("#btn-hangup")

    # A save the server queues (the database is away: 202) shows 保存中… until "saved".
    async def queued(route: Route) -> None:
        body = {"state": "saving", "work_order": number}
        await route.fulfill(status=202, content_type="application/json", body=json.dumps(body))

    await page.route("**/api/agent/wrap-up", queued)
    await expect(page.locator("#wrapup")).to_be_visible()
    await page.fill("#wu-description", "问电价")
    await page.click("#wu-save")
    await expect(page.locator("#message")).to_have_text(f"工单 {number} 保存中…")
    await expect(page.locator("#wrapup")).to_be_hidden()
    call_sid = await page.locator("#wrapup").get_attribute("data-call-sid")
    await app[AGENT_EVENTS].publish("a1005", "saved", call_sid=call_sid, work_order=number)
    await expect(page.locator("#message")).to_have_text(f"已保存工单 {number}")
    await call.wait()
    assert errors == []


async def test_typed_wrap_up_survives_the_timer_and_a_reload(
    embedded: tuple[str, web.Application],
    browser: Browser,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    base, app = embedded
    errors: list[str] = []
    page = await signed_in_desk(browser, base, errors)
    call = await app[LOCAL_CARRIER].place_call(CALLER, "95598", ScriptedCaller(list(FAULT)))
    await expect(page.locator("#btn-accept")).to_be_enabled(timeout=20_000)
    await page.click("#btn-accept")
    await expect(page.locator("#call-work-order")).to_have_text(re.compile(r"^GD-"))
    number = await page.locator("#call-work-order").text_content()
    await page.click("#btn-hangup")
    await expect(page.locator("#wrapup")).to_be_visible()
    call_sid = await page.locator("#wrapup").get_attribute("data-call-sid")
    assert call_sid

    await page.select_option("#wu-category", "fault_repair")
    await page.fill("#wu-address", "城东路 12 号")
    await expect(page.locator("#wu-autosave")).to_have_text("已保存")
    clock.now += timedelta(minutes=10)  # the wrap-up timer ends before the form is saved
    await app[MATCHING].deliver(await app[MATCHING].router.tick())
    # The page's socket re-reads the state at the wrap-up's end by the wall clock; the test
    # moved the server's clock instead, so it tells the socket.
    await app[AGENT_EVENTS].publish("a1005", "state")
    await expect(page.locator("#state")).to_have_attribute("data-state", "ready")
    await expect(page.locator("#wu-address")).to_have_value("城东路 12 号")  # still there

    await page.reload()  # the tab closed and came back
    await expect(page.locator("#state")).to_have_attribute("data-state", "ready")
    await expect(page.locator("#wrapup")).to_be_hidden()
    row = page.locator(f'#orders-body tr[data-number="{number}"]')
    await row.locator(".wo-finish").click()
    await expect(page.locator("#wrapup")).to_be_visible()
    await expect(page.locator("#wu-category")).to_have_value("fault_repair")
    await expect(page.locator("#wu-address")).to_have_value("城东路 12 号")
    await page.fill("#wu-description", "整栋楼停电")
    await page.click("#wu-save")
    await expect(page.locator("#message")).to_have_text(f"已保存工单 {number}")
    await expect(row.locator(".wo-finish")).to_have_count(0)
    await expect(page.locator("#state")).to_have_attribute("data-state", "ready")
    async with sessionmaker() as session:
        order = await by_call_sid(session, call_sid)
    assert order is not None
    assert (order.address, order.description, order.wrap_up_draft) == (
        "城东路 12 号",
        "整栋楼停电",
        None,
    )
    await call.wait()
    assert errors == []
