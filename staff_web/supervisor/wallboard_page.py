"""GET /desk/wallboard: the wallboard's server-rendered shell; the board itself is drawn by
static/wallboard.js from what GET /desk/wallboard/ws pushes."""

from __future__ import annotations

import json
from html import escape

from aiohttp import web

from hotline.appkeys import CONFIGS
from routing.grades import Grade
from staff_web.auth.identity import current_user
from staff_web.softphone.forms import BREAK_REASONS
from staff_web.supervisor.access import manager
from staff_web.supervisor.layout import page
from staff_web.supervisor.texts import words
from staff_web.supervisor.wallboard_texts import wallboard_words

#: The agent actions' JSON API (staff_web/supervisor/agent_actions.py), under /api/.
AGENTS_API = "/api/supervisor/agents"
ECHARTS = "vendor/echarts/echarts.common.min.js"


def chart(element_id: str, label: str) -> str:
    return f'<div class="wb-chart" id="{element_id}" role="img" aria-label="{escape(label)}"></div>'


def script(url: object) -> str:
    return f'<script src="{escape(str(url))}"></script>'


def _attr(value: object) -> str:
    return escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


async def wallboard(request: web.Request) -> web.Response:
    manager(request)
    w, texts = words(request), wallboard_words(request)
    user = current_user(request)
    static = request.app.router["desk_static"]
    loaded = request.config_dict[CONFIGS].latest
    queues = sorted(loaded.config.queues) if loaded else []
    data = {
        "ws": str(request.app.router["desk_wallboard_ws"].url_for()),
        "api": AGENTS_API,
        "csrf": user.csrf_token if user else "",
        "lang": "en" if w.en else "zh",
        "texts": texts,
        "queues": queues,
        "grades": {str(int(g)): (g.name.lower() if w.en else g.label_zh) for g in Grade},
        "reasons": [{"value": zh, "label": en if w.en else zh} for zh, en in BREAK_REASONS.items()],
    }
    attributes = " ".join(f'data-{name}="{_attr(value)}"' for name, value in data.items())
    body = (
        f'<link rel="stylesheet" href="{escape(str(static.url_for(filename="wallboard.css")))}">'
        f'<div id="wallboard" {attributes}>'
        '<div class="wb-bar">'
        f'<span id="wb-status" data-connected="0">{escape(texts["connecting"])}</span>'
        '<span id="wb-updated" class="muted"></span>'
        f'<button type="button" id="wb-fullscreen" class="primary">{escape(texts["fullscreen"])}'
        "</button></div>"
        f'<section id="wb-alarms" aria-live="polite" aria-label="{escape(texts["alarms"])}">'
        "</section>"
        '<section id="wb-totals" class="wb-tiles"></section>'
        '<section class="wb-charts">'
        + chart("wb-chart-sl", texts["chart_service_level"])
        + chart("wb-chart-waiting", texts["chart_waiting"])
        + chart("wb-chart-states", texts["chart_states"])
        + "</section>"
        '<section><table id="wb-queues"><thead></thead><tbody></tbody></table></section>'
        '<div id="wb-result" role="status" hidden></div>'
        '<section><table id="wb-agents"><thead></thead><tbody></tbody></table></section>'
        '<dialog id="wb-dialog"><form method="dialog" id="wb-form"></form></dialog>'
        "</div>"
        + script(static.url_for(filename=ECHARTS))
        + script(static.url_for(filename="wallboard.js"))
    )
    return page(request, w, texts["title"], body, active="desk_wallboard")
