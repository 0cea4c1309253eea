"""Checking a config text as an admin edits it: its problems, its warnings, and how each
flow test went (what `hotline menu validate` prints and the console can show)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ivr.menus.holiday_data import holiday_data_warnings, year_known
from ivr.menus.loading import read_config_text
from ivr.menus.problem import Problem
from ivr.menus.scenario_coverage import uncovered
from ivr.menus.scenario_schema import SCENARIO_TIMEZONE
from ivr.menus.scenarios import ScenarioResult, run_scenarios
from ivr.menus.schema import Config
from ivr.menus.validate import structural_problems


@dataclass(frozen=True)
class ConfigCheck:
    """Problems block publishing; warnings do not. `results` holds every flow test played
    (none when the config is too broken to play)."""

    config: Config | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_config_text(text: str, *, now: datetime) -> ConfigCheck:
    """Everything `load_config_text` refuses, plus warnings: a year without holiday data
    (now or next, or a flow test's), and, once all is well, menu ends no flow test reaches."""
    config, found = read_config_text(text)
    warnings = [Problem("", text) for text in holiday_data_warnings(now)]
    if config is None:
        return ConfigCheck(None, found, warnings)
    results = [] if structural_problems(config) else run_scenarios(config)
    warnings += _scenario_year_warnings(config)
    if config.scenarios and results and not found:  # a failing test is told once, above
        reason = "no passing flow test reaches this end of the menu"
        warnings += [Problem(leaf, reason) for leaf in uncovered(config, results)]
    return ConfigCheck(config, found, warnings, results)


def _scenario_year_warnings(config: Config) -> list[Problem]:
    found = []
    for index, scenario in enumerate(config.scenarios):
        year = scenario.at.astimezone(SCENARIO_TIMEZONE).year if scenario.at else None
        if year is not None and not year_known(year):
            reason = (
                f"the holiday calendar has no data for {year}: this flow test "
                "runs as if that year had no public holidays or make-up workdays"
            )
            found.append(Problem(f"scenarios[{index}].at", reason))
    return found
