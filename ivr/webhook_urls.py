"""Absolute public URLs of the `/twilio/` routes, built from their names."""

from __future__ import annotations

from aiohttp import web


class WebhookUrls:
    """`HOTLINE_PUBLIC_URL` + a named route of the `/twilio/` sub-app, with a query.

    Held by the app so code outside a request (the bridge ringing an agent) builds the
    same URLs a handler does.
    """

    def __init__(self, public_url: str, webhooks: web.Application) -> None:
        self._public_url = public_url
        self._router = webhooks.router

    def build(self, name: str, **query: str | int) -> str:
        path = self._router[name].url_for()
        if query:
            path = path.with_query({k: str(v) for k, v in query.items()})
        return self._public_url + str(path)
