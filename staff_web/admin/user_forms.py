"""What an admin may ask of the users console, parsed and checked field by field.

A form post and a JSON body go through the same parsers; every field that is wrong is
reported at once (`UserChangeRefused.fields`: field → problem code), before anything is
written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from queues.staff import AGENT_ID, USERNAME, Role, normalize_username
from staff_web.auth.password_policy import password_problem

MAX_DISPLAY_NAME = 128
MAX_USER_ID_DIGITS = 12


def parse_user_id(raw: str) -> int | None:
    """A user id from a path: ASCII digits only (int() takes other scripts' digits too)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_USER_ID_DIGITS:
        return None
    return int(raw)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A field's problem: the code the texts translate, and the number some of them say."""

    code: str
    n: int = 0


@dataclass
class UserChangeRefused(Exception):
    """400 with field problems, 404 no such user, 409 not allowed on this account."""

    status: int
    message: str
    fields: dict[str, FieldProblem] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    display_name: str
    role: Role
    password: str
    agent_id: str | None


#: The agent ids of the published config, or None when none is published yet.
KnownAgents = frozenset[str] | None


class Problems:
    """Field problems gathered while parsing; `check` raises them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, FieldProblem] = {}

    def add(self, name: str, code: str, n: int = 0) -> None:
        self.fields.setdefault(name, FieldProblem(code, n))

    def text(self, raw: Mapping[str, object], name: str, *, required: bool = True) -> str:
        value = raw.get(name)
        if value is None or value == "":
            if required:
                self.add(name, "required")
            return ""
        if not isinstance(value, str):
            self.add(name, "not_text")
            return ""
        return value

    def check(self) -> None:
        if self.fields:
            names = ", ".join(f"{name}: {p.code}" for name, p in self.fields.items())
            raise UserChangeRefused(400, f"refused ({names})", dict(self.fields))


def _role(problems: Problems, raw: Mapping[str, object]) -> Role | None:
    value = problems.text(raw, "role")
    if not value:
        return None
    try:
        return Role(value.strip())
    except ValueError:
        problems.add("role", "role_bad")
        return None


def _agent_id(
    problems: Problems,
    raw: Mapping[str, object],
    known: KnownAgents,
    role: Role | None,
) -> str | None:
    """The agent id asked for (None: none), known to the published config."""
    value = problems.text(raw, "agent_id", required=False).strip()
    if not value:
        if role is Role.AGENT:
            problems.add("agent_id", "agent_required")
        return None
    if not AGENT_ID.match(value):
        problems.add("agent_id", "bad")
    elif known is None:
        problems.add("agent_id", "agent_no_config")
    elif value not in known:
        problems.add("agent_id", "agent_unknown")
    return value


def check_password(
    problems: Problems, name: str, password: str, *, username: str, role: Role | None
) -> None:
    if not password:
        return  # already reported as required
    found = password_problem(password, username=username, role=role or Role.ADMIN)
    if found is not None:
        problems.add(name, found.code.value, found.minimum)


def parse_new_user(
    raw: Mapping[str, object], known: KnownAgents, *, taken: Taken | None = None
) -> NewUser:
    """A new account from the form; `taken` tells which of its username and agent id are
    in use already, so that those are reported with the rest."""
    problems = Problems()
    username = normalize_username(problems.text(raw, "username"))
    if username and not USERNAME.match(username):
        problems.add("username", "username_bad")
    display_name = problems.text(raw, "display_name", required=False).strip()
    if len(display_name) > MAX_DISPLAY_NAME:
        problems.add("display_name", "too_long_text", MAX_DISPLAY_NAME)
    role = _role(problems, raw)
    agent_id = _agent_id(problems, raw, known, role)
    password = problems.text(raw, "password")
    # A role not given yet is checked against the strictest floor (admin).
    check_password(problems, "password", password, username=username, role=role)
    if taken is not None:
        if "username" not in problems.fields and username in taken.usernames:
            problems.add("username", "username_taken")
        if "agent_id" not in problems.fields and agent_id in taken.agent_ids:
            problems.add("agent_id", "agent_taken")
    problems.check()
    assert role is not None  # noqa: S101  (a missing role was reported above)
    return NewUser(username, display_name or username, role, password, agent_id)


@dataclass(frozen=True, slots=True)
class Taken:
    """The usernames and agent ids accounts hold already."""

    usernames: frozenset[str]
    agent_ids: frozenset[str]


def parse_role(
    raw: Mapping[str, object], known: KnownAgents, agent_id: str | None
) -> tuple[Role, str | None]:
    """A new role, and the agent id to tie at once: becoming an agent needs one (the
    account's own, else one given now in `agent_id`)."""
    problems = Problems()
    role = _role(problems, raw)
    tie = None
    if role is Role.AGENT and agent_id is None:
        tie = _agent_id(problems, raw, known, role)
    problems.check()
    assert role is not None  # noqa: S101  (a missing role was reported above)
    return role, tie


def parse_agent_id(raw: Mapping[str, object], known: KnownAgents, role: Role) -> str | None:
    """The agent id to tie the account to; empty unties it (not for an agent account)."""
    problems = Problems()
    agent_id = _agent_id(problems, raw, known, role)
    problems.check()
    return agent_id


def parse_reset(raw: Mapping[str, object], *, username: str, role: Role) -> str:
    problems = Problems()
    password = problems.text(raw, "password")
    check_password(problems, "password", password, username=username, role=role)
    problems.check()
    return password
