"""Command line: `python -m bot run [--webhook] | migrate | backup | org create|show|set | demo`."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot import cli_settings
from bot.logs import setup_logging
from delivery.redaction import redact
from runtime.config import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thidua-bot", description="Thi đua – Khen thưởng bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="apply migrations, then serve updates until Ctrl-C")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on a webhook (WEBHOOK_URL, WEBHOOK_SECRET) instead of polling",
    )
    sub.add_parser("migrate", help="apply database migrations")
    backup = sub.add_parser(
        "backup",
        help="copy the SQLite database safely while the bot runs, and the kept files beside it",
    )
    backup.add_argument(
        "path",
        nargs="?",
        help="where to write it (default: backup-YYYYmmdd-HHMMSS.sqlite3 beside the database)",
    )
    demo = sub.add_parser("demo", help="play the journeys against the local emulator (no token)")
    demo.add_argument(
        "--out", metavar="DIR", help="write every document and chart the people received here"
    )
    org = sub.add_parser("org", help="organisations").add_subparsers(
        dest="org_command", required=True
    )
    create = org.add_parser("create", help="create a school with default departments")
    create.add_argument("name")
    create.add_argument("--parent", type=int, help="id of the organisation above")
    create.add_argument("--chair-id", type=int, help="Telegram id of the chair (skips the link)")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    cli_settings.add_commands(org)
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
    from runtime.context import utcnow
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


def _backup(settings: Settings, path: str | None) -> int:
    from storage.backup import (
        BackupError,
        backup_files,
        backup_sqlite,
        default_backup_path,
        files_backup_path,
        sqlite_path,
    )

    try:
        database = sqlite_path(settings.database_url)
        if database is None:
            print(
                "DATABASE_URL is PostgreSQL: back up with `pg_dump -Fc`, and copy the files "
                f"directory {settings.files_root()} (README: Deploying for a district, Backups)",
                file=sys.stderr,
            )
            return 2
        target = Path(path) if path else default_backup_path(database, datetime.now(settings.tz))
        print(backup_sqlite(database, target))
        files = files_backup_path(target)
        copied, present = backup_files(settings.files_root(), files)
        print(f"{files} ({copied} files copied, {present} already there)")
    except BackupError as exc:
        print(f"Backup error: {exc}", file=sys.stderr)
        return 2
    return 0


def _run_cli(settings: Settings, use_webhook: bool) -> int:
    """`run`; Telegram unreachable after start-up began ends with one line and exit code 1 (a
    supervisor restarts it). Before that, at getMe, the bot retries on its own (bot/app.py).
    A token Telegram refuses is exit code 2 (restarting cannot help; PTB's own message for it
    contains the token, so it is never printed); a database that cannot be opened, exit code 1.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError
    from telegram.error import InvalidToken, NetworkError

    from bot.app import telegram_origin

    secrets = (settings.telegram_bot_token, settings.webhook_secret)
    try:
        asyncio.run(_run(settings, use_webhook))
    except InvalidToken:
        print(
            "Telegram refused the bot token (TELEGRAM_BOT_TOKEN): it was revoked or mistyped. "
            "Get the current one from @BotFather.",
            file=sys.stderr,
        )
        return 2
    except (DBAPIError, OSError) as exc:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(
            f"Cannot open the database at {where}: {reason}. Check DATABASE_URL.", file=sys.stderr
        )
        return 1
    except NetworkError as exc:
        reason = redact(exc.message, *(s.get_secret_value() for s in secrets if s is not None))
        origin = telegram_origin(settings.telegram_base_url)
        print(
            f"Cannot reach Telegram at {origin}: {reason}. Check the network or TELEGRAM_BASE_URL.",
            file=sys.stderr,
        )
        return 1
    return 0


async def _run(settings: Settings, use_webhook: bool) -> None:
    from bot.app import bootstrap, build_application, polling, serve, webhook

    token = settings.require_token()
    receive = webhook(settings.require_webhook()) if use_webhook else polling
    engine, deps = await bootstrap(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await serve(build_application(deps, token), stop, receive)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; a bad setting ends with one line on stderr and exit code 2."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(
            settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None,
            settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
        )
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            print("Database is up to date.")
        elif args.command == "org" and args.org_command == "show":
            return asyncio.run(cli_settings.show(settings, args))
        elif args.command == "org" and args.org_command == "set":
            return asyncio.run(cli_settings.set_(settings, args))
        elif args.command == "org":
            return asyncio.run(_org_create(settings, args))
        elif args.command == "run":
            return _run_cli(settings, args.webhook)
        elif args.command == "backup":
            return _backup(settings, args.path)
        elif args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(out_dir=Path(args.out) if args.out else None))
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
