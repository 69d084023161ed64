"""`org show` and `org set`: a school's settings for an operator, JSON in and out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from runtime.config import Settings


def add_commands(org: Any) -> None:
    """Add `show` and `set` to the `org` command."""
    show = org.add_parser("show", help="print a school's settings (JSON with --json)")
    show.add_argument("org_id", type=int)
    show.add_argument("--json", action="store_true", help="print one JSON object")
    put = org.add_parser(
        "set",
        help="change settings: KEY=VALUE ..., or --json FILE ('-': stdin) with {key: value}",
    )
    put.add_argument("org_id", type=int)
    put.add_argument("pairs", nargs="*", metavar="KEY=VALUE")
    put.add_argument("--json", dest="json_file", help="a JSON object of key: value ('-': stdin)")
    put.add_argument("--default", action="append", default=[], metavar="KEY", help="reset KEY")


def _typed(value: Any) -> str:
    """A JSON value as a person would type it (lists one item per line)."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if isinstance(value, bool):
        return "có" if value else "không"
    return str(value)


async def show(settings: Settings, args: argparse.Namespace) -> int:
    """Print every setting of a school: value, whether it is the default, the default's source."""
    from bot.app import bootstrap
    from services import school
    from storage.models import Org

    engine, deps = await bootstrap(settings)
    try:
        async with deps.sessions() as session:
            org = await session.get(Org, args.org_id)
            if org is None:
                print(f"No organisation {args.org_id}.", file=sys.stderr)
                return 2
            values = await school.values(session, org)
    finally:
        await engine.dispose()
    if args.json:
        print(json.dumps({k: v.value for k, v in values.items()}, ensure_ascii=False, indent=1))
        return 0
    for key, item in school.CATALOG.items():
        v = values[key]
        mark = (
            ""
            if not v.is_default
            else "  (default" + (f": {item.source}" if item.source else "") + ")"
        )
        shown = item.show(v.value).replace("\n", "; ")
        print(f"{key} = {shown}{mark}")
    return 0


async def set_(settings: Settings, args: argparse.Namespace) -> int:
    """Change settings, all or none; each change audited (by the operator)."""
    from bot.app import bootstrap
    from runtime.context import utcnow
    from services import school
    from services.errors import ServiceError
    from storage.models import Org

    changes: dict[str, str | None] = {}
    for pair in args.pairs:
        key, eq, raw = pair.partition("=")
        if not eq:
            print(f"Expected KEY=VALUE, got {pair!r}.", file=sys.stderr)
            return 2
        changes[key.strip()] = raw.replace("\\n", "\n")
    if args.json_file:
        # A command line tool: blocking reads are fine here.
        text = sys.stdin.read() if args.json_file == "-" else Path(args.json_file).read_text()  # noqa: ASYNC240
        data = json.loads(text)
        if not isinstance(data, dict):
            print("The JSON must be an object of key: value.", file=sys.stderr)
            return 2
        changes.update({str(k): _typed(v) for k, v in data.items()})
    changes.update({key: None for key in args.default})
    engine, deps = await bootstrap(settings)
    try:
        async with deps.sessions() as session:
            org = await session.get(Org, args.org_id)
            if org is None:
                print(f"No organisation {args.org_id}.", file=sys.stderr)
                return 2
            done = []
            for key, raw in changes.items():
                try:
                    done.append(
                        await school.change(
                            session, org=org, key=key, raw=raw, actor_id=None, now=utcnow()
                        )
                    )
                except ServiceError as refusal:
                    message = deps.texts.plain("en", refusal.key, **refusal.values)
                    print(f"{key}: {message} Nothing was changed.", file=sys.stderr)
                    return 2
            await session.commit()
    finally:
        await engine.dispose()
    for changed in done:
        print(
            f"{changed.key}: {json.dumps(changed.old, ensure_ascii=False)} -> "
            f"{json.dumps(changed.new, ensure_ascii=False)}"
        )
    return 0
