"""argon2id hashing: verify, wrong passwords, rehash when the parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles

from staff_web.auth.passwords import MAX_LENGTH, Passwords

CHEAP = profiles.CHEAPEST


async def test_hash_is_argon2id_and_verifies(passwords: Passwords) -> None:
    hashed = await passwords.hash("s3cret-pass")
    assert hashed.startswith("$argon2id$")
    assert "s3cret-pass" not in hashed
    check = await passwords.verify(hashed, "s3cret-pass")
    assert check.ok
    assert check.new_hash is None


async def test_same_password_hashes_differently(passwords: Passwords) -> None:
    assert await passwords.hash("same-password") != await passwords.hash("same-password")


async def test_wrong_password_is_refused(passwords: Passwords) -> None:
    hashed = await passwords.hash("s3cret-pass")
    assert not (await passwords.verify(hashed, "s3cret-Pass")).ok
    assert not (await passwords.verify(hashed, "")).ok


async def test_garbage_hash_is_a_refusal_not_a_crash(passwords: Passwords) -> None:
    assert not (await passwords.verify("not-a-hash", "whatever")).ok


async def test_overlong_password_is_refused_without_hashing(passwords: Passwords) -> None:
    hashed = await passwords.hash("x" * 10)
    assert not (await passwords.verify(hashed, "x" * (MAX_LENGTH + 1))).ok


async def test_outdated_parameters_give_a_new_hash() -> None:
    old = Passwords(PasswordHasher.from_parameters(CHEAP))
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=64, parallelism=1))
    hashed = await old.hash("s3cret-pass")
    check = await stronger.verify(hashed, "s3cret-pass")
    assert check.ok
    assert check.new_hash is not None
    assert check.new_hash != hashed
    assert not stronger.hasher.check_needs_rehash(check.new_hash)
    assert (await stronger.verify(check.new_hash, "s3cret-pass")).new_hash is None


async def test_unknown_user_verify_takes_a_real_verify(passwords: Passwords) -> None:
    await passwords.verify_nobody("anything")  # must not raise, and builds its decoy once
    await passwords.verify_nobody("anything else")
