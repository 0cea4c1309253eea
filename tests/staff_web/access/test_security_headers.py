"""Every response carries the security headers; every page's policy allows scripts only
from our own files, and no page holds an inline script for that policy to break."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.staff_web.access.conftest import Outcome, visitor
from tests.staff_web.access.route_table import ROUTES, Audience, Rule, Who

SHOWN = {Audience.PAGE, Audience.API, Audience.OPEN}
GETS = sorted(
    key
    for key, rule in ROUTES.items()
    if key[0] == "GET" and rule.audience in SHOWN and not rule.socket
)
#: Script types a browser does not run: data blocks read by our scripts.
DATA_TYPES = {"application/json"}


def first_allowed(rule: Rule) -> Who:
    return next(
        who for who in (Who.ANONYMOUS, Who.ADMIN, Who.SUPERVISOR, Who.AGENT) if who in rule.who
    )


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class InlineScripts(HTMLParser):
    """What would run without a file of its own: inline `<script>` bodies, `on*=` handler
    attributes and `javascript:` URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        self._in_script = (
            tag == "script" and not named.get("src") and named.get("type") not in DATA_TYPES
        )

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}")


def inline_scripts(html: str) -> list[str]:
    parser = InlineScripts()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_inline_script_check_finds_what_it_looks_for() -> None:
    page = (
        '<script type="application/json">{"a": 1}</script><script src="/s.js"></script>'
        '<script>alert(1)</script><button onclick="go()">x</button>'
        '<a href="javascript:go()">y</a>'
    )
    assert len(inline_scripts(page)) == 3
    assert inline_scripts(page.split("<script>alert")[0]) == []


def header_problems(got: Outcome) -> list[str]:
    headers = got.headers
    problems = []
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    if headers.get("Referrer-Policy") != "same-origin":
        problems.append("Referrer-Policy")
    policy = directives(headers.get("Content-Security-Policy", "x"))
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors: {policy.get('frame-ancestors')}")
    if headers.get("Content-Type", "").startswith("text/html"):
        if policy.get("script-src") != ["'self'"]:
            problems.append(f"script-src: {policy.get('script-src')}")
        if policy.get("connect-src") != ["'self'"]:
            problems.append(f"connect-src: {policy.get('connect-src')}")
        if policy.get("object-src", policy.get("default-src")) not in (["'none'"], ["'self'"]):
            problems.append("object-src")
        problems += inline_scripts(got.body)
    return problems


async def test_every_get_route_answers_with_the_security_headers(
    client: TestClient[Any, Any], order: str
) -> None:
    """Pages (and the redirects and errors in front of them), JSON, static files, health."""
    wrong, pages = {}, set()
    for method, path in GETS:
        rule = ROUTES[method, path]
        for who in {first_allowed(rule), Who.ANONYMOUS}:  # the page, and its sign-in redirect
            me = await visitor(client, who)
            got = await me.send(method, rule.url(path, order), rule)
            if got.headers.get("Content-Type", "").startswith("text/html") and got.status == 200:
                pages.add(path)
            problems = header_problems(got)
            if problems:
                wrong[f"{path} as {who} ({got.status})"] = problems
    assert wrong == {}
    # The check saw the pages themselves, not only redirects to them.
    assert {"/auth/login", "/softphone/", "/desk/orders", "/desk/wallboard", "/admin/"} <= pages


@pytest.mark.parametrize("path", ["/desk/wallboard/ws", "/softphone/ws", "/carrier/ws"])
async def test_the_sockets_still_open_under_the_headers(
    client: TestClient[Any, Any], path: str
) -> None:
    me = await visitor(client, Who.ADMIN)
    rule = ROUTES["GET", path]
    assert (await me.open_socket(path, rule)).status == 101
