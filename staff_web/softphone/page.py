"""The softphone page sub-app (/softphone/): the agent's desk page, its live socket and its
static files."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import web
from yarl import URL

from hotline.appkeys import AUTH_PAGES, CONFIGS, DIAL_PAD, SETTINGS
from hotline.settings import CarrierKind
from queues.staff import Role
from queues.work_orders.categories import COMPLAINT_TYPE_LABELS, Category
from queues.work_orders.deadlines import Area
from staff_web.auth.csrf import csrf_field
from staff_web.auth.identity import CurrentUser, signed_in
from staff_web.auth.middleware import page_middlewares
from staff_web.softphone.agent_api import viewed_agent
from staff_web.softphone.forms import BREAK_REASONS
from staff_web.softphone.socket import softphone_socket

STATIC = Path(__file__).with_name("static")
API_BASE = "/api/agent"
# Twilio does not host Voice JS SDK 2.x on its own CDN; the page loads this pinned npm build.
TWILIO_SDK = "https://unpkg.com/@twilio/voice-sdk@2.17.0/dist/twilio.min.js"
CATEGORY_EN = {
    Category.INQUIRY: "Inquiry",
    Category.FAULT_REPAIR: "Fault repair",
    Category.COMPLAINT: "Complaint",
    Category.REPORT: "Report",
    Category.SUGGESTION: "Suggestion",
    Category.PRAISE: "Praise",
    Category.SERVICE_REQUEST: "Service request",
    Category.NEW_CONNECTION: "New connection",
}
AREA_EN = {Area.CITY: "City", Area.RURAL: "Rural", Area.REMOTE: "Remote"}
# Suggestions only: the department is free text (the work order keeps what is typed).
DEPARTMENTS = ("抢修班", "营业厅", "计量班", "配电运检", "客户服务中心", "用电检查")


def _json_for_script(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


async def _page_config(request: web.Request, user: CurrentUser, agent_id: str) -> dict[str, Any]:
    settings = request.config_dict[SETTINGS]
    twilio = settings.carrier is CarrierKind.TWILIO
    readonly = agent_id != user.agent_id
    ws = request.app.router["softphone_ws"].url_for()
    if readonly and agent_id:
        ws = ws.with_query(agent=agent_id)
    phone_ws = ""
    if not twilio and not readonly and DIAL_PAD in request.config_dict:
        carrier = request.config_dict[DIAL_PAD]
        phone_ws = str(carrier.router["agent-ws"].url_for().with_query(identity=agent_id))
    loaded = await request.config_dict[CONFIGS].current()
    return {
        "agent": agent_id,
        "readonly": readonly,
        "user": {"username": user.username, "name": user.display_name, "role": user.role.value},
        "mode": "twilio" if twilio else "embedded",
        "api": API_BASE,
        "me": "/api/me",
        "ws": str(ws),
        "phoneWs": phone_ws,
        "twilioSdk": TWILIO_SDK if twilio and not readonly else "",
        "breakReasons": [{"value": zh, "zh": zh, "en": en} for zh, en in BREAK_REASONS.items()],
        "categories": [{"value": c.value, "zh": c.label, "en": CATEGORY_EN[c]} for c in Category],
        "subTypes": {
            Category.COMPLAINT.value: [
                {"value": t.value, "zh": label, "en": t.value.replace("_", " ")}
                for t, label in COMPLAINT_TYPE_LABELS.items()
            ]
        },
        "areas": [{"value": a.value, "zh": a.label, "en": AREA_EN[a]} for a in Area],
        "departments": list(DEPARTMENTS),
        "agents": [a.id for a in loaded.config.agents] if user.role.covers(Role.SUPERVISOR) else [],
    }


async def softphone_page(request: web.Request) -> web.Response:
    """Agents get their own desk; supervisors may watch `?agent=<id>` read-only."""
    user = signed_in(request)
    # A supervisor without a desk of its own gets "" and the page offers the agent list.
    wants_desk = bool(user.agent_id or request.query.get("agent"))
    agent_id = viewed_agent(request, user) if wants_desk else ""
    config = await _page_config(request, user, agent_id)
    static = request.app.router["static"]
    logout = request.config_dict[AUTH_PAGES].router["logout"].url_for()
    page = (STATIC / "softphone.html").read_text(encoding="utf-8")
    page = (
        page.replace("{{config}}", _json_for_script(config))
        .replace("{{css}}", str(static.url_for(filename="softphone.css")))
        .replace("{{alert_js}}", str(static.url_for(filename="offer_alert.js")))
        .replace("{{js}}", str(static.url_for(filename="softphone.js")))
        .replace("{{logout}}", escape(str(logout)))
        .replace("{{csrf}}", csrf_field(request))
        .replace("{{user}}", escape(user.display_name))
    )
    headers = {
        "Cache-Control": "no-store",
        # The app's security headers add the rest; this page's policy is its own.
        "Content-Security-Policy": _csp(config["twilioSdk"]),
    }
    return web.Response(text=page, content_type="text/html", charset="utf-8", headers=headers)


def _csp(sdk_url: str) -> str:
    """Nothing external in the embedded mode; Twilio's SDK and its services in Twilio mode."""
    script = "'self'"
    connect = "'self'"
    if sdk_url:
        sdk = URL(sdk_url)
        script += f" {sdk.scheme}://{sdk.host}"
        connect += " https://*.twilio.com wss://*.twilio.com"
    return (
        f"default-src 'self'; script-src {script}; connect-src {connect}; "
        "img-src 'self' data:; style-src 'self'; media-src 'self' https://*.twilio.com; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def create_softphone_app() -> web.Application:
    """Mount at `/softphone/` (the app's `softphone_ctx` runs the agent-event fan-out)."""
    app = web.Application(middlewares=page_middlewares())
    app.router.add_get("/", softphone_page, name="softphone")
    app.router.add_get("/ws", softphone_socket, name="softphone_ws")
    app.router.add_static("/static", STATIC, name="static", append_version=True)
    return app
