"""`hotline menu validate` and `hotline config import` with flow tests: failures listed
like other problems, exit 1, and nothing published."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hotline import cli
from hotline.settings import DEMO_CONFIG
from tests.ivr.menus.test_holiday_data import LAST

FAILING = "95598 停电报修"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Its own embedded database, and a clock whose years have holiday data."""
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(cli, "current_time", lambda: datetime(LAST - 1, 6, 1, tzinfo=UTC))


def demo_with_a_failing_flow_test(tmp_path: Path) -> Path:
    """The demo with '1 > 1 停电' sent to billing, its flow test left expecting fault."""
    text = DEMO_CONFIG.read_text("utf-8")
    wrong = text.replace(
        "              label: 停电\n              speech: [停电, 没电]\n"
        "              action: {type: queue, queue: fault, category: 故障报修}",
        "              label: 停电\n              speech: [停电, 没电]\n"
        "              action: {type: queue, queue: billing, category: 故障报修}",
    )
    assert wrong != text
    path = tmp_path / "wrong.yaml"
    path.write_text(wrong, encoding="utf-8")
    return path


def test_validate_plays_the_flow_tests(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["menu", "validate", str(DEMO_CONFIG)]) == 0
    out, err = capsys.readouterr()
    assert out == "ok: 2 hotline(s), 6 menu nodes, 6 queues, 33 flow test(s) passed\n"
    assert err == ""


def test_validate_lists_a_failing_flow_test_as_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["menu", "validate", str(demo_with_a_failing_flow_test(tmp_path))]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "1 problem(s):",
        f"  scenarios[0]: flow test '{FAILING}' failed: expected queue fault, got queue billing"
        " after inputs 1, 1 (path 1 故障报修 > 1 停电)",
        "32 flow test(s) passed, 1 failed",
    ]


def test_validate_warns_of_the_coming_year_without_holidays_and_still_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "current_time", lambda: datetime(LAST, 6, 1, tzinfo=UTC))
    assert cli.main(["menu", "validate", str(DEMO_CONFIG)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ok: ")
    (line,) = err.splitlines()
    assert line.startswith("warning: the holiday calendar (chinesecalendar ")
    assert f"has no data for {LAST + 1}:" in line


def test_validate_names_a_schema_mistake_in_a_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEMO_CONFIG.read_text("utf-8").replace(
        '    inputs: ["1", "2"]\n    expect: {queue: fault}',
        '    inputs: ["1", "2"]\n    expect: {queue: fault, action: hangup}',
    )
    path = tmp_path / "mistake.yaml"
    path.write_text(text, encoding="utf-8")
    assert cli.main(["menu", "validate", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "1 problem(s):",
        "  scenarios[1].expect: queue: fault ends in a queue, not with action hangup",
    ]


def test_import_refuses_a_failing_flow_test_and_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["config", "import", str(DEMO_CONFIG), "--comment", "good"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "published version 1"
    wrong = demo_with_a_failing_flow_test(tmp_path)
    assert cli.main(["config", "import", str(wrong), "--comment", "wrong"]) == 1
    out, err = capsys.readouterr()
    assert "published" not in out
    assert f"scenarios[0]: flow test '{FAILING}' failed" in err
    assert err.splitlines()[-1] == "nothing was published"
    assert cli.main(["config", "history"]) == 0
    history = capsys.readouterr().out.splitlines()
    assert len(history) == 1
    assert history[0].startswith("*    1  ")
    assert history[0].endswith("good")
