"""The admin console's JSON API for menu configs, under `/api/admin/config/`: drafts (list,
create, read, change, delete, check, compare, publish, try out), versions (list, compare,
roll back) and the trial in force. Admins only: 401 without a sign-in, 403 for other roles;
the `/api/` sub-app's middleware asks a cookie session for its CSRF token on every change.

Errors: `{"error": {"code", "message", "fields": {path: reason}}}` with 400 (a bad body),
404, 409 (a published draft; a roll-back to a version never published) or 422 (a config
with problems, each path with its line in `lines`). A CSRF refusal comes from the
middleware, in the `/api/` sub-app's own shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from hotline.appkeys import CONFIGS, DIAL_PAD, SESSIONMAKER, TRIALS
from ivr.menus import drafting
from ivr.menus.config_diff import ConfigDiff
from ivr.menus.trial import DEFAULT_TRIAL, MAX_TRIAL, Trial
from ivr.menus.yaml_lines import check_text
from queues.config_drafts import ConfigDraft
from staff_web.admin.config_requests import (
    MAX_COMMENT,
    MAX_TEXT,
    MAX_TITLE,
    NO_STORE,
    ApiError,
    admin_only,
    int_field,
    json_body,
    now,
    path_id,
    required_string,
    string_field,
    when,
)
from staff_web.auth.identity import CurrentUser


def draft_summary(draft: ConfigDraft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "title": draft.title,
        "based_on": draft.based_on,
        "author": draft.author,
        "created_at": when(draft.created_at),
        "updated_at": when(draft.updated_at),
        "published_version": draft.published_version,
        "published_at": when(draft.published_at),
    }


def draft_detail(checked: drafting.Checked) -> dict[str, Any]:
    return {
        **draft_summary(checked.draft),
        "text": checked.draft.text,
        "valid": not checked.problems,
        "problems": [problem.as_json() for problem in checked.problems],
    }


def version_json(row: drafting.VersionRow) -> dict[str, Any]:
    return {
        "id": row.version.id,
        "created_at": when(row.version.created_at),
        "published_at": when(row.version.published_at),
        "author": row.version.author,
        "comment": row.version.comment,
        "published": row.published,
        "on_trial": row.on_trial,
    }


def diff_json(diff: ConfigDiff) -> dict[str, Any]:
    return diff.as_json()


def trial_json(request: web.Request, trial: Trial | None) -> dict[str, Any]:
    """The trial, and how to reach it: the test caller numbers, and in the embedded mode the
    dial pad with the first of them as caller ID."""
    trials = request.config_dict[TRIALS]
    callers = trials.callers.numbers
    body: dict[str, Any] = {"trial": trial.as_json() if trial else None, "test_callers": callers}
    if DIAL_PAD in request.config_dict and callers:
        url = request.config_dict[DIAL_PAD].router["dialpad"].url_for()
        body["dial_pad"] = str(url.with_query({"from": callers[0]}))
    return body


@admin_only
async def list_drafts(request: web.Request, _user: CurrentUser) -> web.Response:
    found = await drafting.drafts(request.config_dict[SESSIONMAKER])
    return web.json_response({"items": [draft_summary(d) for d in found]}, headers=NO_STORE)


@admin_only
async def create_draft(request: web.Request, user: CurrentUser) -> web.Response:
    body = await json_body(request)
    title = required_string(body, "title", limit=MAX_TITLE)
    text = string_field(body, "text", limit=MAX_TEXT, blank=True)
    based_on = int_field(body, "based_on", low=1)
    checked = await drafting.create_draft(
        request.config_dict[SESSIONMAKER],
        title=title.strip(),
        text=text,
        based_on=based_on,
        actor=user.username,
        now=now(request),
    )
    return web.json_response(draft_detail(checked), status=201, headers=NO_STORE)


@admin_only
async def show_draft(request: web.Request, _user: CurrentUser) -> web.Response:
    checked = await drafting.draft(request.config_dict[SESSIONMAKER], path_id(request, "draft_id"))
    return web.json_response(draft_detail(checked), headers=NO_STORE)


@admin_only
async def update_draft(request: web.Request, user: CurrentUser) -> web.Response:
    body = await json_body(request)
    title = string_field(body, "title", limit=MAX_TITLE)
    text = string_field(body, "text", limit=MAX_TEXT, blank=True)
    if title is None and text is None:
        raise ApiError(
            400,
            "bad_request",
            "nothing to change: give title and/or text",
            {"title": "give title and/or text", "text": "give title and/or text"},
        )
    checked = await drafting.update_draft(
        request.config_dict[SESSIONMAKER],
        path_id(request, "draft_id"),
        title=title.strip() if title is not None else None,
        text=text,
        actor=user.username,
        now=now(request),
    )
    return web.json_response(draft_detail(checked), headers=NO_STORE)


@admin_only
async def delete_draft(request: web.Request, user: CurrentUser) -> web.Response:
    await drafting.delete_draft(
        request.config_dict[SESSIONMAKER],
        path_id(request, "draft_id"),
        actor=user.username,
        now=now(request),
    )
    return web.Response(status=204)


@admin_only
async def validate_text(request: web.Request, _user: CurrentUser) -> web.Response:
    body = await json_body(request)
    text = required_string(body, "text", limit=MAX_TEXT, blank=True)
    problems = check_text(text)
    answer = {"valid": not problems, "problems": [p.as_json() for p in problems]}
    return web.json_response(answer, headers=NO_STORE)


@admin_only
async def diff_draft(request: web.Request, _user: CurrentUser) -> web.Response:
    found = await drafting.diff_draft(
        request.config_dict[SESSIONMAKER], path_id(request, "draft_id")
    )
    return web.json_response(diff_json(found), headers=NO_STORE)


@admin_only
async def diff_version(request: web.Request, _user: CurrentUser) -> web.Response:
    found = await drafting.diff_version(
        request.config_dict[SESSIONMAKER], path_id(request, "version_id")
    )
    return web.json_response(diff_json(found), headers=NO_STORE)


@admin_only
async def publish_draft(request: web.Request, user: CurrentUser) -> web.Response:
    body = await json_body(request)
    comment = string_field(body, "comment", limit=MAX_COMMENT, blank=True)
    version = await drafting.publish_draft(
        request.config_dict[SESSIONMAKER],
        request.config_dict[CONFIGS],
        request.config_dict[TRIALS],
        path_id(request, "draft_id"),
        comment=(comment or "").strip(),
        actor=user.username,
        now=now(request),
    )
    return web.json_response({"version": version}, headers=NO_STORE)


@admin_only
async def start_trial(request: web.Request, user: CurrentUser) -> web.Response:
    body = await json_body(request)
    top = int(MAX_TRIAL.total_seconds() // 60)
    minutes = int_field(body, "minutes", low=1, high=top)
    length = timedelta(minutes=minutes) if minutes is not None else DEFAULT_TRIAL
    trial = await drafting.start_trial(
        request.config_dict[SESSIONMAKER],
        request.config_dict[TRIALS],
        path_id(request, "draft_id"),
        length=length,
        actor=user.username,
        now=now(request),
    )
    return web.json_response(trial_json(request, trial), status=201, headers=NO_STORE)


@admin_only
async def show_trial(request: web.Request, _user: CurrentUser) -> web.Response:
    trial = await request.config_dict[TRIALS].current()
    return web.json_response(trial_json(request, trial), headers=NO_STORE)


@admin_only
async def stop_trial(request: web.Request, user: CurrentUser) -> web.Response:
    stopped = await drafting.stop_trial(
        request.config_dict[SESSIONMAKER],
        request.config_dict[TRIALS],
        actor=user.username,
        now=now(request),
    )
    if stopped is None:
        raise ApiError(404, "not_found", "no trial is in force")
    return web.json_response({"stopped": stopped.as_json()}, headers=NO_STORE)


@admin_only
async def list_versions(request: web.Request, _user: CurrentUser) -> web.Response:
    rows = await drafting.versions(request.config_dict[SESSIONMAKER], request.config_dict[TRIALS])
    items = [version_json(row) for row in rows]
    return web.json_response({"items": items}, headers=NO_STORE)


@admin_only
async def roll_back(request: web.Request, user: CurrentUser) -> web.Response:
    version = path_id(request, "version_id")
    await drafting.roll_back_to(
        request.config_dict[SESSIONMAKER],
        request.config_dict[CONFIGS],
        version,
        actor=user.username,
        now=now(request),
    )
    return web.json_response({"version": version}, headers=NO_STORE)


def add_admin_config_routes(app: web.Application) -> None:
    """Add the config routes to the `/api/` sub-app (built with `api_middlewares()`)."""
    base = "/admin/config"
    draft = base + r"/drafts/{draft_id:\d{1,12}}"
    version = base + r"/versions/{version_id:\d{1,12}}"
    app.router.add_get(base + "/drafts", list_drafts, name="admin_config_drafts")
    app.router.add_post(base + "/drafts", create_draft, name="admin_config_draft_create")
    app.router.add_get(draft, show_draft, name="admin_config_draft")
    app.router.add_put(draft, update_draft, name="admin_config_draft_update")
    app.router.add_delete(draft, delete_draft, name="admin_config_draft_delete")
    app.router.add_get(draft + "/diff", diff_draft, name="admin_config_draft_diff")
    app.router.add_post(draft + "/publish", publish_draft, name="admin_config_draft_publish")
    app.router.add_post(draft + "/trial", start_trial, name="admin_config_trial_start")
    app.router.add_post(base + "/validate", validate_text, name="admin_config_validate")
    app.router.add_get(base + "/trial", show_trial, name="admin_config_trial")
    app.router.add_delete(base + "/trial", stop_trial, name="admin_config_trial_stop")
    app.router.add_get(base + "/versions", list_versions, name="admin_config_versions")
    app.router.add_get(version + "/diff", diff_version, name="admin_config_version_diff")
    app.router.add_post(version + "/rollback", roll_back, name="admin_config_rollback")
