"""Config drafts at work: save (valid or not), check, compare, try out, publish, roll back.

Every change leaves an audit entry: a draft's own under (`config_draft`, id), publishing and
rolling back under (`config`, `published`), trials under (`config`, `trial`), each with the
version ids (and the draft's title) before and after.

Publishing keeps the draft, marked with the version it became, so the version's origin can
be read later; a published draft is frozen (copy it into a new draft to change it again).
Every publish goes through `publish_config` and every roll-back through `roll_back`, so the
checks those run apply to the console too. The version is published first and the draft
marked after, in one transaction with its audit entry; a crash between the two leaves a
published version and a draft still open, which a second publish would publish again
(harmless: the same document).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.menus.config_diff import ConfigDiff, diff_documents, diff_text
from ivr.menus.loading import ConfigError, config_document, config_to_yaml, load_config_text
from ivr.menus.published import ConfigRegistry
from ivr.menus.publishing import publish_config, roll_back
from ivr.menus.schema import Config
from ivr.menus.trial import MAX_TRIAL, Trial, TrialPointer
from ivr.menus.yaml_lines import LocatedProblem, check_text, locate
from queues import audit, config_drafts, config_versions
from queues.config_drafts import ConfigDraft
from queues.config_versions import ConfigVersion

Sessionmaker = async_sessionmaker[AsyncSession]
DRAFT = "config_draft"
CONFIG = "config"


class DraftNotFound(LookupError):
    """No draft with that id."""


class VersionNotFound(LookupError):
    """No config version with that id."""


class NeverPublished(Exception):
    """A roll-back to a version that was never published (a trial's): publishing it must
    go through `publish_config` and its checks, so its draft is published instead."""


class DraftFrozen(Exception):
    """The draft was published; it no longer changes."""


class DraftInvalid(Exception):
    """The draft cannot be published or tried: `problems` says where and why."""

    def __init__(self, problems: list[LocatedProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


@dataclass(frozen=True)
class Checked:
    """A draft as stored, with what is wrong with it (empty when it could be published)."""

    draft: ConfigDraft
    problems: list[LocatedProblem]


@dataclass(frozen=True)
class VersionRow:
    version: ConfigVersion
    published: bool  # the one new calls get now
    on_trial: bool


async def create_draft(
    sessionmaker: Sessionmaker,
    *,
    title: str,
    text: str | None,
    based_on: int | None,
    actor: str,
    now: datetime,
) -> Checked:
    """Store a draft as typed; `based_on` defaults to the published version, and without a
    text the draft starts as that version's YAML."""
    async with sessionmaker() as session, session.begin():
        base = (
            await config_versions.published(session)
            if based_on is None
            else await config_versions.get(session, based_on)
        )
        if based_on is not None and base is None:
            raise VersionNotFound(f"config version {based_on} does not exist")
        based_on = base.id if base is not None else None
        if text is None:
            text = config_to_yaml(Config.model_validate(base.document)) if base else ""
        draft = await config_drafts.add_draft(
            session, title=title, text=text, based_on=based_on, author=actor, now=now
        )
        after = {"title": title, "based_on": based_on}
        await _audit(session, now, actor, DRAFT, str(draft.id), "create", None, after)
    return Checked(draft, check_text(text))


async def draft(sessionmaker: Sessionmaker, draft_id: int) -> Checked:
    async with sessionmaker() as session:
        found = await _draft(session, draft_id)
    return Checked(found, check_text(found.text))


async def drafts(sessionmaker: Sessionmaker) -> list[ConfigDraft]:
    async with sessionmaker() as session:
        return await config_drafts.listing(session)


async def update_draft(
    sessionmaker: Sessionmaker,
    draft_id: int,
    *,
    title: str | None,
    text: str | None,
    actor: str,
    now: datetime,
) -> Checked:
    """Change a draft's title and/or text (an open draft only)."""
    async with sessionmaker() as session, session.begin():
        found = await _open_draft(session, draft_id)
        before = {"title": found.title}
        if title is not None:
            found.title = title
        if text is not None:
            found.text = text
        found.updated_at = now
        after = {"title": found.title, "text_changed": text is not None}
        await _audit(session, now, actor, DRAFT, str(draft_id), "update", before, after)
    return Checked(found, check_text(found.text))


async def delete_draft(
    sessionmaker: Sessionmaker, draft_id: int, *, actor: str, now: datetime
) -> None:
    """Delete a draft, published or not (its version, if any, stays)."""
    async with sessionmaker() as session, session.begin():
        found = await _draft(session, draft_id)
        before = {"title": found.title, "published_version": found.published_version}
        await config_drafts.delete(session, found)
        await _audit(session, now, actor, DRAFT, str(draft_id), "delete", before, None)


async def diff_draft(sessionmaker: Sessionmaker, draft_id: int) -> ConfigDiff:
    """The draft against the published version."""
    async with sessionmaker() as session:
        found = await _draft(session, draft_id)
        current = await config_versions.published(session)
    before = current.document if current is not None else None
    name = f"version {current.id} (published)" if current is not None else "nothing published"
    return diff_text(before, found.text, before_name=name)


async def diff_version(sessionmaker: Sessionmaker, version_id: int) -> ConfigDiff:
    """A stored version against the published one."""
    async with sessionmaker() as session:
        version = await config_versions.get(session, version_id)
        current = await config_versions.published(session)
    if version is None:
        raise VersionNotFound(f"config version {version_id} does not exist")
    before = current.document if current is not None else None
    name = f"version {current.id} (published)" if current is not None else "nothing published"
    after_name = f"version {version_id}"
    return diff_documents(before, version.document, before_name=name, after_name=after_name)


async def publish_draft(
    sessionmaker: Sessionmaker,
    registry: ConfigRegistry | None,
    trials: TrialPointer | None,
    draft_id: int,
    *,
    comment: str,
    actor: str,
    now: datetime,
) -> int:
    """Check the draft, publish it through `publish_config`, mark it; the new version's id.
    A trial of this draft ends: its version is now the published one's twin."""
    async with sessionmaker() as session:
        found = await _open_draft(session, draft_id)
        previous = await config_versions.published_id(session)
    config = _valid(found.text)
    try:
        version_id = await publish_config(
            sessionmaker,
            registry,
            config,
            author=actor,
            comment=comment or found.title,
            now=now,
        )
    except ConfigError as error:  # the checks publishing itself runs
        raise DraftInvalid(locate(found.text, error.problems)) from error
    async with sessionmaker() as session, session.begin():
        marked = await _draft(session, draft_id)
        marked.published_version = version_id
        marked.published_at = now
        marked.updated_at = now
        after = {"version": version_id, "draft_id": draft_id, "title": marked.title}
        before = {"version": previous}
        await _audit(session, now, actor, CONFIG, "published", "publish", before, after)
    if trials is not None:
        await trials.stop_draft(draft_id)
    return version_id


async def roll_back_to(
    sessionmaker: Sessionmaker,
    registry: ConfigRegistry | None,
    version_id: int,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Publish an earlier version again (through `roll_back`); only one that was published
    before."""
    async with sessionmaker() as session:
        previous = await config_versions.published_id(session)
        version = await config_versions.get(session, version_id)
    if version is None:
        raise VersionNotFound(f"config version {version_id} does not exist")
    if version.published_at is None:
        raise NeverPublished(
            f"config version {version_id} was never published (a trial); publish its draft"
        )
    await roll_back(sessionmaker, registry, version_id, now=now)
    async with sessionmaker() as session, session.begin():
        before, after = {"version": previous}, {"version": version_id}
        await _audit(session, now, actor, CONFIG, "published", "rollback", before, after)


async def versions(
    sessionmaker: Sessionmaker, trials: TrialPointer | None, *, limit: int = 100
) -> list[VersionRow]:
    trial = await trials.current() if trials is not None else None
    async with sessionmaker() as session:
        current = await config_versions.published_id(session)
        rows = await config_versions.history(session, limit=limit)
    return [
        VersionRow(row, row.id == current, trial is not None and trial.version == row.id)
        for row in rows
    ]


async def start_trial(
    sessionmaker: Sessionmaker,
    trials: TrialPointer,
    draft_id: int,
    *,
    length: timedelta,
    actor: str,
    now: datetime,
) -> Trial:
    """Store a valid draft as an unpublished version and make it the trial (replacing any
    other) for `length`, at most `MAX_TRIAL`."""
    length = min(length, MAX_TRIAL)
    async with sessionmaker() as session:
        found = await _open_draft(session, draft_id)
    config = _valid(found.text)
    previous = await trials.current()
    async with sessionmaker() as session, session.begin():
        version = await config_versions.add_version(
            session,
            config_document(config),
            author=actor,
            comment=f"trial of draft {draft_id}: {found.title}",
            now=now,
        )
        trial = Trial(version.id, draft_id, actor, now + length)
        before = {"version": previous.version, "draft_id": previous.draft_id} if previous else None
        after = {"version": version.id, "draft_id": draft_id, "title": found.title}
        after["until"] = trial.until.isoformat()
        await _audit(session, now, actor, CONFIG, "trial", "trial_start", before, after)
    # SQL first: a pointer never names a version that is not stored.
    await trials.start(trial, now=now)
    return trial


async def stop_trial(
    sessionmaker: Sessionmaker, trials: TrialPointer, *, actor: str, now: datetime
) -> Trial | None:
    """End the trial in force, if any; calls already on it keep it to their end."""
    stopped = await trials.stop()
    if stopped is not None:
        async with sessionmaker() as session, session.begin():
            before = {"version": stopped.version, "draft_id": stopped.draft_id}
            await _audit(session, now, actor, CONFIG, "trial", "trial_stop", before, None)
    return stopped


def _valid(text: str) -> Config:
    try:
        return load_config_text(text)
    except ConfigError as error:
        raise DraftInvalid(locate(text, error.problems)) from error


async def _draft(session: AsyncSession, draft_id: int) -> ConfigDraft:
    found = await config_drafts.get(session, draft_id)
    if found is None:
        raise DraftNotFound(f"draft {draft_id} does not exist")
    return found


async def _open_draft(session: AsyncSession, draft_id: int) -> ConfigDraft:
    found = await _draft(session, draft_id)
    if found.published_version is not None:
        raise DraftFrozen(
            f"draft {draft_id} was published as version {found.published_version}; "
            "copy it into a new draft to change it"
        )
    return found


async def _audit(
    session: AsyncSession,
    now: datetime,
    actor: str,
    kind: str,
    object_id: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await audit.record(
        session,
        at=now,
        actor=actor,
        object_kind=kind,
        object_id=object_id,
        action=action,
        before=before,
        after=after,
    )
