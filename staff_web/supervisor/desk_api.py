"""The desk's JSON API under `/api/`: work orders (list, one, dues, actions), call records
(list, one with its decision trace), a day's service level, and actions on agents
(agent_actions.py). Errors: `{"error", "fields"}` with 400, 403, 404 or 409."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from aiohttp import web

from hotline.appkeys import CLOCK, SESSIONMAKER
from queues.call_records.record_queries import search_calls
from queues.call_records.service_level import DEFAULT_THRESHOLD_S, figures_for_day, today, totals
from queues.work_orders.search import search_orders
from staff_web.supervisor import serialize
from staff_web.supervisor.access import manager, scoped, viewer
from staff_web.supervisor.agent_actions import add_agent_action_routes
from staff_web.supervisor.filters import call_filters, order_filters, paging
from staff_web.supervisor.order_actions import ActionKind, ActionRefused, parse_action, perform
from staff_web.supervisor.reading import call_view, dues, order_view
from staff_web.supervisor.report_pages import add_report_api_routes, report_targets
from staff_web.supervisor.texts import EN

NO_STORE = {"Cache-Control": "no-store"}


def refused(error: ActionRefused) -> web.Response:
    fields = {name: EN.get(key, key) for name, key in error.fields.items()}
    return web.json_response({"error": error.message, "fields": fields}, status=error.status)


async def list_orders(request: web.Request) -> web.Response:
    user = viewer(request)
    try:
        filters, page = scoped(user, order_filters(request.query)), paging(request.query)
    except ActionRefused as error:
        return refused(error)
    now = request.config_dict[CLOCK]()
    async with request.config_dict[SESSIONMAKER]() as session:
        found = await search_orders(session, filters, now=now, limit=page.limit, offset=page.offset)
    body = {
        "items": [serialize.order_summary(order) for order in found.items],
        "total": found.total,
        "limit": found.limit,
        "offset": found.offset,
    }
    return web.json_response(body, headers=NO_STORE)


async def show_order(request: web.Request) -> web.Response:
    user = viewer(request)
    async with request.config_dict[SESSIONMAKER]() as session:
        view = await order_view(session, request.match_info["number"], user)
    now = request.config_dict[CLOCK]()
    detail = serialize.order_detail(view, now)
    return web.json_response(detail, headers=NO_STORE)


async def list_dues(request: web.Request) -> web.Response:
    user = viewer(request)
    now = request.config_dict[CLOCK]()
    async with request.config_dict[SESSIONMAKER]() as session:
        found = await dues(session, user, now)

    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {**serialize.order_summary(d.order), "deadline": serialize.deadline(d.deadline, now)}
            for d in items
        ]

    body = {"overdue": rows(found.overdue), "due_soon": rows(found.soon)}
    return web.json_response(body, headers=NO_STORE)


async def act_on_order(request: web.Request) -> web.Response:
    """POST /work-orders/{number}/{action}: dispatch, transition, urge, note, reopen."""
    user = manager(request)
    try:
        kind = ActionKind(request.match_info["action"])
    except ValueError:
        raise web.HTTPNotFound(reason=f"no action {request.match_info['action']!r}") from None
    try:
        body = await request.json() if request.can_read_body else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="body: not valid JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="body: expected a JSON object")
    number = request.match_info["number"]
    now = request.config_dict[CLOCK]()
    try:
        action = parse_action(kind, body)
        async with request.config_dict[SESSIONMAKER]() as session, session.begin():
            view = await order_view(session, number, user)
            await perform(session, view.order, action, actor=user.username, now=now)
    except ActionRefused as error:
        return refused(error)
    async with request.config_dict[SESSIONMAKER]() as session:
        view = await order_view(session, number, user)
    detail = serialize.order_detail(view, now)
    return web.json_response(detail, headers=NO_STORE)


async def list_calls(request: web.Request) -> web.Response:
    manager(request)
    try:
        filters, page = call_filters(request.query), paging(request.query)
    except ActionRefused as error:
        return refused(error)
    async with request.config_dict[SESSIONMAKER]() as session:
        found = await search_calls(session, filters, limit=page.limit, offset=page.offset)
    body = {
        "items": [serialize.call_record(record) for record in found.items],
        "total": found.total,
        "limit": found.limit,
        "offset": found.offset,
    }
    return web.json_response(body, headers=NO_STORE)


async def show_call(request: web.Request) -> web.Response:
    manager(request)
    async with request.config_dict[SESSIONMAKER]() as session:
        view = await call_view(session, request.match_info["call_sid"])
    return web.json_response(serialize.call_detail(view), headers=NO_STORE)


def asked_day(request: web.Request) -> date:
    raw = request.query.get("date", "")
    if not raw:
        return today(request.config_dict[CLOCK]())
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ActionRefused(400, "date: expected YYYY-MM-DD", {"date": "field_bad"}) from None


async def service_level(request: web.Request) -> web.Response:
    manager(request)
    try:
        day = asked_day(request)
    except ActionRefused as error:
        return refused(error)
    async with request.config_dict[SESSIONMAKER]() as session:
        rows = await figures_for_day(session, day, targets=await report_targets(request))
    body = {
        "date": day.isoformat(),
        "threshold_s": DEFAULT_THRESHOLD_S,
        "queues": [serialize.figures(row) for row in rows],
        "total": serialize.figures(totals(rows)),
    }
    return web.json_response(body, headers=NO_STORE)


def add_supervisor_api_routes(app: web.Application) -> None:
    """Add the desk's routes to the `/api/` sub-app (built with `api_middlewares()`)."""
    app.router.add_get("/work-orders", list_orders, name="sv_orders")
    app.router.add_get("/work-orders/dues", list_dues, name="sv_dues")
    app.router.add_get("/work-orders/{number}", show_order, name="sv_order")
    app.router.add_post("/work-orders/{number}/{action}", act_on_order, name="sv_order_action")
    app.router.add_get("/calls", list_calls, name="sv_calls")
    app.router.add_get("/calls/{call_sid}", show_call, name="sv_call")
    app.router.add_get("/service-level", service_level, name="sv_service_level")
    add_report_api_routes(app)
    add_agent_action_routes(app)
