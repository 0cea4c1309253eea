"""The menu editor page, `/admin/config` (admins only): the drafts and the versions, and for
`?draft=ID` that draft's YAML in the editor. The page is a shell: static/config_editor.js
does the work through the config JSON API, reading what it needs (the draft, its problems,
the versions, the words, the CSRF token) from one JSON data block, as no inline script may
run under the pages' CSP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from hotline.appkeys import SESSIONMAKER, TRIALS
from ivr.menus import drafting
from queues.config_drafts import ConfigDraft
from queues.staff import Role
from staff_web.admin.admin_layout import admin_page
from staff_web.admin.admin_texts import admin_words
from staff_web.admin.config_api import draft_detail, trial_json, version_json
from staff_web.admin.config_editor_texts import editor_texts
from staff_web.auth.identity import require_role
from staff_web.supervisor.layout import esc, table
from staff_web.supervisor.units import local_time

STATIC = Path(__file__).with_name("static")  # the editor's script, styles, vendored CodeMirror
#: The config JSON API (staff_web/admin/config_api.py), on the `/api/` sub-app.
CONFIG_API = "/api/admin/config"
CODEMIRROR = "vendor/codemirror/codemirror.min.js"


def data_block(element_id: str, data: dict[str, Any]) -> str:
    """JSON the browser reads and never runs; `<` escaped so no text can end the block."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _drafts_table(request: web.Request, t: dict[str, str], found: list[ConfigDraft]) -> str:
    here = request.app.router["admin_config"].url_for()
    headers = [t["draft_title"], t["based_on"], t["author"], t["updated"], t["state"]]
    rows = [
        [
            f'<a href="{esc(here.with_query(draft=d.id))}">{esc(d.title)}</a>',
            f"#{d.based_on}" if d.based_on is not None else "",
            esc(d.author),
            esc(local_time(d.updated_at)),
            esc(
                t["published_as"].format(n=d.published_version)
                if d.published_version is not None
                else t["open"]
            ),
        ]
        for d in found
    ]
    return f'<div id="cfg-drafts">{table(headers, rows, t["no_drafts"])}</div>'


def _new_draft_form(t: dict[str, str]) -> str:
    return (
        '<form id="cfg-new" class="form-grid" novalidate>'
        f'<div><label for="cfg-new-title">{esc(t["new_title"])}</label>'
        '<input type="text" id="cfg-new-title" name="title" maxlength="200" required>'
        '<p class="field-error" id="cfg-new-title-error" hidden></p></div>'
        f'<div><button type="submit" class="primary" id="cfg-new-button">{esc(t["new_draft"])}'
        f'</button></div></form><p class="muted">{esc(t["new_note"])}</p>'
    )


def _editor(t: dict[str, str], draft: ConfigDraft) -> str:
    return (
        f'<section id="cfg-draft" class="card" data-draft="{draft.id}">'
        f'<h2 id="cfg-draft-heading">{esc(draft.title)}</h2>'
        '<div class="form-grid cfg-bar">'
        f'<div><label for="cfg-title">{esc(t["draft_title"])}</label>'
        f'<input type="text" id="cfg-title" name="title" value="{esc(draft.title)}"'
        ' maxlength="200"><p class="field-error" id="cfg-title-error" hidden></p></div>'
        f'<div><button type="button" class="primary" id="cfg-save">{esc(t["save"])}</button></div>'
        f'<div><button type="button" id="cfg-diff-button">{esc(t["diff"])}</button></div>'
        f'<div><button type="button" id="cfg-trial-button">{esc(t["trial"])}</button></div>'
        f'<div><label for="cfg-comment">{esc(t["publish_comment"])}</label>'
        '<input type="text" id="cfg-comment" name="comment" maxlength="500">'
        '<p class="field-error" id="cfg-comment-error" hidden></p></div>'
        f'<div><button type="button" class="primary" id="cfg-publish">{esc(t["publish"])}'
        "</button></div></div>"
        '<div id="cfg-status" role="status" aria-live="polite"></div>'
        '<div class="cfg-work">'
        f'<div id="cfg-editor" role="group" aria-label="{esc(t["editor_label"])}"></div>'
        f'<aside class="cfg-side"><h3>{esc(t["problems"])}</h3>'
        '<ol id="cfg-problems"></ol>'
        '<p class="field-error" id="cfg-text-error" hidden></p></aside></div>'
        '<div id="cfg-trial" hidden></div>'
        '<div id="cfg-diff" hidden></div>'
        "</section>"
    )


async def config_page(request: web.Request) -> web.Response:
    user = require_role(request, Role.ADMIN)
    w = admin_words(request)
    t = editor_texts(w.en)
    sessionmaker = request.config_dict[SESSIONMAKER]
    trials = request.config_dict[TRIALS]
    chosen = request.query.get("draft")
    checked = None
    if chosen is not None:
        try:
            checked = await drafting.draft(sessionmaker, int(chosen)) if chosen.isdigit() else None
        except drafting.DraftNotFound:
            checked = None
        if checked is None:
            back = request.app.router["admin_config"].url_for()
            body = (
                f'<p class="alert" role="alert">{esc(t["not_found_note"].format(id=chosen))}</p>'
                f'<p><a href="{esc(back)}">{esc(t["back"])}</a></p>'
            )
            return admin_page(request, w, t["not_found"], body, active="admin_config", status=404)
    found = await drafting.drafts(sessionmaker)
    rows = await drafting.versions(sessionmaker, trials)
    static = request.app.router["admin_static"]
    data = {
        "lang": "en" if w.en else "zh",
        "api": CONFIG_API,
        "page": str(request.app.router["admin_config"].url_for()),
        "csrf": user.csrf_token,
        "texts": t,
        "versions": [version_json(row) for row in rows],
        "draft": draft_detail(checked) if checked is not None else None,
        "trial": trial_json(request, await trials.current()),
    }
    css = static.url_for(filename="config_editor.css")
    body = (
        f'<link rel="stylesheet" href="{esc(css)}">'
        '<div id="config-editor">'
        + (_editor(t, checked.draft) if checked is not None else "")
        + f"<h2>{esc(t['drafts'])}</h2>"
        + _drafts_table(request, t, found)
        + _new_draft_form(t)
        + f"<h2>{esc(t['versions'])}</h2>"
        '<div id="cfg-versions-status" role="status" aria-live="polite"></div>'
        '<div id="cfg-versions"></div>'
        "</div>"
        + data_block("cfg-data", data)
        + f'<script src="{esc(static.url_for(filename=CODEMIRROR))}"></script>'
        + f'<script src="{esc(static.url_for(filename="config_editor.js"))}"></script>'
    )
    title = f"{t['title']} · {checked.draft.title}" if checked is not None else t["title"]
    return admin_page(request, w, title, body, active="admin_config")


def add_config_pages(app: web.Application) -> None:
    """Add the menu editor and the admin's static files to the admin pages sub-app."""
    app.router.add_get("/config", config_page, name="admin_config")
    app.router.add_static("/static", STATIC, name="admin_static", append_version=True)
