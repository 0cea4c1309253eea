"""CSRF protection: a synchronizer token per session, checked on every state-changing request."""

from __future__ import annotations

import hmac
from html import escape

from aiohttp import web
from aiohttp.typedefs import Handler

from staff_web.auth.identity import Credential, current_user

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_EXEMPT = "csrf_exempt"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def tokens_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


async def submitted_token(request: web.Request) -> str | None:
    """The token a request carries: the header, else the hidden form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in FORM_TYPES:
        form = await request.post()  # cached: the handler reads the same form again
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def csrf_exempt(handler: Handler) -> Handler:
    """Mark a handler that checks its own token (the login form has no session yet)."""
    setattr(handler, CSRF_EXEMPT, True)
    return handler


@web.middleware
async def csrf_protect(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse (403) a cookie-authenticated POST/PUT/PATCH/DELETE without the session's token."""
    # Bearer requests need no token: a browser never attaches that header on its own.
    user = current_user(request)
    if (
        request.method not in SAFE_METHODS
        and user is not None
        and user.credential is Credential.COOKIE
        and not getattr(request.match_info.handler, CSRF_EXEMPT, False)
        and not tokens_match(user.csrf_token, await submitted_token(request))
    ):
        raise web.HTTPForbidden(reason="CSRF token missing or wrong")
    return await handler(request)


def csrf_field(request: web.Request) -> str:
    """The hidden input a server-rendered form of a signed-in page must include."""
    user = current_user(request)
    token = user.csrf_token if user is not None else ""
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'
