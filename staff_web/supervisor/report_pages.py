"""The supervisors' reports on the desk: per queue per interval or per agent over chosen
days, as a page with a chart (GET /desk/reports), a CSV export (GET /desk/reports.csv) and
JSON (GET /api/reports/queues, /api/reports/agents). Supervisors and admins only."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from hotline.appkeys import CLOCK, CONFIGS, SESSIONMAKER
from queues.call_records.service_level import today
from queues.catalogue import TargetsSpec
from queues.reports.agent_report import AgentRow, agent_report
from queues.reports.queue_report import queue_report
from queues.reports.queue_row import QueueRow, all_queues_by_interval, totals
from staff_web.supervisor.access import manager
from staff_web.supervisor.layout import esc, page, table
from staff_web.supervisor.order_actions import ActionRefused
from staff_web.supervisor.report_query import INTERVALS, ReportQuery, View, parse_report_query
from staff_web.supervisor.report_tables import (
    Column,
    Kind,
    agent_columns,
    cells,
    csv_title,
    plain,
    queue_columns,
    shown,
)
from staff_web.supervisor.report_texts import ReportWords, report_words
from staff_web.supervisor.texts import EN, words

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    queues: list[QueueRow] = field(default_factory=list)  # per queue per interval
    intervals: list[QueueRow] = field(default_factory=list)  # all queues per interval
    total: QueueRow | None = None
    agents: list[AgentRow] = field(default_factory=list)


async def report_targets(request: web.Request) -> dict[str, TargetsSpec]:
    """Each queue's targets in the published config (none known: the defaults)."""
    if CONFIGS not in request.config_dict:
        return {}
    loaded = await request.config_dict[CONFIGS].current()
    return {name: spec.targets for name, spec in loaded.config.queues.items()}


async def build(request: web.Request, query: ReportQuery) -> Report:
    async with request.config_dict[SESSIONMAKER]() as session:
        if query.view is View.AGENTS:
            return Report(query, agents=await agent_report(session, query.first, query.last))
        rows = await queue_report(
            session,
            query.first,
            query.last,
            interval_min=query.interval_min,
            targets=await report_targets(request),
        )
    return Report(query, rows, all_queues_by_interval(rows), totals(rows))


def _asked(request: web.Request) -> ReportQuery:
    return parse_report_query(request.query, today(request.config_dict[CLOCK]()))


def _table(w: ReportWords, report: Report) -> tuple[list[Column[Any]], list[Any]]:
    if report.query.view is View.AGENTS:
        return list(agent_columns(w)), list(report.agents)
    rows: list[QueueRow] = [*report.queues, *report.intervals]
    if report.total is not None and len(report.intervals) > 1:
        rows.append(report.total)
    return list(queue_columns(w, all_queues=w["all_queues"])), rows


def _chart(w: ReportWords, report: Report) -> dict[str, Any]:
    """What reports.js draws: bars of counts and a line of a rate (right axis)."""
    if report.query.view is View.AGENTS:
        return {
            "labels": [row.agent_id for row in report.agents],
            "bars": {w["answered"]: [row.answered for row in report.agents]},
            "line": {w["occupancy"]: [row.occupancy_pct for row in report.agents]},
        }
    columns = queue_columns(w, all_queues=w["all_queues"])
    return {
        "labels": [str(columns[1].value(row)) for row in report.intervals],
        "bars": {
            w["offered"]: [row.offered for row in report.intervals],
            w["answered"]: [row.answered for row in report.intervals],
        },
        "line": {w["sl"]: [row.service_level_pct for row in report.intervals]},
    }


def _form(w: ReportWords, query: ReportQuery | None) -> str:
    params = query.params() if query else {"from": "", "to": "", "interval": "60", "view": "queues"}
    intervals = "".join(
        f'<option value="{key}"{" selected" if key == params["interval"] else ""}>'
        f"{esc(w['day'] if minutes is None else w['min'].format(n=minutes))}</option>"
        for key, minutes in INTERVALS.items()
    )
    views = "".join(
        f'<option value="{v.value}"{" selected" if v.value == params["view"] else ""}>'
        f"{esc(w[v.value])}</option>"
        for v in View
    )
    return (
        '<form class="filters" method="get">'
        f'<div><label for="r-from">{esc(w["from"])}</label>'
        f'<input id="r-from" type="date" name="from" value="{esc(params["from"])}"></div>'
        f'<div><label for="r-to">{esc(w["to"])}</label>'
        f'<input id="r-to" type="date" name="to" value="{esc(params["to"])}"></div>'
        f'<div><label for="r-interval">{esc(w["interval"])}</label>'
        f'<select id="r-interval" name="interval">{intervals}</select></div>'
        f'<div><label for="r-view">{esc(w["view"])}</label>'
        f'<select id="r-view" name="view">{views}</select></div>'
        f'<button class="primary" type="submit">{esc(w["show"])}</button></form>'
    )


