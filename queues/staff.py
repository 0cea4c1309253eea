"""Staff accounts: who may sign in, their role, and the router agent an agent account is."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Enum, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base, UtcDateTime

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
AGENT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class StaffError(ValueError):
    """An account change the rules refuse; the message names the field and the reason."""


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def covers(self, other: Role) -> bool:
        """True when this role may do whatever `other` may (admin > supervisor > agent)."""
        return self.rank >= other.rank


_RANKS = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )
    agent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: Epoch seconds: a session or API token created before this is ended (set just past
    #: the second the password, the role or the account's state changed), checked on
    #: every request.
    sessions_since: Mapped[int | None] = mapped_column(BigInteger, default=None)


def normalize_username(raw: str) -> str:
    """Usernames compare case-insensitively: stored and looked up trimmed and lower-case."""
    return raw.strip().lower()


def _checked(username: str, role: Role, agent_id: str | None) -> str:
    name = normalize_username(username)
    if not USERNAME.match(name):
        raise StaffError(
            f"username {username!r}: 2-64 of a-z, 0-9, _ . - starting with a letter or digit"
        )
    _check_agent(role, agent_id)
    return name


def _check_agent(role: Role, agent_id: str | None) -> None:
    if agent_id is not None and not AGENT_ID.match(agent_id):
        raise StaffError(f"agent_id {agent_id!r}: 1-64 of letters, digits, _ . -")
    if role is Role.AGENT and agent_id is None:
        raise StaffError("agent_id: required for an agent account")


async def add_user(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    role: Role,
    password_hash: str,
    now: datetime,
    agent_id: str | None = None,
) -> User:
    """Add an account; a taken username or agent id is a StaffError naming it."""
    name = _checked(username, role, agent_id)
    if await by_username(session, name) is not None:
        raise StaffError(f"username {name!r}: already taken")
    if agent_id is not None and await by_agent_id(session, agent_id) is not None:
        raise StaffError(f"agent_id {agent_id!r}: already tied to another account")
    user = User(
        username=name,
        display_name=display_name.strip() or name,
        role=role,
        agent_id=agent_id,
        password_hash=password_hash,
        active=True,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def by_username(session: AsyncSession, username: str) -> User | None:
    query = select(User).where(User.username == normalize_username(username))
    return (await session.execute(query)).scalar_one_or_none()


async def by_agent_id(session: AsyncSession, agent_id: str) -> User | None:
    query = select(User).where(User.agent_id == agent_id)
    return (await session.execute(query)).scalar_one_or_none()


async def all_users(session: AsyncSession) -> list[User]:
    query = select(User).order_by(User.username)
    return list((await session.execute(query)).scalars())


async def set_password_hash(session: AsyncSession, user_id: int, password_hash: str) -> None:
    """Replace a password hash (a new password, or the same one under newer parameters)."""
    user = await session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    user.password_hash = password_hash
    await session.flush()


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    return user


async def set_active(session: AsyncSession, user_id: int, active: bool) -> None:
    """Switch an account on or off; a switched-off account's sessions stop working at once."""
    user = await _user(session, user_id)
    user.active = active
    await session.flush()


async def set_role(session: AsyncSession, user_id: int, role: Role) -> None:
    """A new role; an agent account must keep an agent id (StaffError otherwise)."""
    user = await _user(session, user_id)
    _check_agent(role, user.agent_id)
    user.role = role
    await session.flush()


async def set_agent_id(session: AsyncSession, user_id: int, agent_id: str | None) -> None:
    """Tie the account to a router agent id, or untie it (None; not for an agent account)."""
    user = await _user(session, user_id)
    _check_agent(user.role, agent_id)
    if agent_id is not None:
        holder = await by_agent_id(session, agent_id)
        if holder is not None and holder.id != user_id:
            raise StaffError(f"agent_id {agent_id!r}: already tied to another account")
    user.agent_id = agent_id
    await session.flush()


async def end_sessions(session: AsyncSession, user_id: int, *, now: int) -> int:
    """Every session and API token of the user begun up to `now` (epoch s, that second
    included: sessions count whole seconds) ends; the first second a new one may begin."""
    user = await _user(session, user_id)
    user.sessions_since = now + 1
    await session.flush()
    return user.sessions_since


async def signed_in_at(session: AsyncSession, user_id: int, at: datetime) -> None:
    user = await _user(session, user_id)
    user.last_sign_in_at = at
    await session.flush()
