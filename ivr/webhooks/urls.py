"""Our own webhook URLs inside a handler (see `ivr.webhook_urls`)."""

from __future__ import annotations

from aiohttp import web

from ivr.appkeys import WEBHOOK_URLS
from ivr.webhooks.shared import shared


def public_url(request: web.Request, name: str, **query: str | int) -> str:
    return shared(request)[WEBHOOK_URLS].build(name, **query)
