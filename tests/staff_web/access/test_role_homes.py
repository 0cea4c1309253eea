"""After sign-in each role lands on its own home: an agent on the softphone, a supervisor
on the desk, an admin on the admin home; a same-site `next` still wins."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.staff_web.access.conftest import visitor
from tests.staff_web.access.route_table import USERNAMES, Who
from tests.staff_web.auth.conftest import Browser

HOMES = {Who.AGENT: "/softphone/", Who.SUPERVISOR: "/desk/", Who.ADMIN: "/admin/"}
HREF = re.compile(r'<a href="([^"]+)"')


@pytest.mark.parametrize("who", list(HOMES))
async def test_each_role_lands_on_its_home(client: TestClient[Any, Any], who: Who) -> None:
    browser = Browser(client)
    signed = await browser.sign_in(USERNAMES[who])
    assert (signed.status, signed.headers["Location"]) == (303, HOMES[who])
    home = await browser.get(HOMES[who])
    assert home.status in (200, 303)  # the desk's home forwards to its work orders
    again = await browser.get("/auth/login")  # already signed in: straight home
    assert (again.status, again.headers["Location"]) == (303, HOMES[who])


@pytest.mark.parametrize("who", list(HOMES))
async def test_a_same_site_next_wins_over_the_home(client: TestClient[Any, Any], who: Who) -> None:
    browser = Browser(client)
    signed = await browser.sign_in(USERNAMES[who], next_path="/desk/dues?lang=en")
    assert signed.headers["Location"] == "/desk/dues?lang=en"


@pytest.mark.parametrize("next_path", ["//evil.example/", "https://evil.example/", "/\\evil"])
async def test_a_foreign_next_falls_back_to_the_home(
    client: TestClient[Any, Any], next_path: str
) -> None:
    browser = Browser(client)
    signed = await browser.sign_in("a1001", next_path=next_path)
    assert signed.headers["Location"] == HOMES[Who.AGENT]


async def test_the_login_page_keeps_a_next_it_was_sent_with(client: TestClient[Any, Any]) -> None:
    """The form carries `next` only when asked: without one, the role decides."""
    browser = Browser(client)
    plain = await (await browser.get("/auth/login")).text()
    assert 'name="next" value=""' in plain
    asked = await (await browser.get("/auth/login?next=/desk/calls")).text()
    assert 'name="next" value="/desk/calls"' in asked


async def test_the_admin_home_links_only_to_pages_that_open(
    client: TestClient[Any, Any],
) -> None:
    admin = await visitor(client, Who.ADMIN)
    page = await admin.browser.get("/admin/")
    text = await page.text()
    assert page.status == 200
    listed = re.search(r'<ul id="admin-pages">(.*?)</ul>', text, re.S)
    assert listed is not None
    links = HREF.findall(listed.group(1))
    wanted = {"/admin/users", "/admin/audit", "/desk/orders", "/desk/wallboard", "/softphone/"}
    assert wanted | {"/healthz"} <= set(links)
    for href in links:
        opened = await admin.browser.get(href)
        assert opened.status in (200, 303), href
    # The config version the fresh database was given, marked as the one in force.
    versions = re.search(r'<div id="config-versions">(.*?)</div>', text, re.S)
    assert versions is not None
    assert "#1" in versions.group(1)
    assert "✓" in versions.group(1)
    # The navigation leads back here, marked as the current page.
    assert '<a href="/admin/" aria-current="page">' in text


async def test_only_admins_see_the_admin_link_and_agents_only_their_desk_links(
    client: TestClient[Any, Any],
) -> None:
    seen = {}
    for who in (Who.AGENT, Who.SUPERVISOR, Who.ADMIN):
        me = await visitor(client, who)
        header = (await (await me.browser.get("/desk/orders")).text()).split("</header>")[0]
        seen[who] = set(HREF.findall(header))
    assert "/admin/" in seen[Who.ADMIN]
    assert "/admin/" not in seen[Who.SUPERVISOR]
    assert "/desk/wallboard" in seen[Who.SUPERVISOR]
    assert {"/desk/orders", "/desk/dues"} <= seen[Who.AGENT]
    assert not seen[Who.AGENT] & {"/desk/wallboard", "/desk/calls", "/desk/reports", "/admin/"}


async def test_in_the_twilio_mode_the_front_door_leads_staff_home(
    twilio_client: TestClient[Any, Any],
) -> None:
    """No dial pad there: `/` is the sign-in page, which sends a signed-in user home."""
    browser = Browser(twilio_client)
    door = await browser.get("/")
    assert (door.status, door.headers["Location"]) == (302, "/auth/login")
    await browser.sign_in("leader")
    door = await browser.get("/")
    onward = await browser.get(door.headers["Location"])
    assert (onward.status, onward.headers["Location"]) == (303, HOMES[Who.SUPERVISOR])
