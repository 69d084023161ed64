"""A school's own rules and facts: the catalog (defaults.toml), the values, the use cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft
from services.errors import Invalid, NotFound
from services.people import LEADERS, require_role
from services.school.catalog import CATALOG, SECTIONS, Setting, in_section, setting
from services.school.store import Changed, Value, change, member_list, value, values
from storage.models import Org, Role

__all__ = [
    "CATALOG",
    "SECTIONS",
    "Changed",
    "Editing",
    "SchoolSettings",
    "Setting",
    "SettingsView",
    "Value",
    "change",
    "in_section",
    "member_list",
    "setting",
    "title_authority",
    "value",
    "values",
]


_EDITING = Drafts(Kind.SETTING)


def title_authority(settings: dict[str, Value], title: str) -> str:
    """The level that awards this emulation title, as the school set it (rules.authority_*)."""
    name = title.casefold()
    if name == "chiến sĩ thi đua cơ sở":
        return str(settings["rules.authority_cstdcs"].value)
    collective = {t.casefold() for t in settings["lists.titles_collective"].value}
    if name in collective or name.startswith("tập thể"):
        return str(settings["rules.authority_collective"].value)
    return str(settings["rules.authority_ldtt"].value)


@dataclass(frozen=True)
class Editing:
    """The setting the chair is about to type a new value for."""

    setting: Setting
    value: Value


@dataclass(frozen=True)
class SettingsView:
    """A school's settings as one leader sees them."""

    org_name: str
    may_change: bool
    values: dict[str, Value]


class SchoolSettings(UseCases):
    """The school's settings: leaders read them, the chair changes them."""

    async def view(self, *, tg_user_id: int) -> SettingsView:
        """Every setting of the leader's school (chair and vice-chair)."""
        async with self.env.sessions() as session:
            who = await require_role(session, tg_user_id, LEADERS)
            org = who.membership.org if who.membership else None
            if org is None:
                raise NotFound("errors.not_member")
            return SettingsView(org.name, who.role == Role.CHAIR, await values(session, org))

    async def begin_edit(self, *, tg_user_id: int, key: str) -> Editing:
        """The chair asks to change a setting: she types the new value next."""
        item = setting(key)
        async with self.env.sessions() as session:
            who = await require_role(session, tg_user_id, {Role.CHAIR})
            assert who.membership is not None
            org = await session.get(Org, who.membership.org_id)
            assert org is not None
            current = (await values(session, org))[key]
            await _EDITING.save(session, tg_user_id, "value", {"key": key}, self.now())
        return Editing(item, current)

    async def answer(self, *, tg_user_id: int, text: str) -> Changed:
        """The value the chair typed for the setting she is changing; the dialogue ends with it
        (a value refused politely leaves her in it, to type again)."""
        async with self.env.sessions() as session:
            try:
                convo = await _EDITING.load(session, tg_user_id)
            except NoDraft:
                raise Invalid("errors.no_dialogue") from None
            done = await self._change(session, tg_user_id, str(convo.data["key"]), text)
            await _EDITING.discard(session, tg_user_id)  # commits the change with it
            return done

    async def stop_editing(self, *, tg_user_id: int) -> bool:
        """Leave the value being typed (nothing changes)."""
        async with self.env.sessions() as session:
            return await _EDITING.discard(session, tg_user_id)

    async def change(self, *, tg_user_id: int, key: str, raw: str | None) -> Changed:
        """The chair changes one setting of her school (None: back to the default)."""
        async with self.env.sessions() as session:
            done = await self._change(session, tg_user_id, key, raw)
            await session.commit()
            return done

    async def _change(
        self, session: AsyncSession, tg_user_id: int, key: str, raw: str | None
    ) -> Changed:
        who = await require_role(session, tg_user_id, {Role.CHAIR})
        assert who.membership is not None and who.person is not None
        org = await session.get(Org, who.membership.org_id)
        assert org is not None
        return await change(
            session, org=org, key=key, raw=raw, actor_id=who.person.id, now=self.now()
        )

    async def value(self, *, org_id: int, key: str) -> Any:
        """One setting of a school (for the features that follow a rule)."""
        async with self.env.sessions() as session:
            org = await session.get(Org, org_id)
            if org is None:
                raise NotFound("errors.not_member")
            return await value(session, org, key)
