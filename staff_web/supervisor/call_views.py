"""Call-record HTML: recent calls with outcome, wait, talk and agent; today's service level."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from aiohttp import web

from queues.call_records.outcome import CallOutcome
from queues.call_records.record_queries import CallPage
from queues.call_records.service_level import QueueFigures, totals
from queues.work_orders.order_queries import Page
from staff_web.supervisor.layout import esc, local_time, table
from staff_web.supervisor.order_views import pager
from staff_web.supervisor.texts import Words


def _number(value: object) -> str:
    return "" if value is None else esc(value)


def calls_page(request: web.Request, w: Words, found: CallPage, query: Mapping[str, str]) -> str:
    chosen = query.get("outcome")
    options = "".join(
        f'<option value="{o.value}"{" selected" if o.value == chosen else ""}>'
        f"{esc(w.outcome(o.value) if o.value else w['all'])}</option>"
        for o in CallOutcome
    )
    inputs = "".join(
        f'<div><label for="f-{name}">{esc(w[label])}</label>'
        f'<input id="f-{name}" name="{name}" size="12" value="{esc(query.get(name, ""))}"></div>'
        for name, label in (("queue", "queue"), ("agent", "agent"), ("caller", "caller"))
    )
    form = (
        '<form class="filters" method="get"><div><label for="f-outcome">'
        f'{esc(w["outcome"])}</label><select id="f-outcome" name="outcome">{options}</select></div>'
        f'{inputs}<button class="primary" type="submit">{esc(w["filter"])}</button></form>'
    )
    rows = []
    for r in found.items:
        order = ""
        if r.work_order:
            url = request.app.router["desk_order"].url_for(number=r.work_order)
            order = f'<a href="{esc(url)}">{esc(r.work_order)}</a>'
        rows.append(
            [
                esc(local_time(r.arrived_at)),
                esc(r.caller),
                esc(r.path),
                esc(r.queue),
                f'<span class="badge">{esc(w.outcome(r.outcome))}</span>',
                esc(w.cause(r.end_cause)),
                _number(r.wait_s),
                _number(r.talk_s),
                esc(r.agent_id) + (f" ({r.agent_grade})" if r.agent_grade else ""),
                order,
            ]
        )
    headers = [esc(w[n]) for n in ("arrived", "caller", "path", "queue", "outcome", "cause")]
    headers += ["#" + esc(w["wait"]), "#" + esc(w["talk"]), esc(w["agent"]), esc(w["work_order"])]
    paging = Page(items=[], total=found.total, limit=found.limit, offset=found.offset)
    return form + table(headers, rows, w["none"]) + pager(request, w, paging, query)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def service_level_page(w: Words, day: date, figures: list[QueueFigures], threshold_s: int) -> str:
    def row(f: QueueFigures, name: str) -> list[str]:
        return [
            esc(name),
            _number(f.offered),
            _number(f.answered),
            _number(f.abandoned),
            _number(f.timed_out),
            _number(f.answered_within),
            f"<strong>{_percent(f.service_level)}</strong>",
            _percent(f.answer_rate),
            _percent(f.abandon_rate),
            _number(f.avg_wait_s),
            _number(f.aht_s),
        ]

    rows = [row(f, f.queue) for f in figures]
    if figures:
        rows.append(row(totals(figures), w["all_queues"]))
    headers = [esc(w["queue"])] + [
        "#" + esc(text)
        for text in (
            w["offered"],
            w["answered"],
            w["abandoned"],
            w["timed_out"],
            w["within"].format(s=threshold_s),
            w["sl"],
            w["answer_rate"],
            w["abandon_rate"],
            w["avg_wait"],
            w["aht"],
        )
    ]
    form = (
        f'<form class="filters" method="get"><div><label for="f-date">{esc(w["date"])}</label>'
        f'<input id="f-date" type="date" name="date" value="{day.isoformat()}"></div>'
        f'<button class="primary" type="submit">{esc(w["filter"])}</button></form>'
    )
    note = f'<p class="muted">{esc(w["sl_note"].format(s=threshold_s))}</p>'
    return form + table(headers, rows, w["none"]) + note
