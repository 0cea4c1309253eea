"""Which database a config command uses, said before it is opened."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import make_url

from hotline.contexts import redacted
from hotline.settings import Settings


class NoDatabase(LookupError):
    """The embedded SQLite file a command would read does not exist."""


def sqlite_file(database_url: str) -> Path | None:
    """The file an SQLite URL names (None: not SQLite, or in memory)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def say_database(settings: Settings, *, creating: bool) -> None:
    """Name the database a config command uses, on standard error (standard output may be
    the exported YAML): with the wrong HOTLINE_DATA_DIR it is another database, and
    reading it must not create an empty one. `NoDatabase` when the SQLite file is missing
    and not `creating`; a clear warning when it is created."""
    path = sqlite_file(settings.database_url)
    if path is None:
        print(f"database: {redacted(settings.database_url)}", file=sys.stderr)
        return
    where = path.resolve()
    if path.exists():
        print(f"database: SQLite file {where}", file=sys.stderr)
        return
    if not creating:
        raise NoDatabase(
            f"no database at {where}: set HOTLINE_DATA_DIR (or DATABASE_URL) to the "
            "server's, or start the server once"
        )
    print(
        f"database: SQLite file {where} does not exist; creating a new, empty database "
        "(a server on another HOTLINE_DATA_DIR will not see this version)",
        file=sys.stderr,
    )
