"""Staff accounts in SQL: unique names and agent ids, roles, switching off; no commits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import staff
from queues.staff import Role, StaffError

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
Sessionmaker = async_sessionmaker[AsyncSession]


async def _add(
    session: AsyncSession, username: str, role: Role = Role.AGENT, agent_id: str | None = None
) -> staff.User:
    return await staff.add_user(
        session,
        username=username,
        display_name=f"{username} name",
        role=role,
        agent_id=agent_id,
        password_hash="$argon2id$fake",
        now=NOW,
    )


async def test_added_user_reads_back(sessionmaker: Sessionmaker) -> None:
    async with sessionmaker() as session, session.begin():
        user = await _add(session, "A1001", agent_id="a1001")
    async with sessionmaker() as session:
        found = await staff.by_username(session, " a1001 ")
        assert found is not None
        assert found.id == user.id
        assert (found.username, found.role, found.agent_id) == ("a1001", Role.AGENT, "a1001")
        assert found.active
        assert found.created_at == NOW
        assert (await staff.by_agent_id(session, "a1001")) is not None
        assert (await staff.by_id(session, user.id)) is not None


async def test_store_functions_do_not_commit(sessionmaker: Sessionmaker) -> None:
    async with sessionmaker() as session:
        await _add(session, "leader", Role.SUPERVISOR)
        await session.rollback()
    async with sessionmaker() as session:
        assert await staff.by_username(session, "leader") is None


async def test_usernames_and_agent_ids_are_unique(sessionmaker: Sessionmaker) -> None:
    async with sessionmaker() as session, session.begin():
        await _add(session, "a1001", agent_id="a1001")
        await _add(session, "leader", Role.SUPERVISOR)
        await _add(session, "admin", Role.ADMIN)  # several accounts without an agent id
    async with sessionmaker() as session:
        with pytest.raises(StaffError, match="username 'a1001': already taken"):
            await _add(session, "A1001", agent_id="a1009")
        with pytest.raises(StaffError, match="agent_id 'a1001': already tied"):
            await _add(session, "other", agent_id="a1001")


async def test_database_also_enforces_uniqueness(sessionmaker: Sessionmaker) -> None:
    async with sessionmaker() as session, session.begin():
        await _add(session, "a1001", agent_id="a1001")
    async with sessionmaker() as session:
        session.add(
            staff.User(
                username="a1001",
                display_name="dup",
                role=Role.AGENT,
                agent_id="a1002",
                password_hash="x",
                active=True,
                created_at=NOW,
            )
        )
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_unknown_role_is_refused_by_the_schema(sessionmaker: Sessionmaker) -> None:
    statement = text(
        "INSERT INTO users (username, display_name, role, password_hash, active, created_at)"
        " VALUES ('x1', 'x', 'root', 'h', true, '2026-11-27 00:00:00')"
    )
    async with sessionmaker() as session:
        with pytest.raises(IntegrityError):
            await session.execute(statement)


@pytest.mark.parametrize(
    ("username", "role", "agent_id", "field"),
    [
        ("a", Role.ADMIN, None, "username"),
        ("has space", Role.ADMIN, None, "username"),
        ("-dash", Role.ADMIN, None, "username"),
        ("agent", Role.AGENT, None, "agent_id: required"),
        ("agent", Role.AGENT, "bad id!", "agent_id 'bad id!'"),
    ],
)
async def test_bad_accounts_name_the_field(
    sessionmaker: Sessionmaker, username: str, role: Role, agent_id: str | None, field: str
) -> None:
    async with sessionmaker() as session:
        with pytest.raises(StaffError, match=field):
            await _add(session, username, role, agent_id)


async def test_password_and_active_changes(sessionmaker: Sessionmaker) -> None:
    async with sessionmaker() as session, session.begin():
        user = await _add(session, "a1001", agent_id="a1001")
    async with sessionmaker() as session, session.begin():
        await staff.set_password_hash(session, user.id, "$argon2id$new")
        await staff.set_active(session, user.id, False)
    async with sessionmaker() as session:
        found = await staff.by_id(session, user.id)
        assert found is not None
        assert (found.password_hash, found.active) == ("$argon2id$new", False)
        with pytest.raises(LookupError):
            await staff.set_active(session, 999, True)


async def test_all_users_sorted_by_username(sessionmaker: Sessionmaker) -> None:
    async with sessionmaker() as session, session.begin():
        for name in ("leader", "a1002", "admin"):
            await _add(session, name, Role.SUPERVISOR)
    async with sessionmaker() as session:
        assert [u.username for u in await staff.all_users(session)] == ["a1002", "admin", "leader"]


def test_roles_rank_admin_over_supervisor_over_agent() -> None:
    assert Role.ADMIN.covers(Role.SUPERVISOR)
    assert Role.ADMIN.covers(Role.AGENT)
    assert Role.SUPERVISOR.covers(Role.AGENT)
    assert Role.SUPERVISOR.covers(Role.SUPERVISOR)
    assert not Role.AGENT.covers(Role.SUPERVISOR)
    assert not Role.SUPERVISOR.covers(Role.ADMIN)
