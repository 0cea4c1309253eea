"""The desk's page sub-app (mount at `/desk/` with `page_middlewares()`): work orders,
overdue and soon-due lists, call records and service level, in Chinese or English."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aiohttp import web

from hotline.appkeys import CLOCK, SESSIONMAKER
from queues.call_records.record_queries import CallFilters, search_calls
from queues.call_records.service_level import DEFAULT_THRESHOLD_S, figures_for_day, today
from queues.work_orders.search import OrderFilters, search_orders
from staff_web.auth.middleware import page_middlewares
from staff_web.supervisor.access import manager, manages, scoped, viewer
from staff_web.supervisor.call_views import call_page, calls_page, service_level_page
from staff_web.supervisor.filters import call_filters, order_filters, paging
from staff_web.supervisor.layout import page
from staff_web.supervisor.order_actions import ActionKind, ActionRefused, parse_action, perform
from staff_web.supervisor.order_views import dues_page, error_banner, notice, order_list, order_page
from staff_web.supervisor.reading import call_view, dues, order_view
from staff_web.supervisor.report_pages import add_report_pages, report_targets
from staff_web.supervisor.texts import Words, words
from staff_web.supervisor.units import local_time
from staff_web.supervisor.wallboard_page import wallboard
from staff_web.supervisor.wallboard_socket import wallboard_socket

STATIC = Path(__file__).with_name("static")  # the desk's scripts and vendored libraries


async def home(request: web.Request) -> web.StreamResponse:
    viewer(request)
    raise web.HTTPSeeOther(request.app.router["desk_orders"].url_for())


async def orders(request: web.Request) -> web.Response:
    user, w = viewer(request), words(request)
    banner, status = "", 200
    try:
        filters, page_at = order_filters(request.query), paging(request.query)
    except ActionRefused as error:
        filters, page_at, status = OrderFilters(), paging({}), 400
        banner = error_banner(w, error.message)
    now = request.config_dict[CLOCK]()
    async with request.config_dict[SESSIONMAKER]() as session:
        found = await search_orders(
            session, scoped(user, filters), now=now, limit=page_at.limit, offset=page_at.offset
        )
    body = banner + order_list(request, w, found, request.query)
    return page(request, w, w["orders"], body, active="desk_orders", status=status)


async def _render_order(
    request: web.Request,
    w: Words,
    *,
    status: int = 200,
    banner: str = "",
    failed: ActionKind | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> web.Response:
    user = viewer(request)
    number = request.match_info["number"]
    async with request.config_dict[SESSIONMAKER]() as session:
        view = await order_view(session, number, user)
    body = order_page(
        request,
        w,
        view,
        request.config_dict[CLOCK](),
        can_act=manages(user),
        banner=banner,
        failed=failed,
        errors=errors,
        values=values,
    )
    title = f"{w['order']} {number}"
    return page(request, w, title, body, active="desk_orders", status=status)


async def one_order(request: web.Request) -> web.Response:
    w = words(request)
    banner = notice(w) if request.query.get("done") in set(ActionKind) else ""
    return await _render_order(request, w, banner=banner)


async def order_action(request: web.Request) -> web.StreamResponse:
    """A form post (CSRF-checked by the middleware): done → back to the order; refused →
    the order again with the form's values and its field errors (400) or the conflict (409)."""
    user, w = manager(request), words(request)
    try:
        kind = ActionKind(request.match_info["action"])
    except ValueError:
        raise web.HTTPNotFound(reason="no such action") from None
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    number = request.match_info["number"]
    try:
        action = parse_action(kind, form)
        async with request.config_dict[SESSIONMAKER]() as session, session.begin():
            view = await order_view(session, number, user)
            await perform(
                session, view.order, action, actor=user.username, now=request.config_dict[CLOCK]()
            )
    except ActionRefused as error:
        errors = {name: w[key] for name, key in error.fields.items()}
        return await _render_order(
            request,
            w,
            status=error.status,
            banner=error_banner(w, error.message if not errors else "; ".join(errors.values())),
            failed=kind,
            errors=errors,
            values=form,
        )
    target = request.app.router["desk_order"].url_for(number=number).with_query(done=kind.value)
    raise web.HTTPSeeOther(target)


async def due_lists(request: web.Request) -> web.Response:
    user, w = viewer(request), words(request)
    now = request.config_dict[CLOCK]()
    async with request.config_dict[SESSIONMAKER]() as session:
        found = await dues(session, user, now)
    return page(request, w, w["dues"], dues_page(request, w, found, now), active="desk_dues")


async def calls(request: web.Request) -> web.Response:
    manager(request)
    w = words(request)
    banner, status = "", 200
    try:
        filters, page_at = call_filters(request.query), paging(request.query)
    except ActionRefused as error:
        filters, page_at, status = CallFilters(), paging({}), 400
        banner = error_banner(w, error.message)
    async with request.config_dict[SESSIONMAKER]() as session:
        found = await search_calls(session, filters, limit=page_at.limit, offset=page_at.offset)
    body = banner + calls_page(request, w, found, request.query)
    return page(request, w, w["calls"], body, active="desk_calls", status=status)


async def one_call(request: web.Request) -> web.Response:
    manager(request)
    w = words(request)
    async with request.config_dict[SESSIONMAKER]() as session:
        view = await call_view(session, request.match_info["call_sid"])
    title = f"{w['call']} {local_time(view.record.arrived_at)}"
    return page(request, w, title, call_page(request, w, view), active="desk_calls")


async def service_level(request: web.Request) -> web.Response:
    manager(request)
    w = words(request)
    day, banner, status = today(request.config_dict[CLOCK]()), "", 200
    raw = request.query.get("date", "")
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            banner, status = error_banner(w, "date: YYYY-MM-DD"), 400
    async with request.config_dict[SESSIONMAKER]() as session:
        figures = await figures_for_day(session, day, targets=await report_targets(request))
    body = banner + service_level_page(w, day, figures, DEFAULT_THRESHOLD_S)
    title = f"{w['service_level']} · {day.isoformat()}"
    return page(request, w, title, body, active="desk_service_level", status=status)


def create_desk_app() -> web.Application:
    """The page sub-app; mount it at `/desk/`."""
    app = web.Application(middlewares=page_middlewares())
    app.router.add_get("/", home, name="desk_home")
    app.router.add_get("/orders", orders, name="desk_orders")
    app.router.add_get("/orders/{number}", one_order, name="desk_order")
    app.router.add_post("/orders/{number}/{action}", order_action, name="desk_order_action")
    app.router.add_get("/dues", due_lists, name="desk_dues")
    app.router.add_get("/calls", calls, name="desk_calls")
    app.router.add_get("/calls/{call_sid}", one_call, name="desk_call")
    app.router.add_get("/service-level", service_level, name="desk_service_level")
    add_report_pages(app)
    app.router.add_get("/wallboard", wallboard, name="desk_wallboard")
    app.router.add_get("/wallboard/ws", wallboard_socket, name="desk_wallboard_ws")
    app.router.add_static("/static", STATIC, name="desk_static", append_version=True)
    return app
