"""Absolute public URLs of our own webhook routes, built from their names."""

from __future__ import annotations

from aiohttp import web

from ivr.appkeys import SETTINGS


def public_url(request: web.Request, name: str, **query: str | int) -> str:
    """`HOTLINE_PUBLIC_URL` + the named route of the webhooks sub-app, with a query."""
    path = request.app.router[name].url_for()
    if query:
        path = path.with_query({k: str(v) for k, v in query.items()})
    return request.config_dict[SETTINGS].public_url + str(path)
