"""A school's setting values: the catalog's defaults, overridden by what the school set; every
change audited (who, when, old → new)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.errors import Invalid
from services.people import actor
from services.school.catalog import CATALOG, setting
from storage.models import Org, OrgSetting, Title

# Lists kept in the `titles` table (campaigns register them): True for a department's titles.
TITLE_LISTS = {"lists.titles_individual": False, "lists.titles_collective": True}


async def _titles(session: AsyncSession, org_id: int) -> list[Title]:
    return list(
        (
            await session.scalars(select(Title).where(Title.org_id == org_id).order_by(Title.id))
        ).all()
    )


async def _sync_titles(
    session: AsyncSession, org_id: int, collective: bool, names: list[str]
) -> None:
    """The school's active titles of one kind become exactly `names` (a title taken off the
    list is kept inactive: registrations point at it)."""
    existing = {t.name: t for t in await _titles(session, org_id)}
    for title in existing.values():
        if title.for_department == collective:
            title.active = title.name in names
    for name in names:
        found = existing.get(name)
        if found is None:
            session.add(Title(org_id=org_id, name=name, for_department=collective))
        elif found.for_department != collective:
            raise Invalid("settings.title_kind_taken", name=name)
        else:
            found.active = True


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
    titles = await _titles(session, org.id)
    out: dict[str, Value] = {}
    for key, item in CATALOG.items():
        if key in TITLE_LISTS:
            collective = TITLE_LISTS[key]
            value = [t.name for t in titles if t.active and t.for_department == collective]
        elif item.column is not None:
            value = item.from_column(getattr(org, item.column))
        else:
            value = rows.get(key, item.default)
        out[key] = Value(key, value, value == item.default)
    return out


async def value(session: AsyncSession, org: Org, key: str) -> Any:
    """One setting of this school (only what that setting needs is read)."""
    item = setting(key)
    if key in TITLE_LISTS:
        collective = TITLE_LISTS[key]
        titles = await _titles(session, org.id)
        return [t.name for t in titles if t.active and t.for_department == collective]
    if item.column is not None:
        return item.from_column(getattr(org, item.column))
    stored = await session.scalar(
        select(OrgSetting.value).where(OrgSetting.org_id == org.id, OrgSetting.key == key)
    )
    return item.default if stored is None else stored


async def member_list(session: AsyncSession, tg_user_id: int, key: str) -> list[str]:
    """A list setting of the school this member acts for ([] for someone of no school)."""
    who = await actor(session, tg_user_id)
    if who.membership is None:
        return []
    return list(await value(session, who.membership.org, key))


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
    if key in TITLE_LISTS:
        await _sync_titles(session, org.id, TITLE_LISTS[key], list(new))
    elif item.column is not None:
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
