"""Password hashing with argon2id, run off the event loop, with rehash on parameter change."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2 takes any length; a cap keeps a megabyte "password" from costing us anything extra.
MAX_LENGTH = 256


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """The outcome of a verify: whether it matched, and a fresh hash to store if outdated."""

    ok: bool
    new_hash: str | None = None


class Passwords:
    """Hashes and verifies passwords (argon2id by default); hashing runs in a worker thread."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._decoy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored_hash: str, password: str) -> PasswordCheck:
        """Check a password; when it matches under old parameters, also hash it anew."""
        if len(password) > MAX_LENGTH:
            return PasswordCheck(ok=False)
        return await asyncio.to_thread(self._verify, stored_hash, password)

    async def verify_nobody(self, password: str) -> None:
        """Spend the time of a real verify, so an unknown username answers as slowly."""
        if self._decoy is None:
            self._decoy = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._decoy, password)

    def _verify(self, stored_hash: str, password: str) -> PasswordCheck:
        try:
            self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return PasswordCheck(ok=False)
        if self.hasher.check_needs_rehash(stored_hash):
            return PasswordCheck(ok=True, new_hash=self.hasher.hash(password))
        return PasswordCheck(ok=True)
