"""`/account/password`: any signed-in user changes their own password.

The current password is asked (and counted against the sign-in limits, so a borrowed
session cannot guess it), the new one meets the policy of the user's role, and then every
session and API token of the user ends (this browser gets a fresh session), audited as
`change_password`.
"""

from __future__ import annotations

import math

from aiohttp import web

from hotline.appkeys import CLOCK, SESSIONMAKER
from queues import audit, staff
from staff_web.admin.admin_layout import admin_page
from staff_web.admin.admin_texts import AdminWords, admin_words
from staff_web.admin.user_changes import AUDIT_KIND
from staff_web.admin.user_forms import FieldProblem, Problems, check_password
from staff_web.auth.context import auth_of, client_address, epoch_now
from staff_web.auth.csrf import csrf_field
from staff_web.auth.identity import CurrentUser, signed_in
from staff_web.auth.middleware import page_middlewares
from staff_web.auth.rate_limit import TooManyAttempts
from staff_web.auth.revocation import end_all_sessions
from staff_web.supervisor.layout import esc

FIELDS = (
    ("current_password", "current-password"),
    ("new_password", "new-password"),
    ("repeat_password", "new-password"),
)


def _form(request: web.Request, w: AdminWords, errors: dict[str, FieldProblem], banner: str) -> str:
    inputs = []
    for name, autocomplete in FIELDS:
        attrs, message = "", ""
        if name in errors:
            attrs = f' aria-invalid="true" aria-describedby="{name}-error"'
            text = w.error(errors[name].code, errors[name].n)
            message = f'<p class="field-error" id="{name}-error">{esc(text)}</p>'
        inputs.append(
            f'<div><label for="{name}">{esc(w[name])}</label><input type="password" '
            f'id="{name}" name="{name}" autocomplete="{autocomplete}"{attrs}>{message}</div>'
        )
    action = request.app.router["account_password"].url_for()
    return (
        f'{banner}<form method="post" action="{esc(action)}">{csrf_field(request)}'
        f'{"".join(inputs)}<p><button type="submit" class="primary">{esc(w["save"])}'
        "</button></p></form>"
    )


def _page(
    request: web.Request,
    w: AdminWords,
    *,
    status: int = 200,
    errors: dict[str, FieldProblem] | None = None,
    banner: str = "",
) -> web.Response:
    body = _form(request, w, errors or {}, banner)
    return admin_page(request, w, w["my_password"], body, active="", status=status)


async def show_password_form(request: web.Request) -> web.Response:
    signed_in(request)
    w = admin_words(request)
    banner = ""
    if "done" in request.query:
        banner = f'<p class="notice" role="status">{esc(w["password_done"])}</p>'
    return _page(request, w, banner=banner)


async def change_password(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    w = admin_words(request)
    auth = auth_of(request)
    form = await request.post()
    given = {name: str(form.get(name, "")) for name, _ in FIELDS}
    problems = Problems()
    for name, _ in FIELDS:
        problems.text(given, name)
    check_password(
        problems, "new_password", given["new_password"], username=user.username, role=user.role
    )
    if given["repeat_password"] and given["repeat_password"] != given["new_password"]:
        problems.add("repeat_password", "mismatch")
    if problems.fields:
        return _page(request, w, status=400, errors=problems.fields)
    now = epoch_now(request)
    try:
        attempt = await auth.limiter.attempt(user.username, client_address(request), now=now)
    except TooManyAttempts as refused:
        text = w["too_many"].format(minutes=math.ceil(refused.retry_after / 60))
        banner = f'<div class="alert" role="alert">{esc(text)}</div>'
        response = _page(request, w, status=429, banner=banner)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    async with request.config_dict[SESSIONMAKER]() as db:
        row = await staff.by_id(db, user.id)
    check = await auth.passwords.verify(row.password_hash if row else "", given["current_password"])
    if row is None or not check.ok:
        wrong = {"current_password": FieldProblem("wrong_password")}
        return _page(request, w, status=400, errors=wrong)
    await auth.limiter.succeeded(attempt)
    new_from = await _store(request, user, await auth.passwords.hash(given["new_password"]), now)
    # This browser goes on in a new session, begun where the ended ones stop counting.
    token, _session = await auth.sessions.create(user.id, now=new_from)
    target = request.app.router["account_password"].url_for().with_query(done="1")
    response = web.Response(status=303, headers={"Location": str(target)})
    response.set_cookie(
        auth.policy.session_cookie,
        token,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=auth.policy.secure_cookies,
    )
    return response


async def _store(request: web.Request, user: CurrentUser, password_hash: str, now: int) -> int:
    """The new hash, the end of every session of the user and the audit entry, at once;
    the second from which a new session counts."""
    auth = auth_of(request)
    async with request.config_dict[SESSIONMAKER]() as db, db.begin():
        await staff.set_password_hash(db, user.id, password_hash)
        ended = await end_all_sessions(db, auth, user.id, now=now)
        await audit.record(
            db,
            at=request.config_dict[CLOCK](),
            actor=user.username,
            object_kind=AUDIT_KIND,
            object_id=user.username,
            action="change_password",
            before=None,
            after={"password": "changed", "sessions_ended": ended.count},
        )
    return ended.new_from


def create_account_app() -> web.Application:
    """Any signed-in user's own account pages; mount at `/account/`."""
    app = web.Application(middlewares=page_middlewares())
    app.router.add_get("/password", show_password_form, name="account_password")
    app.router.add_post("/password", change_password)
    return app
