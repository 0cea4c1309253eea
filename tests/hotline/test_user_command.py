"""`hotline user add|passwd`: what the lead wires into the CLI, run against a SQLite file."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest

from hotline.settings import Settings
from hotline.user_command import add_user_parser
from queues import staff
from queues.db import create_engine, create_sessionmaker
from queues.staff import Role, User
from staff_web.auth.passwords import Passwords


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline")
    add_user_parser(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'hotline.db'}")


def _run(settings: Settings, argv: list[str], **kwargs: object) -> int:
    args = _parser().parse_args(argv)
    code: int = args.run(settings, args, **kwargs)
    return code


def _user(settings: Settings, username: str) -> User | None:
    async def read() -> User | None:
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await staff.by_username(session, username)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_first_admin_from_the_environment(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"HOTLINE_NEW_PASSWORD": "first admin pass"}
    argv = ["user", "add", " Chief ", "--role", "admin", "--name", "管理员"]
    assert _run(settings, argv, environ=env) == 0
    assert capsys.readouterr().out.strip() == "added chief (admin)"
    user = _user(settings, "chief")
    assert user is not None
    assert (user.role, user.display_name, user.agent_id) == (Role.ADMIN, "管理员", None)
    check = asyncio.run(Passwords().verify(user.password_hash, "first admin pass"))
    assert check.ok


def test_agent_with_prompted_password(settings: Settings) -> None:
    typed = iter(["agent password", "agent password"])
    code = _run(
        settings,
        ["user", "add", "a2001", "--role", "agent", "--agent-id", "a2001", "--name", "坐席 甲"],
        environ={},
        read_password=lambda _prompt: next(typed),
    )
    assert code == 0
    user = _user(settings, "a2001")
    assert user is not None
    assert (user.agent_id, user.display_name) == ("a2001", "坐席 甲")


@pytest.mark.parametrize(
    ("argv", "env", "error"),
    [
        (
            ["user", "add", "a1", "--role", "agent"],
            {"HOTLINE_NEW_PASSWORD": "long enough"},
            "agent_id",
        ),
        (
            ["user", "add", "boss", "--role", "admin"],
            {"HOTLINE_NEW_PASSWORD": "thirteen char"},
            "at least 14",
        ),
        (
            ["user", "add", "boss", "--role", "admin"],
            {"HOTLINE_NEW_PASSWORD": "Password2024!!"},
            "most common",
        ),
        (
            ["user", "add", "a2001", "--role", "agent", "--agent-id", "a2001"],
            {"HOTLINE_NEW_PASSWORD": "my-a2001-secret"},
            "username",
        ),
        (
            ["user", "add", "x y", "--role", "admin"],
            {"HOTLINE_NEW_PASSWORD": "long enough for admins"},
            "username",
        ),
    ],
)
def test_refusals_name_the_reason(
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    error: str,
) -> None:
    assert _run(settings, argv, environ=env) == 1
    assert error in capsys.readouterr().err


def test_mismatched_prompts_and_duplicates_are_refused(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter(["password one", "password two"])
    argv = ["user", "add", "boss", "--role", "admin"]
    assert _run(settings, argv, environ={}, read_password=lambda _p: next(typed)) == 1
    assert "differ" in capsys.readouterr().err
    env = {"HOTLINE_NEW_PASSWORD": "long enough for admins"}
    assert _run(settings, argv, environ=env) == 0
    assert _run(settings, argv, environ=env) == 1
    assert "already taken" in capsys.readouterr().err


def test_passwd_changes_the_password(settings: Settings) -> None:
    _run(
        settings,
        ["user", "add", "boss", "--role", "admin"],
        environ={"HOTLINE_NEW_PASSWORD": "the old chief password"},
    )
    new = {"HOTLINE_NEW_PASSWORD": "a new one for the chief"}
    assert _run(settings, ["user", "passwd", "BOSS"], environ=new) == 0
    user = _user(settings, "boss")
    assert user is not None
    assert asyncio.run(Passwords().verify(user.password_hash, "a new one for the chief")).ok
    # Sessions begun before the change are ended on every server (the row is stamped).
    assert user.sessions_since is not None
    assert _run(settings, ["user", "passwd", "ghost"], environ=new) == 1


def test_passwd_applies_the_policy_of_the_accounts_role(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"HOTLINE_NEW_PASSWORD": "agent password"}
    assert (
        _run(settings, ["user", "add", "a3001", "--role", "agent", "--agent-id", "a3"], environ=env)
        == 0
    )
    assert (
        _run(
            settings,
            ["user", "add", "chief", "--role", "admin"],
            environ={"HOTLINE_NEW_PASSWORD": "head of all the desks"},
        )
        == 0
    )
    capsys.readouterr()
    # 12 characters: enough for an agent, not for an admin.
    twelve = {"HOTLINE_NEW_PASSWORD": "twelve chars"}
    assert _run(settings, ["user", "passwd", "a3001"], environ=twelve) == 0
    assert _run(settings, ["user", "passwd", "chief"], environ=twelve) == 1
    assert "at least 14" in capsys.readouterr().err
    user = _user(settings, "chief")
    assert user is not None
    assert asyncio.run(Passwords().verify(user.password_hash, "head of all the desks")).ok
