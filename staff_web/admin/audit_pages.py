"""The audit page, `/admin/audit` (admins only): every console's entries newest first (the
users console's and the supervisors' actions on agents), filtered by object and by who,
each change written old → new, times in Beijing time."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from hotline.appkeys import SESSIONMAKER
from queues import audit
from queues.audit import AuditFilters, AuditPage
from queues.staff import Role
from staff_web.admin.admin_layout import admin_page
from staff_web.admin.admin_texts import AdminWords, admin_words
from staff_web.admin.audit_changes import change_lines
from staff_web.admin.audit_query import audit_filters
from staff_web.auth.identity import require_role
from staff_web.supervisor.filters import Paging, paging
from staff_web.supervisor.layout import esc, table
from staff_web.supervisor.order_actions import ActionRefused
from staff_web.supervisor.units import local_time_s

KINDS = ("user", "agent")  # the kinds written today; any other is shown as it is


def _filters_form(request: web.Request, w: AdminWords, query: Mapping[str, str]) -> str:
    def text(name: str, label: str, extra: str = "") -> str:
        return (
            f'<div><label for="f-{name}">{esc(label)}</label><input type="text" id="f-{name}" '
            f'name="{name}" value="{esc(query.get(name, ""))}"{extra}></div>'
        )

    kinds = "".join(f'<option value="{k}">{esc(w["kind_" + k])}</option>' for k in KINDS)
    action = request.app.router["admin_audit"].url_for()
    return (
        f'<form method="get" action="{esc(action)}" class="filters" role="search">'
        + text("kind", w["kind"], ' list="audit-kinds"')
        + f'<datalist id="audit-kinds">{kinds}</datalist>'
        + text("object", w["object_id"])
        + text("actor", w["actor"])
        + f'<div><button type="submit" class="primary">{esc(w["filter"])}</button></div></form>'
    )


def _pager(request: web.Request, w: AdminWords, found: AuditPage) -> str:
    here = request.rel_url
    links = []
    if found.offset > 0:
        back = max(0, found.offset - found.limit)
        links.append(f'<a href="{esc(here.update_query(offset=back))}">{esc(w["prev"])}</a>')
    if found.offset + found.limit < found.total:
        ahead = found.offset + found.limit
        links.append(f'<a href="{esc(here.update_query(offset=ahead))}">{esc(w["next"])}</a>')
    total = esc(w["total"].format(n=found.total))
    return f'<nav class="pager" aria-label="pages"><span>{total}</span>{"".join(links)}</nav>'


def _rows(w: AdminWords, found: AuditPage) -> list[list[str]]:
    return [
        [
            esc(local_time_s(entry.at)),
            esc(entry.actor),
            f"{esc(w.get('kind_' + entry.object_kind, entry.object_kind))} "
            f"<code>{esc(entry.object_id)}</code>",
            esc(w.get("act_" + entry.action, entry.action)),
            "<br>".join(esc(line) for line in change_lines(w, entry.before, entry.after)),
        ]
        for entry in found.items
    ]


async def audit_page(request: web.Request) -> web.Response:
    require_role(request, Role.ADMIN)
    w = admin_words(request)
    banner, status = "", 200
    page_at: Paging
    try:
        filters, page_at = audit_filters(request.query)
    except ActionRefused as error:
        filters, page_at, status = AuditFilters(), paging({}), 400
        banner = (
            f'<div class="alert" role="alert"><strong>{esc(w["refused"])}</strong>：'
            f"{esc(error.message)}</div>"
        )
    async with request.config_dict[SESSIONMAKER]() as db:
        found = await audit.search(db, filters, limit=page_at.limit, offset=page_at.offset)
    headers = [w["when"], w["who"], w["object"], w["what"], w["change"]]
    body = (
        banner
        + _filters_form(request, w, request.query)
        + f'<div id="audit">{table(headers, _rows(w, found), w["no_entries"])}</div>'
        + _pager(request, w, found)
    )
    return admin_page(request, w, w["audit"], body, active="admin_audit", status=status)


def add_audit_pages(app: web.Application) -> None:
    """Add the audit page to the admin pages sub-app (built with `page_middlewares()`)."""
    app.router.add_get("/audit", audit_page, name="admin_audit")
