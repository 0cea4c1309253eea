"""The drivers are tried against the local carrier, on the same fixtures as its own tests."""

from tests.local_carrier.conftest import carrier, server

__all__ = ["carrier", "server"]
