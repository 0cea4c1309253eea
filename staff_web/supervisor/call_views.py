"""Call-record HTML: recent calls with outcome, wait, talk and agent; one call with its offers
and decision trace; a day's service level."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from aiohttp import web

from queues.call_records.outcome import CallOutcome
from queues.call_records.record_queries import CallPage
from queues.call_records.service_level import QueueFigures, totals
from queues.work_orders.order_queries import Page
from staff_web.supervisor.layout import esc, table
from staff_web.supervisor.order_views import pager
from staff_web.supervisor.reading import CallView
from staff_web.supervisor.texts import Words
from staff_web.supervisor.trace_texts import TraceWords
from staff_web.supervisor.trace_views import trace_section
from staff_web.supervisor.units import local_time, seconds_text, seconds_to_ms


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
        record_url = request.app.router["desk_call"].url_for(call_sid=r.call_sid)
        rows.append(
            [
                f'<a href="{esc(record_url)}">{esc(local_time(r.arrived_at))}</a>',
                esc(r.caller),
                esc(r.path),
                esc(r.queue),
                f'<span class="badge">{esc(w.outcome(r.outcome))}</span>',
                esc(w.cause(r.end_cause)),
                esc(seconds_text(w, r.wait_ms)),
                esc(seconds_text(w, r.talk_ms)),
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
    def columns(f: QueueFigures, name: str) -> list[tuple[str, str]]:
        """(header, cell) side by side, so a column's number cannot move under another's
        header; a header starting with '#' is a number column."""
        return [
            (esc(w["queue"]), esc(name)),
            ("#" + esc(w["offered"]), _number(f.offered)),
            ("#" + esc(w["answered"]), _number(f.answered)),
            ("#" + esc(w["abandoned"]), _number(f.abandoned)),
            ("#" + esc(w["timed_out"]), _number(f.timed_out)),
            ("#" + esc(w["within"].format(s=threshold_s)), _number(f.answered_within)),
            ("#" + esc(w["sl"]), f"<strong>{_percent(f.service_level)}</strong>"),
            ("#" + esc(w["answer_rate"]), _percent(f.answer_rate)),
            ("#" + esc(w["abandon_rate"]), _percent(f.abandon_rate)),
            ("#" + esc(w["avg_wait"]), esc(seconds_text(w, seconds_to_ms(f.avg_wait_s)))),
            ("#" + esc(w["aht"]), esc(seconds_text(w, seconds_to_ms(f.aht_s)))),
        ]

    rows = [columns(f, f.queue) for f in figures]
    if figures:
        rows.append(columns(totals(figures), w["all_queues"]))
    headers = [header for header, _ in columns(totals([]), "")]
    cells = [[cell for _, cell in row] for row in rows]
    form = (
        f'<form class="filters" method="get"><div><label for="f-date">{esc(w["date"])}</label>'
        f'<input id="f-date" type="date" name="date" value="{day.isoformat()}"></div>'
        f'<button class="primary" type="submit">{esc(w["filter"])}</button></form>'
    )
    note = f'<p class="muted">{esc(w["sl_note"].format(s=threshold_s))}</p>'
    return form + table(headers, cells, w["none"]) + note


def call_page(request: web.Request, w: Words, view: CallView) -> str:
    """One call: its facts, its work order, then its offers and decision trace."""
    r, order = view.record, ""
    if view.order is not None:
        url = request.app.router["desk_order"].url_for(number=view.order.number)
        order = f'<a href="{esc(url)}">{esc(view.order.number)}</a>'
    grade = f" ({esc(w['grade'])} {r.agent_grade})" if r.agent_grade else ""
    items = [
        (w["arrived"], esc(local_time(r.arrived_at))),
        (w["caller"], esc(r.caller)),
        (w["path"], esc(r.path)),
        (w["queue"], esc(r.queue)),
        (w["outcome"], f'<span class="badge">{esc(w.outcome(r.outcome))}</span>'),
        (w["cause"], esc(w.cause(r.end_cause))),
        (w["wait"], esc(seconds_text(w, r.wait_ms))),
        (w["talk"], esc(seconds_text(w, r.talk_ms))),
        (w["offers"], esc(r.offers)),
        (w["agent"], esc(r.agent_id) + grade),
        (w["work_order"], order),
    ]
    facts = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items)
    card = f'<section class="card"><h2>{esc(w["details"])}</h2><dl>{facts}</dl></section>'
    return card + trace_section(TraceWords(w), view.offers)
