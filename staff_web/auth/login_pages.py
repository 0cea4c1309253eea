"""The sign-in pages sub-app: GET/POST /login and POST /logout with cookie sessions."""

from __future__ import annotations

import logging
import math
import secrets
from functools import partial

from aiohttp import web
from yarl import URL

from hotline.appkeys import HOMES, SESSIONMAKER
from queues.staff import Role
from staff_web.auth.context import auth_of, client_address, epoch_now
from staff_web.auth.csrf import CSRF_FIELD, csrf_exempt, tokens_match
from staff_web.auth.identity import Credential, current_user
from staff_web.auth.login_form import TEXTS, Language, render_login
from staff_web.auth.middleware import login_url, page_middlewares
from staff_web.auth.rate_limit import TooManyAttempts
from staff_web.auth.signin import SignInFailed, check_credentials

log = logging.getLogger(__name__)

LANGUAGE_COOKIE_AGE_S = 365 * 86_400
LOGIN_CSRF_AGE_S = 3600


def safe_next(raw: str | None, landing: str) -> str:
    """Only a path on this site: never `//host`, a scheme, or a header-splitting string."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return landing
    if any(ch in raw for ch in "\r\n\\") or len(raw) > 2000:
        return landing
    return raw


def home_of(request: web.Request, role: Role) -> str:
    """Where a role lands after sign-in when no `next` asks otherwise."""
    homes = request.config_dict.get(HOMES, {})
    return homes.get(role, auth_of(request).policy.landing_path)


def see_other(location: str | URL) -> web.Response:
    """A 303 we can still set cookies on (an HTTPException is no place for them)."""
    return web.Response(status=303, headers={"Location": str(location)})


def page_language(request: web.Request) -> Language:
    cookie = auth_of(request).policy.language_cookie
    asked = request.query.get("lang") or request.cookies.get(cookie)
    return Language.EN if asked == Language.EN else Language.ZH


def _remember_language(request: web.Request, response: web.StreamResponse) -> None:
    asked = request.query.get("lang")
    if asked in (Language.ZH, Language.EN):
        policy = auth_of(request).policy
        response.set_cookie(
            policy.language_cookie,
            asked,
            max_age=LANGUAGE_COOKIE_AGE_S,
            path="/",
            samesite="Lax",
            secure=policy.secure_cookies,
        )


def _login_page(
    request: web.Request,
    *,
    status: int = 200,
    next_path: str = "",
    username: str = "",
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """The form, with a fresh double-submit token (no session exists before sign-in)."""
    policy = auth_of(request).policy
    token = secrets.token_urlsafe(32)
    html = render_login(
        page_language(request),
        action=request.app.router["login"].url_for(),
        csrf_token=token,
        next_path=next_path,
        username=username,
        errors=errors,
        notice=notice,
    )
    response = web.Response(status=status, text=html, content_type="text/html", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        policy.login_csrf_cookie,
        token,
        max_age=LOGIN_CSRF_AGE_S,
        path=str(request.app.router["login"].url_for()),
        httponly=True,
        samesite="Strict",
        secure=policy.secure_cookies,
    )
    _remember_language(request, response)
    return response


async def show_login(request: web.Request) -> web.StreamResponse:
    next_path = safe_next(request.query.get("next"), "")  # "": the role's home, once known
    user = current_user(request)
    if user is not None:
        raise web.HTTPSeeOther(next_path or home_of(request, user.role))
    texts = TEXTS[page_language(request)]
    notice = texts["signed_out"] if "bye" in request.query else None
    return _login_page(request, next_path=next_path, notice=notice)


@csrf_exempt  # checked below against the login form's own double-submit cookie
async def submit_login(request: web.Request) -> web.StreamResponse:
    auth = auth_of(request)
    texts = TEXTS[page_language(request)]
    form = await request.post()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")), "")
    again = partial(_login_page, request, next_path=next_path, username=username)
    expected = request.cookies.get(auth.policy.login_csrf_cookie, "")
    if not tokens_match(expected, str(form.get(CSRF_FIELD, ""))):
        return again(status=403, errors={"form": texts["expired"]})
    missing = {
        field: texts[f"{field}_missing"]
        for field, value in (("username", username), ("password", password))
        if not value
    }
    if missing:
        return again(status=400, errors=missing)
    try:
        user = await check_credentials(
            auth,
            request.config_dict[SESSIONMAKER],
            username=username,
            password=password,
            address=client_address(request),
            now=epoch_now(request),
        )
    except TooManyAttempts as refused:
        message = texts["too_many"].format(minutes=math.ceil(refused.retry_after / 60))
        retry = {"Retry-After": str(refused.retry_after)}
        return again(status=429, errors={"form": message}, headers=retry)
    except SignInFailed:
        return again(status=401, errors={"form": texts["wrong"]})
    old = request.cookies.get(auth.policy.session_cookie)
    if old:
        await auth.sessions.delete(old)  # a new id at every sign-in: no session fixation
    token, _session = await auth.sessions.create(user.id, now=epoch_now(request))
    response = see_other(next_path or home_of(request, user.role))
    response.set_cookie(
        auth.policy.session_cookie,
        token,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=auth.policy.secure_cookies,
    )
    response.del_cookie(
        auth.policy.login_csrf_cookie, path=str(request.app.router["login"].url_for())
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """End the cookie session (CSRF-checked by the middleware) and let the agent go offline."""
    auth = auth_of(request)
    user = current_user(request)
    target = login_url(request).with_query(bye="1")
    response = see_other(target)
    response.del_cookie(auth.policy.session_cookie, path="/")
    if user is None or user.credential is not Credential.COOKIE:
        return response
    await auth.sessions.delete(user.token)
    agent = {"agent_id": user.agent_id}
    try:
        await auth.on_sign_out(user)
    except Exception:
        # The session is gone either way; the router's no-answer rule catches a stale agent.
        log.exception("sign-out hook failed for %s", user.username, extra=agent)
    log.info("signed out: %s", user.username, extra=agent)
    return response


def create_auth_app() -> web.Application:
    """Mount at `/auth/` and store under `AUTH_PAGES` so other pages can redirect to it."""
    app = web.Application(middlewares=page_middlewares())
    app.router.add_get("/login", show_login, name="login")
    app.router.add_post("/login", submit_login)
    app.router.add_post("/logout", logout, name="logout")
    return app
