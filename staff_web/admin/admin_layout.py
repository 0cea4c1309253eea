"""The admin pages' shell: the desk's styles, the console's navigation, language switch."""

from __future__ import annotations

from aiohttp import web

from hotline.appkeys import ACCOUNT_PAGES, AUTH_PAGES, HOMES
from queues.staff import Role
from staff_web.admin.admin_texts import AdminWords
from staff_web.auth.context import auth_of
from staff_web.auth.csrf import csrf_field
from staff_web.auth.identity import current_user
from staff_web.auth.login_form import Language
from staff_web.supervisor.layout import LANGUAGE_COOKIE_AGE_S, STYLE, esc

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
    """The whole page around `body`; remembers a language chosen with `?lang=`."""
    other = Language.ZH if w.en else Language.EN
    switch = request.rel_url.update_query(lang=other.value)
    user = current_user(request)
    sign_out = ""
    if AUTH_PAGES in request.config_dict and user is not None:
        action = request.config_dict[AUTH_PAGES].router["logout"].url_for()
        sign_out = (
            f'<form method="post" action="{esc(action)}">{csrf_field(request)}'
            f'<button type="submit">{esc(w["sign_out"])}</button></form>'
        )
    html = (
        f'<!doctype html><html lang="{w["html_lang"]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · {esc(w['console'])}</title>"
        f"<style>{STYLE}{EXTRA_STYLE}</style></head><body>"
        f"<header><strong>{esc(w['console'])}</strong>"
        f"<nav><ul>{_links(request, w, active)}</ul></nav>"
        f'<span class="zone">{esc(w["zone_note"])}</span>'
        f'<div class="right"><span>{esc(user.display_name) if user else ""}</span>'
        f'<a href="{esc(switch)}" lang="{other.value}">{esc(w["switch"])}</a>{sign_out}</div>'
        f"</header><main><h1>{esc(title)}</h1>{body}</main></body></html>"
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    asked = request.query.get("lang")
    if asked in (Language.ZH.value, Language.EN.value):
        policy = auth_of(request).policy
        response.set_cookie(
            policy.language_cookie,
            asked,
            max_age=LANGUAGE_COOKIE_AGE_S,
            path="/",
            samesite="Lax",
            secure=policy.secure_cookies,
        )
    return response
