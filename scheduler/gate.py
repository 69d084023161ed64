"""The lease's gate in front of every Bot API call: once when the call starts, again at the socket.

`GatedRequest.do_request` admits a call (waiting, if need be, for a renewal of the lease or for
the quiet second after a takeover). That alone is not enough: between there and the socket, httpx,
httpcore and anyio yield to the event loop several times, so under load a few calls are always on
their way, and a process frozen (SIGSTOP) at that moment would write them when woken, long after
its lease expired. So the connections use `GatedBackend`, plain asyncio streams whose `write`
checks the lease *synchronously* right before handing the bytes to the transport: a woken
process's deadline has passed, and the write fails with LeaseLost before anything leaves. What is
left is the instant between that check and the `send` system call (see scheduler/lease.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest, RequestData

from scheduler.lease import LeaseKeeper

# The Bot API method of the call the current task is making (the socket does not know it).
_METHOD: contextvars.ContextVar[str] = contextvars.ContextVar("bot_api_method", default="")
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class GatedStream(httpcore.AsyncNetworkStream):
    """An asyncio TCP stream whose every write is checked against the lease at the last moment."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, lease: LeaseKeeper
    ) -> None:
        self._reader, self._writer, self._lease = reader, writer, lease

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        """Read up to `max_bytes` (b"" at the end)."""
        try:
            async with asyncio.timeout(timeout):  # no task per read, unlike wait_for on 3.11
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Check the lease, then hand the bytes to the transport in the same synchronous step."""
        if not buffer:
            return
        self._lease.check_now(_METHOD.get())  # raises LeaseLost: nothing is written
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        """Close the connection (without waiting for the peer)."""
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade the connection to TLS in place."""
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:
            self._writer.close()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks about the connection."""
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":  # an idle connection with something to read was closed
            return (
                self._reader.at_eof()
                or self._writer.is_closing()
                or self._reader.exception() is not None
            )
        return None


class GatedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend for gated connections (plain asyncio, TLS included)."""

    def __init__(self, lease: LeaseKeeper) -> None:
        self._lease = lease

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection."""
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return GatedStream(reader, writer, self._lease)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a Unix socket connection."""
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return GatedStream(reader, writer, self._lease)

    async def sleep(self, seconds: float) -> None:
        """Sleep."""
        await asyncio.sleep(seconds)


def _gate_sockets(client: httpx.AsyncClient, backend: GatedBackend) -> None:
    """Make every connection pool of `client` (proxies from the environment too) gated."""
    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            raise RuntimeError("httpx's transport changed: cannot gate its connections")
        pool._network_backend = backend


class GatedRequest(HTTPXRequest):
    """PTB's HTTP request with the lease's gate in front: nothing leaves a standby process."""

    __slots__ = ("_backend", "_lease")

    def __init__(self, lease: LeaseKeeper, **kwargs: Any) -> None:
        self._lease = lease
        self._backend = GatedBackend(lease)
        super().__init__(**kwargs)

    def _build_client(self) -> httpx.AsyncClient:
        client = super()._build_client()
        _gate_sockets(client, self._backend)
        return client

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Admit the call (see `LeaseKeeper.admit`), then make it through gated sockets."""
        name = url.rsplit("/", 1)[-1]
        await self._lease.admit(name)
        token = _METHOD.set(name)
        try:
            return await super().do_request(url, method, request_data, *args, **kwargs)
        finally:
            _METHOD.reset(token)
