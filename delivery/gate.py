"""Every Bot API call, over aiohttp, behind the lease's gate: once when the call starts, again
at the socket (docs/delivery.md says why both, and why aiohttp).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ssl
import urllib.request
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import urlsplit

import aiohttp
from aiohttp.client_proto import ResponseHandler
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from delivery.lease import LeaseKeeper, LeaseLost
from delivery.redaction import redact

# The Bot API method of the call the current task is making (the socket does not know it). aiohttp
# writes a request's body from a task it starts, which inherits this context.
_METHOD: contextvars.ContextVar[str] = contextvars.ContextVar("bot_api_method", default="")


class _GatedTransport:
    """A connection's transport whose writes are checked against the lease at the last moment."""

    __slots__ = ("_lease", "_transport")

    def __init__(self, transport: asyncio.Transport, lease: LeaseKeeper) -> None:
        self._transport, self._lease = transport, lease

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Check the lease, then hand the bytes to the socket in the same synchronous step."""
        if data:
            self._lease.check_now(_METHOD.get())  # raises LeaseLost: nothing is written
        self._transport.write(data)

    def writelines(self, chunks: Iterable[bytes | bytearray | memoryview]) -> None:
        """The same check for a list of chunks."""
        self._lease.check_now(_METHOD.get())
        self._transport.writelines(chunks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _GatedResponseHandler(ResponseHandler):
    """aiohttp's protocol for one connection, given the gated transport to write to."""

    def __init__(self, loop: asyncio.AbstractEventLoop, lease: LeaseKeeper) -> None:
        super().__init__(loop)
        self._lease = lease

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the real transport for everything but writes."""
        gated = _GatedTransport(cast(asyncio.Transport, transport), self._lease)
        super().connection_made(cast(asyncio.Transport, gated))


def _timeout(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


NO_UPDATES = b'{"ok":true,"result":[]}'


class GatedRequest(BaseRequest):
    """PTB's HTTP request, over aiohttp, with the lease's gate in front: nothing leaves a standby
    process.

    Timeouts as PTB's own: `connect_timeout` to open a connection, plus `pool_timeout` to wait for
    a free one; `read_timeout` between bytes of the answer (aiohttp has no write timeout: a request
    is handed to the socket's buffer).
    """

    __slots__ = (
        "_connect_timeout",
        "_lease",
        "_limit",
        "_nothing_when_lost",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_ssl",
    )

    def __init__(
        self,
        lease: LeaseKeeper,
        *,
        connection_pool_size: int = 16,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        ssl_context: ssl.SSLContext | None = None,
        nothing_when_lost: bool = False,
    ) -> None:
        # For the getUpdates connection: a process that is not (or no longer) the active one
        # receives nothing, quietly, rather than PTB's polling loop failing with a traceback at
        # each try while the application stops (the hand-over is logged once, by the lease).
        self._nothing_when_lost = nothing_when_lost
        self._lease = lease
        self._limit = connection_pool_size
        self._read_timeout, self._connect_timeout = read_timeout, connect_timeout
        self._pool_timeout = pool_timeout
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to getUpdates' long-polling timeout)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the connection pool (in the running loop)."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(limit=self._limit, ssl=self._ssl)
        loop = asyncio.get_running_loop()
        # aiohttp makes each connection's protocol with this factory, a private attribute: the
        # version is pinned below 4, and tests/unit/test_gate.py fails if writes stop being gated.
        if not isinstance(getattr(connector, "_factory", None), functools.partial):
            raise RuntimeError("aiohttp's connector changed: cannot gate its connections")
        gated = functools.partial(_GatedResponseHandler, loop, self._lease)
        connector._factory = gated  # type: ignore[assignment]  # a ResponseHandler subclass
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            # Not trust_env: aiohttp would then read the proxy variables and ~/.netrc in a thread
            # on every call; `_proxy` reads the variables once per host instead.
            skip_auto_headers=("Accept-Encoding",),  # Bot API answers are small; no gzip work
        )

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Admit the call (see `LeaseKeeper.admit`), then make it through gated connections."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This GatedRequest is not initialized!")
        name = url.rsplit("/", 1)[-1]
        try:
            return await self._gated(
                name, url, method, request_data, read_timeout, connect_timeout, pool_timeout
            )
        except LeaseLost:
            if self._nothing_when_lost and name == "getUpdates":
                return HTTPStatus.OK, NO_UPDATES
            raise

    async def _gated(
        self,
        name: str,
        url: str,
        method: str,
        request_data: RequestData | None,
        read_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
    ) -> tuple[int, bytes]:
        assert self._session is not None
        await self._lease.admit(name)
        connect = _timeout(connect_timeout, self._connect_timeout)
        pool = _timeout(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_timeout(read_timeout, self._read_timeout),
        )
        token = _METHOD.set(name)
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            if isinstance(exc.__cause__, LeaseLost):  # refused at the socket, in aiohttp's task
                raise exc.__cause__ from None
            raise NetworkError(redact(f"aiohttp.{type(exc).__name__}: {exc}")) from exc
        finally:
            _METHOD.reset(token)

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for this URL's host (HTTPS_PROXY, NO_PROXY...), if any,
        as httpx and curl read them."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            proxies = urllib.request.getproxies()
            bypass = urllib.request.proxy_bypass(parts.hostname or "")
            chosen = None if bypass else proxies.get(parts.scheme) or proxies.get("all")
            self._proxies[key] = chosen
        return self._proxies[key]


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The request's parameters: a form, multipart when it uploads files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
