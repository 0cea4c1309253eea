"""Demo accounts for the embedded mode: an admin, a shift leader and agents a1001-a1008."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import staff
from queues.staff import Role, StaffError
from staff_web.auth.passwords import Passwords


class DemoAccount(NamedTuple):
    username: str
    display_name: str
    role: Role
    agent_id: str | None


class DemoUser(NamedTuple):
    """A demo account; `password` only when this call created it (none is kept in clear)."""

    username: str
    password: str | None
    role: Role
    agent_id: str | None


# Grades live in the router config; the demo config gives a1001-a1008 a mix of 1-4.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "系统管理员", Role.ADMIN, None),
    DemoAccount("leader", "值长 王敏", Role.SUPERVISOR, None),
    DemoAccount("a1001", "坐席 李娜", Role.AGENT, "a1001"),
    DemoAccount("a1002", "坐席 张伟", Role.AGENT, "a1002"),
    DemoAccount("a1003", "坐席 刘洋", Role.AGENT, "a1003"),
    DemoAccount("a1004", "坐席 陈静", Role.AGENT, "a1004"),
    DemoAccount("a1005", "坐席 杨帆", Role.AGENT, "a1005"),
    DemoAccount("a1006", "坐席 赵磊", Role.AGENT, "a1006"),
    DemoAccount("a1007", "坐席 黄丽", Role.AGENT, "a1007"),
    DemoAccount("a1008", "坐席 周强", Role.AGENT, "a1008"),
)

DEMO_PASSWORD_BYTES = 12  # 16 URL-safe characters: past every role's minimum length


async def ensure_demo_users(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    passwords: Passwords | None = None,
    now: datetime | None = None,
) -> list[DemoUser]:
    """Create the demo accounts, or give the existing ones new random passwords.

    Only hashes are stored, so each start of the embedded mode prints fresh passwords;
    a demo account an admin has switched to another agent id is left alone.
    """
    hasher = passwords or Passwords()
    created_at = now or datetime.now(UTC)
    fresh = {a.username: secrets.token_urlsafe(DEMO_PASSWORD_BYTES) for a in DEMO_ACCOUNTS}
    hashes = {name: await hasher.hash(password) for name, password in fresh.items()}
    shown: dict[str, str] = {}
    async with sessionmaker() as session, session.begin():
        for account in DEMO_ACCOUNTS:
            existing = await staff.by_username(session, account.username)
            if existing is not None:
                if existing.agent_id == account.agent_id and existing.role == account.role:
                    await staff.set_password_hash(session, existing.id, hashes[account.username])
                    shown[account.username] = fresh[account.username]
                continue
            try:
                await staff.add_user(
                    session,
                    username=account.username,
                    display_name=account.display_name,
                    role=account.role,
                    agent_id=account.agent_id,
                    password_hash=hashes[account.username],
                    now=created_at,
                )
                shown[account.username] = fresh[account.username]
            except StaffError:
                continue  # the agent id is taken by another account: leave both alone
    return [DemoUser(a.username, shown.get(a.username), a.role, a.agent_id) for a in DEMO_ACCOUNTS]


def demo_users_banner(users: list[DemoUser]) -> str:
    """Lines for the start-up banner."""
    lines = ["  demo sign-in (username / password / role / agent):"]
    for user in users:
        shown = user.password or "(unchanged: not a demo account now)"
        agent = user.agent_id or ""
        lines.append(f"    {user.username:<8} {shown:<20} {user.role.value:<10} {agent}")
    return "\n".join(lines)
