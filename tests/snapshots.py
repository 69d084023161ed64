"""The whole database as plain data, to prove that a refused action changed nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from typing import Any

from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import Base

ALL = frozenset({"*"})  # skip the whole table
# Columns the running bot changes by itself while a test waits: the sender marks rows sent and
# counts attempts; the lease is renewed; the scheduler plans and fires its notices. None of them
# is the effect of a user's action.
DELIVERY: Mapping[str, Set[str]] = {
    "outbox": frozenset(
        {
            "status",
            "attempts",
            "not_before",
            "claimed_by",
            "claimed_until",
            "sent_at",
            "tg_message_id",
            "error",
        }
    ),
    "leases": frozenset({"holder", "token", "expires_at"}),
    "notices": ALL,
}


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def snapshot(
    sessions: SessionFactory, skip: Mapping[str, Set[str]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, without the `skip` columns."""
    skip = skip or {}
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if skip.get(table.name) == ALL:
                continue
            columns = [c for c in table.columns if c.name not in skip.get(table.name, ())]
            rows = await session.execute(select(*columns).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(_plain(v) for v in row) for row in rows]
    return out


def changes(before: Mapping[str, list[Any]], after: Mapping[str, list[Any]]) -> dict[str, Any]:
    """The tables that differ, with the rows only before and only after (for failure messages)."""
    diff: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            diff[name] = {
                "gone": [r for r in old if r not in new],
                "new": [r for r in new if r not in old],
            }
    return diff
