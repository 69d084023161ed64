"""Joining: a newcomer's name and department, the leaders' approval; the chair's profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services import audit, conversations, outbox
from services.conversations import Kind
from services.errors import AlreadyDone, Invalid, NotFound
from services.members.departments import list_departments
from services.naming import clean_name, looks_like_link
from services.people import LEADERS, ensure_person, require_role
from storage.models import Address, Department, Membership, MemberStatus, Org, Person, Role
from ui.buttons.members import JoinDecided
from ui.texts import Texts


def join_ref(membership_id: int) -> str:
    """The outbox label of the approvers' notices about one join request."""
    return f"join:{membership_id}"


async def begin_join(
    session: AsyncSession, *, code: str, tg_user_id: int, display_name: str, now: datetime
) -> Org:
    """Open the joining dialogue for whoever holds a valid staff invite code."""
    org = await session.scalar(select(Org).where(Org.invite_code == code))
    if org is None:
        raise Invalid("errors.bad_invite")
    person = await ensure_person(session, tg_user_id=tg_user_id, display_name=display_name, now=now)
    existing = await session.scalar(
        select(Membership).where(Membership.org_id == org.id, Membership.person_id == person.id)
    )
    if existing is not None and existing.status == MemberStatus.ACTIVE:
        raise AlreadyDone("join.already_member", org=org.name)
    if existing is not None and existing.status == MemberStatus.PENDING:
        raise AlreadyDone("join.already_pending", org=org.name)
    await conversations.put(
        session,
        chat_id=tg_user_id,
        user_id=tg_user_id,
        kind=Kind.JOIN,
        step="name",
        data={"org_id": org.id},
        now=now,
    )
    await session.commit()
    return org


async def give_name(session: AsyncSession, *, tg_user_id: int, raw: str, now: datetime) -> str:
    """Record the full name typed in a join/profile dialogue (next: how to address them);
    returns the name as kept."""
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is None or convo.step != "name":
        raise Invalid("errors.no_dialogue")
    if looks_like_link(raw):
        raise Invalid("join.name_link")
    name = clean_name(raw)
    if name is None:
        raise Invalid("join.bad_name")
    await conversations.put(
        session,
        chat_id=tg_user_id,
        user_id=tg_user_id,
        kind=convo.kind,
        step="address",
        data={**convo.data, "name": name},
        now=now,
    )
    await session.commit()
    return name


@dataclass(frozen=True)
class AddressChosen:
    """How the newcomer is addressed, and the departments to pick from next."""

    name: str
    address: Address
    departments: list[Department]


async def choose_address(
    session: AsyncSession, *, tg_user_id: int, address: Address, now: datetime
) -> AddressChosen:
    """Record how the school addresses the newcomer (Thầy / Cô); next, their department."""
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is None or convo.kind not in (Kind.JOIN, Kind.PROFILE) or convo.step != "address":
        raise AlreadyDone("errors.stale_button")
    await conversations.put(
        session,
        chat_id=tg_user_id,
        user_id=tg_user_id,
        kind=convo.kind,
        step="department",
        data={**convo.data, "address": str(address)},
        now=now,
    )
    departments = await list_departments(session, org_id=int(convo.data["org_id"]))
    await session.commit()
    return AddressChosen(str(convo.data["name"]), address, departments)


@dataclass(frozen=True)
class DepartmentChosen:
    """The end of a join or profile dialogue."""

    kind: str
    org: Org
    membership: Membership
    department: Department


async def choose_department(
    session: AsyncSession, *, tg_user_id: int, department_id: int, texts: Texts, now: datetime
) -> DepartmentChosen:
    """Finish the dialogue: a join request goes to the leaders; a chair's profile is complete."""
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is None or convo.step != "department":
        raise AlreadyDone("errors.stale_button")
    org_id = int(convo.data["org_id"])
    department = await session.get(Department, department_id)
    if department is None or department.org_id != org_id:
        raise Invalid("errors.stale_button")
    org = await session.get_one(Org, org_id)
    person = await ensure_person(session, tg_user_id=tg_user_id, display_name="?", now=now)
    person.full_name = str(convo.data["name"])
    if convo.data.get("address"):
        person.address = Address(convo.data["address"])
    membership = await session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.person_id == person.id)
    )
    if convo.kind == Kind.PROFILE:
        if membership is None:
            raise NotFound("errors.not_member")
        if membership.department_id != department.id:
            membership.heads_department = False  # the head of a department she left
        membership.department_id = department.id
    else:
        if membership is None:
            membership = Membership(org_id=org_id, person_id=person.id, requested_at=now)
            session.add(membership)
        membership.role, membership.status = Role.STAFF, MemberStatus.PENDING
        membership.heads_department = False
        membership.department_id, membership.requested_at = department.id, now
        membership.decided_at = membership.decided_by = None
        await session.flush()
        await _notify_leaders(session, org, person, department, membership, texts, now)
        await audit.record(
            session,
            org_id=org_id,
            actor_id=person.id,
            action="member.request",
            target=f"membership:{membership.id}",
            now=now,
            department=department.name,
        )
    person.current_org_id = person.current_org_id or org_id
    await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id)
    await session.commit()
    return DepartmentChosen(convo.kind, org, membership, department)


