"""The security headers every response carries: a script-tight CSP on pages, nosniff, no
framing and a same-origin referrer; one `on_response_prepare` hook for the whole app."""

from __future__ import annotations

from aiohttp import web

#: Pages load scripts only from our own static files (no inline script, no handler
#: attributes, no `javascript:` URLs) and connect only back to us: `'self'` also covers
#: same-origin `ws:`/`wss:` sockets. Inline styles stay allowed: ECharts builds its tooltips
#: with `style=` attributes and the desk's shell has one `<style>`; a style cannot run script.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; media-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: JSON, TwiML, CSV, scripts and the like: nothing to load, never framed.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}


async def add_security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """Fill in what the handler did not set (a page with wider needs sets its own CSP)."""
    headers = response.headers
    for name, value in COMMON.items():
        headers.setdefault(name, value)
    if response.status == 101:
        return  # a WebSocket upgrade: no document
    is_page = response.content_type == "text/html"
    headers.setdefault("Content-Security-Policy", PAGE_POLICY if is_page else OTHER_POLICY)
