"""A Redis connection that writes commands with hiredis's C encoder.

redis-py's synchronous client encodes commands with hiredis when it is installed; its asyncio
client always encodes them in Python, argument by argument. For the router's batches (many
operations, hundreds of arguments per call) that encoding is most of the client's work, so
this connection class does what the synchronous client does. The bytes on the wire are the
same (tests compare them with redis-py's own encoder). Through Redis Sentinel the same
packing rides on redis-py's Sentinel-managed connection, in a pool that waits for a free
connection as `BlockingConnectionPool` does.
"""

from __future__ import annotations

from typing import Any, cast

import hiredis
import redis.asyncio as aioredis
from redis.asyncio.sentinel import SentinelConnectionPool, SentinelManagedConnection
from redis.exceptions import DataError
from redis.typing import EncodableT


class HiredisPackingConnection(aioredis.Connection):
    """`aioredis.Connection` with `pack_command` done by `hiredis.pack_command`."""

    def pack_command(self, *args: EncodableT) -> list[bytes]:
        # Like redis-py: a command name with spaces ("SCRIPT LOAD") is several arguments.
        head = args[0]
        if isinstance(head, str):
            args = (*head.encode().split(), *args[1:])
        elif isinstance(head, bytes) and b" " in head:
            args = (*head.split(), *args[1:])
        try:
            return [hiredis.pack_command(cast(Any, args))]  # its stub types a 1-tuple
        except TypeError as error:
            raise DataError(str(error)) from error


class HiredisPackingSentinelConnection(HiredisPackingConnection, SentinelManagedConnection):
    """A connection to whichever node the sentinels name primary, packing with hiredis. On a
    READONLY reply (the node it holds was demoted) it disconnects and raises
    `ConnectionError`, so the command is retried on the new primary."""

    async def _connect(self) -> None:
        # Every socket opened asks the sentinels first. redis-py asks them only when the pool
        # hands out a connection: a command's retry reopens the socket to the address it
        # last had, the dead or demoted node (redis/redis-py#3874), until its retries end.
        if self.connection_pool.is_master:
            self.host, self.port = await self.connection_pool.get_master_address()
        await super()._connect()  # type: ignore[no-untyped-call]


class BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """Connections to the primary the sentinels name; when all are in use, waits for one
    (`max_connections`, `timeout`) instead of failing."""


class SentinelRedis(aioredis.Redis):
    """The client of a `BlockingSentinelPool`: closing it closes its sentinels' clients too."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        pool = cast(SentinelConnectionPool, self.connection_pool)
        await pool.sentinel_manager.aclose()


def connection_pool_options() -> dict[str, Any]:
    """Keyword arguments for `ConnectionPool.from_url` that select this connection class."""
    return {"connection_class": HiredisPackingConnection}
