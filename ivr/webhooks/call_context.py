"""Finding a call's config version and hotline from what a webhook URL carries."""

from __future__ import annotations

from aiohttp import web

from hotline.appkeys import CONFIGS
from ivr.webhooks.actions import CallContext
from ivr.webhooks.call_card import CallCard
from ivr.webhooks.params import BadParams, VoiceRequest
from ivr.webhooks.shared import shared


async def call_context(request: web.Request, params: VoiceRequest) -> CallContext:
    """The call's pinned version (`v`) and hotline (`h`) from the query string.

    Our own TwiML put them there, so a call keeps the version it started with, whichever
    server process answers; a waiting call's URLs carry its card too.
    """
    hotline_id = request.query.get("h", "")
    version_raw = request.query.get("v", "")
    if not version_raw.isdigit():
        raise BadParams(f"v: expected a config version number, got {version_raw!r}")
    loaded = await shared(request)[CONFIGS].version(int(version_raw))
    hotline = loaded.hotlines.get(hotline_id)
    if hotline is None:
        raise BadParams(f"h: no hotline {hotline_id!r} in config version {loaded.version}")
    return CallContext(loaded, hotline, params.call_sid, CallCard.from_query(request.query))
