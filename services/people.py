"""Who is acting: a person and their active membership in their current organisation."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services.base import UseCases
from services.errors import NotAllowed
from storage.models import Membership, MemberStatus, Person, Role

COUNCIL_ROLES = frozenset({Role.CHAIR, Role.VICE_CHAIR, Role.COUNCIL})
LEADERS = frozenset({Role.CHAIR, Role.VICE_CHAIR})


@dataclass(frozen=True)
class Actor:
    """The person behind an update, and their membership in the organisation they act for."""

    person: Person | None
    membership: Membership | None

    @property
    def locale(self) -> str | None:
        """The language this person chose, if any."""
        return self.person.locale if self.person else None

    @property
    def org_id(self) -> int:
        """The organisation they act for (only call after a role check)."""
        assert self.membership is not None
        return self.membership.org_id

    @property
    def deactivated(self) -> bool:
        """They were a member here and have been deactivated (they left the school)."""
        return self.membership is not None and self.membership.status == MemberStatus.LEFT

    @property
    def role(self) -> Role | None:
        """Their role, when they are an active member."""
        m = self.membership
        return Role(m.role) if m and m.status == MemberStatus.ACTIVE else None


# Built once: every update asks these, and a statement object keeps its compiled cache key.
_PERSON_BY_TG = select(Person).where(Person.tg_user_id == bindparam("tg"))
# The person and each of their memberships (newest first), in one statement: every update asks.
_PERSON_AND_MEMBERSHIPS = (
    select(Person, Membership)
    .outerjoin(Membership, Membership.person_id == Person.id)
    .options(joinedload(Membership.org), joinedload(Membership.department))
    .where(Person.tg_user_id == bindparam("tg"))
    .order_by(Membership.id.desc())
)


async def person_by_tg(session: AsyncSession, tg_user_id: int) -> Person | None:
    """The person with this Telegram id, if known."""
    return await session.scalar(_PERSON_BY_TG, {"tg": tg_user_id})


async def ensure_person(
    session: AsyncSession, *, tg_user_id: int, display_name: str, now: datetime
) -> Person:
    """The person with this Telegram id, created (named as on Telegram) on first contact."""
    person = await person_by_tg(session, tg_user_id)
    if person is None:
        person = Person(tg_user_id=tg_user_id, full_name=display_name[:120] or "?", created_at=now)
        session.add(person)
        await session.flush()
    return person


async def actor(session: AsyncSession, tg_user_id: int) -> Actor:
    """The acting person and their membership: the current organisation's when it is active,
    else the newest active one (someone turned down, waiting or deactivated at one school and
    approved at another acts for the other), else the current organisation's, else the newest."""
    rows = (await session.execute(_PERSON_AND_MEMBERSHIPS, {"tg": tg_user_id})).all()
    if not rows:
        return Actor(None, None)
    person = rows[0][0]
    memberships = [membership for _, membership in rows if membership is not None]
    current = next((m for m in memberships if m.org_id == person.current_org_id), None)
    active = [m for m in memberships if m.status == MemberStatus.ACTIVE]
    if current is not None and current.status == MemberStatus.ACTIVE:
        chosen: Membership | None = current
    elif active:
        chosen = active[0]
    else:
        chosen = current or (memberships[0] if memberships else None)
    return Actor(person, chosen)


def in_council_place(who: Actor, tg_user_id: int, chat_id: int | None) -> bool:
    """Council matters are shown in the member's private chat or in their school's council
    group, never elsewhere (None: no chat to check)."""
    if chat_id is None or chat_id == tg_user_id:
        return True
    return who.membership is not None and chat_id == who.membership.org.council_chat_id


def refuse_deactivated(who: Actor) -> None:
    """A deactivated member is told so, not asked to join (their old buttons stop working)."""
    if who.deactivated:
        raise NotAllowed("errors.deactivated")


async def require_role(
    session: AsyncSession,
    tg_user_id: int,
    roles: Collection[Role],
    *,
    refusal: str | None = None,
    strangers_too: bool = False,
) -> Actor:
    """The actor, if they are an active member with one of `roles`; otherwise refuse.

    `refusal` is the area's own key for a member without the role (else "errors.role_needed",
    which lists the roles); with `strangers_too` it answers non-members as well (else
    "errors.not_member"). A deactivated member is always told so.
    """
    who = await actor(session, tg_user_id)
    refuse_deactivated(who)
    if who.role is None:
        raise NotAllowed(refusal if refusal and strangers_too else "errors.not_member")
    if who.role not in roles:
        if refusal:
            raise NotAllowed(refusal)
        raise NotAllowed("errors.role_needed", roles=sorted(str(r) for r in roles))
    return who


async def set_locale(
    session: AsyncSession, *, tg_user_id: int, locale: str, now: datetime
) -> str | None:
    """Remember the language a person chose; returns their earlier choice (None: never chose)."""
    person = await ensure_person(session, tg_user_id=tg_user_id, display_name="?", now=now)
    earlier = person.locale
    if earlier != locale:
        person.locale = locale
    await session.commit()
    return earlier


@dataclass(frozen=True)
class Standing:
    """Who someone is here, for a greeting or the help text."""

    deactivated: bool
    role: Role | None  # None: not an active member
    name: str
    org: str  # the organisation of their active membership ("" if none)
    address: str | None = None  # "thay" / "co" as asked at joining (None: greeted neutrally)
    heads: bool = False  # the head (tổ trưởng) of their department


def standing_of(who: Actor) -> Standing:
    """The plain view of an actor (read inside the session that loaded it)."""
    active = who.role is not None and who.membership is not None
    return Standing(
        deactivated=who.deactivated,
        role=who.role,
        name=who.person.full_name if who.person else "",
        org=who.membership.org.name if active and who.membership else "",
        address=who.person.address if who.person else None,
        heads=heads_department(who),
    )


def heads_department(who: Actor) -> bool:
    """They are an active member and the head (tổ trưởng) of their department."""
    return who.role is not None and who.membership is not None and who.membership.heads_department


@dataclass(frozen=True)
class LanguageSet:
    """A language chosen: whether it differs from the one in effect, and the chooser's role."""

    changed: bool
    role: Role | None
    heads: bool = False  # a department head's menu has /department


class People(UseCases):
    """Who is acting, and the language they chose."""

    async def locale_of(self, tg_user_id: int) -> str:
        """The language this person chose, else the default."""
        async with self.env.sessions() as session:
            person = await person_by_tg(session, tg_user_id)
        return self.texts.locale(person.locale if person else None)

    async def choose_language(self, *, tg_user_id: int, locale: str) -> LanguageSet:
        """Remember the language a person chose."""
        async with self.env.sessions() as session:
            earlier = await set_locale(
                session, tg_user_id=tg_user_id, locale=locale, now=self.now()
            )
            # The command menu was set in the language in effect (on joining, on role changes):
            # only a different language needs it set again.
            changed = self.texts.locale(earlier) != locale
            who = await actor(session, tg_user_id) if changed else None
        return LanguageSet(
            changed=changed,
            role=who.role if who else None,
            heads=heads_department(who) if who else False,
        )

    async def standing(self, tg_user_id: int) -> Standing:
        """Who this person is here (a greeting, the help text)."""
        async with self.env.sessions() as session:
            return standing_of(await actor(session, tg_user_id))
