"""Every state-changing route a browser reaches with its session cookie refuses (403) a
request without the session's CSRF token or with a wrong one; derived from the route table.

The carrier's routes (`/twilio/`, the REST `Calls`) read no cookie (a signature or the
account's credentials are their only credential; `test_route_roles` shows a session does
not open them), so they have no CSRF token to check.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.staff_web.access.conftest import visitor
from tests.staff_web.access.route_table import (
    ROUTES,
    STATE_CHANGING,
    Audience,
    Rule,
    Who,
)
from tests.staff_web.auth.conftest import PASSWORD

COOKIE_AUDIENCES = {Audience.PAGE, Audience.API, Audience.OPEN}
NO_COOKIE_AUDIENCES = {Audience.TWILIO, Audience.CARRIER_REST, Audience.PHONE}
CHANGING = sorted(
    key
    for key, rule in ROUTES.items()
    if key[0] in STATE_CHANGING and rule.audience in COOKIE_AUDIENCES
)
SESSION_ROUTES = [key for key in CHANGING if key != ("POST", "/auth/login")]


def test_every_state_changing_route_is_checked_here_or_reads_no_cookie() -> None:
    """A new audience must say on which side it stands; the table's routes are all here
    (test_route_roles checks the table against the app)."""
    assert set(Audience) == COOKIE_AUDIENCES | NO_COOKIE_AUDIENCES
    assert len(SESSION_ROUTES) >= 10  # the table's routes, not an empty list


def allowed_user(rule: Rule) -> Who:
    """A signed-in role the route lets through, so only the token can refuse it."""
    return next(who for who in (Who.AGENT, Who.SUPERVISOR, Who.ADMIN) if who in rule.who)


@pytest.mark.parametrize(("method", "path"), SESSION_ROUTES)
@pytest.mark.parametrize("token", ["missing", "wrong"])
async def test_a_session_without_its_csrf_token_changes_nothing(
    client: TestClient[Any, Any], order: str, method: str, path: str, token: str
) -> None:
    rule = ROUTES[method, path]
    me = await visitor(client, allowed_user(rule))
    sent = "" if token == "missing" else me.csrf[::-1]
    got = await me.send(method, rule.url(path, order), rule, csrf=sent)
    assert got.status == 403, got.body
    assert "CSRF" in got.body
    still = await me.browser.get("/api/me")  # the refused sign-out did not sign out
    assert still.status == 200


@pytest.mark.parametrize("token", ["missing", "wrong"])
async def test_the_login_form_wants_its_own_token(client: TestClient[Any, Any], token: str) -> None:
    """No session yet: the form's double-submit cookie and field must agree."""
    me = await visitor(client, Who.ANONYMOUS)
    issued = await me.browser.login_form()
    form = {"username": "a1001", "password": PASSWORD}
    if token == "wrong":
        form["csrf_token"] = issued[::-1]
    response = await me.browser.post("/auth/login", data=form)
    assert response.status == 403
    assert "hotline_session" not in me.browser.cookies
