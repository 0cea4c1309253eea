"""An admin's changes to staff accounts, each one unit of work with its audit entry.

Every change runs in one transaction: the account row, the end of its sessions and the
audit entry (`object_kind="user"`, the username as id, the account before and after,
never a password or its hash) commit together or not at all. A new password, a new
role and a deactivation end every session and API token of the account (revocation.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import audit, staff
from queues.staff import StaffError, User
from staff_web.admin.user_forms import (
    FieldProblem,
    KnownAgents,
    NewUser,
    Taken,
    UserChangeRefused,
    parse_agent_id,
    parse_new_user,
    parse_reset,
    parse_role,
)
from staff_web.auth.identity import Credential, CurrentUser
from staff_web.auth.revocation import end_all_sessions
from staff_web.auth.services import AuthServices

log = logging.getLogger(__name__)

AUDIT_KIND = "user"


class UserAction(StrEnum):
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    RESET_PASSWORD = "reset_password"  # noqa: S105  (an action name)
    CHANGE_ROLE = "change_role"
    SET_AGENT = "set_agent"


#: Actions an admin may not take on their own account (nobody locks the console out).
NOT_ON_SELF = frozenset({UserAction.DEACTIVATE, UserAction.CHANGE_ROLE})


def user_facts(user: User) -> dict[str, Any]:
    """What the audit and the API show of an account: never the password or its hash."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "active": user.active,
        "agent_id": user.agent_id,
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    user: User
    changed: bool
    sessions_ended: int = 0


def _refused_by_store(error: StaffError) -> UserChangeRefused:
    """A rule queues.staff enforces (a race past our own check): which field, and why."""
    text = str(error)
    name = "agent_id" if text.startswith("agent_id") else "username"
    code = "username_taken" if name == "username" else "agent_taken"
    if "required" in text:
        code = "agent_required"
    return UserChangeRefused(400, text, {name: FieldProblem(code)})


