"""Work-order HTML: the filtered list; one order with its details, action forms, deadlines,
trail, linked orders and its call's decision trace; the dues."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from aiohttp import web

from queues.work_orders.categories import Category
from queues.work_orders.order_queries import Due, Page
from queues.work_orders.orders import WorkOrder
from queues.work_orders.status import Status
from staff_web.supervisor.layout import duration, esc, table
from staff_web.supervisor.order_actions import ActionKind
from staff_web.supervisor.order_forms import action_forms, select_field
from staff_web.supervisor.reading import Dues, OrderView
from staff_web.supervisor.texts import Words
from staff_web.supervisor.trace_texts import TraceWords
from staff_web.supervisor.trace_views import trace_section
from staff_web.supervisor.trail_views import trail
from staff_web.supervisor.units import local_time, seconds_text


def order_link(request: web.Request, order: WorkOrder) -> str:
    url = request.app.router["desk_order"].url_for(number=order.number)
    return f'<a href="{esc(url)}">{esc(order.number)}</a>'


def _filter_input(name: str, label: str, value: str, size: int) -> str:
    control = f'<input id="f-{name}" name="{name}" size="{size}" value="{esc(value)}">'
    return f'<div><label for="f-{name}">{esc(label)}</label>{control}</div>'


def order_list(request: web.Request, w: Words, found: Page, query: Mapping[str, str]) -> str:
    every = [("", w["all"])]
    statuses = every + [(s.value, w.status(s)) for s in Status]
    categories = every + [(c.value, w.category(c)) for c in Category]
    dues = [*every, ("overdue", w["overdue"]), ("soon", w["soon"])]
    form = (
        '<form class="filters" method="get">'
        + select_field("status", w["status"], statuses, query.get("status", "")) + "</div>"
        + select_field("category", w["category"], categories, query.get("category", "")) + "</div>"
        + select_field("due", w["due"], dues, query.get("due", "")) + "</div>"
        + _filter_input("agent", w["agent"], query.get("agent", ""), 10)
        + _filter_input("caller", w["caller"], query.get("caller", ""), 14)
        + f'<button class="primary" type="submit">{esc(w["filter"])}</button></form>'
    )  # fmt: skip
    rows = [
        [
            order_link(request, o),
            f'<span class="badge">{esc(w.status(o.status))}</span>',
            esc(w.category(o.category)),
            esc(o.caller),
            esc(o.queue),
            esc(o.agent_id or ""),
            esc(o.department),
            esc(o.urge_count),
            esc(local_time(o.created_at)),
        ]
        for o in found.items
    ]
    headers = [w["number"], w["status"], w["category"], w["caller"], w["queue"], w["agent"],
               w["department"], "#" + w["urges"], w["created"]]  # fmt: skip
    return (
        form + table([esc(h) for h in headers], rows, w["none"]) + pager(request, w, found, query)
    )


def pager(request: web.Request, w: Words, found: Page, query: Mapping[str, str]) -> str:
    parts = [f'<span class="muted">{esc(w["total"].format(n=found.total))}</span>']
    here = request.rel_url
    if found.offset > 0:
        back = here.update_query(offset=str(max(0, found.offset - found.limit)))
        parts.append(f'<a href="{esc(back)}">{esc(w["prev"])}</a>')
    if found.offset + found.limit < found.total:
        ahead = here.update_query(offset=str(found.offset + found.limit))
        parts.append(f'<a href="{esc(ahead)}">{esc(w["next"])}</a>')
    del query
    return f'<nav class="pager">{"".join(parts)}</nav>'


def _details(request: web.Request, w: Words, view: OrderView, *, can_act: bool) -> str:
    o = view.order
    call = ""
    if view.call is not None and can_act:  # the call pages are the supervisors'
        url = request.app.router["desk_call"].url_for(call_sid=view.call.call_sid)
        call = f'<a href="{esc(url)}">{esc(local_time(view.call.arrived_at))}</a>'
    sub_type = f" · {esc(o.sub_type)}" if o.sub_type else ""
    grade = f" ({esc(w['grade'])} {o.agent_grade})" if o.agent_grade else ""
    items = [
        (w["status"], f'<span class="badge">{esc(w.status(o.status))}</span>'),
        (w["category"], esc(w.category(o.category)) + sub_type),
        (w["caller"], esc(o.caller)),
        (w["customer"], esc(" ".join(x for x in (o.customer_name, o.customer_account) if x))),
        (w["queue"], esc(o.queue)),
        (w["path"], esc(o.ivr_path)),
        (w["agent"], esc(o.agent_id or "") + grade),
        (w["wait"], esc(seconds_text(w, view.wait_ms))),
        (w["department"], esc(o.department)),
        (w["urges"], esc(o.urge_count)),
        (w["address"], esc(o.address)),
        (w["description"], esc(o.description)),
        (w["created"], esc(local_time(o.created_at))),
    ]  # fmt: skip
    if call:
        items.append((w["call"], call))
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items)
    return f'<section class="card"><h2>{esc(w["details"])}</h2><dl>{rows}</dl></section>'


def _deadlines(w: Words, o: WorkOrder, now: datetime) -> str:
    rows = []
    for d in o.deadlines:
        if d.met_at is not None:
            left = esc(w["met"])
        else:
            seconds = (d.due_at - now).total_seconds()
            css = "late" if seconds <= 0 else "soon" if seconds < 4 * 3600 else ""
            left = f'<span class="{css}">{esc(duration(seconds))}</span>'
        rows.append(
            [esc(w.deadline(d.kind)), esc(local_time(d.due_at)), esc(local_time(d.met_at)), left]
        )
    headers = [w["deadline"], w["due_at"], w["met_at"], w["remaining"]]
    return f"<h2>{esc(w['deadlines'])}</h2>" + table([esc(h) for h in headers], rows, w["none"])


def _linked(request: web.Request, w: Words, view: OrderView) -> str:
    rows = [
        [
            order_link(request, o),
            esc(w.status(o.status)),
            esc(w.category(o.category)),
            esc(local_time(o.created_at)),
        ]
        for o in view.linked
    ]
    headers = [w["number"], w["status"], w["category"], w["created"]]
    return f"<h2>{esc(w['linked'])}</h2>" + table([esc(h) for h in headers], rows, w["none"])


def order_page(
    request: web.Request,
    w: Words,
    view: OrderView,
    now: datetime,
    *,
    can_act: bool,
    banner: str = "",
    failed: ActionKind | None = None,
    errors: dict[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> str:
    left = _details(request, w, view, can_act=can_act)
    right = (
        action_forms(request, w, view, failed, errors or {}, values or {})
        if can_act
        else f'<section class="card"><p class="muted">{esc(w["view_only"])}</p></section>'
    )
    rest = _deadlines(w, view.order, now) + trail(w, view.order) + _linked(request, w, view)
    rest += trace_section(TraceWords(w), view.offers)
    return f'{banner}<div class="grid">{left}{right}</div>{rest}'


def dues_page(request: web.Request, w: Words, found: Dues, now: datetime) -> str:
    def rows(items: list[Due]) -> list[list[str]]:
        return [
            [
                order_link(request, d.order),
                esc(w.deadline(d.deadline.kind)),
                esc(local_time(d.deadline.due_at)),
                f'<span class="{"late" if d.remaining(now).total_seconds() <= 0 else "soon"}">'
                f"{esc(duration(d.remaining(now).total_seconds()))}</span>",
                esc(w.status(d.order.status)),
                esc(w.category(d.order.category)),
                esc(d.order.agent_id or ""),
                esc(d.order.department),
                esc(d.order.urge_count),
            ]
            for d in items
        ]

    names = ("number", "deadline", "due_at", "remaining", "status", "category", "agent")
    headers = [esc(w[n]) for n in names] + [esc(w["department"]), "#" + esc(w["urges"])]
    return (
        f'<h2 class="late">{esc(w["overdue"])} ({len(found.overdue)})</h2>'
        + table(headers, rows(found.overdue), w["none"])
        + f'<h2 class="soon">{esc(w["soon"])} ({len(found.soon)})</h2>'
        + table(headers, rows(found.soon), w["none"])
    )


def error_banner(w: Words, message: str) -> str:
    heading = f"<strong>{esc(w['error_heading'])}</strong>"
    return f'<div class="alert" role="alert">{heading} {esc(message)}</div>'


def notice(w: Words) -> str:
    return f'<p class="notice" role="status">{esc(w["saved"])}</p>'
