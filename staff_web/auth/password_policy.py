"""Which new passwords are accepted: length by role, no common password, not the username.

Pure: no I/O but reading the shipped list of common passwords once. Each refusal is a
`PolicyProblem` with a stable code (pages translate it) and an English message naming the
field, so the same rules serve the admin console, the user's own change and the CLI.

Lengths: 10 characters for agents and supervisors, 14 for admins (an admin account can
create and unlock all others, so it gets the longer floor, as NIST SP 800-63B suggests for
privileged accounts). Length counts characters, not bytes: a Chinese phrase counts as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from queues.staff import Role, normalize_username
from staff_web.auth.passwords import MAX_LENGTH

MIN_LENGTH = {Role.AGENT: 10, Role.SUPERVISOR: 10, Role.ADMIN: 14}
MIN_DISTINCT = 5  # "aaaaaaaaaa", "1212121212": long but guessed at once
# A username shorter than this is not looked for inside the password ("li" is everywhere).
MIN_NAME_IN_PASSWORD = 3
COMMON_FILE = "common_passwords.txt"
# Digits and punctuation around a word add little: "Password2024!" is "password".
DECORATION = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$", re.DOTALL)


class Problem(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    TOO_SIMPLE = "too_simple"
    COMMON = "common"
    HAS_USERNAME = "has_username"


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """Why a password is refused: a code for translated texts and the English message."""

    code: Problem
    message: str
    minimum: int = 0


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (lower case), comments skipped."""
    text = resources.files(__package__).joinpath(COMMON_FILE).read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    """On the list as it is, or once the digits and symbols around it are taken off."""
    lowered = password.lower()
    common = common_passwords()
    if lowered in common:
        return True
    core = DECORATION.match(lowered)
    word = core.group(1) if core else ""
    return len(word) >= 4 and word != lowered and word in common


def password_problem(password: str, *, username: str, role: Role) -> PolicyProblem | None:
    """The first rule `password` breaks for this account, or None when it is acceptable."""
    minimum = MIN_LENGTH[role]
    if len(password) < minimum:
        return PolicyProblem(Problem.TOO_SHORT, f"password: at least {minimum} characters", minimum)
    if len(password) > MAX_LENGTH:
        return PolicyProblem(
            Problem.TOO_LONG, f"password: at most {MAX_LENGTH} characters", MAX_LENGTH
        )
    if len(set(password)) < MIN_DISTINCT:
        return PolicyProblem(
            Problem.TOO_SIMPLE,
            f"password: at least {MIN_DISTINCT} different characters",
            MIN_DISTINCT,
        )
    name = normalize_username(username)
    if len(name) >= MIN_NAME_IN_PASSWORD and name in password.lower():
        return PolicyProblem(Problem.HAS_USERNAME, "password: must not contain the username")
    if is_common(password):
        return PolicyProblem(Problem.COMMON, "password: one of the most common passwords")
    return None