class UserChanges:
    """The console's changes, on one database and the sign-in services."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], auth: AuthServices) -> None:
        self.sessionmaker = sessionmaker
        self.auth = auth

    async def taken(self) -> Taken:
        async with self.sessionmaker() as db:
            users = await staff.all_users(db)
        return Taken(
            usernames=frozenset(user.username for user in users),
            agent_ids=frozenset(user.agent_id for user in users if user.agent_id),
        )

    async def create_from(
        self, actor: CurrentUser, raw: Mapping[str, object], *, known: KnownAgents, now: datetime
    ) -> User:
        """Parse (every field's problem at once, taken names included), then create."""
        new = parse_new_user(raw, known, taken=await self.taken())
        return await self.create(actor, new, now=now)

    async def create(self, actor: CurrentUser, new: NewUser, *, now: datetime) -> User:
        password_hash = await self.auth.passwords.hash(new.password)
        try:
            async with self.sessionmaker() as db, db.begin():
                if await staff.by_username(db, new.username) is not None:
                    raise UserChangeRefused(
                        400, "username: taken", {"username": FieldProblem("username_taken")}
                    )
                if new.agent_id and await staff.by_agent_id(db, new.agent_id) is not None:
                    raise UserChangeRefused(
                        400, "agent_id: taken", {"agent_id": FieldProblem("agent_taken")}
                    )
                user = await staff.add_user(
                    db,
                    username=new.username,
                    display_name=new.display_name,
                    role=new.role,
                    agent_id=new.agent_id,
                    password_hash=password_hash,
                    now=now,
                )
                await self._audit(db, actor, user, "create", None, user_facts(user), now)
        except StaffError as error:
            raise _refused_by_store(error) from None
        except IntegrityError:
            # Two admins creating the same username at once: the unique index decides.
            raise UserChangeRefused(
                400, "username or agent_id: taken", {"username": FieldProblem("username_taken")}
            ) from None
        return user

    async def apply(
        self,
        actor: CurrentUser,
        user_id: int,
        action: UserAction,
        raw: dict[str, object],
        *,
        known: KnownAgents,
        now: datetime,
    ) -> Outcome:
        """One action on one account; UserChangeRefused (nothing written) when refused."""
        if action in NOT_ON_SELF and user_id == actor.id:
            raise UserChangeRefused(
                409, f"{action}: not on your own account", {"user": FieldProblem("self")}
            )
        password_hash = None
        if action is UserAction.RESET_PASSWORD:
            async with self.sessionmaker() as db:
                found = await self._user(db, user_id)
                password = parse_reset(raw, username=found.username, role=found.role)
            password_hash = await self.auth.passwords.hash(password)
        try:
            async with self.sessionmaker() as db, db.begin():
                user = await self._user(db, user_id)
                before = user_facts(user)
                ends = await self._change(db, user, action, raw, known, password_hash)
                after = user_facts(user)
                if before == after and action is not UserAction.RESET_PASSWORD:
                    return Outcome(user, changed=False)
                ended = 0
                if ends:
                    epoch = int(now.timestamp())
                    ended = (await end_all_sessions(db, self.auth, user.id, now=epoch)).count
                    after["sessions_ended"] = ended
                if action is UserAction.RESET_PASSWORD:
                    after["password"] = "reset"  # noqa: S105  (a mark, not the password)
                await self._audit(db, actor, user, action.value, before, after, now)
        except StaffError as error:
            raise _refused_by_store(error) from None
        if ends and before["agent_id"]:
            await self._free_agent(user, before["agent_id"])
        return Outcome(user, changed=True, sessions_ended=ended)

    async def _free_agent(self, user: User, agent_id: str) -> None:
        """The ended sessions' agent leaves routing, as at sign-out: no call rings a desk
        nobody is signed in at (the change is made either way)."""
        gone = CurrentUser(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            agent_id=agent_id,
            credential=Credential.COOKIE,
            token="",
            csrf_token="",
        )
        try:
            await self.auth.on_sign_out(gone)
        except Exception:
            # The router's no-answer rule catches a stale agent, as after a failed sign-out.
            log.exception("sessions of %s ended; agent not taken offline", user.username)

    async def _change(
        self,
        db: AsyncSession,
        user: User,
        action: UserAction,
        raw: dict[str, object],
        known: KnownAgents,
        password_hash: str | None,
    ) -> bool:
        """Make the change on the row; True when the account's sessions must end."""
        if action is UserAction.DEACTIVATE:
            await staff.set_active(db, user.id, False)
            return True
        if action is UserAction.REACTIVATE:
            await staff.set_active(db, user.id, True)
            return False
        if action is UserAction.RESET_PASSWORD:
            assert password_hash is not None  # noqa: S101  (hashed before the transaction)
            await staff.set_password_hash(db, user.id, password_hash)
            return True
        if action is UserAction.CHANGE_ROLE:
            role, tie = parse_role(raw, known, user.agent_id)
            await self._check_free(db, tie, user.id)
            if tie is not None:
                user.agent_id = tie
            await staff.set_role(db, user.id, role)
            return True
        agent_id = parse_agent_id(raw, known, user.role)
        await self._check_free(db, agent_id, user.id)
        await staff.set_agent_id(db, user.id, agent_id)
        # Who the account routes as changed: its softphone must sign in again as that agent.
        return True

    async def _check_free(self, db: AsyncSession, agent_id: str | None, user_id: int) -> None:
        if agent_id is None:
            return
        holder = await staff.by_agent_id(db, agent_id)
        if holder is not None and holder.id != user_id:
            raise UserChangeRefused(
                400, "agent_id: taken", {"agent_id": FieldProblem("agent_taken")}
            )

    async def _user(self, db: AsyncSession, user_id: int) -> User:
        user = await staff.by_id(db, user_id)
        if user is None:
            raise UserChangeRefused(404, f"user {user_id} not found")
        return user

    async def _audit(
        self,
        db: AsyncSession,
        actor: CurrentUser,
        user: User,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        now: datetime,
    ) -> None:
        await audit.record(
            db,
            at=now,
            actor=actor.username,
            object_kind=AUDIT_KIND,
            object_id=user.username,
            action=action,
            before=before,
            after=after,
        )
