"""Checking a username and password: rate limit, argon2 verify, rehash; shared by page and API."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import staff
from queues.staff import User
from staff_web.auth.services import AuthServices

log = logging.getLogger(__name__)


class SignInFailed(Exception):
    """Wrong username or password; deliberately silent about which."""


async def check_credentials(
    auth: AuthServices,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    username: str,
    password: str,
    address: str,
    now: int,
) -> User:
    """The active user these credentials belong to; TooManyAttempts or SignInFailed if not."""
    attempt = await auth.limiter.attempt(username, address, now=now)
    async with sessionmaker() as session:
        user = await staff.by_username(session, username)
    if user is None or not user.active:
        await auth.passwords.verify_nobody(password)
        log.info("sign-in refused: unknown or inactive account from %s", address)
        raise SignInFailed
    check = await auth.passwords.verify(user.password_hash, password)
    if not check.ok:
        log.info("sign-in refused: wrong password for %s from %s", user.username, address)
        raise SignInFailed
    async with sessionmaker() as session, session.begin():
        await staff.signed_in_at(session, user.id, datetime.fromtimestamp(now, UTC))
        if check.new_hash is not None:
            await staff.set_password_hash(session, user.id, check.new_hash)
    if check.new_hash is not None:
        user.password_hash = check.new_hash
        log.info("password of %s rehashed with the current parameters", user.username)
    await auth.limiter.succeeded(attempt)
    log.info("signed in: %s (%s) from %s", user.username, user.role.value, address)
    return user
