"""A school's setting values: the catalog's defaults, overridden by what the school set; every
change audited (who, when, old → new)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.school.catalog import CATALOG, setting
from storage.models import Org, OrgSetting


@dataclass(frozen=True)
class Value:
    """A setting's value for one school, and whether it is still the default."""

    key: str
    value: Any
    is_default: bool


async def values(session: AsyncSession, org: Org) -> dict[str, Value]:
    """Every setting of this school."""
    rows = {
        row.key: row.value
        for row in await session.scalars(select(OrgSetting).where(OrgSetting.org_id == org.id))
    }
    out: dict[str, Value] = {}
    for key, item in CATALOG.items():
        if item.column is not None:
            value = item.from_column(getattr(org, item.column))
        else:
            value = rows.get(key, item.default)
        out[key] = Value(key, value, value == item.default)
    return out


async def value(session: AsyncSession, org: Org, key: str) -> Any:
    """One setting of this school."""
    return (await values(session, org))[key].value


@dataclass(frozen=True)
class Changed:
    """A setting changed: from what, to what."""

    key: str
    old: Any
    new: Any


async def change(
    session: AsyncSession,
    *,
    org: Org,
    key: str,
    raw: str | None,
    actor_id: int | None,
    now: datetime,
) -> Changed:
    """Set one setting from what was typed (None: back to the default); audited, not committed."""
    item = setting(key)
    new = item.default if raw is None else item.parse(raw)
    old = (await values(session, org))[key].value
    if item.column is not None:
        setattr(org, item.column, item.to_column(new))
    else:
        row = await session.scalar(
            select(OrgSetting).where(OrgSetting.org_id == org.id, OrgSetting.key == key)
        )
        if row is None:
            session.add(OrgSetting(org_id=org.id, key=key, value=new, updated_at=now))
        else:
            row.value, row.updated_at = new, now
    if old != new:
        await audit.record(
            session,
            org_id=org.id,
            actor_id=actor_id,
            action="settings.change",
            target=key,
            now=now,
            old=old,
            new=new,
        )
    await session.flush()
    return Changed(key, old, new)
