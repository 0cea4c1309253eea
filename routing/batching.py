"""Batching: the Lua operations asked for in one turn of the event loop go to Redis as one
call of a batch script.

A server handles many calls at once, and each of its Redis operations (a router step, a
call-state step) is a small script. Sent one by one, most of their cost is the client's and
the round trip's, not the work in Redis. Here every operation queued before the loop's next
turn shares one EVALSHA: nothing waits for a timer, so a lone operation leaves at once, and
under load the batches grow by themselves. Each operation is still atomic and runs exactly
as its own script would; an operation that fails raises in its caller only.

An operation is the body of a Lua function of `(KEY, ARGV)`: the one key it works on and
its arguments. `batch_source` turns a set of them into the batch script (the dispatcher in
`routing/lua/batch.lua`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from importlib import resources
from typing import Any, Protocol

from redis.exceptions import ResponseError

Arg = str | int | float

#: Operations per call, so one call never holds Redis for long (a few ms at most).
MAX_OPERATIONS = 16


class Script(Protocol):
    """A registered script (`redis.register_script`): keys and args in, its reply out."""

    def __call__(self, *, keys: Sequence[str], args: Sequence[Arg]) -> Awaitable[Any]: ...


def _function(name: str, body: str) -> str:
    return f"local function op_{name}(KEY, ARGV)\n{body}\nend"


def batch_source(prelude: Sequence[str], operations: Mapping[str, str]) -> str:
    """The script that runs a list of `operations` (name → body) in one call."""
    dispatcher = resources.files("routing.lua").joinpath("batch.lua").read_text("utf-8")
    table = ", ".join(f"{name} = op_{name}" for name in operations)
    functions = [_function(name, body) for name, body in operations.items()]
    return "\n".join([*prelude, *functions, f"local OPS = {{{table}}}", dispatcher])


Queued = tuple[str, str, Sequence[Arg], "asyncio.Future[Any]"]


class OperationBatcher:
    """Queues operations (`run`) and sends each turn's queue as one call of `script`."""

    def __init__(self, script: Script, *, max_operations: int = MAX_OPERATIONS) -> None:
        self._script = script
        self._max = max_operations
        self._queued: list[Queued] = []
        self._in_flight: set[asyncio.Task[None]] = set()

    async def run(self, operation: str, key: str, args: Sequence[Arg]) -> Any:
        """Run one operation on `key` and return what the operation returns."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queued:
            loop.call_soon(self._flush)
        self._queued.append((operation, key, args, future))
        return await future

    def _flush(self) -> None:
        queued, self._queued = self._queued, []
        for start in range(0, len(queued), self._max):
            task = asyncio.ensure_future(self._send(queued[start : start + self._max]))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _send(self, batch: list[Queued]) -> None:
        keys = [key for _, key, _, _ in batch]
        argv: list[Arg] = [len(batch)]
        for operation, _, args, _ in batch:
            argv += [operation, len(args), *args]
        try:
            replies: list[list[Any]] = await self._script(keys=keys, args=argv)
            if not isinstance(replies, list) or len(replies) != len(batch):
                raise ResponseError(f"batch: {len(batch)} operations, reply {replies!r:.200}")
        except asyncio.CancelledError:
            for *_, future in batch:
                future.cancel()
            raise
        except Exception as error:  # every caller in the batch gets it
            for *_, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (operation, _, _, future), reply in zip(batch, replies, strict=True):
            if future.done():  # its caller was cancelled; the operation ran all the same
                continue
            if reply[0] == 1:
                future.set_result(reply[1] if len(reply) > 1 else None)
            else:
                future.set_exception(ResponseError(f"{operation}: {reply[1]}"))
