"""Simulated call time: how long prompts last and how fast the carrier lets them pass."""

from __future__ import annotations

import asyncio
import math
import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9']+")


def speech_seconds(text: str) -> float:
    """How long a text-to-speech voice takes to say `text` (4 Chinese characters or 2.5 words
    a second), never less than half a second."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(text))
    return max(0.5, cjk / 4.0 + words / 2.5)


class CallClock:
    """One call's clock in simulated seconds.

    `speed` is simulated seconds per real second: 1.0 is real time, `math.inf` never waits
    (the clock then advances only by the simulated durations, so a test can run minutes of
    queueing at once).
    """

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed: must be positive, got {speed!r}")
        self.speed = speed
        self._loop = asyncio.get_running_loop()
        self._start = self._loop.time()
        self._advanced = 0.0

    @property
    def instant(self) -> bool:
        return math.isinf(self.speed)

    def now(self) -> float:
        """Simulated seconds since the call started."""
        if self.instant:
            return self._advanced
        return (self._loop.time() - self._start) * self.speed

    async def sleep(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass."""
        seconds = max(0.0, seconds)
        if self.instant:
            self._advanced += seconds
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(seconds / self.speed)

    async def sleep_unless(self, seconds: float, interrupt: asyncio.Event) -> bool:
        """Let `seconds` pass unless `interrupt` is set first; True when interrupted."""
        if interrupt.is_set():
            return True
        if self.instant:
            await asyncio.sleep(0)
            if interrupt.is_set():
                return True
            self._advanced += max(0.0, seconds)
            return False
        try:
            async with asyncio.timeout(max(0.0, seconds) / self.speed):
                await interrupt.wait()
        except TimeoutError:
            return False
        return True

    def real_seconds(self, seconds: float) -> float:
        """Real seconds that `seconds` of simulated time take (0 when instant)."""
        return 0.0 if self.instant else max(0.0, seconds) / self.speed
