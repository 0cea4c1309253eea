"""The `hotline` command: serve, call, and manage menu configs."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import DEMO_USERS
from hotline.contexts import connect_redis
from hotline.demo_users import demo_users_banner
from hotline.log_lines import configure_logging
from hotline.settings import Settings, SettingsError
from hotline.user_command import add_user_parser
from hotline.which_database import NoDatabase, say_database
from ivr.menus.checking import check_config_text
from ivr.menus.loading import ConfigError, config_file_text, config_to_yaml, load_config_file
from ivr.menus.problem import Problem
from ivr.menus.published import ConfigRegistry
from ivr.menus.publishing import publish_config, published_config, roll_back
from queues import config_versions
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from routing.keys import Keys

T = TypeVar("T")
Sessionmaker = async_sessionmaker[AsyncSession]


def _print_problems(problems: Sequence[Problem]) -> None:
    print(f"{len(problems)} problem(s):", file=sys.stderr)
    for problem in problems:
        print(f"  {problem.path}: {problem.reason}", file=sys.stderr)


def current_time() -> datetime:
    """The clock `menu validate` reads the coming holiday year from."""
    return datetime.now(UTC)


async def _with_store(
    settings: Settings,
    work: Callable[[Sessionmaker, ConfigRegistry | None], Awaitable[T]],
    *,
    creating: bool = False,
) -> T:
    """Run `work` on a migrated database and, when a real Redis is configured, a registry
    whose announcements running servers see at once (an embedded server finds the new
    version in the database within HOTLINE_CONFIG_POLL_S). The database is named first;
    a missing SQLite file is created only when `creating`, else `NoDatabase`."""
    say_database(settings, creating=creating)
    engine = create_engine(settings.database_url)
    client = connect_redis(settings.redis_url) if settings.redis_url else None
    try:
        await upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        registry = (
            ConfigRegistry(client, Keys(settings.redis_prefix), sessionmaker) if client else None
        )
        return await work(sessionmaker, registry)
    finally:
        if client is not None:
            await client.aclose()
        await engine.dispose()


def bind_listener(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound before anything starts: a port that is taken
    stops the start-up before it touches the database (no migration, no config import, no
    demo password reset)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    try:
        listener = bind_listener(settings.host, settings.port)
    except OSError as error:
        print(
            f"cannot listen on {settings.host}:{settings.port}: {error.strerror or error}"
            " (HOTLINE_HOST, HOTLINE_PORT); nothing was started or changed",
            file=sys.stderr,
        )
        return 3
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"Hotline is up on {base}",
        f"  carrier webhooks: {settings.public_url}/twilio/voice (calls), "
        f"{settings.public_url}/twilio/status (status callbacks)",
    ]
    lines.append(f"  sign in:            {base}/auth/login")
    lines.append(f"  agents' softphone:  {base}/softphone/")
    lines.append(f"  supervisors' desk:  {base}/desk/")
    if settings.carrier == "local":
        lines += [
            f"  dial in a browser:  {base}/carrier/",
            f"  dial in a terminal: hotline call --url {base} --to 95598",
        ]
    app = create_app(settings)

    async def announce(app: web.Application) -> None:
        print("\n".join(lines), flush=True)
        if DEMO_USERS in app:
            print(demo_users_banner(app[DEMO_USERS]), flush=True)

    app.on_startup.append(announce)
    app.on_startup.append(freeze_long_lived)  # last: after every start-up context
    access_log = logging.getLogger("aiohttp.access") if settings.log_level == "DEBUG" else None
    try:
        web.run_app(
            app,
            sock=listener,
            print=None,
            access_log=access_log,
            loop=new_event_loop(),
        )
    except SettingsError as error:  # found at start-up (a Redis too old, say)
        print(f"setting error: {error}", file=sys.stderr)
        return 2
    finally:
        listener.close()
    return 0


async def freeze_long_lived(_app: web.Application | None = None) -> None:
    """Take what exists now (modules, the app, its config, its connections) out of the
    garbage collector's full passes: it lives as long as the process, and a full pass over
    the ~130,000 start-up objects held the event loop for 50-70 ms. Later passes scan only
    what calls create. Run once, when start-up is done."""
    gc.collect()
    gc.freeze()


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (about a fifth less CPU per webhook), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def cmd_validate(_settings: Settings, args: argparse.Namespace) -> int:
    """Problems (a failing flow test among them) exit 1; warnings are printed, exit 0."""
    try:
        text = config_file_text(Path(args.file))
    except ConfigError as error:
        _print_problems(error.problems)
        return 1
    check = check_config_text(text, now=current_time())
    if check.problems:
        _print_problems(check.problems)
    for warning in check.warnings:
        where = f"{warning.path}: " if warning.path else ""
        print(f"warning: {where}{warning.reason}", file=sys.stderr)
    failed = sum(not result.passed for result in check.results)
    tests = f"{len(check.results) - failed} flow test(s) passed, {failed} failed"
    if check.config is None or check.problems:
        if check.results:
            print(tests, file=sys.stderr)
        return 1
    config = check.config
    nodes = sum(len(h.menu.nodes) for h in config.hotlines)
    print(
        f"ok: {len(config.hotlines)} hotline(s), {nodes} menu nodes, {len(config.queues)} queues, "
        f"{len(check.results)} flow test(s) passed"
    )
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        config = load_config_file(Path(args.file))
    except ConfigError as error:
        _print_problems(error.problems)
        print("nothing was published", file=sys.stderr)
        return 1

    async def work(sessionmaker: Sessionmaker, registry: ConfigRegistry | None) -> int:
        return await publish_config(
            sessionmaker,
            registry,
            config,
            author=args.author,
            comment=args.comment or Path(args.file).name,
            now=datetime.now(UTC),
        )

    version = asyncio.run(_with_store(settings, work, creating=True))
    print(f"published version {version}")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(sessionmaker: Sessionmaker, _registry: ConfigRegistry | None) -> str | None:
        found = await published_config(sessionmaker)
        return None if found is None else config_to_yaml(found[1])

    try:
        text = asyncio.run(_with_store(settings, work))
    except NoDatabase as error:
        print(error, file=sys.stderr)
        return 1
    if text is None:
        print("no config has been published yet", file=sys.stderr)
        return 1
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_history(settings: Settings, _args: argparse.Namespace) -> int:
    async def work(sessionmaker: Sessionmaker, _registry: ConfigRegistry | None) -> list[str]:
        async with sessionmaker() as session:
            current = await config_versions.published(session)
            rows = await config_versions.history(session)
        return [
            f"{'*' if current is not None and row.id == current.id else ' '} {row.id:>4}  "
            f"{row.created_at:%Y-%m-%d %H:%M}  {row.author}  {row.comment}"
            for row in rows
        ]

    try:
        lines = asyncio.run(_with_store(settings, work))
    except NoDatabase as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(lines) or "no versions")
    return 0


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> int:
    async def work(sessionmaker: Sessionmaker, registry: ConfigRegistry | None) -> None:
        await roll_back(sessionmaker, registry, args.version, now=datetime.now(UTC))

    try:
        asyncio.run(_with_store(settings, work))
    except LookupError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"published version {args.version} again")
    return 0


def cmd_call(_settings: Settings, args: argparse.Namespace) -> int:
    from local_carrier.terminal import run_terminal_call

    return asyncio.run(run_terminal_call(args.url, args.to, args.caller))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the hotline server").set_defaults(run=cmd_serve)

    call = sub.add_parser("call", help="call the hotline from this terminal (local carrier)")
    call.add_argument("--url", default="http://127.0.0.1:8080", help="the server's address")
    call.add_argument("--to", default="95598", help="number to dial")
    call.add_argument("--from", dest="caller", default="+8613900000000", help="caller ID")
    call.set_defaults(run=cmd_call)

    add_user_parser(sub)
    menu = sub.add_parser("menu", help="menu configs").add_subparsers(dest="menu", required=True)
    validate = menu.add_parser("validate", help="check a config file, listing every mistake")
    validate.add_argument("file")
    validate.set_defaults(run=cmd_validate)

    config = sub.add_parser("config", help="config versions").add_subparsers(
        dest="config", required=True
    )
    imp = config.add_parser("import", help="validate, store and publish a config file")
    imp.add_argument("file")
    imp.add_argument("--author", default=os.environ.get("USER", "admin"))
    imp.add_argument("--comment", default="")
    imp.set_defaults(run=cmd_import)
    exp = config.add_parser("export", help="write the published config as YAML")
    exp.add_argument("--out", help="file to write (default: standard output)")
    exp.set_defaults(run=cmd_export)
    config.add_parser("history", help="list versions (* = published)").set_defaults(run=cmd_history)
    rollback = config.add_parser("rollback", help="publish an earlier version again")
    rollback.add_argument("version", type=int)
    rollback.set_defaults(run=cmd_rollback)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"setting error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    code: int = args.run(settings, args)
    return code


if __name__ == "__main__":
    sys.exit(main())
