"""The desk's header in headless Chromium: its navigation links stand apart."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser as Chromium
from playwright.async_api import async_playwright

from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.staff_web.auth.conftest import Browser

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

MIN_GAP_PX = 8  # a word space at 14 px is about 4 px: the links must read as separate


@pytest.fixture
async def chromium() -> AsyncIterator[Chromium]:
    path = require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_nav_links_are_spaced_apart(browser: Browser, chromium: Chromium, lang: str) -> None:
    await browser.sign_in("leader")
    html = await (await browser.get(f"/desk/orders?lang={lang}")).text()
    page = await chromium.new_page(viewport={"width": 1280, "height": 800})
    await page.set_content(html)  # the page inlines its styles; nothing else is fetched
    boxes = await page.eval_on_selector_all(
        "header nav a",
        "links => links.map(a => { const r = a.getBoundingClientRect();"
        " return [r.left, r.right, r.top]; })",
    )
    assert len(boxes) >= 4
    for (_, right, top), (left, _, next_top) in itertools.pairwise(boxes):
        assert next_top == top  # one row at this width
        assert left - right >= MIN_GAP_PX, boxes
    await page.close()
