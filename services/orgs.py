"""Organisations: create a school, the chair claims it, the council group is bound."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations, outbox, stories
from services.base import UseCases
from services.conversations import Kind
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.people import LEADERS, ensure_person, require_role
from services.school.catalog import CATALOG
from services.school.store import TITLE_LISTS
from storage.models import (
    DEFAULT_LEVELS,
    Department,
    Membership,
    MemberStatus,
    Org,
    Person,
    Role,
    Title,
)
from ui.texts import Texts

DEFAULT_DEPARTMENTS = ("Tổ 1", "Tổ 2", "Tổ 3", "Tổ 4", "Tổ 5", "Tổ Năng khiếu", "Tổ Văn phòng")
CHAIR_PREFIX, JOIN_PREFIX = "c_", "j_"
# What Telegram carries in a deep link's start parameter: 1-64 of these characters.
START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Link:
    """What a deep link (`/start <payload>`) asks for: to claim the chair, or to join as staff."""

    kind: str  # "chair" | "join"
    code: str


def start_payload(link: Link) -> str:
    """The start parameter of a link the bot hands out (the inverse of `parse_link`)."""
    payload = (CHAIR_PREFIX if link.kind == "chair" else JOIN_PREFIX) + link.code
    assert START_PAYLOAD.match(payload), payload
    return payload


def parse_link(payload: str) -> Link:
    """The link behind a /start payload; anything the bot did not hand out is a dead invite."""
    if START_PAYLOAD.match(payload) and len(payload) > len(CHAIR_PREFIX):
        if payload.startswith(CHAIR_PREFIX):
            return Link("chair", payload[len(CHAIR_PREFIX) :])
        if payload.startswith(JOIN_PREFIX):
            return Link("join", payload[len(JOIN_PREFIX) :])
    raise Invalid("errors.bad_invite")


def new_code() -> str:
    """A fresh unguessable deep-link code (12 URL-safe characters)."""
    return secrets.token_urlsafe(9)


@dataclass(frozen=True)
class OrgCreated:
    """What `org create` prints."""

    org_id: int
    chair_code: str | None
    invite_code: str


async def create_org(
    session: AsyncSession,
    *,
    name: str,
    now: datetime,
    parent_id: int | None = None,
    chair_tg_id: int | None = None,
    departments: Sequence[str] = DEFAULT_DEPARTMENTS,
) -> OrgCreated:
    """Create an organisation with its departments; a chair link, or the given chair directly."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 200:
        raise Invalid("errors.bad_org_name")
    if parent_id is not None and await session.get(Org, parent_id) is None:
        raise NotFound("errors.no_parent_org", parent_id=parent_id)
    org = Org(
        name=name,
        parent_id=parent_id,
        invite_code=new_code(),
        chair_code=None if chair_tg_id else new_code(),
        created_at=now,
        levels=list(DEFAULT_LEVELS),
    )
    session.add(org)
    await session.flush()
    for position, dept in enumerate(departments):
        session.add(Department(org_id=org.id, name=dept, position=position))
    # The titles it offers: the catalog's defaults (services/school/defaults.toml); the chair
    # changes them in /settings.
    for key, for_department in TITLE_LISTS.items():
        for title in CATALOG[key].default:
            session.add(Title(org_id=org.id, name=title, for_department=for_department))
    if chair_tg_id is not None:
        person = await ensure_person(session, tg_user_id=chair_tg_id, display_name="?", now=now)
        session.add(_active_member(org.id, person.id, Role.CHAIR, now))
        person.current_org_id = org.id
    await audit.record(
        session, org_id=org.id, actor_id=None, action="org.create", target=f"org:{org.id}", now=now
    )
    await session.commit()
    return OrgCreated(org.id, org.chair_code, org.invite_code)


def _active_member(org_id: int, person_id: int, role: Role, now: datetime) -> Membership:
    return Membership(
        org_id=org_id,
        person_id=person_id,
        role=role,
        status=MemberStatus.ACTIVE,
        requested_at=now,
        decided_at=now,
    )


