"""A small app made of the auth sub-apps plus test pages, and a cookie-keeping browser."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import AUTH, AUTH_PAGES, CLOCK, KEYS, REDIS, SESSIONMAKER, SETTINGS, Clock
from hotline.settings import Settings
from queues import staff
from queues.staff import Role
from routing.keys import Keys
from staff_web.auth.csrf import csrf_field
from staff_web.auth.identity import CurrentUser, ensure_owner, require, signed_in
from staff_web.auth.login_pages import create_auth_app
from staff_web.auth.middleware import page_middlewares
from staff_web.auth.passwords import Passwords
from staff_web.auth.services import AuthPolicy, AuthServices
from staff_web.auth.token_api import create_api_app
from tests.app_fixtures import FakeClock

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass
class SignOuts:
    """The sign-out hook the lead will point at the router; records whom it freed."""

    users: list[CurrentUser] = field(default_factory=list)
    fail: bool = False

    async def __call__(self, user: CurrentUser) -> None:
        self.users.append(user)
        if self.fail:
            raise RuntimeError("router unreachable")


@pytest.fixture
def sign_outs() -> SignOuts:
    return SignOuts()


async def desk_home(request: web.Request) -> web.Response:
    user = signed_in(request)
    form = f'<form method="post">{csrf_field(request)}</form>'
    return web.Response(text=f"hello {user.username} {form}", content_type="text/html")


async def desk_note(request: web.Request) -> web.Response:
    signed_in(request)
    return web.Response(text="saved")


@require(Role.SUPERVISOR)
async def desk_board(request: web.Request) -> web.Response:
    return web.Response(text="board")


@require(Role.ADMIN)
async def desk_admin(request: web.Request) -> web.Response:
    return web.Response(text="admin")


async def desk_call(request: web.Request) -> web.Response:
    ensure_owner(signed_in(request), request.match_info["agent_id"])
    return web.Response(text="your call")


@require(Role.SUPERVISOR)
async def api_board(request: web.Request) -> web.Response:
    return web.json_response({"board": True})


async def api_echo(request: web.Request) -> web.Response:
    return web.json_response({"by": signed_in(request).username})


def signed_in_app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    auth: AuthServices,
    api_routes: Callable[[web.Application], None],
    desk: web.Application,
) -> web.Application:
    """The sign-in part of create_app (resources, /auth/ pages, /api/) with the API routes
    `api_routes` adds and the `desk` page sub-app at /desk/."""
    app = web.Application()
    app[SETTINGS] = settings
    now: Clock = clock
    app[CLOCK] = now
    app[KEYS] = Keys(settings.redis_prefix)
    app[REDIS] = redis
    app[SESSIONMAKER] = sessionmaker
    app[AUTH] = auth
    auth_pages = create_auth_app()
    app[AUTH_PAGES] = auth_pages
    app.add_subapp("/auth/", auth_pages)
    api = create_api_app()
    api_routes(api)
    app.add_subapp("/api/", api)
    app.add_subapp("/desk/", desk)
    return app


def _test_api(api: web.Application) -> None:
    api.router.add_get("/board", api_board)
    api.router.add_post("/echo", api_echo)


def build_app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    auth: AuthServices,
) -> web.Application:
    """Sign-in, plus a `/desk/` page sub-app guarded the way real pages are."""
    desk = web.Application(middlewares=page_middlewares())
    desk.router.add_get("/home", desk_home)
    desk.router.add_post("/note", desk_note)
    desk.router.add_get("/board", desk_board)
    desk.router.add_get("/admin", desk_admin)
    desk.router.add_post("/calls/{agent_id}", desk_call)
    return signed_in_app(settings, redis, sessionmaker, clock, auth, _test_api, desk)


@pytest.fixture
def auth(
    redis: aioredis.Redis, keys: Keys, settings: Settings, passwords: Passwords, sign_outs: SignOuts
) -> AuthServices:
    return AuthServices.create(
        redis,
        keys,
        AuthPolicy.for_public_url(settings.public_url),
        passwords=passwords,
        on_sign_out=sign_outs,
    )


@pytest.fixture
async def users(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> dict[str, int]:
    """admin, leader (supervisor), a1001 and a1002 (agents), all with PASSWORD."""
    accounts = [
        ("admin", Role.ADMIN, None),
        ("leader", Role.SUPERVISOR, None),
        ("a1001", Role.AGENT, "a1001"),
        ("a1002", Role.AGENT, "a1002"),
    ]
    return await add_accounts(sessionmaker, passwords, accounts)


async def add_accounts(
    sessionmaker: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    accounts: list[tuple[str, Role, str | None]],
) -> dict[str, int]:
    """Accounts (username, role, agent id), all with PASSWORD: username → user id."""
    hashed = await passwords.hash(PASSWORD)
    ids = {}
    async with sessionmaker() as session, session.begin():
        for name, role, agent in accounts:
            user = await staff.add_user(
                session,
                username=name,
                display_name=name.title(),
                role=role,
                agent_id=agent,
                password_hash=hashed,
                now=datetime(2026, 11, 1, tzinfo=UTC),
            )
            ids[name] = user.id
    return ids


class Browser:
    """A client keeping its own cookies (ours are `Secure`) that never follows redirects."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}

    def _remember(self, response: aiohttp.ClientResponse) -> None:
        for name, morsel in response.cookies.items():
            if morsel.value == "" or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    async def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> aiohttp.ClientResponse:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.client.request(
            method, path, headers=sent, allow_redirects=False, **kwargs
        )
        await response.read()
        self._remember(response)
        return response

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.request("POST", path, **kwargs)

    async def login_form(self, path: str = "/auth/login") -> str:
        """Open the login page; the hidden CSRF token it carries."""
        page = await self.get(path)
        found = CSRF_INPUT.search(await page.text())
        assert found, await page.text()
        return found.group(1)

    async def sign_in(
        self, username: str, password: str = PASSWORD, *, next_path: str = ""
    ) -> aiohttp.ClientResponse:
        token = await self.login_form()
        form = {"username": username, "password": password, "csrf_token": token}
        if next_path:
            form["next"] = next_path
        return await self.post("/auth/login", data=form)

    async def csrf_token(self) -> str:
        me = await self.get("/api/me")
        assert me.status == 200, await me.text()
        token: str = (await me.json())["csrf_token"]
        return token


@pytest.fixture
async def desk(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    auth: AuthServices,
    users: dict[str, int],
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> Browser:
    app = build_app(settings, redis, sessionmaker, clock, auth)
    client = await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())
    return Browser(client)
