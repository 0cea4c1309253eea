"""Who may see what: login redirects, JSON 401/403, role rank, owner checks, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import staff
from queues.staff import Role
from staff_web.auth.identity import Credential, CurrentUser, ensure_owner
from tests.app_fixtures import FakeClock
from tests.staff_web.auth.conftest import Browser


async def test_anonymous_page_visit_goes_to_login_and_back(desk: Browser) -> None:
    response = await desk.get("/desk/home?tab=2")
    assert response.status == 303
    assert response.headers["Location"] == "/auth/login?next=/desk/home?tab%3D2"
    signed = await desk.sign_in("a1001", next_path="/desk/home?tab=2")
    assert signed.headers["Location"] == "/desk/home?tab=2"


async def test_anonymous_api_call_is_a_json_401(desk: Browser) -> None:
    response = await desk.get("/api/me")
    assert response.status == 401
    assert await response.json() == {"error": "sign in first"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("username", "board", "admin"),
    [("a1001", 403, 403), ("leader", 200, 403), ("admin", 200, 200)],
)
async def test_roles_rank_admin_over_supervisor_over_agent(
    desk: Browser, username: str, board: int, admin: int
) -> None:
    await desk.sign_in(username)
    assert (await desk.get("/desk/board")).status == board
    assert (await desk.get("/desk/admin")).status == admin
    api = await desk.get("/api/board")
    assert api.status == board
    if board == 403:
        assert await api.json() == {"error": "needs the supervisor role"}


async def test_forbidden_page_is_readable_html(desk: Browser) -> None:
    await desk.sign_in("a1001")
    response = await desk.get("/desk/admin")
    assert response.content_type == "text/html"
    assert "needs the admin role" in await response.text()


async def test_agent_acts_only_on_its_own_calls(desk: Browser) -> None:
    await desk.sign_in("a1001")
    token = await desk.csrf_token()
    headers = {"X-CSRF-Token": token}
    assert (await desk.post("/desk/calls/a1001", headers=headers)).status == 200
    assert (await desk.post("/desk/calls/a1002", headers=headers)).status == 403


async def test_supervisor_acts_on_any_agents_calls(desk: Browser) -> None:
    await desk.sign_in("leader")
    headers = {"X-CSRF-Token": await desk.csrf_token()}
    assert (await desk.post("/desk/calls/a1002", headers=headers)).status == 200


def _user(role: Role, agent_id: str | None) -> CurrentUser:
    return CurrentUser(1, "u", "U", role, agent_id, Credential.COOKIE, "t", "c")


def test_ensure_owner_rules() -> None:
    ensure_owner(_user(Role.AGENT, "a1001"), "a1001")
    ensure_owner(_user(Role.SUPERVISOR, None), "a1001")
    ensure_owner(_user(Role.ADMIN, None), None)
    for user, agent in [
        (_user(Role.AGENT, "a1001"), "a1002"),
        (_user(Role.AGENT, "a1001"), None),
        (_user(Role.AGENT, None), None),
    ]:
        with pytest.raises(web.HTTPForbidden):
            ensure_owner(user, agent)


async def test_idle_session_expires_and_use_keeps_it_alive(desk: Browser, clock: FakeClock) -> None:
    await desk.sign_in("a1001")
    for _ in range(3):  # 3 × 7 h of work, used every 7 hours: stays signed in (idle 8 h)
        clock.now += timedelta(hours=7)
        assert (await desk.get("/desk/home")).status == 200
    clock.now += timedelta(hours=8)
    assert (await desk.get("/desk/home")).status == 303
    assert (await desk.get("/api/me")).status == 401


async def test_switching_an_account_off_ends_its_sessions(
    desk: Browser, sessionmaker: async_sessionmaker[AsyncSession], users: dict[str, int]
) -> None:
    await desk.sign_in("a1001")
    assert (await desk.get("/desk/home")).status == 200
    async with sessionmaker() as session, session.begin():
        await staff.set_active(session, users["a1001"], False)
    assert (await desk.get("/desk/home")).status == 303


async def test_role_change_applies_to_a_live_session(
    desk: Browser, sessionmaker: async_sessionmaker[AsyncSession], users: dict[str, int]
) -> None:
    await desk.sign_in("a1001")
    assert (await desk.get("/desk/board")).status == 403
    async with sessionmaker() as session, session.begin():
        user = await staff.by_id(session, users["a1001"])
        assert user is not None
        user.role = Role.SUPERVISOR
    assert (await desk.get("/desk/board")).status == 200


async def test_me_shows_the_user_and_its_csrf_token(desk: Browser) -> None:
    await desk.sign_in("a1001")
    me = await (await desk.get("/api/me")).json()
    assert me["username"] == "a1001"
    assert me["role"] == "agent"
    assert me["agent_id"] == "a1001"
    assert me["credential"] == "cookie"
    assert len(me["csrf_token"]) >= 43