async def claim_chair(
    session: AsyncSession, *, code: str, tg_user_id: int, display_name: str, now: datetime
) -> Org:
    """Make the holder of a one-time chair code the chair; the code is spent in the same commit."""
    org = await session.scalar(select(Org).where(Org.chair_code == code))
    if org is None:
        raise Invalid("errors.bad_chair_code")
    spent = await session.execute(
        update(Org).where(Org.id == org.id, Org.chair_code == code).values(chair_code=None)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise Invalid("errors.bad_chair_code")
    person = await ensure_person(session, tg_user_id=tg_user_id, display_name=display_name, now=now)
    existing = await session.scalar(
        select(Membership).where(Membership.org_id == org.id, Membership.person_id == person.id)
    )
    if existing is None:
        session.add(_active_member(org.id, person.id, Role.CHAIR, now))
    else:
        existing.role, existing.status = Role.CHAIR, MemberStatus.ACTIVE
    person.current_org_id = org.id
    await conversations.put(
        session,
        chat_id=tg_user_id,
        user_id=tg_user_id,
        kind=Kind.PROFILE,
        step="name",
        data={"org_id": org.id},
        now=now,
    )
    await audit.record(
        session,
        org_id=org.id,
        actor_id=person.id,
        action="org.claim_chair",
        target=f"org:{org.id}",
        now=now,
    )
    await session.commit()
    return org


async def bind_council(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    now: datetime,
    texts: Texts | None = None,
) -> Org:
    """Make this group the council chat of the chair's organisation (chair only).

    With `texts` (as the bot binds), the cards of stories still waiting for the council that are
    not in this group yet are posted there: nothing sent while the bot was out of the council
    group, or before the council moved, is lost. Binding the same group again is how the chair
    brings those cards back after re-adding the bot.
    """
    who = await require_role(
        session, tg_user_id, {Role.CHAIR}, refusal="errors.chair_only", strangers_too=True
    )
    assert who.membership is not None
    org = who.membership.org
    again = org.council_chat_id == chat_id
    if not again:
        other = await council_org(session, chat_id)
        if other is not None:
            raise Invalid("errors.group_taken", org=other.name)
        org.council_chat_id = chat_id
    posted = 0
    if texts is not None:
        posted = await stories.post_waiting_cards(
            session, org_id=org.id, chat_id=chat_id, texts=texts, now=now
        )
    if again and not posted:
        raise AlreadyDone("council.already_bound", org=org.name)
    await audit.record(
        session,
        org_id=org.id,
        actor_id=who.person.id if who.person else None,
        action="org.bind_council",
        target=f"chat:{chat_id}",
        now=now,
        cards=posted,
    )
    await session.commit()
    return org


async def council_lost(
    session: AsyncSession, *, chat_id: int, title: str, texts: Texts, now: datetime
) -> Org | None:
    """The bot was removed from this group (or it was deleted): if it is a council group, its
    chair is told privately how to bring the council back. Stories are still accepted; their
    cards wait for the next /bind_council. Returns the organisation, if any."""
    org = await council_org(session, chat_id)
    if org is None:
        return None
    chairs = (
        await session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.org_id == org.id,
                Membership.role == Role.CHAIR,
                Membership.status == MemberStatus.ACTIVE,
            )
        )
    ).all()
    for chair in chairs:
        outbox.enqueue_message(
            session,
            chat_id=chair.tg_user_id,
            text=texts.render(
                texts.locale(chair.locale), "council.lost_notice", org=org.name, title=title
            ),
            now=now,
        )
    await audit.record(
        session,
        org_id=org.id,
        actor_id=None,
        action="org.council_lost",
        target=f"chat:{chat_id}",
        now=now,
    )
    await session.commit()
    return org


async def migrate_chat(session: AsyncSession, *, old_chat_id: int, new_chat_id: int) -> bool:
    """Follow a group that became a supergroup; True if it was a council chat."""
    result = await session.execute(
        update(Org).where(Org.council_chat_id == old_chat_id).values(council_chat_id=new_chat_id)
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


async def council_org(session: AsyncSession, chat_id: int) -> Org | None:
    """The organisation whose council meets in this chat."""
    return await session.scalar(select(Org).where(Org.council_chat_id == chat_id))


async def council_chats(session: AsyncSession) -> list[int]:
    """The chats bound as council groups (their menus are set at start-up)."""
    chats = await session.scalars(
        select(Org.council_chat_id).where(Org.council_chat_id.is_not(None))
    )
    return [chat for chat in chats if chat is not None]


async def invite(session: AsyncSession, *, tg_user_id: int, rotate: bool, now: datetime) -> Org:
    """The staff invite code of the leader's organisation, optionally replaced by a new one."""
    who = await require_role(
        session, tg_user_id, LEADERS, refusal="errors.leaders_only", strangers_too=True
    )
    assert who.membership is not None
    org = who.membership.org
    if rotate:
        if who.role != Role.CHAIR:
            raise NotAllowed("errors.chair_only")
        org.invite_code = new_code()
        await audit.record(
            session,
            org_id=org.id,
            actor_id=who.person.id if who.person else None,
            action="org.rotate_invite",
            target=f"org:{org.id}",
            now=now,
        )
        await session.commit()
    return org


@dataclass(frozen=True)
class Invite:
    """The staff invite link's parts: the school's name and its current code."""

    org: str
    code: str


class Orgs(UseCases):
    """The school itself: its council group and its invite link."""

    async def claim_chair(self, *, code: str, tg_user_id: int, display_name: str) -> str:
        """The holder of a chair link becomes the chair; the organisation's name."""
        async with self.env.sessions() as session:
            org = await claim_chair(
                session, code=code, tg_user_id=tg_user_id, display_name=display_name, now=self.now()
            )
            return org.name

    async def bind_council(self, *, tg_user_id: int, chat_id: int) -> str:
        """The chair makes this group the council group; the organisation's name."""
        async with self.env.sessions() as session:
            org = await bind_council(
                session, tg_user_id=tg_user_id, chat_id=chat_id, now=self.now(), texts=self.texts
            )
            return org.name

    async def migrate_chat(self, *, old_chat_id: int, new_chat_id: int) -> bool:
        """Follow a group that became a supergroup; True if it was a council chat."""
        async with self.env.sessions() as session:
            return await migrate_chat(session, old_chat_id=old_chat_id, new_chat_id=new_chat_id)

    async def council_lost(self, *, chat_id: int, title: str) -> int | None:
        """The bot left this group: a council's chair is told; the organisation's id, if any."""
        async with self.env.sessions() as session:
            org = await council_lost(
                session, chat_id=chat_id, title=title, texts=self.texts, now=self.now()
            )
            return org.id if org is not None else None

    async def council_name(self, chat_id: int) -> str | None:
        """The name of the organisation whose council meets in this chat, if any."""
        async with self.env.sessions() as session:
            org = await council_org(session, chat_id)
            return org.name if org is not None else None

    async def invite(self, *, tg_user_id: int, rotate: bool) -> Invite:
        """A leader's staff invite link; the chair may replace its code."""
        async with self.env.sessions() as session:
            org = await invite(session, tg_user_id=tg_user_id, rotate=rotate, now=self.now())
            return Invite(org.name, org.invite_code)
