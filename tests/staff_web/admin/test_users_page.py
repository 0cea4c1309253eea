"""The users page, /admin/users: the list, each form, its field errors and who may open it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.staff_web.admin.conftest import ADMIN_PASSWORD, AGENT_PASSWORD, Desk, Records, Signed
from tests.staff_web.auth.conftest import Browser

PAGE = "/admin/users"


def form_action(user_id: int, name: str) -> str:
    return f"{PAGE}/{user_id}/{name}"


async def post(desk: Desk, path: str, form: dict[str, str]) -> tuple[int, str, str]:
    response = await desk.post(path, data={"csrf_token": desk.token, **form})
    return response.status, response.headers.get("Location", ""), await response.text()


async def test_the_page_lists_accounts_with_their_forms(admin: Desk, users: dict[str, int]) -> None:
    response = await admin.get(PAGE)
    html = await response.text()
    assert response.status == 200
    assert '<html lang="zh-CN">' in html
    for name in ("admin", "leader", "a1001", "a1005", "a1003", "a9999"):
        assert f"<td>{name}</td>" in html
    assert html.count(f'name="csrf_token" value="{admin.token}"') >= 1 + 4 * (len(users) - 1)
    assert f'action="{form_action(users["a1003"], "deactivate")}"' in html
    assert f'action="{form_action(users["a1003"], "reset_password")}"' in html
    assert "从未登录" in html  # a1003 never signed in
    assert "2026-11-25 10:00" in html  # the admin's own sign-in, Beijing time
    assert '<option value="a1008">' in html  # the config's agents, offered
    assert 'href="/admin/audit"' in html
    # The admin's own row offers no deactivation or role change.
    assert f'action="{form_action(users["admin"], "deactivate")}"' not in html
    assert f'action="{form_action(users["admin"], "change_role")}"' not in html
    assert f'action="{form_action(users["admin"], "reset_password")}"' in html


async def test_the_page_in_english(admin: Desk) -> None:
    html = await (await admin.get(PAGE, params={"lang": "en"})).text()
    assert '<html lang="en">' in html
    assert "Users and roles" in html
    assert "at least 10 characters (14 for admins)" in html


@pytest.mark.parametrize("who", ["a1001", "leader"])
async def test_agents_and_supervisors_get_403(
    signed: Signed, users: dict[str, int], who: str
) -> None:
    desk = await signed(who)
    assert (await desk.get(PAGE)).status == 403
    status, _location, _html = await post(
        desk, PAGE, {"username": "x100", "role": "admin", "password": ADMIN_PASSWORD}
    )
    assert status == 403
    assert (await post(desk, form_action(users["a1003"], "deactivate"), {}))[0] == 403


async def test_anonymous_goes_to_the_sign_in_page(
    client: TestClient[Any, Any], users: dict[str, int]
) -> None:
    visitor = Browser(client)
    response = await visitor.get(PAGE)
    assert response.status == 303
    assert response.headers["Location"] == "/auth/login?next=/admin/users"
    response = await visitor.post(form_action(users["a1003"], "deactivate"), data={})
    assert (response.status, response.headers["Location"]) == (303, "/auth/login")


async def test_create_from_the_form(admin: Desk, records: Records) -> None:
    form = {
        "username": "a1002",
        "display_name": "坐席 张伟",
        "role": "agent",
        "password": AGENT_PASSWORD,
        "agent_id": "a1002",
    }
    status, location, _html = await post(admin, PAGE, form)
    assert (status, location) == (303, "/admin/users?done=create")
    user = await records.user("a1002")
    assert (user.display_name, user.agent_id) == ("坐席 张伟", "a1002")
    html = await (await admin.get(location)).text()
    assert 'role="status">已保存' in html
    assert "<td>坐席 张伟</td>" in html


async def test_a_form_without_the_csrf_token_is_refused(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    form = {"username": "a1002", "role": "agent", "password": AGENT_PASSWORD, "agent_id": "a1002"}
    assert (await admin.post(PAGE, data=form)).status == 403
    assert (await admin.post(form_action(users["a1003"], "deactivate"), data={})).status == 403
    assert await records.maybe_user("a1002") is None
    assert (await records.user("a1003")).active


async def test_create_refused_shows_each_field_and_keeps_the_values(
    admin: Desk, records: Records
) -> None:
    form = {"username": "a1001", "display_name": "重名", "role": "agent", "password": "short"}
    status, _location, html = await post(admin, PAGE, form)
    assert status == 400
    assert 'role="alert"' in html
    banner = html.split('role="alert">')[1].split("</div>")[0]
    for said in ("用户名：该用户名已被使用", "初始密码：至少 10 个字符", "坐席工号：坐席账号必须"):
        assert said in banner  # each field by its label
    assert re.search(
        r'id="create-username" name="username" value="a1001" aria-invalid="true"', html
    )
    assert '<p class="field-error" id="create-username-error">该用户名已被使用</p>' in html
    assert '<p class="field-error" id="create-password-error">至少 10 个字符</p>' in html
    assert '<p class="field-error" id="create-agent_id-error">坐席账号必须绑定坐席工号</p>' in html
    assert 'value="重名"' in html
    assert 'value="short"' not in html  # a password is never sent back
    assert await records.audit() == []


async def test_deactivate_and_reactivate_from_the_page(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    status, location, _html = await post(admin, form_action(users["a1003"], "deactivate"), {})
    assert (status, location) == (303, "/admin/users?done=deactivate")
    assert not (await records.user("a1003")).active
    html = await (await admin.get(PAGE)).text()
    assert f'action="{form_action(users["a1003"], "reactivate")}"' in html
    assert (await post(admin, form_action(users["a1003"], "reactivate"), {}))[0] == 303
    assert (await records.user("a1003")).active


async def test_a_refused_row_action_marks_its_own_field(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    uid = users["a1003"]
    status, _location, html = await post(
        admin, form_action(uid, "reset_password"), {"password": "qwertyuiop"}
    )
    assert status == 400
    assert f'<p class="field-error" id="{uid}-reset_password-password-error">' in html
    assert "这是最常见的密码之一" in html
    # Only that row's form is marked.
    assert html.count('aria-invalid="true"') == 1
    status, _location, html = await post(
        admin, form_action(uid, "set_agent"), {"agent_id": "a7777"}
    )
    assert status == 400
    assert f'id="{uid}-set_agent-agent_id-error">配置中没有这个坐席工号</p>' in html
    assert (await records.user("a1003")).agent_id == "a1003"
    status, _location, html = await post(
        admin, form_action(users["admin"], "change_role"), {"role": "agent"}
    )
    assert status == 409
    assert "不能对自己的账号执行此操作" in html
    assert await records.audit() == []


async def test_change_role_and_tie_from_the_page(
    admin: Desk, users: dict[str, int], records: Records
) -> None:
    form = {"role": "agent", "agent_id": "a1006"}
    assert (await post(admin, form_action(users["leader"], "change_role"), form))[0] == 303
    leader = await records.user("leader")
    assert (leader.role.value, leader.agent_id) == ("agent", "a1006")
    form = {"agent_id": "a1007"}
    assert (await post(admin, form_action(users["a9999"], "set_agent"), form))[0] == 303
    assert (await records.user("a9999")).agent_id == "a1007"
    assert [e.action for e in await records.audit()] == ["change_role", "set_agent"]