def _json_for_script(data: object) -> str:
    """JSON safe inside a <script type="application/json"> element."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


async def reports_page(request: web.Request) -> web.Response:
    manager(request)
    w, desk_words = report_words(request), words(request)
    try:
        query = _asked(request)
    except ActionRefused as error:
        banner = f'<div class="alert" role="alert">{esc(w["bad"].format(m=error.message))}</div>'
        body = _form(w, None) + banner
        return page(request, desk_words, w["reports"], body, active="desk_reports", status=400)
    report = await build(request, query)
    columns, rows = _table(w, report)
    headers = [("" if c.kind is Kind.TEXT else "#") + esc(c.title) for c in columns]
    html_rows = [
        [esc(shown(w, c.kind, v)) for c, v in zip(columns, values, strict=True)]
        for values in cells(columns, rows)
    ]
    static = request.app.router["desk_static"]
    csv_url = request.app.router["desk_reports_csv"].url_for().with_query(query.params())
    body = (
        _form(w, query)
        + f'<p class="muted">{esc(w["zone"])} <a href="{esc(csv_url)}">{esc(w["csv"])}</a></p>'
        + f'<div id="report-chart" role="img" aria-label="{esc(w["chart"])}" '
        'style="height:320px;background:#fff;margin-bottom:1rem"></div>'
        + table(headers, html_rows, w["none"])
        + f'<p class="muted">{esc(w["note"])}</p>'
        + f'<script type="application/json" id="report-data">{_json_for_script(_chart(w, report))}'
        "</script>"
        + f'<script src="{esc(static.url_for(filename="vendor/echarts/echarts.common.min.js"))}">'
        "</script>" + f'<script src="{esc(static.url_for(filename="reports.js"))}"></script>'
    )
    title = f"{w['reports']} · {w[query.view.value]}"
    return page(request, desk_words, title, body, active="desk_reports")


def _bad_csv(error: ActionRefused) -> web.Response:
    return web.Response(status=400, text=error.message, headers=NO_STORE)


async def reports_csv(request: web.Request) -> web.Response:
    """The page's table as CSV, UTF-8 with a byte-order mark so Excel reads the Chinese."""
    manager(request)
    w = report_words(request)
    try:
        query = _asked(request)
    except ActionRefused as error:
        return _bad_csv(error)
    report = await build(request, query)
    columns, rows = _table(w, report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_title(w, c) for c in columns])
    for values in cells(columns, rows):
        writer.writerow([plain(c.kind, v) for c, v in zip(columns, values, strict=True)])
    name = f"hotline-{query.view.value}-{query.first}-{query.last}.csv"
    return web.Response(
        body=out.getvalue().encode("utf-8-sig"),
        content_type="text/csv",
        charset="utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def queue_json(row: QueueRow) -> dict[str, Any]:
    return {
        "queue": row.queue or None,
        "start": row.start.isoformat(),
        "interval_min": row.interval_min,
        "offered": row.offered,
        "answered": row.answered,
        "abandoned": row.abandoned,
        "short_abandoned": row.short_abandoned,
        "answered_within": row.answered_within,
        "timed_out": row.timed_out,
        "overflowed": row.overflowed,
        "service_level_pct": row.service_level_pct,
        "answer_rate_pct": row.answer_rate_pct,
        "abandon_rate_pct": row.abandon_rate_pct,
        "asa_s": row.asa_s,
        "aht_s": row.aht_s,
        "avg_talk_s": row.avg_talk_s,
        "avg_wrap_s": row.avg_wrap_s,
        "longest_wait_s": row.longest_wait_s,
    }


def agent_json(row: AgentRow) -> dict[str, Any]:
    return {
        "agent_id": row.agent_id,
        "answered": row.answered,
        "handled": row.handled,
        "talk_s": row.talk_ms / 1000,
        "wrap_s": row.wrap_ms / 1000,
        "aht_s": row.aht_s,
        "occupancy_pct": row.occupancy_pct,
        "rejects": row.rejects,
        "no_answers": row.no_answers,
        "busy": row.busy,
        "failed": row.failed,
        "signed_in_s": row.signed_in_ms / 1000,
        "break_s": row.break_ms / 1000,
        "orders": row.orders,
        "complaints": row.complaints,
    }


def _refused(error: ActionRefused) -> web.Response:
    fields = {name: EN.get(key, key) for name, key in error.fields.items()}
    return web.json_response({"error": error.message, "fields": fields}, status=error.status)


async def _api(request: web.Request, view: View) -> web.Response:
    manager(request)
    try:
        asked = _asked(request)
    except ActionRefused as error:
        return _refused(error)
    query = ReportQuery(asked.first, asked.last, asked.interval_min, view)
    report = await build(request, query)
    body: dict[str, Any] = {
        "from": query.first.isoformat(),
        "to": query.last.isoformat(),
        "time_zone": "Asia/Shanghai",
    }
    if view is View.AGENTS:
        body["agents"] = [agent_json(row) for row in report.agents]
    else:
        body["interval"] = query.interval
        body["queues"] = [queue_json(row) for row in report.queues]
        body["all_queues"] = [queue_json(row) for row in report.intervals]
        body["total"] = None if report.total is None else queue_json(report.total)
    return web.json_response(body, headers=NO_STORE)


async def queues_api(request: web.Request) -> web.Response:
    return await _api(request, View.QUEUES)


async def agents_api(request: web.Request) -> web.Response:
    return await _api(request, View.AGENTS)


def add_report_pages(app: web.Application) -> None:
    """The pages on the desk's sub-app (`/desk/`)."""
    app.router.add_get("/reports", reports_page, name="desk_reports")
    app.router.add_get("/reports.csv", reports_csv, name="desk_reports_csv")


def add_report_api_routes(app: web.Application) -> None:
    """The JSON on the `/api/` sub-app."""
    app.router.add_get("/reports/queues", queues_api, name="sv_report_queues")
    app.router.add_get("/reports/agents", agents_api, name="sv_report_agents")
