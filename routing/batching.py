"""Batching: the Lua operations asked for in one turn of the event loop go to Redis as one
call of a batch function, and batches are paced so that Redis and this process work at once.

A server handles many calls at once, and each of its Redis operations (a router step, a
call-state step) is a small script. Sent one by one, most of their cost is the client's and
the round trip's, not the work in Redis. Here the operations queued before the loop's next
turn share one FCALL: nothing waits for a timer, so a lone operation leaves at once, and
under load the batches grow by themselves. Each operation is still atomic and runs exactly
as its own script would; an operation that fails raises in its caller only.

Pacing. Redis runs every command that reached it before its own loop's next turn and then
writes all their replies; and an event loop here (uvloop) writes out together whatever was
sent during one of its turns. Batches sent at once would be answered at once, after Redis
has run them all, while this process waits; then this process would parse every reply
while Redis waits. So at most `WINDOW` batches are in flight and at most one leaves per
turn: while Redis runs a batch, the next one is already waiting for it, and this process
reads each reply, and sends the following batch before the reply's callers resume, while
Redis runs the next.

An operation is the body of a Lua function of `(KEY, ARGV)`: the one key it works on and
its arguments. `batch_library` turns a set of them into a Redis function library (Redis 7's
FUNCTION LOAD) whose one function runs a batch (the dispatcher in `routing/lua/batch.lua`);
`FunctionLibrary` calls it, loading it when Redis does not have it. A library, unlike an
EVAL script, defines its helpers once, when it loads, not at every call. It keeps no state
from one call to the next, as Redis asks of functions: its prelude's `begin_batch` sets up
each call afresh and `end_batch` drops what the call held, so that every call reads what
Redis holds now, whoever wrote it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Awaitable, Mapping, Sequence
from importlib import resources
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

Arg = str | int | float

#: Operations per call, so one call never holds Redis for long (a few ms at most).
MAX_OPERATIONS = 16
#: Batches sent and not yet answered: one that Redis runs, one waiting for it.
WINDOW = 2


class Script(Protocol):
    """A batch function (`FunctionLibrary`): keys and args in, its reply out."""

    def __call__(self, *, keys: Sequence[str], args: Sequence[Arg]) -> Awaitable[Any]: ...


#: First in every library. Redis lets a library's code read no global while it loads, only
#: while one of its functions runs; the dispatcher sets `unpack` then (Redis runs Lua 5.1,
#: where it is global; fakeredis runs 5.4, where it is in `table`).
_HEADER = """local function lua_unpack() return unpack or table.unpack end
local unpack"""


#: The prelude of a library whose operations need nothing set up for a call.
EMPTY_PRELUDE = "local function begin_batch() end\nlocal function end_batch() end"


def _function(name: str, body: str) -> str:
    return f"local function op_{name}(KEY, ARGV)\n{body}\nend"


def batch_library(
    name: str, prelude: Sequence[str], operations: Mapping[str, str]
) -> tuple[str, str]:
    """The function library that runs a list of `operations` (name → body) in one call, as
    (its function's name, its source). The name is `name` and a digest of the source, so
    that servers running different code share a Redis without replacing each other's.

    `prelude` is Lua that precedes the operations; it defines `begin_batch(KEYS)`, run
    first in every call, and `end_batch()`, run last (`EMPTY_PRELUDE`: both do nothing).
    """
    dispatcher = resources.files("routing.lua").joinpath("batch.lua").read_text("utf-8")
    table = ", ".join(f"{op} = op_{op}" for op in operations)
    functions = [_function(op, body) for op, body in operations.items()]
    body = "\n".join([_HEADER, *prelude, *functions, f"local OPS = {{{table}}}", dispatcher])
    function = f"{name}_{hashlib.sha256(body.encode()).hexdigest()[:16]}"
    registration = f"redis.register_function('{function}', run_batch)"
    return function, "\n".join([f"#!lua name={function}", body, registration])


#: Function libraries (FUNCTION LOAD, FCALL) came with Redis 7.0.
FUNCTIONS_SINCE = (7, 0)


class RedisTooOld(RuntimeError):
    """The Redis server has no function libraries (it is older than 7.0)."""


async def require_functions(redis: aioredis.Redis) -> None:
    """Raise `RedisTooOld`, naming the server's version, unless it runs function libraries.
    Checked once when a server starts, so that an old Redis is a clear start-up error and
    not a failure of every call."""
    version = str((await redis.info("server")).get("redis_version", "0"))
    parts = tuple(int(p) if p.isdigit() else 0 for p in version.split(".")[:2])
    if parts < FUNCTIONS_SINCE:
        raise RedisTooOld(
            f"Redis {version} has no function libraries (FUNCTION LOAD); Hotline needs"
            f" Redis {'.'.join(map(str, FUNCTIONS_SINCE))} or newer"
        )


class FunctionLibrary:
    """A batch library's function, called like a script: FCALL, and on "function not found"
    (a new server, a Redis restart, a FUNCTION FLUSH) FUNCTION LOAD and the call again."""

    def __init__(self, redis: aioredis.Redis, function: str, source: str) -> None:
        self.redis = redis
        self.function = function
        self.source = source

    async def load(self) -> None:
        try:
            await self.redis.function_load(self.source)
        except ResponseError as error:
            if "already exists" not in str(error):  # loaded meanwhile by another client
                raise

    async def __call__(self, *, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        try:
            return await self.redis.fcall(self.function, len(keys), *keys, *args)
        except ResponseError as error:
            if "function not found" not in str(error).lower():
                raise
        await self.load()
        return await self.redis.fcall(self.function, len(keys), *keys, *args)


Queued = tuple[str, str, Sequence[Arg], "asyncio.Future[Any]"]


class OperationBatcher:
    """Queues operations (`run`) and sends them as calls of `script`, paced (see above)."""

    def __init__(
        self, script: Script, *, max_operations: int = MAX_OPERATIONS, window: int = WINDOW
    ) -> None:
        self._script = script
        self._max = max_operations
        self._window = window
        self._queued: deque[Queued] = deque()
        self._unanswered = 0  # batches sent whose reply has not come back
        self._sent_this_turn = False
        self._in_flight: set[asyncio.Task[None]] = set()  # keeps the sending tasks alive

    async def run(self, operation: str, key: str, args: Sequence[Arg]) -> Any:
        """Run one operation on `key` and return what the operation returns."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queued:
            loop.call_soon(self._flush)
        self._queued.append((operation, key, args, future))
        return await future

    def _flush(self) -> None:
        """Send the next batch, unless one left this turn or the window is full."""
        if self._sent_this_turn or not self._queued or self._unanswered >= self._window:
            return
        queued = self._queued
        batch = [queued.popleft() for _ in range(min(self._max, len(queued)))]
        self._unanswered += 1
        task = asyncio.ensure_future(self._send(batch))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        self._sent_this_turn = True
        asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        self._sent_this_turn = False
        self._flush()

    async def _send(self, batch: list[Queued]) -> None:
        keys = [key for _, key, _, _ in batch]
        argv: list[Arg] = [len(batch)]
        for operation, _, args, _ in batch:
            argv += [operation, len(args), *args]
        try:
            try:
                replies: list[Any] = await self._script(keys=keys, args=argv)
            finally:
                # The next batch leaves now, before this one's callers resume.
                self._unanswered -= 1
                self._flush()
            if not isinstance(replies, list) or len(replies) != 2 * len(batch):
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
        # Flat: 1 and the result, or 0 and the error message, per operation (batch.lua).
        for n, (operation, _, _, future) in enumerate(batch):
            if future.done():  # its caller was cancelled; the operation ran all the same
                continue
            if replies[2 * n] == 1:
                future.set_result(replies[2 * n + 1])
            else:
                future.set_exception(ResponseError(f"{operation}: {replies[2 * n + 1]}"))
