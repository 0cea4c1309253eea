"""Ending every session and API token of one user, on every server, at once.

Two steps, both needed: `staff.end_sessions` stamps the user row (`sessions_since`), which
every request reads, so a session any server still holds in Redis is refused from the next
request on; and the durable rows and their Redis copies are deleted, so nothing is left to
restore. Run inside the unit of work that makes the change: if it rolls back, the user
only has to sign in again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from queues import staff, staff_sessions
from staff_web.auth.services import AuthServices


@dataclass(frozen=True, slots=True)
class Ended:
    """How many durable sessions were deleted, and the first second a new one counts."""

    count: int
    new_from: int


async def end_all_sessions(
    db: AsyncSession, auth: AuthServices, user_id: int, *, now: int
) -> Ended:
    """End the user's sessions and tokens begun up to `now` (epoch s, that second too)."""
    new_from = await staff.end_sessions(db, user_id, now=now)
    rows = await staff_sessions.remove_all_of(db, user_id)
    keys = [
        (auth.sessions if kind == auth.sessions.kind else auth.api_tokens).key(digest)
        for kind, digest in rows
    ]
    if keys:
        await auth.sessions.redis.delete(*keys)
    return Ended(count=len(rows), new_from=new_from)
