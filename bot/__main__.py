"""Command line: `python -m bot run | migrate | org create | demo` (script: `thidua-bot`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence

from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thidua-bot", description="Thi đua – Khen thưởng bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="apply migrations, then long-poll until Ctrl-C")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("demo", help="play the journeys against the local emulator (no token)")
    org = sub.add_parser("org", help="organisations").add_subparsers(
        dest="org_command", required=True
    )
    create = org.add_parser("create", help="create a school with default departments")
    create.add_argument("name")
    create.add_argument("--parent", type=int, help="id of the organisation above")
    create.add_argument("--chair-id", type=int, help="Telegram id of the chair (skips the link)")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


async def _migrate(settings: Settings) -> None:
    from bot.app import bootstrap

    engine, _ = await bootstrap(settings)
    await engine.dispose()


async def _bot_username(settings: Settings) -> str:
    if settings.bot_username:
        return settings.bot_username
    from telegram import Bot

    base_url = settings.telegram_base_url or "https://api.telegram.org/bot"
    async with Bot(settings.require_token(), base_url=base_url) as bot:
        return bot.username


async def _org_create(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import bootstrap
    from bot.context import utcnow
    from services import orgs
    from services.errors import ServiceError

    username = await _bot_username(settings)
    engine, deps = await bootstrap(settings)
    try:
        async with deps.sessions() as session:
            created = await orgs.create_org(
                session,
                name=args.name,
                parent_id=args.parent,
                chair_tg_id=args.chair_id,
                now=utcnow(),
            )
    except ServiceError as refusal:
        print(deps.texts.render("en", refusal.key, **refusal.values), file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    link = f"https://t.me/{username}?start="
    result = {
        "org_id": created.org_id,
        "chair_link": f"{link}{orgs.CHAIR_PREFIX}{created.chair_code}"
        if created.chair_code
        else None,
        "invite_link": f"{link}{orgs.JOIN_PREFIX}{created.invite_code}",
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Created organisation {created.org_id}: {args.name}")
        if result["chair_link"]:
            print(f"Chair link (one use; send it to the chair only): {result['chair_link']}")
        else:
            print(f"Chair: Telegram user {args.chair_id}")
        print(f"Staff invite link: {result['invite_link']}")
    return 0


async def _run(settings: Settings) -> None:
    from bot.app import bootstrap, build_application, serve

    token = settings.require_token()
    engine, deps = await bootstrap(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await serve(build_application(deps, token), stop)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; a bad setting ends with one line on stderr and exit code 2."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(
            settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
        )
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            print("Database is up to date.")
        elif args.command == "org":
            return asyncio.run(_org_create(settings, args))
        elif args.command == "run":
            asyncio.run(_run(settings))
        elif args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo())
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