async def _leaders(session: AsyncSession, org_id: int) -> list[Person]:
    return list(
        (
            await session.scalars(
                select(Person)
                .join(Membership, Membership.person_id == Person.id)
                .where(
                    Membership.org_id == org_id,
                    Membership.status == MemberStatus.ACTIVE,
                    Membership.role.in_([Role.CHAIR, Role.VICE_CHAIR]),
                )
                .order_by(Person.id)
            )
        ).all()
    )


async def _notify_leaders(
    session: AsyncSession,
    org: Org,
    person: Person,
    department: Department,
    membership: Membership,
    texts: Texts,
    now: datetime,
) -> None:
    for leader in await _leaders(session, org.id):
        locale = texts.locale(leader.locale)
        outbox.enqueue_message(
            session,
            chat_id=leader.tg_user_id,
            text=texts.render(
                locale,
                "join.request_notice",
                name=person.full_name,
                department=department.name,
                org=org.name,
                tg_user_id=person.tg_user_id,
            ),
            buttons=[
                [
                    (
                        texts.plain(locale, "join.approve_button"),
                        JoinDecided(membership.id, approve=True).pack(),
                    ),
                    (
                        texts.plain(locale, "join.reject_button"),
                        JoinDecided(membership.id, approve=False).pack(),
                    ),
                ]
            ],
            ref=join_ref(membership.id),
            now=now,
        )


@dataclass(frozen=True)
class JoinDecision:
    """A decided join request, for the approver's screen."""

    approved: bool
    name: str
    department: str
    tg_user_id: int = 0  # the person decided on (not the approver): their menu changes
    role: Role | None = None  # their role now (None when rejected)
    locale: str = "vi"


async def decide_join(
    session: AsyncSession,
    *,
    membership_id: int,
    approver_tg_id: int,
    approve: bool,
    texts: Texts,
    now: datetime,
) -> JoinDecision:
    """Approve or reject a join request; the first decision wins, the teacher is told."""
    who = await require_role(session, approver_tg_id, LEADERS)
    membership = await session.get(
        Membership,
        membership_id,
        options=[selectinload(Membership.person), selectinload(Membership.department)],
    )
    if membership is None or who.membership is None or membership.org_id != who.membership.org_id:
        raise NotFound("errors.stale_button")
    name = membership.person.full_name
    status = MemberStatus.ACTIVE if approve else MemberStatus.REJECTED
    changed = await session.execute(
        update(Membership)
        .where(Membership.id == membership_id, Membership.status == MemberStatus.PENDING)
        .values(status=status, decided_at=now, decided_by=who.person.id if who.person else None)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("join.already_decided", name=name)
    org = await session.get_one(Org, membership.org_id)
    person = membership.person
    dept = membership.department.name if membership.department else ""
    approver = who.person.full_name if who.person else ""
    await audit.record(
        session,
        org_id=org.id,
        actor_id=who.person.id if who.person else None,
        action="member.approve" if approve else "member.reject",
        target=f"membership:{membership_id}",
        now=now,
    )
    if approve and person.current_org_id is None:
        person.current_org_id = org.id
    locale = texts.locale(person.locale)
    outbox.enqueue_message(
        session,
        chat_id=person.tg_user_id,
        text=texts.render(
            locale,
            "join.approved_notice" if approve else "join.rejected_notice",
            org=org.name,
            name=person.full_name,
            address=person.address,
        ),
        now=now,
    )
    # Every leader's copy of the request now shows the outcome, without buttons.
    leaders = await _leaders(session, org.id)
    await outbox.enqueue_edits(
        session,
        ref=join_ref(membership_id),
        text="",
        texts_by_chat={
            leader.tg_user_id: texts.render(
                texts.locale(leader.locale),
                "join.decided_notice",
                name=person.full_name,
                department=dept,
                approved=approve,
                approver=approver,
            )
            for leader in leaders
        },
        buttons=None,
        now=now,
    )
    await session.commit()
    return JoinDecision(
        approve,
        person.full_name,
        dept,
        tg_user_id=person.tg_user_id,
        role=membership.role if approve and person.current_org_id == org.id else None,
        locale=locale,
    )
