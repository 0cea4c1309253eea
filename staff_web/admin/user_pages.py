"""The users page, `/admin/users` (admins only): the accounts with a form per action, and
a form for a new account. A refused form comes back (400/404/409) with its values (never a
password) and a message under each field at fault; nothing is written then."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from hotline.appkeys import AUTH, CLOCK, SESSIONMAKER
from queues import staff
from queues.staff import Role, User
from staff_web.admin.admin_layout import admin_page
from staff_web.admin.admin_texts import AdminWords, admin_words
from staff_web.admin.config_agents import known_agent_ids
from staff_web.admin.user_changes import UserAction, UserChanges
from staff_web.admin.user_forms import (
    KnownAgents,
    UserChangeRefused,
    parse_user_id,
)
from staff_web.auth.csrf import csrf_field
from staff_web.auth.identity import current_user, require_role
from staff_web.auth.password_policy import MIN_LENGTH
from staff_web.supervisor.layout import esc, table
from staff_web.supervisor.units import local_time

CREATE = "create"
SECRET_FIELDS = frozenset({"password", "csrf_token"})


@dataclass
class Failed:
    """The form that was refused: which (CREATE or `{user_id}/{action}`), why, its values."""

    form: str
    error: UserChangeRefused
    values: dict[str, str] = field(default_factory=dict)


def _field(
    w: AdminWords, failed: Failed | None, form: str, name: str, field_id: str
) -> tuple[str, str, str]:
    """The input's extra attributes, the message under it, and its value to show again."""
    if failed is None or failed.form != form:
        return "", "", ""
    value = "" if name in SECRET_FIELDS else failed.values.get(name, "")
    problem = failed.error.fields.get(name)
    if problem is None:
        return "", "", value
    message_id = f"{field_id}-error"
    attrs = f' aria-invalid="true" aria-describedby="{message_id}"'
    message = (
        f'<p class="field-error" id="{message_id}">{esc(w.error(problem.code, problem.n))}</p>'
    )
    return attrs, message, value


def _input(
    w: AdminWords,
    failed: Failed | None,
    form: str,
    name: str,
    label: str,
    *,
    kind: str = "text",
    value: str = "",
    extra: str = "",
) -> str:
    field_id = f"{form.replace('/', '-')}-{name}"
    attrs, message, shown = _field(w, failed, form, name, field_id)
    return (
        f'<div><label for="{field_id}">{esc(label)}</label>'
        f'<input type="{kind}" id="{field_id}" name="{name}" value="{esc(shown or value)}"'
        f"{attrs}{extra}>{message}</div>"
    )


def _role_select(
    w: AdminWords, failed: Failed | None, form: str, current: Role | None, label: str
) -> str:
    field_id = f"{form.replace('/', '-')}-role"
    attrs, message, shown = _field(w, failed, form, "role", field_id)
    chosen = shown or (current.value if current else "")
    options = "".join(
        f'<option value="{role.value}"'
        + (" selected" if role.value == chosen else "")
        + f">{esc(w['role_' + role.value])}</option>"
        for role in Role
    )
    return (
        f'<div><label for="{field_id}">{esc(label)}</label>'
        f'<select id="{field_id}" name="role"{attrs}>{options}</select>{message}</div>'
    )


