"""The users, audit and menu editor routes of the admin console: its pages (on the
`/admin/` sub-app, beside the home page) and its JSON API
(on the `/api/` sub-app, under `/api/admin/`)."""

from __future__ import annotations

from aiohttp import web

from staff_web.admin.audit_api import add_audit_api_routes
from staff_web.admin.audit_pages import add_audit_pages
from staff_web.admin.config_pages import add_config_pages
from staff_web.admin.user_pages import add_user_pages
from staff_web.admin.users_api import add_users_api_routes


def add_admin_pages(app: web.Application) -> None:
    """`/admin/users`, `/admin/audit`, `/admin/config` (the menu editor) and `/admin/static`
    on the admin pages sub-app (the home page is not added here)."""
    add_user_pages(app)
    add_audit_pages(app)
    add_config_pages(app)


def add_admin_api_routes(api: web.Application) -> None:
    """Add `/admin/users...` and `/admin/audit` to the `/api/` sub-app."""
    add_users_api_routes(api)
    add_audit_api_routes(api)
