"""The desk's page shell (styles, navigation, language switch) and small HTML pieces."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Protocol

from aiohttp import web

from hotline.appkeys import AUTH_PAGES, DESK_PAGES, HOMES
from queues.staff import Role
from staff_web.auth.context import auth_of
from staff_web.auth.csrf import csrf_field
from staff_web.auth.identity import current_user
from staff_web.auth.login_form import Language
from staff_web.supervisor.texts import Words

# Pages written against this module before units.py took the desk's times stay as they are.
from staff_web.supervisor.units import local_time as local_time

LANGUAGE_COOKIE_AGE_S = 365 * 86_400

STYLE = """
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,"PingFang SC","Microsoft YaHei",
sans-serif;color:#1b1f23;background:#f4f6f8}header{display:flex;align-items:center;gap:1.2rem;
background:#0b3d6e;color:#fff;padding:.5rem 1rem}header strong{font-size:1.05rem}
header a{color:#dce9f7;text-decoration:none}header a[aria-current=page]{color:#fff;
font-weight:700;border-bottom:2px solid #f0a500}header nav ul{display:flex;flex-wrap:wrap;
gap:.4rem 1.2rem;list-style:none;margin:0;padding:0}
header .zone{color:#dce9f7;font-size:.85rem}header .right{margin-left:auto;display:flex;
gap:1rem;align-items:center}header form{margin:0}header button{background:none;border:0;
color:#dce9f7;font:inherit;cursor:pointer;padding:0}main{padding:1rem;max-width:1260px;
margin:0 auto}h1{font-size:1.3rem;margin:.2rem 0 .8rem}h2{font-size:1.05rem;margin:1.2rem 0 .5rem}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0001}
th,td{padding:.35rem .5rem;border-bottom:1px solid #e3e7eb;text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600;white-space:nowrap}td.num,th.num{text-align:right}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin-bottom:.8rem}
label{display:block;font-weight:600;font-size:.85rem}input,select,textarea{font:inherit;
padding:.3rem .4rem;border:1px solid #8a949e;border-radius:4px;background:#fff}
textarea{width:100%;min-height:3.2rem}button.primary{font:inherit;font-weight:600;color:#fff;
background:#0b5cad;border:0;border-radius:4px;padding:.35rem .9rem;cursor:pointer}
:focus-visible{outline:3px solid #f0a500}.grid{display:grid;grid-template-columns:1fr 1fr;
gap:1rem}.card{background:#fff;padding:.8rem 1rem;border-radius:6px;box-shadow:0 1px 2px #0001}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dt{color:#57606a}
dd{margin:0}.badge{display:inline-block;padding:0 .45rem;border-radius:9px;background:#e1e8f0;
font-size:.85rem}.late{color:#b3261e;font-weight:600}.soon{color:#8a5a00;font-weight:600}
.alert{border:1px solid #b3261e;background:#fdecea;padding:.5rem .75rem;border-radius:4px;
margin-bottom:.8rem}.notice{border:1px solid #1e6b3a;background:#e8f5ec;padding:.5rem .75rem;
border-radius:4px;margin-bottom:.8rem}.field-error{color:#b3261e;margin:.2rem 0 0}
[aria-invalid=true]{border-color:#b3261e}.actions form{margin-bottom:.9rem}.muted{color:#57606a}
.pager{display:flex;gap:1rem;align-items:center;margin-top:.6rem}
"""


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def duration(seconds: float) -> str:
    """`1h05m`, `-12m`: what is left (negative when overdue)."""
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{sign}{days}d{hours:02d}h"
    return f"{sign}{hours}h{minutes:02d}m" if hours else f"{sign}{minutes}m"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str) -> str:
    """Cells are HTML already; a header starting with '#' is a number column, its cells
    aligned as its header is (a right-aligned header over left-aligned numbers puts each
    number under the header before it)."""
    numeric = [h.startswith("#") for h in headers]
    head = "".join(
        f'<th class="num" scope="col">{h[1:]}</th>' if num else f'<th scope="col">{h}</th>'
        for h, num in zip(headers, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if num else f"<td>{cell}</td>"
            for cell, num in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="muted">{esc(empty)}</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def field_error(name: str, errors: dict[str, str], field_id: str = "") -> tuple[str, str]:
    """The input's extra attributes and the message under it (its id from the field's)."""
    if name not in errors:
        return "", ""
    message_id = f"{field_id or name}-error"
    attrs = f' aria-invalid="true" aria-describedby="{message_id}"'
    return attrs, f'<p class="field-error" id="{message_id}">{esc(errors[name])}</p>'


NAV = (("desk_orders", "orders"), ("desk_dues", "dues"), ("desk_calls", "calls"),
       ("desk_service_level", "service_level"), ("desk_wallboard", "wallboard"),
       ("desk_reports", "reports"))  # fmt: skip
ADMIN_NAV = "admin_home"
#: Shown to supervisors and admins only: an agent's desk would link to a 403.
MANAGERS_NAV = frozenset({"desk_calls", "desk_service_level", "desk_wallboard", "desk_reports"})


def page(
    request: web.Request, words: Words, title: str, body: str, *, active: str, status: int = 200
) -> web.Response:
    """The whole page around `body`; remembers a language chosen with `?lang=`.

    `active` names the current page's route: a desk route, or `ADMIN_NAV` on the admin home.
    """
    # The desk's routes, also from the admin home (another sub-app) when the app has both.
    desk = request.config_dict.get(DESK_PAGES)
    router = desk.router if desk is not None else request.app.router
    user = current_user(request)
    manages = user is not None and user.role.covers(Role.SUPERVISOR)
    entries = [
        (str(router[name].url_for()), name, words[key])
        for name, key in NAV
        if manages or name not in MANAGERS_NAV
    ]
    admin_home = request.config_dict.get(HOMES, {}).get(Role.ADMIN)
    if admin_home and user is not None and user.role.covers(Role.ADMIN):
        entries.append((admin_home, ADMIN_NAV, words["admin"]))
    # One list item per link: the list's gap keeps them apart, and a reader hears a list.
    links = "".join(
        f'<li><a href="{esc(href)}"'
        + (' aria-current="page"' if name == active else "")
        + f">{esc(label)}</a></li>"
        for href, name, label in entries
    )
    return shell(request, words, words["desk"], links, title, body, status=status)


class ShellWords(Protocol):
    """What the shell reads of a page's words: html_lang, zone_note, switch, sign_out."""

    en: bool

    def __getitem__(self, key: str) -> str: ...


def shell(
    request: web.Request,
    words: ShellWords,
    brand: str,
    links: str,
    title: str,
    body: str,
    *,
    status: int = 200,
    style: str = "",
) -> web.Response:
    """The page shell the desk and the admin console share: brand and navigation `links`
    (list items), the time-zone note, the language switch and sign-out; remembers a
    language chosen with `?lang=`. `words` needs html_lang, zone_note, switch, sign_out."""
    other = Language.ZH if words.en else Language.EN
    switch = request.rel_url.update_query(lang=other.value)
    user = current_user(request)
    who = esc(user.display_name) if user else ""
    sign_out = ""
    if AUTH_PAGES in request.config_dict and user is not None:
        action = request.config_dict[AUTH_PAGES].router["logout"].url_for()
        sign_out = (
            f'<form method="post" action="{esc(action)}">{csrf_field(request)}'
            f'<button type="submit">{esc(words["sign_out"])}</button></form>'
        )
    html = (
        f'<!doctype html><html lang="{words["html_lang"]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · {esc(brand)}</title><style>{STYLE}{style}</style></head><body>"
        f"<header><strong>{esc(brand)}</strong><nav><ul>{links}</ul></nav>"
        f'<span class="zone">{esc(words["zone_note"])}</span>'
        f'<div class="right"><span>{who}</span><a href="{esc(switch)}" lang="{other.value}">'
        f"{esc(words['switch'])}</a>{sign_out}</div></header>"
        f"<main><h1>{esc(title)}</h1>{body}</main></body></html>"
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
