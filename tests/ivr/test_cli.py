"""The server process's start-up tuning."""

from __future__ import annotations

import gc

from ivr.cli import freeze_long_lived


async def test_start_up_objects_leave_the_collectors_full_passes() -> None:
    try:
        await freeze_long_lived()
        assert gc.get_freeze_count() > 10_000  # modules, classes, functions at least
    finally:
        gc.unfreeze()
