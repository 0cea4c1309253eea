"""The password policy: length by role, distinct characters, the username, common passwords."""

from __future__ import annotations

import pytest

from queues.staff import Role
from staff_web.auth.password_policy import (
    MIN_LENGTH,
    Problem,
    common_passwords,
    is_common,
    password_problem,
)
from staff_web.auth.passwords import MAX_LENGTH


def code(password: str, *, username: str = "a1001", role: Role = Role.AGENT) -> Problem | None:
    found = password_problem(password, username=username, role=role)
    return found.code if found else None


def test_lengths_by_role() -> None:
    assert MIN_LENGTH == {Role.AGENT: 10, Role.SUPERVISOR: 10, Role.ADMIN: 14}
    assert code("night-shift", role=Role.AGENT) is None  # 11
    assert code("night-shif", role=Role.SUPERVISOR) is None  # 10
    assert code("night-shi", role=Role.SUPERVISOR) is Problem.TOO_SHORT  # 9
    assert code("night-shift-13", role=Role.ADMIN) is None  # 14
    assert code("night-shift-1", role=Role.ADMIN) is Problem.TOO_SHORT  # 13
    found = password_problem("short", username="chief", role=Role.ADMIN)
    assert found is not None
    assert (found.minimum, found.message) == (14, "password: at least 14 characters")


def test_length_counts_characters_not_bytes() -> None:
    assert code("夜班值守热线服务台口令") is None  # 11 characters, 33 bytes
    assert code("夜班值守热线服务台") is Problem.TOO_SHORT  # 9 characters


def test_too_long_and_too_simple() -> None:
    assert code("x1" * (MAX_LENGTH // 2) + "yz") is Problem.TOO_LONG
    assert code("aaaaaaaaaaaa") is Problem.TOO_SIMPLE
    assert code("1212121212") is Problem.TOO_SIMPLE


@pytest.mark.parametrize("password", ["a1001-night-shift", "NIGHT-A1001-shift", "shiftA1001night"])
def test_the_username_is_refused_anywhere_in_any_case(password: str) -> None:
    assert code(password, username="A1001") is Problem.HAS_USERNAME


def test_a_very_short_username_is_not_looked_for() -> None:
    assert code("li-night-shift", username="li") is None


def test_the_common_list_is_shipped_and_large() -> None:
    common = common_passwords()
    assert len(common) > 10_000
    assert {"password", "123456", "qwertyuiop", "1qaz2wsx3edc", "woaini1314"} <= common
    assert all(word == word.lower() and not word.startswith("#") for word in common)


@pytest.mark.parametrize(
    "password",
    ["qwertyuiop", "QwertyUiop", "1qaz2wsx3edc", "Password2024!", "!!sunshine1234", "woaini1314"],
)
def test_common_passwords_and_decorated_ones_are_refused(password: str) -> None:
    assert is_common(password)
    assert code(password, username="zz") is Problem.COMMON


@pytest.mark.parametrize(
    "password", ["tea-kettle-on-the-hob", "8264917305", "夜班值守热线服务台口令"]
)
def test_uncommon_passwords_pass(password: str) -> None:
    assert not is_common(password)
    assert code(password) is None
