"""The audit view, /admin/audit and /api/admin/audit: every console's entries newest first,
paged, filtered by object and by who, each change readable, times in Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import audit
from tests.staff_web.admin.conftest import Desk, Signed

API = "/api/admin/audit"
PAGE = "/admin/audit"
T0 = datetime(2026, 11, 25, 2, 0, 5, tzinfo=UTC)  # 10:00:05 in Beijing


@pytest.fixture
async def entries(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A supervisor's break and grade change on agent a1003 (as agent_actions writes
    them), then an admin's role change of user a1003, a minute apart."""
    a1003 = {"state": "ready", "reason": None, "skills": {"fault": 3, "vip": 2}}
    facts = {
        "username": "a1003",
        "display_name": "A1003",
        "role": "agent",
        "active": True,
        "agent_id": "a1003",
    }
    written: list[tuple[str, str, str, str, dict[str, Any], dict[str, Any]]] = [
        ("leader", "agent", "a1003", "break", a1003, {**a1003, "state": "break", "reason": "培训"}),
        ("leader", "agent", "a1003", "skills", a1003, {**a1003, "skills": {"fault": 4, "vip": 2}}),
        (
            "admin",
            "user",
            "a1003",
            "change_role",
            facts,
            {**facts, "role": "supervisor", "sessions_ended": 1},
        ),
    ]
    async with sessionmaker() as db, db.begin():
        for n, (actor, kind, object_id, action, before, after) in enumerate(written):
            await audit.record(
                db,
                at=T0 + timedelta(minutes=n),
                actor=actor,
                object_kind=kind,
                object_id=object_id,
                action=action,
                before=before,
                after=after,
            )


async def test_newest_first_with_offsets_and_changes(admin: Desk, entries: None) -> None:
    status, body = await admin.call("GET", API)
    assert status == 200
    assert body["total"] == 3
    assert [e["action"] for e in body["items"]] == ["change_role", "skills", "break"]
    newest = body["items"][0]
    assert newest["at"] == "2026-11-25T10:02:05+08:00"
    assert (newest["actor"], newest["object_kind"], newest["object_id"]) == (
        "admin",
        "user",
        "a1003",
    )
    assert newest["changes"] == [
        {"field": "role", "before": "agent", "after": "supervisor"},
        {"field": "sessions_ended", "before": None, "after": 1},
    ]
    assert body["items"][2]["changes"] == [
        {"field": "state", "before": "ready", "after": "break"},
        {"field": "reason", "before": None, "after": "培训"},
    ]


async def test_paged(admin: Desk, entries: None) -> None:
    _status, first = await admin.call("GET", f"{API}?limit=2")
    _status, second = await admin.call("GET", f"{API}?limit=2&offset=2")
    assert [e["action"] for e in first["items"]] == ["change_role", "skills"]
    assert [e["action"] for e in second["items"]] == ["break"]
    assert (second["total"], second["limit"], second["offset"]) == (3, 2, 2)


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ("kind=agent", ["skills", "break"]),
        ("kind=user&object=a1003", ["change_role"]),
        ("object=a1003", ["change_role", "skills", "break"]),
        ("actor=leader", ["skills", "break"]),
        ("actor=admin&kind=agent", []),
        ("object=a1005", []),
    ],
)
async def test_filtered_by_object_and_by_who(
    admin: Desk, entries: None, query: str, actions: list[str]
) -> None:
    status, body = await admin.call("GET", f"{API}?{query}")
    assert status == 200
    assert [e["action"] for e in body["items"]] == actions
    assert body["total"] == len(actions)


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "actor=" + "x" * 65])
async def test_bad_filters_name_the_field(admin: Desk, query: str) -> None:
    status, body = await admin.call("GET", f"{API}?{query}")
    assert status == 400
    assert list(body["fields"]) == [query.split("=")[0]]


async def test_the_page_shows_changes_readably(admin: Desk, entries: None) -> None:
    response = await admin.get(PAGE)
    html = await response.text()
    assert response.status == 200
    rows = html.split("<tbody>")[1].split("</tr>")
    assert "2026-11-25 10:02:05" in rows[0]
    assert "修改角色" in rows[0]
    assert "角色: 坐席 (agent) → 值长/班长 (supervisor)" in rows[0]
    assert "结束的会话: 1" in rows[0]
    assert "技能等级: fault=3, vip=2 → fault=4, vip=2" in rows[1]
    assert "状态: ready → break<br>原因: — → 培训" in rows[2]
    assert "设为小休" in rows[2]
    assert "北京时间 (UTC+8)" in html
    for python_repr in ("{'", "': ", "True", "None"):
        assert python_repr not in html.split("<main>")[1]


async def test_the_page_filters_and_pages(admin: Desk, entries: None) -> None:
    html = await (await admin.get(PAGE, params={"actor": "leader", "limit": "1"})).text()
    assert "共 2 条" in html
    assert "调整技能等级" in html
    assert "设为小休" not in html
    assert 'href="/admin/audit?actor=leader&amp;limit=1&amp;offset=1"' in html
    assert 'value="leader"' in html
    response = await admin.get(PAGE, params={"limit": "500"})
    assert response.status == 400
    assert 'role="alert"' in await response.text()


async def test_the_page_in_english(admin: Desk, entries: None) -> None:
    html = await (await admin.get(PAGE, params={"lang": "en"})).text()
    assert "Role: agent → supervisor" in html
    assert "role changed" in html


async def test_a_change_made_in_the_console_appears(admin: Desk, users: dict[str, int]) -> None:
    url = f"/api/admin/users/{users['a9999']}/set_agent"
    assert (await admin.call("POST", url, {"agent_id": "a1008"}))[0] == 200
    _status, body = await admin.call("GET", f"{API}?kind=user&object=a9999")
    [entry] = body["items"]
    assert (entry["actor"], entry["action"]) == ("admin", "set_agent")
    assert {"field": "agent_id", "before": "a9999", "after": "a1008"} in entry["changes"]
    assert "坐席工号: a9999 → a1008" in await (await admin.get(PAGE)).text()


@pytest.mark.parametrize("who", ["a1001", "leader"])
async def test_agents_and_supervisors_get_403(signed: Signed, who: str) -> None:
    desk = await signed(who)
    assert (await desk.get(PAGE)).status == 403
    assert (await desk.call("GET", API))[0] == 403


async def test_anonymous_gets_401_or_the_sign_in_page(client: TestClient[Any, Any]) -> None:
    assert (await client.get(API)).status == 401
    response = await client.get(PAGE, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (
        303,
        "/auth/login?next=/admin/audit",
    )
