"""The admin config API: drafts, checks, diffs, publish, trial, versions, roll-back; who
may call it (admins only), CSRF on every change, and the error body of every refusal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.demo import HOTLINES_YAML
from hotline.settings import Settings
from queues import audit
from queues.staff import Role
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk
from tests.staff_web.auth.conftest import PASSWORD, Browser, add_accounts

LINE = "+8695598"
TESTER = "+8613800000999"
CUSTOMER = "+8613600000001"
DEMO = HOTLINES_YAML.read_text(encoding="utf-8")
PUBLISHED_GREETING = "欢迎致电国家电网95598供电服务热线。"
# Keeps the fragment the demo flow test listens for, or the draft would not pass it.
DRAFT_GREETING = "新版：欢迎致电国家电网95598供电服务热线，我们竭诚为您服务。"
NEW_TEXT = "# edited in the console\n" + DEMO.replace(PUBLISHED_GREETING, DRAFT_GREETING)
BROKEN_TEXT = DEMO.replace("queue: vip, category: VIP服务", "queue: nowhere, category: VIP服务")
BASE = "/api/admin/config"
UNKNOWN_QUEUE = "unknown queue 'nowhere' (known: billing, business, complaint, fault, general, vip)"
VIP_QUEUE = "hotlines[0].vip.action.queue"

#: Every route, as (method, path, body): each must refuse outsiders and check CSRF.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", f"{BASE}/drafts", None),
    ("POST", f"{BASE}/drafts", {"title": "x", "text": DEMO}),
    ("GET", f"{BASE}/drafts/1", None),
    ("PUT", f"{BASE}/drafts/1", {"title": "y"}),
    ("DELETE", f"{BASE}/drafts/1", None),
    ("GET", f"{BASE}/drafts/1/diff", None),
    ("POST", f"{BASE}/drafts/1/publish", {}),
    ("POST", f"{BASE}/drafts/1/trial", {}),
    ("POST", f"{BASE}/validate", {"text": DEMO}),
    ("GET", f"{BASE}/trial", None),
    ("DELETE", f"{BASE}/trial", None),
    ("GET", f"{BASE}/versions", None),
    ("GET", f"{BASE}/versions/1/diff", None),
    ("POST", f"{BASE}/versions/1/rollback", None),
]
BROKEN = {"title": "b", "text": BROKEN_TEXT}
CHANGES = [route for route in ROUTES if route[0] != "GET"]


@pytest.fixture
def settings(keys: Keys) -> Settings:
    return Settings(
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        redis_prefix=keys.prefix,
        test_callers=(TESTER,),
    )


@pytest.fixture
async def browser(
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> Browser:
    accounts = [("admin", Role.ADMIN, None), ("leader", Role.SUPERVISOR, None)]
    await add_accounts(sessionmaker, passwords, [*accounts, ("a1001", Role.AGENT, "a1001")])
    return Browser(await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar()))


async def bearer(browser: Browser, username: str) -> dict[str, str]:
    response = await browser.client.post(
        "/api/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert response.status == 201, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


class Admin:
    """An admin signed in with a bearer token, calling the API and reading JSON back."""

    def __init__(self, browser: Browser, headers: dict[str, str]) -> None:
        self.browser = browser
        self.headers = headers

    async def call(self, method: str, path: str, body: Any = None, *, status: int = 200) -> Any:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        response = await self.browser.request(method, path, headers=self.headers, **kwargs)
        text = await response.text()
        assert response.status == status, text
        return await response.json() if text else None


@pytest.fixture
async def admin(browser: Browser) -> Admin:
    return Admin(browser, await bearer(browser, "admin"))


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = body["error"]
    assert set(error) >= {"code", "message", "fields"}
    return error


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_nobody_signed_in_gets_401(
    browser: Browser, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await browser.request(method, path, json=body)
    assert response.status == 401
    assert error_of(await response.json())["code"] == "unauthenticated"


@pytest.mark.parametrize("username", ["leader", "a1001"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_other_roles_get_403(
    browser: Browser, username: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await browser.request(
        method, path, json=body, headers=await bearer(browser, username)
    )
    assert response.status == 403
    assert error_of(await response.json()) == {
        "code": "forbidden",
        "message": "needs the admin role",
        "fields": {},
    }


@pytest.mark.parametrize(("method", "path", "body"), CHANGES)
async def test_a_cookie_session_must_send_its_csrf_token(
    browser: Browser, method: str, path: str, body: dict[str, Any] | None
) -> None:
    await browser.sign_in("admin")
    response = await browser.request(method, path, json=body)
    assert response.status == 403
    assert "CSRF" in await response.text()


async def test_a_cookie_session_with_its_token_may_change(browser: Browser) -> None:
    await browser.sign_in("admin")
    headers = {"X-CSRF-Token": await browser.csrf_token()}
    made = await browser.post(f"{BASE}/drafts", json={"title": "t", "text": DEMO}, headers=headers)
    assert made.status == 201, await made.text()


async def test_a_draft_keeps_its_text_as_typed_and_reports_its_problems(admin: Admin) -> None:
    made = await admin.call(
        "POST", f"{BASE}/drafts", {"title": " Broken ", "text": BROKEN_TEXT}, status=201
    )
    assert (made["title"], made["text"], made["based_on"], made["author"]) == (
        "Broken",
        BROKEN_TEXT,
        1,
        "admin",
    )
    assert made["valid"] is False
    line = next(n for n, text in enumerate(BROKEN_TEXT.splitlines(), 1) if "nowhere" in text)
    assert made["problems"] == [
        {
            "path": "hotlines[0].vip.action.queue",
            "reason": UNKNOWN_QUEUE,
            "line": line,
        }
    ]
    fixed = await admin.call("PUT", f"{BASE}/drafts/{made['id']}", {"text": NEW_TEXT})
    assert (fixed["valid"], fixed["problems"], fixed["text"]) == (True, [], NEW_TEXT)
    assert fixed["title"] == "Broken"
    renamed = await admin.call("PUT", f"{BASE}/drafts/{made['id']}", {"title": "Greeting"})
    assert (renamed["title"], renamed["text"]) == ("Greeting", NEW_TEXT)
    again = await admin.call("GET", f"{BASE}/drafts/{made['id']}")
    assert again == renamed
    listing = await admin.call("GET", f"{BASE}/drafts")
    assert [(d["id"], d["title"]) for d in listing["items"]] == [(made["id"], "Greeting")]
    assert "text" not in listing["items"][0]


async def test_a_draft_without_text_starts_from_its_version(admin: Admin) -> None:
    made = await admin.call("POST", f"{BASE}/drafts", {"title": "copy", "based_on": 1}, status=201)
    assert made["valid"] is True
    assert PUBLISHED_GREETING in made["text"]
    diff = await admin.call("GET", f"{BASE}/drafts/{made['id']}/diff")
    assert diff["same"] is True


async def test_bad_draft_bodies_name_the_field(admin: Admin, browser: Browser) -> None:
    cases: list[tuple[Any, dict[str, str]]] = [
        ({"text": DEMO}, {"title": "required"}),
        ({"title": "  "}, {"title": "must not be empty"}),
        ({"title": 5}, {"title": "must be a string"}),
        ({"title": "x" * 201}, {"title": "at most 200 characters"}),
        ({"title": "t", "text": 5}, {"text": "must be a string"}),
        ({"title": "t", "based_on": "1"}, {"based_on": "must be a whole number"}),
        ({"title": "t", "based_on": 0}, {"based_on": "must be at least 1"}),
        ([1], {"body": "expected a JSON object"}),
    ]
    for body, fields in cases:
        refused = await admin.call("POST", f"{BASE}/drafts", body, status=400)
        assert error_of(refused)["fields"] == fields, body
        assert error_of(refused)["code"] == "bad_request"
    response = await browser.request(
        "POST",
        f"{BASE}/drafts",
        data=b"{",
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert error_of(await response.json())["fields"] == {"body": "not valid JSON"}
    unknown = await admin.call("POST", f"{BASE}/drafts", {"title": "t", "based_on": 99}, status=404)
    assert error_of(unknown) == {
        "code": "not_found",
        "message": "config version 99 does not exist",
        "fields": {},
    }


async def test_unknown_drafts_and_versions_are_404(admin: Admin) -> None:
    for method, path, body in ROUTES:
        if "/1" not in path:
            continue
        missing = path.replace("/1", "/77", 1)
        refused = await admin.call(method, missing, body, status=404)
        assert error_of(refused)["code"] == "not_found", path
    assert (await admin.call("DELETE", f"{BASE}/trial", status=404))["error"]["code"] == "not_found"


async def test_an_update_needs_something_to_change(admin: Admin) -> None:
    made = await admin.call("POST", f"{BASE}/drafts", {"title": "t", "text": DEMO}, status=201)
    refused = await admin.call("PUT", f"{BASE}/drafts/{made['id']}", {}, status=400)
    assert set(error_of(refused)["fields"]) == {"title", "text"}


async def test_deleting_a_draft(
    admin: Admin, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    made = await admin.call("POST", f"{BASE}/drafts", {"title": "gone", "text": DEMO}, status=201)
    assert await admin.call("DELETE", f"{BASE}/drafts/{made['id']}", status=204) is None
    await admin.call("GET", f"{BASE}/drafts/{made['id']}", status=404)
    async with sessionmaker() as session:
        entries = await audit.entries_for(session, "config_draft", str(made["id"]))
    assert [(e.action, e.actor) for e in reversed(entries)] == [
        ("create", "admin"),
        ("delete", "admin"),
    ]


async def test_validate_any_text(admin: Admin) -> None:
    assert await admin.call("POST", f"{BASE}/validate", {"text": DEMO}) == {
        "valid": True,
        "problems": [],
    }
    broken = await admin.call("POST", f"{BASE}/validate", {"text": "queues: [\n"})
    assert broken["valid"] is False
    assert broken["problems"][0]["line"] == 2
    refused = await admin.call("POST", f"{BASE}/validate", {}, status=400)
    assert error_of(refused)["fields"] == {"text": "required"}


async def test_diff_of_a_draft_and_of_a_version(admin: Admin) -> None:
    made = await admin.call("POST", f"{BASE}/drafts", {"title": "g", "text": NEW_TEXT}, status=201)
    diff = await admin.call("GET", f"{BASE}/drafts/{made['id']}/diff")
    assert diff["same"] is False
    assert f"-    zh-CN: {PUBLISHED_GREETING}\n+    zh-CN: {DRAFT_GREETING}\n" in diff["unified"]
    assert diff["unified"].count("\n+") == 2  # +++ and one line: the comment is no change
    assert diff["summary"]["hotlines"] == {"added": [], "removed": [], "changed": ["95598"]}
    assert diff["summary"]["nodes"]["changed"] == []
    version = await admin.call("POST", f"{BASE}/drafts/{made['id']}/publish", {"comment": "new"})
    old = await admin.call("GET", f"{BASE}/versions/1/diff")
    assert old["unified"].startswith(
        f"--- version {version['version']} (published)\n+++ version 1\n"
    )
    assert f"-    zh-CN: {DRAFT_GREETING}\n" in old["unified"]
    same = await admin.call("GET", f"{BASE}/versions/{version['version']}/diff")
    assert same["same"] is True


async def test_publish_refuses_a_draft_with_problems_field_by_field(admin: Admin) -> None:
    made = await admin.call(
        "POST", f"{BASE}/drafts", {"title": "b", "text": BROKEN_TEXT}, status=201
    )
    refused = await admin.call("POST", f"{BASE}/drafts/{made['id']}/publish", {}, status=422)
    error = error_of(refused)
    assert error["code"] == "invalid_config"
    assert error["fields"] == {"hotlines[0].vip.action.queue": UNKNOWN_QUEUE}
    assert error["lines"] == {"hotlines[0].vip.action.queue": made["problems"][0]["line"]}
    versions = await admin.call("GET", f"{BASE}/versions")
    assert [v["id"] for v in versions["items"]] == [1]  # nothing stored


async def test_publish_then_roll_back_through_the_api(
    admin: Admin,
    browser: Browser,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    twilio = TwilioPoster(browser.client)
    made = await admin.call(
        "POST", f"{BASE}/drafts", {"title": "greeting", "text": NEW_TEXT}, status=201
    )
    published = await admin.call("POST", f"{BASE}/drafts/{made['id']}/publish", {"comment": "go"})
    assert published == {"version": 2}
    shown = await admin.call("GET", f"{BASE}/drafts/{made['id']}")
    assert shown["published_version"] == 2
    assert shown["text"] == NEW_TEXT  # kept, comments and all
    assert DRAFT_GREETING in (await walk(twilio, LINE, [], caller=CUSTOMER)).answers[0].said()
    frozen = await admin.call("PUT", f"{BASE}/drafts/{made['id']}", {"title": "x"}, status=409)
    assert error_of(frozen)["code"] == "draft_published"
    await admin.call("POST", f"{BASE}/drafts/{made['id']}/publish", {}, status=409)
    await admin.call("POST", f"{BASE}/drafts/{made['id']}/trial", {}, status=409)

    versions = await admin.call("GET", f"{BASE}/versions")
    assert [(v["id"], v["published"], v["comment"], v["author"]) for v in versions["items"]] == [
        (2, True, "go", "admin"),
        (1, False, "first start: hotlines.yaml", "hotline serve"),
    ]
    clock.now += timedelta(minutes=5)
    assert await admin.call("POST", f"{BASE}/versions/1/rollback") == {"version": 1}
    assert PUBLISHED_GREETING in (await walk(twilio, LINE, [], caller=CUSTOMER)).answers[0].said()
    versions = await admin.call("GET", f"{BASE}/versions")
    assert [(v["id"], v["published"]) for v in versions["items"]] == [(2, False), (1, True)]
    async with sessionmaker() as session:
        entries = await audit.entries_for(session, "config", "published")
    assert [(e.action, e.actor, e.before, e.after) for e in reversed(entries)] == [
        (
            "publish",
            "admin",
            {"version": 1},
            {"version": 2, "draft_id": made["id"], "title": "greeting"},
        ),
        ("rollback", "admin", {"version": 2}, {"version": 1}),
    ]


UNTIL = "2026-11-25T02:10:00+00:00"  # ten minutes after the fake clock's time


async def test_a_trial_through_the_api_is_heard_by_test_callers_only(
    admin: Admin, browser: Browser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    twilio = TwilioPoster(browser.client)
    broken = await admin.call(
        "POST", f"{BASE}/drafts", {"title": "b", "text": BROKEN_TEXT}, status=201
    )
    refused = await admin.call("POST", f"{BASE}/drafts/{broken['id']}/trial", {}, status=422)
    assert "hotlines[0].vip.action.queue" in error_of(refused)["fields"]
    for minutes in (0, 481, "5"):
        bad = await admin.call(
            "POST", f"{BASE}/drafts/{broken['id']}/trial", {"minutes": minutes}, status=400
        )
        assert set(error_of(bad)["fields"]) == {"minutes"}

    made = await admin.call(
        "POST", f"{BASE}/drafts", {"title": "try", "text": NEW_TEXT}, status=201
    )
    started = await admin.call(
        "POST", f"{BASE}/drafts/{made['id']}/trial", {"minutes": 10}, status=201
    )
    assert started["trial"]["version"] == 2
    assert started["trial"]["draft_id"] == made["id"]
    assert started["trial"]["until"] == UNTIL
    assert started["test_callers"] == [TESTER]
    assert started["dial_pad"] == "/carrier/?from=%2B8613800000999"
    assert await admin.call("GET", f"{BASE}/trial") == started

    assert DRAFT_GREETING in (await walk(twilio, LINE, [], caller=TESTER)).answers[0].said()
    assert PUBLISHED_GREETING in (await walk(twilio, LINE, [], caller=CUSTOMER)).answers[0].said()
    versions = await admin.call("GET", f"{BASE}/versions")
    assert [(v["id"], v["published"], v["on_trial"]) for v in versions["items"]] == [
        (2, False, True),
        (1, True, False),
    ]
    never = await admin.call("POST", f"{BASE}/versions/2/rollback", status=409)
    assert error_of(never)["code"] == "never_published"
    stopped = await admin.call("DELETE", f"{BASE}/trial")
    assert stopped["stopped"]["version"] == 2
    assert (await admin.call("GET", f"{BASE}/trial"))["trial"] is None
    assert PUBLISHED_GREETING in (await walk(twilio, LINE, [], caller=TESTER)).answers[0].said()
    async with sessionmaker() as session:
        entries = await audit.entries_for(session, "config", "trial")
    assert [(e.action, e.before, e.after) for e in reversed(entries)] == [
        (
            "trial_start",
            None,
            {
                "version": 2,
                "draft_id": made["id"],
                "title": "try",
                "until": "2026-11-25T02:10:00+00:00",
            },
        ),
        ("trial_stop", {"version": 2, "draft_id": made["id"]}, None),
    ]


async def test_the_dial_pad_takes_its_caller_id_from_the_link(browser: Browser) -> None:
    page = await (await browser.get("/carrier/?from=%2B8613800000999")).text()
    assert '"callerId": "+8613800000999"' in page
    plain = await (await browser.get("/carrier/?from=not-a-number")).text()
    assert '"callerId": "+8613800000000"' in plain
