"""The server's log lines: a line about a call ends with its call and agent, other lines stay
as they were, and `hotline` installs exactly this format."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hotline import cli
from hotline.log_lines import FORMAT, CallFieldsFormatter, configure_logging, log_handler
from hotline.settings import DEMO_CONFIG


def tail(line: str) -> str:
    """A line without its timestamp (date and time, the first two words)."""
    return line.split(" ", 2)[2]


def test_a_record_with_a_call_and_an_agent_names_both() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.log_lines.both")
    handler = log_handler(stream)
    logger.addHandler(handler)
    try:
        logger.warning(
            "answered a stale offer: %s", "stale", extra={"call_sid": "CA1", "agent_id": "a1005"}
        )
        logger.warning("ready (was %s)", "offline", extra={"agent_id": "a1005"})
        logger.warning("transfer %s", "busy", extra={"call_sid": "CA2", "agent_id": None})
        logger.warning("config: version %d in force", 3)
    finally:
        logger.removeHandler(handler)
    assert [tail(line) for line in stream.getvalue().splitlines()] == [
        "WARNING tests.log_lines.both: answered a stale offer: stale call_sid=CA1 agent_id=a1005",
        "WARNING tests.log_lines.both: ready (was offline) agent_id=a1005",
        "WARNING tests.log_lines.both: transfer busy call_sid=CA2",
        "WARNING tests.log_lines.both: config: version 3 in force",
    ]


def test_the_call_comes_before_the_traceback() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.log_lines.traceback")
    handler = log_handler(stream)
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError("carrier down")
        except RuntimeError:
            logger.exception("ring failed", extra={"call_sid": "CA3", "agent_id": "a1003"})
    finally:
        logger.removeHandler(handler)
    first, *rest = stream.getvalue().splitlines()
    assert tail(first) == "ERROR tests.log_lines.traceback: ring failed call_sid=CA3 agent_id=a1003"
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "RuntimeError: carrier down"


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger without handlers, as in a fresh process (pytest's own handlers are
    put back afterwards)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers = []
    try:
        yield root
    finally:
        root.handlers = handlers
        root.setLevel(level)


def test_the_server_installs_this_format_at_its_level() -> None:
    stream = io.StringIO()
    with bare_root() as root:
        configure_logging("INFO", stream)
        logging.getLogger("ivr.webhooks.voice").debug("not shown", extra={"call_sid": "CA4"})
        logging.getLogger("ivr.webhooks.voice").info("hotline=95598", extra={"call_sid": "CA4"})
        level = root.level
    assert [tail(line) for line in stream.getvalue().splitlines()] == [
        "INFO ivr.webhooks.voice: hotline=95598 call_sid=CA4"
    ]
    assert level == logging.INFO


def test_the_command_line_sets_up_logging_with_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOTLINE_LOG_LEVEL", "warning")
    with bare_root() as root:
        assert cli.main(["menu", "validate", str(DEMO_CONFIG)]) == 0
        handlers, level = root.handlers[:], root.level
    assert capsys.readouterr().out.startswith("ok: ")
    (handler,) = handlers
    assert isinstance(handler.formatter, CallFieldsFormatter)
    assert handler.formatter._fmt == FORMAT
    assert level == logging.WARNING
