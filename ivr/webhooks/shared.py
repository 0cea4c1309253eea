"""The app's shared resources (`hotline.appkeys`) and our own webhook URLs, as a webhook
reads them.

The `/twilio/` sub-app keeps no state of its own: every resource lives on the root app.
`request.config_dict` would look in the sub-app first and miss on every read, several times
per webhook; the root app holds what it would find, read in one step.
"""

from __future__ import annotations

from aiohttp import web

from hotline.appkeys import WEBHOOK_URLS


def shared(request: web.Request) -> web.Application:
    """The root application, where every shared resource lives."""
    return request.match_info.apps[0]


def public_url(request: web.Request, name: str, **query: str | int) -> str:
    """The public URL of the `/twilio/` route `name` (see `ivr.webhook_urls`)."""
    return shared(request)[WEBHOOK_URLS].build(name, **query)
