"""`hotline user add|passwd`: create staff accounts (the first admin) and reset passwords.

The password policy (staff_web/auth/password_policy.py) applies here as in the console; a
new password ends the account's sessions (the user row is stamped, every server checks it).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

from hotline.settings import Settings
from queues import staff, staff_sessions
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from queues.staff import Role, StaffError
from staff_web.auth.password_policy import password_problem
from staff_web.auth.passwords import Passwords

PASSWORD_ENV = "HOTLINE_NEW_PASSWORD"  # noqa: S105 - a variable name, not a secret
ReadPassword = Callable[[str], str]


class CommandError(Exception):
    """A refusal to print for the operator."""


def new_password(environ: Mapping[str, str], read: ReadPassword) -> str:
    """From HOTLINE_NEW_PASSWORD (scripts), else typed twice without echo."""
    password = environ.get(PASSWORD_ENV, "")
    if not password:
        password = read("New password: ")
        if read("Repeat it: ") != password:
            raise CommandError("the two passwords differ")
    return password


def check_policy(password: str, username: str, role: Role) -> None:
    problem = password_problem(password, username=username, role=role)
    if problem:
        raise CommandError(problem.message)


async def _add(settings: Settings, args: argparse.Namespace, password: str) -> str:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        check_policy(password, args.username, Role(args.role))
        password_hash = await Passwords().hash(password)
        async with create_sessionmaker(engine)() as session, session.begin():
            user = await staff.add_user(
                session,
                username=args.username,
                display_name=args.name or args.username,
                role=Role(args.role),
                agent_id=args.agent_id,
                password_hash=password_hash,
                now=datetime.now(UTC),
            )
            return f"added {user.username} ({user.role.value}" + (
                f", agent {user.agent_id})" if user.agent_id else ")"
            )
    finally:
        await engine.dispose()


async def _passwd(settings: Settings, args: argparse.Namespace, password: str) -> str:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session, session.begin():
            user = await staff.by_username(session, args.username)
            if user is None:
                raise CommandError(f"no user {args.username!r}")
            check_policy(password, user.username, user.role)
            await staff.set_password_hash(session, user.id, await Passwords().hash(password))
            now = datetime.now(UTC)
            await staff.end_sessions(session, user.id, now=int(now.timestamp()))
            ended = await staff_sessions.remove_all_of(session, user.id)
            return f"password of {user.username} changed; {len(ended)} session(s) ended"
    finally:
        await engine.dispose()


def _with_new_password(
    name: str,
    work: Callable[[str], Coroutine[Any, Any, str]],
    environ: Mapping[str, str] | None,
    read_password: ReadPassword,
) -> int:
    """Read the new password, run `work` with it, print its result or the error."""
    try:
        password = new_password(os.environ if environ is None else environ, read_password)
        print(asyncio.run(work(password)))
    except (CommandError, StaffError) as error:
        print(f"user {name}: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_user_add(
    settings: Settings,
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    read_password: ReadPassword = getpass.getpass,
) -> int:
    return _with_new_password(
        "add", lambda password: _add(settings, args, password), environ, read_password
    )


def cmd_user_passwd(
    settings: Settings,
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    read_password: ReadPassword = getpass.getpass,
) -> int:
    return _with_new_password(
        "passwd", lambda password: _passwd(settings, args, password), environ, read_password
    )


def add_user_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `user add` and `user passwd` to the `hotline` command's sub-parsers."""
    user = sub.add_parser("user", help="staff accounts").add_subparsers(dest="user", required=True)
    add = user.add_parser("add", help="add an account (password: prompt or HOTLINE_NEW_PASSWORD)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--agent-id", help="the router agent id (required for --role agent)")
    add.add_argument("--name", help="display name (default: the username)")
    add.set_defaults(run=cmd_user_add)
    passwd = user.add_parser("passwd", help="set a new password for an account")
    passwd.add_argument("username")
    passwd.set_defaults(run=cmd_user_passwd)
