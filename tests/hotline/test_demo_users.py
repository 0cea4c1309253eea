"""Demo accounts: created once per database with random passwords, never stored in clear."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.demo_users import DEMO_ACCOUNTS, demo_users_banner, ensure_demo_users
from queues import staff
from queues.staff import Role
from staff_web.auth.passwords import Passwords


async def test_demo_users_are_created_with_working_passwords(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    created = await ensure_demo_users(sessionmaker, passwords=passwords)
    assert [u.username for u in created] == [a.username for a in DEMO_ACCOUNTS]
    roles = [u.role for u in created]
    assert roles.count(Role.ADMIN) == 1
    assert roles.count(Role.SUPERVISOR) == 1
    assert roles.count(Role.AGENT) >= 6
    assert all(u.agent_id for u in created if u.role is Role.AGENT)
    assert len({u.password for u in created}) == len(created)
    async with sessionmaker() as session:
        for demo in created:
            assert demo.password is not None
            user = await staff.by_username(session, demo.username)
            assert user is not None
            assert user.agent_id == demo.agent_id
            assert demo.password not in user.password_hash
            assert (await passwords.verify(user.password_hash, demo.password)).ok


async def test_each_start_gives_fresh_working_passwords(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    first = await ensure_demo_users(sessionmaker, passwords=passwords)
    second = await ensure_demo_users(sessionmaker, passwords=passwords)
    assert [(u.username, u.role, u.agent_id) for u in second] == [
        (u.username, u.role, u.agent_id) for u in first
    ]
    async with sessionmaker() as session:
        users = {u.username: u for u in await staff.all_users(session)}
    assert len(users) == len(first)  # nothing created twice
    for old, new in zip(first, second, strict=True):
        assert new.password is not None
        assert new.password != old.password
        hashed = users[new.username].password_hash
        assert (await passwords.verify(hashed, new.password)).ok
        assert old.password is not None
        assert not (await passwords.verify(hashed, old.password)).ok


async def test_missing_demo_users_are_added_again(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    first = await ensure_demo_users(sessionmaker, passwords=passwords)
    async with sessionmaker() as session, session.begin():
        user = await staff.by_username(session, "a1003")
        assert user is not None
        await session.delete(user)
    again = await ensure_demo_users(sessionmaker, passwords=passwords)
    assert [u.username for u in again] == [u.username for u in first]
    async with sessionmaker() as session:
        assert await staff.by_username(session, "a1003") is not None


async def test_a_repurposed_account_is_left_alone(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    await ensure_demo_users(sessionmaker, passwords=passwords)
    async with sessionmaker() as session, session.begin():
        user = await staff.by_username(session, "a1004")
        assert user is not None
        user.agent_id = "z9999"
        kept_hash = user.password_hash
    again = {u.username: u for u in await ensure_demo_users(sessionmaker, passwords=passwords)}
    assert again["a1004"].password is None
    async with sessionmaker() as session:
        user = await staff.by_username(session, "a1004")
        assert user is not None
        assert user.password_hash == kept_hash


async def test_banner_lists_every_account(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    created = await ensure_demo_users(sessionmaker, passwords=passwords)
    banner = demo_users_banner(created)
    for demo in created:
        assert demo.username in banner
        assert str(demo.password) in banner
