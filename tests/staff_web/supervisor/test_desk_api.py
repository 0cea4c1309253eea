"""The desk's JSON API: roles, agents' own orders, CSRF for cookies, 400/404/409 bodies."""

from __future__ import annotations

from tests.staff_web.auth.conftest import Browser
from tests.staff_web.supervisor.conftest import bearer


async def test_supervisor_lists_reads_and_dispatches(
    browser: Browser, orders: dict[str, str]
) -> None:
    auth = await bearer(browser, "leader")
    listing = await browser.get("/api/work-orders?category=complaint", headers=auth)
    body = await listing.json()
    assert (body["total"], [o["number"] for o in body["items"]]) == (1, [orders["mine"]])
    one = await (await browser.get(f"/api/work-orders/{orders['theirs']}", headers=auth)).json()
    assert one["allowed_transitions"] == ["dispatched", "closed"]
    assert [row["action"] for row in one["trail"]] == ["created"]
    assert [o["number"] for o in one["linked"]] == [orders["mine"]]  # the repeat caller's
    url = f"/api/work-orders/{orders['mine']}/dispatch"
    done = await browser.post(url, headers=auth, json={"department": "营销部", "note": "请处理"})
    after = await done.json()
    assert done.status == 200, after
    assert (after["status"], after["department"]) == ("dispatched", "营销部")
    assert after["allowed_transitions"] == ["accepted", "processing"]
    assert after["trail"][-1]["changes"]["status"] == ["accepted", "dispatched"]


async def test_refusals_name_the_field_or_the_conflict(
    browser: Browser, orders: dict[str, str]
) -> None:
    auth = await bearer(browser, "admin")
    base = f"/api/work-orders/{orders['mine']}"
    missing = await browser.post(f"{base}/dispatch", headers=auth, json={})
    assert missing.status == 400
    assert (await missing.json())["fields"] == {"department": "Enter the department"}
    illegal = await browser.post(f"{base}/transition", headers=auth, json={"to": "callback"})
    assert illegal.status == 409
    assert "illegal work-order transition" in (await illegal.json())["error"]
    back = await browser.post(f"{base}/dispatch", headers=auth, json={"department": "营销部"})
    assert back.status == 200
    no_reason = await browser.post(f"{base}/transition", headers=auth, json={"to": "accepted"})
    assert no_reason.status == 400
    assert "note" in (await no_reason.json())["fields"]
    assert (await browser.get("/api/work-orders/GD-0-0", headers=auth)).status == 404
    assert (await browser.post(f"{base}/explode", headers=auth, json={})).status == 404
    bad_json = await browser.post(
        f"{base}/urge",
        headers=auth,
        data=b"{",
    )
    assert bad_json.status == 400


async def test_agents_view_their_own_and_change_nothing(
    browser: Browser, orders: dict[str, str]
) -> None:
    auth = await bearer(browser, "a1001")
    listing = await (await browser.get("/api/work-orders?agent=a1002", headers=auth)).json()
    assert sorted(o["number"] for o in listing["items"]) == sorted(
        [orders["mine"], orders["fault"]]
    )
    assert (await browser.get(f"/api/work-orders/{orders['theirs']}", headers=auth)).status == 403
    own = await (await browser.get(f"/api/work-orders/{orders['mine']}", headers=auth)).json()
    assert own["allowed_transitions"] == []
    urge = await browser.post(f"/api/work-orders/{orders['mine']}/urge", headers=auth, json={})
    assert urge.status == 403
    assert (await browser.get("/api/calls", headers=auth)).status == 403
    assert (await browser.get("/api/service-level", headers=auth)).status == 403


async def test_cookie_sessions_need_the_csrf_header(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("leader")
    url = f"/api/work-orders/{orders['mine']}/urge"
    assert (await browser.post(url, json={"note": "x"})).status == 403
    token = await browser.csrf_token()
    done = await browser.post(url, json={"note": "x"}, headers={"X-CSRF-Token": token})
    assert done.status == 200
    assert (await done.json())["urge_count"] == 1


async def test_dues_calls_and_service_level(browser: Browser, orders: dict[str, str]) -> None:
    auth = await bearer(browser, "leader")
    dues = await (await browser.get("/api/work-orders/dues", headers=auth)).json()
    assert dues["overdue"] == []
    assert [d["number"] for d in dues["due_soon"]] == [orders["fault"]]
    assert dues["due_soon"][0]["deadline"]["kind"] == "arrival"
    calls = await (await browser.get("/api/calls?limit=5", headers=auth)).json()
    assert (calls["total"], calls["limit"]) == (0, 5)
    assert (await browser.get("/api/calls?outcome=lost", headers=auth)).status == 400
    level = await (await browser.get("/api/service-level", headers=auth)).json()
    assert (level["date"], level["threshold_s"], level["queues"]) == ("2026-11-25", 20, [])
    assert (await browser.get("/api/service-level?date=x", headers=auth)).status == 400
