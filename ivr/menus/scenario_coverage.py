"""The ends of a config's menus, and which of them no passing flow test reaches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ivr.menus.scenarios import ScenarioResult
from ivr.menus.schema import Config
from ivr.menus.validate import EXIT_TYPES


def leaves(config: Config) -> list[str]:
    """Config paths of every end a call can take: each option and fallback that leaves the
    menu, the VIP path, the closed policy, public holidays, make-up workdays with their own
    hours, and each dated override."""
    return list(_leaves(config))


def _leaves(config: Config) -> Iterator[str]:
    for index, hotline in enumerate(config.hotlines):
        where = f"hotlines[{index}]"
        for node_id, node in hotline.menu.nodes.items():
            node_path = f"{where}.menu.nodes.{node_id}"
            for position, option in enumerate(node.options):
                if option.action.type in EXIT_TYPES:
                    yield f"{node_path}.options[{position}]"
            if node.fallback.type in EXIT_TYPES:
                yield f"{node_path}.fallback"
        if hotline.vip is not None:
            yield f"{where}.vip"
        hours = hotline.hours
        if hours.always_open:
            continue
        if hotline.closed is not None:
            yield f"{where}.closed"
        if hours.cn_calendar:
            yield f"{where}.hours.holiday"
            if hours.makeup:
                yield f"{where}.hours.makeup"
        for position in range(len(hours.overrides)):
            yield f"{where}.hours.overrides[{position}]"


def uncovered(config: Config, results: Iterable[ScenarioResult]) -> list[str]:
    """The leaves that no passing scenario reached, in config order."""
    reached = set().union(*(result.reached for result in results if result.passed))
    return [leaf for leaf in leaves(config) if leaf not in reached]
