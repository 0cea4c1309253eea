"""How the server's log lines read: each line about a call ends with the call and the agent
it concerns, from the record's `call_sid` and `agent_id` (passed as `extra=`)."""

from __future__ import annotations

import logging
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Record attributes appended as ` name=value` when a record carries them (non-empty).
CALL_FIELDS = ("call_sid", "agent_id")


class CallFieldsFormatter(logging.Formatter):
    """The house format, with ` call_sid=… agent_id=…` after the message when present
    (before any traceback), so a grep for one call finds every line about it."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        for name in CALL_FIELDS:
            value = getattr(record, name, None)
            if value is not None and value != "":
                line += f" {name}={value}"
        return line


def log_handler(stream: TextIO | None = None) -> logging.Handler:
    """The handler the server logs through (standard error unless `stream` is given)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CallFieldsFormatter(FORMAT))
    return handler


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """Install the server's handler on the root logger, at `level`."""
    logging.basicConfig(level=level, handlers=[log_handler(stream)])
