"""Webhooks read the shared resources from the root app: the `/twilio/` sub-app has none."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient


def webhooks_app(app: web.Application) -> web.Application:
    for resource in app.router.resources():
        info = resource.get_info()
        if info.get("prefix") == "/twilio":
            sub: web.Application = info["app"]
            return sub
    raise LookupError("no /twilio/ sub-app")


async def test_the_webhooks_sub_app_keeps_no_state(client: TestClient[Any, Any]) -> None:
    root = client.app
    assert root is not None
    assert len(webhooks_app(root)) == 0
