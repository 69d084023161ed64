"""Run the emulator as a process: python -m tgemu --host 127.0.0.1 --port 0 [--no-flood-limits]."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .server import Emulator


async def serve(args: argparse.Namespace) -> None:
    """Start, print the ready line, and serve until SIGINT/SIGTERM."""
    emu = Emulator(
        args.host,
        args.port,
        flood_limits=not args.no_flood_limits,
        per_bot=args.per_bot,
        per_private_chat=args.per_private_chat,
        per_group_per_minute=args.per_group_per_minute,
        bot_username=args.bot_username,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with emu:
        print(f"TGEMU_READY {emu.url}", flush=True)
        await stop.wait()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tgemu", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--no-flood-limits", action="store_true")
    parser.add_argument("--per-bot", type=int, default=30, help="sends per second per bot")
    parser.add_argument("--per-private-chat", type=int, default=1, help="sends per second")
    parser.add_argument("--per-group-per-minute", type=int, default=20)
    parser.add_argument("--bot-username", default="thidua_test_bot")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
