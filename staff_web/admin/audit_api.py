"""GET /api/admin/audit (admins only): audit entries newest first, filtered and paged,
each with its before and after as kept and its changed fields, times in +08:00."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hotline.appkeys import SESSIONMAKER
from queues import audit
from queues.audit import AuditEntry
from queues.staff import Role
from staff_web.admin.audit_changes import field_changes
from staff_web.admin.audit_query import audit_filters
from staff_web.auth.identity import require_role
from staff_web.supervisor.order_actions import ActionRefused
from staff_web.supervisor.texts import EN
from staff_web.supervisor.units import api_time

NO_STORE = {"Cache-Control": "no-store"}


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": api_time(entry.at),
        "actor": entry.actor,
        "object_kind": entry.object_kind,
        "object_id": entry.object_id,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "changes": [
            {"field": c.field, "before": c.before, "after": c.after}
            for c in field_changes(entry.before, entry.after)
        ],
    }


async def list_entries(request: web.Request) -> web.Response:
    require_role(request, Role.ADMIN)
    try:
        filters, page = audit_filters(request.query)
    except ActionRefused as error:
        fields = {name: EN.get(key, key) for name, key in error.fields.items()}
        return web.json_response({"error": error.message, "fields": fields}, status=400)
    async with request.config_dict[SESSIONMAKER]() as db:
        found = await audit.search(db, filters, limit=page.limit, offset=page.offset)
    body = {
        "items": [entry_json(entry) for entry in found.items],
        "total": found.total,
        "limit": found.limit,
        "offset": found.offset,
    }
    return web.json_response(body, headers=NO_STORE)


def add_audit_api_routes(api: web.Application) -> None:
    """Add the route to the `/api/` sub-app (built with `api_middlewares()`)."""
    api.router.add_get("/admin/audit", list_entries, name="admin_api_audit")
