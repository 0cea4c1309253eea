"""The users API, /api/admin/users: each action, each field error, roles, CSRF, the end of
the account's sessions, and the audit entry each change leaves."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from queues.staff import Role
from staff_web.auth.passwords import Passwords
from tests.staff_web.admin.conftest import (
    ADMIN_PASSWORD,
    AGENT_PASSWORD,
    Desk,
    Records,
    Signed,
)
from tests.staff_web.auth.conftest import PASSWORD, Browser, SignOuts

USERS = "/api/admin/users"


def action(user_id: int, name: str) -> str:
    return f"{USERS}/{user_id}/{name}"


def no_secrets(entry_json: Any, *secrets: str) -> None:
    text = json.dumps(entry_json, ensure_ascii=False)
    assert "$argon2" not in text
    assert "password_hash" not in text
    for secret in secrets:
        assert secret not in text


async def test_the_list_shows_accounts_and_the_configs_agent_ids(admin: Desk) -> None:
    status, body = await admin.call("GET", USERS)
    assert status == 200
    by_name = {item["username"]: item for item in body["items"]}
    assert set(by_name) == {"admin", "leader", "a1001", "a1005", "a1003", "a9999"}
    assert by_name["a1005"] == {
        "id": by_name["a1005"]["id"],
        "username": "a1005",
        "display_name": "A1005",
        "role": "agent",
        "active": True,
        "agent_id": "a1005",
        "last_sign_in_at": None,
    }
    # The admin signed in at the test clock's 02:00 UTC: 10:00 in Beijing.
    assert by_name["admin"]["last_sign_in_at"] == "2026-11-25T10:00:00+08:00"
    assert body["agent_ids"] == [f"a100{n}" for n in range(1, 9)]


@pytest.mark.parametrize("who", ["a1001", "leader"])
async def test_agents_and_supervisors_get_403(
    signed: Signed, users: dict[str, int], who: str
) -> None:
    desk = await signed(who)
    assert (await desk.call("GET", USERS))[0] == 403
    assert (await desk.call("GET", f"{USERS}/{users['a1003']}"))[0] == 403
    created = {"username": "x100", "role": "admin", "password": ADMIN_PASSWORD}
    assert (await desk.call("POST", USERS, created))[0] == 403
    assert (await desk.call("POST", action(users["a1003"], "deactivate"), {}))[0] == 403


async def test_anonymous_gets_401(client: TestClient[Any, Any], users: dict[str, int]) -> None:
    assert (await client.get(USERS)).status == 401
    assert (await client.post(USERS, json={})).status == 401
    assert (await client.post(action(users["a1003"], "deactivate"), json={})).status == 401


async def test_every_post_needs_the_csrf_token(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    body = {"username": "a1002", "role": "agent", "password": AGENT_PASSWORD, "agent_id": "a1002"}
    response = await admin.request("POST", USERS, json=body)
    assert response.status == 403
    assert await records.maybe_user("a1002") is None
    for name in ("deactivate", "reset_password", "change_role", "set_agent"):
        response = await admin.request(
            "POST", action(users["a1003"], name), json={"password": AGENT_PASSWORD}
        )
        assert response.status == 403, name
    response = await admin.request(
        "POST", action(users["a1003"], "deactivate"), headers={"X-CSRF-Token": "wrong"}
    )
    assert response.status == 403
    assert (await records.user("a1003")).active
    assert await records.audit() == []


async def test_create_an_agent_tied_to_a_config_agent(
    admin: Desk, client: TestClient[Any, Any], records: Records, passwords: Passwords
) -> None:
    body = {
        "username": " A1002 ",
        "display_name": "坐席 张伟",
        "role": "agent",
        "password": AGENT_PASSWORD,
        "agent_id": "a1002",
    }
    status, made = await admin.call("POST", USERS, body)
    assert status == 201, made
    assert (made["username"], made["role"], made["agent_id"], made["active"]) == (
        "a1002",
        "agent",
        "a1002",
        True,
    )
    user = await records.user("a1002")
    assert (await passwords.verify(user.password_hash, AGENT_PASSWORD)).ok
    [entry] = await records.audit("a1002")
    assert (entry.actor, entry.object_kind, entry.action, entry.before) == (
        "admin",
        "user",
        "create",
        None,
    )
    assert entry.after == {
        "username": "a1002",
        "display_name": "坐席 张伟",
        "role": "agent",
        "active": True,
        "agent_id": "a1002",
    }
    no_secrets(entry.after, AGENT_PASSWORD)
    newcomer = Browser(client)
    assert (await newcomer.sign_in("a1002", AGENT_PASSWORD)).status == 303


CREATE_REFUSALS = [
    (
        {"username": "a1001", "role": "agent", "password": "short"},
        {"username": "username_taken", "password": "too_short", "agent_id": "agent_required"},
    ),
    ({}, {"username": "required", "role": "required", "password": "required"}),
    (
        {"username": "x y", "role": "boss", "password": ADMIN_PASSWORD},
        {"username": "username_bad", "role": "role_bad"},
    ),
    (
        {"username": "a1001", "role": "admin", "password": ADMIN_PASSWORD},
        {"username": "username_taken"},
    ),
    (
        {"username": "a1002", "role": "agent", "password": AGENT_PASSWORD},
        {"agent_id": "agent_required"},
    ),
    (
        {"username": "a1002", "role": "agent", "password": AGENT_PASSWORD, "agent_id": "a7777"},
        {"agent_id": "agent_unknown"},
    ),
    (
        {"username": "a1002", "role": "agent", "password": AGENT_PASSWORD, "agent_id": "a1005"},
        {"agent_id": "agent_taken"},
    ),
    (
        {"username": "chief", "role": "admin", "password": "thirteen char"},
        {"password": "too_short"},
    ),
    (
        {"username": "chief", "role": "admin", "password": "1qaz2wsx3edc4rfv"},
        {"password": "common"},
    ),
    (
        {"username": "chief", "role": "admin", "password": "chief-of-the-night"},
        {"password": "has_username"},
    ),
    ({"username": 1002, "role": "admin", "password": ADMIN_PASSWORD}, {"username": "not_text"}),
]


@pytest.mark.parametrize(("body", "codes"), CREATE_REFUSALS)
async def test_create_refusals_name_each_field_and_write_nothing(
    admin: Desk, records: Records, body: dict[str, Any], codes: dict[str, str]
) -> None:
    status, answer = await admin.call("POST", USERS, body)
    assert status == 400
    assert answer["codes"] == codes
    assert set(answer["fields"]) == set(codes)
    assert all(answer["fields"].values())
    assert await records.maybe_user("chief") is None
    assert await records.maybe_user("a1002") is None
    assert await records.audit() == []


async def test_a_short_admin_password_says_the_admins_minimum(admin: Desk) -> None:
    body = {"username": "chief", "role": "admin", "password": "thirteen char"}
    _status, answer = await admin.call("POST", USERS, body)
    assert answer["fields"] == {"password": "At least 14 characters"}


async def test_a_body_that_is_not_an_object_is_refused(admin: Desk) -> None:
    status, answer = await admin.call("POST", USERS, ["a1002"])
    assert (status, answer["error"]) == (400, "body: expected a JSON object")


async def test_deactivate_ends_sessions_and_tokens_then_reactivate(
    admin: Desk,
    signed: Signed,
    client: TestClient[Any, Any],
    users: dict[str, int],
    records: Records,
) -> None:
    agent = await signed("a1003")
    token = await client.post("/api/auth/token", json={"username": "a1003", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {(await token.json())['token']}"}
    assert (await client.get("/api/me", headers=bearer)).status == 200
    status, body = await admin.call("POST", action(users["a1003"], "deactivate"))
    assert status == 200, body
    assert (body["changed"], body["sessions_ended"], body["user"]["active"]) == (True, 2, False)
    assert (await agent.get("/api/me")).status == 401
    assert (await agent.get("/softphone/")).status == 303  # pages: to the sign-in page
    assert (await client.get("/api/me", headers=bearer)).status == 401
    assert (await Browser(client).sign_in("a1003")).status == 401
    [entry] = await records.audit("a1003")
    assert entry.action == "deactivate"
    assert (entry.before or {})["active"] is True
    assert entry.after == {**(entry.before or {}), "active": False, "sessions_ended": 2}
    # Again: nothing to change, nothing audited.
    status, body = await admin.call("POST", action(users["a1003"], "deactivate"))
    assert (status, body["changed"]) == (200, False)
    status, body = await admin.call("POST", action(users["a1003"], "reactivate"))
    assert (status, body["user"]["active"]) == (200, True)
    assert [e.action for e in await records.audit("a1003")] == ["deactivate", "reactivate"]
    assert (await Browser(client).sign_in("a1003")).status == 303


async def test_an_admin_cannot_deactivate_or_demote_itself(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    for name, body in (("deactivate", {}), ("change_role", {"role": "supervisor"})):
        status, answer = await admin.call("POST", action(users["admin"], name), body)
        assert (status, answer["codes"]) == (409, {"user": "self"})
    user = await records.user("admin")
    assert (user.active, user.role) == (True, Role.ADMIN)
    assert (await admin.get("/api/me")).status == 200


async def test_reset_password_ends_sessions_and_only_the_new_one_works(
    admin: Desk,
    signed: Signed,
    client: TestClient[Any, Any],
    users: dict[str, int],
    records: Records,
) -> None:
    agent = await signed("a1003")
    new = "a-brand-new-kettle"
    status, body = await admin.call(
        "POST", action(users["a1003"], "reset_password"), {"password": new}
    )
    assert (status, body["sessions_ended"]) == (200, 1)
    assert (await agent.get("/api/me")).status == 401
    assert (await Browser(client).sign_in("a1003", PASSWORD)).status == 401
    assert (await Browser(client).sign_in("a1003", new)).status == 303
    [entry] = await records.audit("a1003")
    assert entry.action == "reset_password"
    assert entry.after == {**(entry.before or {}), "password": "reset", "sessions_ended": 1}
    no_secrets([entry.before, entry.after], new, PASSWORD)


@pytest.mark.parametrize(
    ("password", "code"),
    [("", "required"), ("short", "too_short"), ("x-a1003-kettle", "has_username")],
)
async def test_a_refused_reset_changes_nothing(
    admin: Desk,
    signed: Signed,
    client: TestClient[Any, Any],
    users: dict[str, int],
    records: Records,
    password: str,
    code: str,
) -> None:
    agent = await signed("a1003")
    status, body = await admin.call(
        "POST", action(users["a1003"], "reset_password"), {"password": password}
    )
    assert (status, body["codes"]) == (400, {"password": code})
    assert (await agent.get("/api/me")).status == 200
    assert (await Browser(client).sign_in("a1003", PASSWORD)).status == 303
    assert await records.audit() == []


async def test_change_role_ends_sessions_and_is_audited(
    admin: Desk, signed: Signed, users: dict[str, int], records: Records
) -> None:
    agent = await signed("a1003")
    status, body = await admin.call(
        "POST", action(users["a1003"], "change_role"), {"role": "supervisor"}
    )
    assert (status, body["user"]["role"], body["sessions_ended"]) == (200, "supervisor", 1)
    assert (await agent.get("/api/me")).status == 401
    [entry] = await records.audit("a1003")
    assert ((entry.before or {})["role"], (entry.after or {})["role"]) == ("agent", "supervisor")


async def test_becoming_an_agent_needs_an_agent_id(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    url = action(users["leader"], "change_role")
    status, body = await admin.call("POST", url, {"role": "agent"})
    assert (status, body["codes"]) == (400, {"agent_id": "agent_required"})
    status, body = await admin.call("POST", url, {"role": "agent", "agent_id": "a1005"})
    assert (status, body["codes"]) == (400, {"agent_id": "agent_taken"})
    assert (await records.user("leader")).role is Role.SUPERVISOR
    status, body = await admin.call("POST", url, {"role": "agent", "agent_id": "a1002"})
    assert (status, body["user"]["role"], body["user"]["agent_id"]) == (200, "agent", "a1002")
    status, body = await admin.call("POST", url, {"role": "owner"})
    assert (status, body["codes"]) == (400, {"role": "role_bad"})


async def test_tie_and_untie_an_agent_id(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    status, body = await admin.call(
        "POST", action(users["a9999"], "set_agent"), {"agent_id": "a1002"}
    )
    assert (status, body["user"]["agent_id"]) == (200, "a1002")
    [entry] = await records.audit("a9999")
    assert ((entry.before or {})["agent_id"], (entry.after or {})["agent_id"]) == (
        "a9999",
        "a1002",
    )
    refusals = [
        ("a1003", {"agent_id": ""}, "agent_required"),  # an agent account keeps one
        ("leader", {"agent_id": "a1005"}, "agent_taken"),
        ("leader", {"agent_id": "a7777"}, "agent_unknown"),
        ("leader", {"agent_id": "a 1"}, "bad"),
    ]
    for who, body_in, code in refusals:
        status, body = await admin.call("POST", action(users[who], "set_agent"), body_in)
        assert (status, body["codes"]) == (400, {"agent_id": code}), who
    url = action(users["leader"], "set_agent")
    assert (await admin.call("POST", url, {"agent_id": "a1004"}))[0] == 200
    status, body = await admin.call("POST", url, {"agent_id": None})
    assert (status, body["user"]["agent_id"]) == (200, None)
    assert (await records.user("a1003")).agent_id == "a1003"


async def test_unknown_users_and_actions_are_404(admin: Desk, users: dict[str, int]) -> None:
    assert (await admin.call("POST", action(999_999, "deactivate")))[0] == 404
    assert (await admin.call("GET", f"{USERS}/999999"))[0] == 404
    assert (await admin.call("GET", f"{USERS}/１２"))[0] == 404  # full-width digits
    assert (await admin.call("POST", action(users["a1003"], "delete")))[0] == 404


async def test_one_user(admin: Desk, users: dict[str, int]) -> None:
    status, body = await admin.call("GET", f"{USERS}/{users['leader']}")
    assert (status, body["username"], body["role"]) == (200, "leader", "supervisor")
    assert "password_hash" not in body


async def test_ending_an_agents_sessions_takes_the_agent_out_of_routing(
    admin: Desk, users: dict[str, int], sign_outs: SignOuts
) -> None:
    """As at sign-out: no call rings the desk of an account whose sessions just ended."""
    url = action(users["a1003"], "set_agent")
    assert (await admin.call("POST", url, {"agent_id": "a1002"}))[0] == 200
    assert [(u.username, u.agent_id) for u in sign_outs.users] == [("a1003", "a1003")]
    assert (await admin.call("POST", action(users["leader"], "deactivate")))[0] == 200
    assert len(sign_outs.users) == 1  # no agent id: nothing to free
    sign_outs.fail = True
    status, body = await admin.call("POST", action(users["a1005"], "deactivate"))
    assert (status, body["user"]["active"]) == (200, False)  # made, though routing failed
