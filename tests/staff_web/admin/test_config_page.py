"""The menu editor page, /admin/config, without a browser: who may open it, what it lists,
the data block its script reads (the draft, its problems at their lines, the versions, the
words) and the 404 page for a draft that does not exist."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.staff_web.admin.conftest import Desk, Signed
from tests.staff_web.admin.test_config_api import BROKEN_TEXT, UNKNOWN_QUEUE, VIP_QUEUE
from tests.staff_web.auth.conftest import Browser

PAGE = "/admin/config"
API = "/api/admin/config"


def page_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="cfg-data">(.*?)</script>', html, re.S)
    assert found is not None, html
    data: dict[str, Any] = json.loads(found.group(1))
    return data


async def new_draft(admin: Desk, title: str, text: str | None = None) -> dict[str, Any]:
    body = {"title": title} if text is None else {"title": title, "text": text}
    status, answer = await admin.call("POST", API + "/drafts", body)
    assert status == 201, answer
    draft: dict[str, Any] = answer
    return draft


async def test_the_page_lists_drafts_and_versions_and_loads_its_scripts(admin: Desk) -> None:
    draft = await new_draft(admin, "春节问候 <b>")
    response = await admin.get(PAGE)
    html = await response.text()
    assert response.status == 200
    assert '<html lang="zh-CN">' in html
    assert f'href="{PAGE}?draft={draft["id"]}">春节问候 &lt;b&gt;</a>' in html
    assert 'id="cfg-new-title"' in html
    assert 'id="cfg-versions"' in html
    assert 'id="cfg-editor"' not in html  # no draft chosen
    assert re.search(r'<script src="/admin/static/vendor/codemirror/codemirror.min.js\?v=', html)
    assert re.search(r'<script src="/admin/static/config_editor.js\?v=', html)
    data = page_data(html)
    assert data["draft"] is None
    assert data["csrf"] == admin.token
    assert data["api"] == API
    assert data["page"] == PAGE
    assert data["texts"]["save"] == "保存"
    published = [v for v in data["versions"] if v["published"]]
    assert len(published) == 1
    assert draft["based_on"] == published[0]["id"]
    # The script and the styles it names are served.
    for name in ("config_editor.js", "config_editor.css", "vendor/codemirror/codemirror.min.js"):
        assert (await admin.get(f"/admin/static/{name}")).status == 200


async def test_a_chosen_draft_comes_with_its_text_and_problems(admin: Desk) -> None:
    draft = await new_draft(admin, "坏草稿", BROKEN_TEXT)
    html = await (await admin.get(PAGE, params={"draft": str(draft["id"])})).text()
    assert 'id="cfg-editor"' in html
    assert f'data-draft="{draft["id"]}"' in html
    data = page_data(html)
    assert data["draft"]["text"] == BROKEN_TEXT
    [problem] = data["draft"]["problems"]
    assert problem["path"] == VIP_QUEUE
    assert problem["reason"] == UNKNOWN_QUEUE
    line = BROKEN_TEXT.splitlines()[problem["line"] - 1]
    assert "queue: nowhere" in line
    # The YAML cannot end the data block, whatever it holds.
    tricky = await new_draft(admin, "t", "# </script><script>alert(1)</script>\n" + BROKEN_TEXT)
    html = await (await admin.get(PAGE, params={"draft": str(tricky["id"])})).text()
    assert "</script><script>alert" not in html
    assert page_data(html)["draft"]["text"].startswith("# </script><script>alert(1)")


async def test_the_page_in_english(admin: Desk) -> None:
    html = await (await admin.get(PAGE, params={"lang": "en"})).text()
    assert '<html lang="en">' in html
    assert "Menu config" in html
    data = page_data(html)
    assert data["lang"] == "en"
    assert data["texts"]["save"] == "Save"


async def test_the_admin_home_links_to_the_editor(admin: Desk) -> None:
    html = await (await admin.get("/admin/")).text()
    assert f'<li><a href="{PAGE}">菜单配置' in html


@pytest.mark.parametrize("draft", ["999999", "abc", ""])
async def test_an_unknown_draft_is_a_404_page(admin: Desk, draft: str) -> None:
    response = await admin.get(PAGE, params={"draft": draft})
    html = await response.text()
    assert response.status == 404
    assert response.content_type == "text/html"
    assert "没有这个草稿" in html
    assert 'id="cfg-data"' not in html
    assert f'href="{PAGE}"' in html


@pytest.mark.parametrize("who", ["a1001", "leader"])
async def test_agents_and_supervisors_get_403(signed: Signed, who: str) -> None:
    desk = await signed(who)
    assert (await desk.get(PAGE)).status == 403


async def test_nobody_signed_in_is_sent_to_sign_in(client: Any) -> None:
    response = await Browser(client).get(PAGE)
    assert response.status == 303
    assert response.headers["Location"].startswith("/auth/login")
