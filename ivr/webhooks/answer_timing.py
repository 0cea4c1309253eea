"""How long each webhook takes to answer, by route, from the request in to the answer out:
the outermost middleware, so the signature check and the fail-safe count too."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler

from hotline.appkeys import METRICS
from ivr.webhooks.shared import shared

#: The route label of a path the sub-app does not know (one label, whatever was asked).
UNMATCHED = "unmatched"


@web.middleware
async def time_answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        return await handler(request)
    finally:
        route = request.match_info.route.name or UNMATCHED
        shared(request)[METRICS].webhook_answered(route, time.perf_counter() - started)
