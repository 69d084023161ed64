"""The lease's gate on real HTTP connections: a standby sends nothing, a holder sends, and a
call that was admitted just before the process froze is still stopped at the socket (TLS too)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import create_async_engine
from telegram.error import NetworkError

from delivery.gate import GatedRequest
from delivery.lease import LeaseKeeper, LeaseLost
from storage.db import make_session_factory

TOKEN = "123456:" + "A" * 35


class Clock:
    """A monotonic clock the test moves (a process frozen, then woken)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FreezesAfterAdmit(LeaseKeeper):
    """Admits the call, then "freezes" past its deadline before the bytes reach the socket."""

    async def admit(self, method: str) -> None:
        """Admit, then let the clock jump."""
        await super().admit(method)
        if self.freeze:
            self.clock.now += 60.0  # type: ignore[attr-defined]

    freeze = False


def lease_keeper(clock: Clock) -> FreezesAfterAdmit:
    """A keeper that never touches a database (holding is set by hand)."""
    engine = create_async_engine("sqlite+aiosqlite://")
    return FreezesAfterAdmit(make_session_factory(engine), seconds=10, clock=clock)


def hold(lease: LeaseKeeper, clock: Clock) -> None:
    """As if the lease had just been acquired."""
    lease.token, lease.valid_until = 1, clock.now + 9.0


async def _server(ssl_context: ssl.SSLContext | None) -> AsyncIterator[tuple[str, list[str]]]:
    seen: list[str] = []

    async def api(request: web.Request) -> web.Response:
        seen.append(request.match_info["method"])
        return web.json_response({"ok": True, "result": {"method": request.match_info["method"]}})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    host, port = runner.addresses[0][:2]
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://{host}:{port}/bot{TOKEN}", seen
    finally:
        await runner.cleanup()


@pytest.fixture
async def api() -> AsyncIterator[tuple[str, list[str]]]:
    """A minimal Bot API over plain HTTP: (base URL, methods it received)."""
    async for served in _server(None):
        yield served


async def _exercise(base: str, seen: list[str], request: GatedRequest, clock: Clock) -> None:
    lease: FreezesAfterAdmit = request._lease  # type: ignore[assignment]
    await request.initialize()
    try:
        with pytest.raises(LeaseLost):
            await request.post(f"{base}/sendMessage")  # standby
        with pytest.raises(LeaseLost):
            await request.post(f"{base}/getUpdates")
        assert await request.post(f"{base}/getMe") == {"method": "getMe"}
        assert seen == ["getMe"]
        hold(lease, clock)
        assert await request.post(f"{base}/sendMessage") == {"method": "sendMessage"}
        lease.freeze = True  # admitted, then frozen for a minute, woken: the socket refuses
        with pytest.raises(LeaseLost):
            await request.post(f"{base}/sendMessage")
        assert seen == ["getMe", "sendMessage"]
        lease.freeze = False
        hold(lease, clock)  # renewed: the pool still works after the refused write
        assert await request.post(f"{base}/sendMessage") == {"method": "sendMessage"}
        assert seen == ["getMe", "sendMessage", "sendMessage"]
    finally:
        await request.shutdown()


async def test_the_gate_stops_calls_at_the_start_and_at_the_socket(
    api: tuple[str, list[str]],
) -> None:
    clock = Clock()
    base, seen = api
    await _exercise(base, seen, GatedRequest(lease_keeper(clock), connection_pool_size=2), clock)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl tool)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl tool is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        [*command, *subject, *files],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_the_gated_connections_speak_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    clock = Clock()
    async for base, seen in _server(server_tls):
        request = GatedRequest(lease_keeper(clock), connection_pool_size=2, ssl_context=client_tls)
        await _exercise(base, seen, request, clock)


async def test_calls_go_through_the_proxy_the_environment_names(
    api: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A school network that only lets the bot out through its proxy (HTTP_PROXY / HTTPS_PROXY,
    # as curl and httpx read them); NO_PROXY still reaches a local Bot API server directly.
    base, seen = api
    proxy = base.split("/bot", 1)[0]
    monkeypatch.setenv("http_proxy", proxy)
    monkeypatch.setenv("no_proxy", "localhost")
    clock = Clock()
    request = GatedRequest(lease_keeper(clock))
    hold(request._lease, clock)
    await request.initialize()
    try:
        # Only the proxy (our test server) can answer for this host: it does not exist.
        assert await request.post(f"http://api.telegram.invalid/bot{TOKEN}/getMe") == {
            "method": "getMe"
        }
        assert seen == ["getMe"]
        monkeypatch.setenv("no_proxy", "api.telegram.invalid")
        bypassing = GatedRequest(lease_keeper(clock))
        await bypassing.initialize()
        try:
            with pytest.raises(NetworkError):  # straight to a host that does not exist
                await bypassing.post(f"http://api.telegram.invalid/bot{TOKEN}/getMe")
        finally:
            await bypassing.shutdown()
    finally:
        await request.shutdown()
