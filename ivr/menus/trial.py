"""A draft on trial: the unpublished config version that test callers hear, on every server.

Redis holds one pointer under the deployment's prefix, with a TTL, so a forgotten trial ends
by itself. Only calls from a configured test caller number read it: every other call gets
the published version without an extra Redis read. A call keeps the version it started
with (its URLs carry it), so ending or replacing a trial never changes a call in progress.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

import redis.asyncio as aioredis

from ivr.menus.published import number_variants
from routing.keys import Keys

DEFAULT_TRIAL = timedelta(minutes=30)
MAX_TRIAL = timedelta(hours=8)


@dataclass(frozen=True)
class Trial:
    version: int
    draft_id: int
    started_by: str
    until: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "draft_id": self.draft_id,
            "started_by": self.started_by,
            "until": self.until.isoformat(),
        }


class TestCallers:
    """The caller numbers whose calls are answered by the trial version (HOTLINE_TEST_CALLERS),
    matched in any of the forms a carrier may send (`+86...`, `0086...`, bare)."""

    __test__ = False  # not a pytest class

    def __init__(self, numbers: tuple[str, ...]) -> None:
        self.numbers = list(numbers)  # as configured, for the console to show
        self._numbers = frozenset(v for n in numbers for v in number_variants(n) if v)

    def __bool__(self) -> bool:
        return bool(self._numbers)

    def __contains__(self, caller: object) -> bool:
        if not isinstance(caller, str) or not self._numbers:
            return False
        return any(variant in self._numbers for variant in number_variants(caller))


class TrialPointer:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, callers: TestCallers | None = None
    ) -> None:
        self._redis = redis
        self.callers = callers or TestCallers(())
        self._key = keys.trial_config()
        self._end_if = redis.register_script(_end_trial_source())

    async def start(self, trial: Trial, *, now: datetime) -> None:
        """Put `trial` in force until its end (replacing any other trial)."""
        ttl_ms = max(1, int((trial.until - now).total_seconds() * 1000))
        await self._redis.set(self._key, json.dumps(trial.as_json()), px=ttl_ms)

    async def stop(self) -> Trial | None:
        """End the trial in force; what it was, or None."""
        raw = await self._redis.getdel(self._key)
        return _parse(raw)

    async def stop_draft(self, draft_id: int) -> bool:
        """End the trial if it is `draft_id`'s (once that draft is published, say), never
        another draft's trial started meanwhile."""
        raw = await self._redis.get(self._key)
        trial = _parse(raw)
        if raw is None or trial is None or trial.draft_id != draft_id:
            return False
        return bool(await self._end_if(keys=[self._key], args=[raw]))

    async def current(self) -> Trial | None:
        return _parse(await self._redis.get(self._key))

    async def version_for(self, caller: str) -> int | None:
        """The trial version a new call from `caller` gets, or None for the published one
        (always None, and no Redis read, for a caller who is not a test caller)."""
        if caller not in self.callers:
            return None
        trial = await self.current()
        return trial.version if trial is not None else None


@cache
def _end_trial_source() -> str:
    return resources.files(__package__).joinpath("end_trial.lua").read_text("utf-8")


def _parse(raw: str | bytes | None) -> Trial | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Trial(
            version=int(data["version"]),
            draft_id=int(data["draft_id"]),
            started_by=str(data["started_by"]),
            until=datetime.fromisoformat(data["until"]),
        )
    except (ValueError, KeyError, TypeError):
        return None  # not ours to read: no trial, never a failed call