def _form(request: web.Request, action: str, inner: str, button: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return (
        f'<form method="post" action="{esc(action)}"{klass}>{csrf_field(request)}{inner}'
        f'<div><button type="submit" class="primary">{esc(button)}</button></div></form>'
    )


def _actions(request: web.Request, w: AdminWords, user: User, failed: Failed | None) -> str:
    router = request.app.router

    def target(action: UserAction) -> str:
        return str(router["admin_user_action"].url_for(user_id=str(user.id), action=action.value))

    def form_of(action: UserAction) -> str:
        return f"{user.id}/{action.value}"

    toggle = UserAction.DEACTIVATE if user.active else UserAction.REACTIVATE
    reset, role, agent = UserAction.RESET_PASSWORD, UserAction.CHANGE_ROLE, UserAction.SET_AGENT
    forms = [
        _form(request, target(toggle), "", w[toggle.value]),
        _form(
            request,
            target(reset),
            _input(
                w,
                failed,
                form_of(reset),
                "password",
                w["new_password"],
                kind="password",
                extra=' autocomplete="new-password"',
            ),
            w["reset_password"],
        ),
        _form(
            request,
            target(role),
            _role_select(w, failed, form_of(role), user.role, w["role"])
            + (
                ""
                if user.agent_id
                else _input(
                    w, failed, form_of(role), "agent_id", w["agent_id"], extra=' list="agent-ids"'
                )
            ),
            w["change_role"],
        ),
        _form(
            request,
            target(agent),
            _input(
                w,
                failed,
                form_of(agent),
                "agent_id",
                f"{w['agent_id']} {w['untie']}",
                value=user.agent_id or "",
                extra=' list="agent-ids"',
            ),
            w["set_agent"],
        ),
    ]
    me = current_user(request)
    if me is not None and me.id == user.id:
        forms = [forms[1], forms[3]]  # not deactivating or demoting oneself (refused anyway)
    return f'<div class="row-actions">{"".join(forms)}</div>'


def _banner(w: AdminWords, failed: Failed | None, done: str | None) -> str:
    if failed is not None:
        problems = [
            f"{w.get(name, name)}{w['colon']}{w.error(p.code, p.n)}"
            for name, p in failed.error.fields.items()
        ] or [failed.error.message]
        return (
            f'<div class="alert" role="alert"><strong>{esc(w["refused"])}</strong>：'
            f"{esc('; '.join(problems))}</div>"
        )
    if done:
        return f'<p class="notice" role="status">{esc(w["done"])}</p>'
    return ""


def _create_form(
    request: web.Request, w: AdminWords, failed: Failed | None, known: KnownAgents
) -> str:
    inner = "".join(
        [
            _input(w, failed, CREATE, "username", w["username"],
                   extra=' autocomplete="off" autocapitalize="none" spellcheck="false"'),
            _input(w, failed, CREATE, "display_name", w["display_name"]),
            _role_select(w, failed, CREATE, Role.AGENT, w["role"]),
            _input(w, failed, CREATE, "password", w["password"], kind="password",
                   extra=' autocomplete="new-password"'),
            _input(w, failed, CREATE, "agent_id", w["agent_id"], extra=' list="agent-ids"'),
        ]
    )  # fmt: skip
    action = str(request.app.router["admin_users"].url_for())
    note = w["policy_note"].format(agent=MIN_LENGTH[Role.AGENT], admin=MIN_LENGTH[Role.ADMIN])
    agents = (
        w["known_agents"].format(ids=", ".join(sorted(known))) if known is not None
        else w["no_config"]
    )  # fmt: skip
    options = "".join(f'<option value="{esc(a)}">' for a in sorted(known or ()))
    return (
        f'<section aria-labelledby="new-user"><h2 id="new-user">{esc(w["new_user"])}</h2>'
        f'<p class="muted">{esc(note)}</p><p class="muted" id="agent-list">{esc(agents)}</p>'
        f'<datalist id="agent-ids">{options}</datalist>'
        f"{_form(request, action, inner, w['create'], 'form-grid')}</section>"
    )


async def render_users(
    request: web.Request, *, status: int = 200, failed: Failed | None = None
) -> web.Response:
    w = admin_words(request)
    async with request.config_dict[SESSIONMAKER]() as db:
        users = await staff.all_users(db)
    known = await known_agent_ids(request)
    headers = [w[k] for k in ("username", "display_name", "role", "active", "agent_id",
                              "last_sign_in", "actions")]  # fmt: skip
    rows = [
        [
            esc(user.username),
            esc(user.display_name),
            esc(w["role_" + user.role.value]),
            esc(w["is_active"] if user.active else w["is_inactive"]),
            esc(user.agent_id or w["none"]),
            esc(local_time(user.last_sign_in_at) or w["never"]),
            _actions(request, w, user, failed),
        ]
        for user in users
    ]
    body = (
        _banner(w, failed, request.query.get("done"))
        + _create_form(request, w, failed, known)
        + f'<h2>{esc(w["users"])}</h2><div id="users">{table(headers, rows, w["none"])}</div>'
    )
    return admin_page(request, w, w["users"], body, active="admin_users", status=status)


async def users_page(request: web.Request) -> web.Response:
    require_role(request, Role.ADMIN)
    return await render_users(request)


async def _form_values(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


def _changes(request: web.Request) -> UserChanges:
    return UserChanges(request.config_dict[SESSIONMAKER], request.config_dict[AUTH])


async def create_user(request: web.Request) -> web.StreamResponse:
    actor = require_role(request, Role.ADMIN)
    values = await _form_values(request)
    try:
        await _changes(request).create_from(
            actor, values, known=await known_agent_ids(request), now=request.config_dict[CLOCK]()
        )
    except UserChangeRefused as error:
        return await render_users(
            request, status=error.status, failed=Failed(CREATE, error, values)
        )
    raise web.HTTPSeeOther(request.app.router["admin_users"].url_for().with_query(done=CREATE))


async def act_on_user(request: web.Request) -> web.StreamResponse:
    actor = require_role(request, Role.ADMIN)
    user_id = parse_user_id(request.match_info["user_id"])
    try:
        action = UserAction(request.match_info["action"])
    except ValueError:
        raise web.HTTPNotFound(reason="no such action") from None
    if user_id is None:
        raise web.HTTPNotFound(reason="no such user")
    values = await _form_values(request)
    raw: dict[str, object] = dict(values)
    try:
        await _changes(request).apply(
            actor,
            user_id,
            action,
            raw,
            known=await known_agent_ids(request),
            now=request.config_dict[CLOCK](),
        )
    except UserChangeRefused as error:
        failed = Failed(f"{user_id}/{action.value}", error, values)
        return await render_users(request, status=error.status, failed=failed)
    target = request.app.router["admin_users"].url_for().with_query(done=action.value)
    raise web.HTTPSeeOther(target)


def add_user_pages(app: web.Application) -> None:
    """Add the users page to the admin pages sub-app (built with `page_middlewares()`)."""
    app.router.add_get("/users", users_page, name="admin_users")
    app.router.add_post("/users", create_user)
    app.router.add_post("/users/{user_id}/{action}", act_on_user, name="admin_user_action")
