"""A Redis connection that writes commands with hiredis's C encoder.

redis-py's synchronous client encodes commands with hiredis when it is installed; its asyncio
client always encodes them in Python, argument by argument. For the router's batches (many
operations, hundreds of arguments per call) that encoding is most of the client's work, so
this connection class does what the synchronous client does. The bytes on the wire are the
same (tests compare them with redis-py's own encoder).
"""

from __future__ import annotations

from typing import Any, cast

import hiredis
import redis.asyncio as aioredis
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


def connection_pool_options() -> dict[str, Any]:
    """Keyword arguments for `ConnectionPool.from_url` that select this connection class."""
    return {"connection_class": HiredisPackingConnection}
