"""The admin pages' shell: the desk's styles, the console's navigation, language switch."""

from __future__ import annotations

from aiohttp import web

from hotline.appkeys import ACCOUNT_PAGES, HOMES
from queues.staff import Role
from staff_web.admin.admin_texts import AdminWords
from staff_web.auth.identity import current_user
from staff_web.supervisor.layout import esc, shell

NAV = (("admin_users", "users"), ("admin_audit", "audit"), ("admin_config", "config"))
EXTRA_STYLE = (
    ".row-actions form{display:inline-flex;gap:.3rem;align-items:flex-start;margin:0 .6rem .3rem 0}"
    ".inactive{color:#57606a}fieldset{border:1px solid #d0d7de;border-radius:6px;margin:0 0 1rem}"
    ".form-grid{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:flex-end}"
)


def _links(request: web.Request, w: AdminWords, active: str) -> str:
    router = request.app.router
    user = current_user(request)
    entries = []
    home = request.config_dict.get(HOMES, {})
    if user is not None and home.get(user.role):
        entries.append((home[user.role], "", w["home_" + user.role.value]))
    if user is not None and user.role.covers(Role.ADMIN):
        # On the account page (another sub-app) the home link leads to these.
        entries += [
            (str(router[name].url_for()), name, w[key]) for name, key in NAV if name in router
        ]
    account = request.config_dict.get(ACCOUNT_PAGES)
    if account is not None:
        entries.append((str(account.router["account_password"].url_for()), "", w["my_password"]))
    return "".join(
        f'<li><a href="{esc(href)}"'
        + (' aria-current="page"' if name == active else "")
        + f">{esc(label)}</a></li>"
        for href, name, label in entries
    )


def admin_page(
    request: web.Request, w: AdminWords, title: str, body: str, *, active: str, status: int = 200
) -> web.Response:
    """The whole page around `body`, in the shell the desk's pages have."""
    return shell(
        request, w, w["console"], _links(request, w, active), title, body,
        status=status, style=EXTRA_STYLE,
    )  # fmt: skip
