"""A school's own rules and facts: the catalog (defaults.toml), the values, the use cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.base import UseCases
from services.errors import NotFound
from services.people import LEADERS, require_role
from services.school.catalog import CATALOG, SECTIONS, Setting, in_section, setting
from services.school.store import Changed, Value, change, value, values
from storage.models import Org, Role

__all__ = [
    "CATALOG",
    "SECTIONS",
    "Changed",
    "SchoolSettings",
    "Setting",
    "SettingsView",
    "Value",
    "change",
    "in_section",
    "setting",
    "value",
    "values",
]


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

    async def change(self, *, tg_user_id: int, key: str, raw: str | None) -> Changed:
        """The chair changes one setting of her school (None: back to the default)."""
        async with self.env.sessions() as session:
            who = await require_role(session, tg_user_id, {Role.CHAIR})
            assert who.membership is not None and who.person is not None
            org = await session.get(Org, who.membership.org_id)
            assert org is not None
            done = await change(
                session, org=org, key=key, raw=raw, actor_id=who.person.id, now=self.now()
            )
            await session.commit()
            return done

    async def value(self, *, org_id: int, key: str) -> Any:
        """One setting of a school (for the features that follow a rule)."""
        async with self.env.sessions() as session:
            org = await session.get(Org, org_id)
            if org is None:
                raise NotFound("errors.not_member")
            return await value(session, org, key)
