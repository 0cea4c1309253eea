"""How the desk writes durations and instants: seconds with one decimal and their unit, and
Beijing time (on pages under the header's zone note, in the API with its offset)."""

from __future__ import annotations

from datetime import UTC, datetime

from queues.working_days import SHANGHAI
from staff_web.supervisor.texts import Words


def seconds_text(w: Words, ms: float | None) -> str:
    """`0.4 s` / `0.4 秒` from milliseconds; one decimal, so a 400 ms wait never reads 0."""
    if ms is None:
        return ""
    return w["seconds"].format(n=f"{ms / 1000:.1f}")


def local_time(value: datetime | None) -> str:
    """`2026-11-25 10:00` in Beijing time: the zone is said once, in the page's header."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def local_time_s(value: datetime | None) -> str:
    """`2026-11-25 10:00:07`: as local_time, to the second (offers are seconds apart)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def api_time(value: datetime | None) -> str | None:
    """ISO 8601 in Beijing time with its offset (`...T10:00:00+08:00`), as the pages show."""
    return value.astimezone(SHANGHAI).isoformat() if value is not None else None


def api_time_ms(epoch_ms: int) -> str | None:
    """An instant of the router's clock (epoch ms) as api_time writes it."""
    return api_time(datetime.fromtimestamp(epoch_ms / 1000, UTC))


def seconds_to_ms(seconds: float | None) -> int | None:
    """A figure kept in seconds (rounded to 0.1 s), as the API's milliseconds."""
    return None if seconds is None else round(seconds * 1000)
