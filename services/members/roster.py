"""The chair's roster: members, their roles, deactivation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services import audit, outbox
from services.errors import AlreadyDone, Invalid, NotFound
from services.naming import sort_key
from services.people import Actor, require_role
from storage.models import Department, Membership, MemberStatus, Role
from ui.texts import Texts


async def list_members(session: AsyncSession, *, org_id: int) -> list[Membership]:
    """Active members, sorted the Vietnamese way (given name first)."""
    rows = (
        await session.scalars(
            select(Membership)
            .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
            .options(selectinload(Membership.person), selectinload(Membership.department))
        )
    ).all()
    return sorted(rows, key=lambda m: sort_key(m.person.full_name))


async def require_chair(session: AsyncSession, tg_user_id: int) -> Actor:
    """The acting chair (for member and department management)."""
    return await require_role(session, tg_user_id, {Role.CHAIR})


async def member_of_chair(
    session: AsyncSession, *, tg_user_id: int, membership_id: int
) -> Membership:
    """One membership of the chair's organisation."""
    who = await require_chair(session, tg_user_id)
    assert who.membership is not None
    membership = await session.get(
        Membership,
        membership_id,
        options=[selectinload(Membership.person), selectinload(Membership.department)],
    )
    if membership is None or membership.org_id != who.membership.org_id:
        raise NotFound("errors.stale_button")
    return membership


async def set_role(
    session: AsyncSession,
    *,
    tg_user_id: int,
    membership_id: int,
    role: Role,
    texts: Texts,
    now: datetime,
) -> Membership:
    """Give a member another role (vice-chair, council member, staff); chair only."""
    who = await require_chair(session, tg_user_id)
    membership = await member_of_chair(session, tg_user_id=tg_user_id, membership_id=membership_id)
    if role == Role.CHAIR or membership.id == (who.membership.id if who.membership else None):
        raise Invalid("members.cannot_change_chair")
    if membership.status != MemberStatus.ACTIVE:
        raise AlreadyDone("members.not_active", name=membership.person.full_name)
    if membership.role == role:
        raise AlreadyDone("members.role_unchanged", name=membership.person.full_name)
    before = membership.role
    membership.role = role
    await audit.record(
        session,
        org_id=membership.org_id,
        actor_id=who.person.id if who.person else None,
        action="member.role",
        target=f"membership:{membership.id}",
        now=now,
        before=str(before),
        after=str(role),
    )
    outbox.enqueue_message(
        session,
        chat_id=membership.person.tg_user_id,
        now=now,
        text=texts.render(
            texts.locale(membership.person.locale),
            "members.role_changed_notice",
            org=who.membership.org.name if who.membership else "",
            role=str(role),
        ),
    )
    await session.commit()
    return membership


async def deactivate(
    session: AsyncSession, *, tg_user_id: int, membership_id: int, texts: Texts, now: datetime
) -> Membership:
    """Mark someone who left as inactive; their history stays. Chair only."""
    who = await require_chair(session, tg_user_id)
    membership = await member_of_chair(session, tg_user_id=tg_user_id, membership_id=membership_id)
    if who.membership and membership.id == who.membership.id:
        raise Invalid("members.cannot_change_chair")
    if membership.status != MemberStatus.ACTIVE:
        raise AlreadyDone("members.not_active", name=membership.person.full_name)
    membership.status = MemberStatus.LEFT
    membership.heads_department = False  # a department head who left heads nothing
    await audit.record(
        session,
        org_id=membership.org_id,
        actor_id=who.person.id if who.person else None,
        action="member.deactivate",
        target=f"membership:{membership.id}",
        now=now,
    )
    outbox.enqueue_message(
        session,
        chat_id=membership.person.tg_user_id,
        now=now,
        text=texts.render(
            texts.locale(membership.person.locale),
            "members.deactivated_notice",
            org=who.membership.org.name if who.membership else "",
        ),
    )
    await session.commit()
    return membership


async def set_head(
    session: AsyncSession,
    *,
    tg_user_id: int,
    membership_id: int,
    heads: bool,
    texts: Texts,
    now: datetime,
) -> tuple[Membership, Membership | None]:
    """Make a member the head (tổ trưởng) of their department, or no longer; chair only. A
    department has at most one head: the one it had is replaced (and told). Returns the member
    and the head replaced, if any."""
    who = await require_chair(session, tg_user_id)
    membership = await member_of_chair(session, tg_user_id=tg_user_id, membership_id=membership_id)
    name = membership.person.full_name
    if membership.status != MemberStatus.ACTIVE:
        raise AlreadyDone("members.not_active", name=name)
    if membership.heads_department == heads:
        raise AlreadyDone("members.head_unchanged" if heads else "members.not_head", name=name)
    department = membership.department
    if department is None:
        raise Invalid("members.head_needs_department", name=name)
    replaced = None
    if heads:
        # One head per department: two changes of the same department wait for each other.
        await session.execute(
            select(Department.id).where(Department.id == department.id).with_for_update()
        )
        replaced = await session.scalar(
            select(Membership)
            .options(selectinload(Membership.person), selectinload(Membership.department))
            .where(
                Membership.org_id == membership.org_id,
                Membership.department_id == department.id,
                Membership.heads_department.is_(True),
                Membership.id != membership.id,
            )
        )
    org = who.membership.org.name if who.membership else ""
    for member, now_heads in ((replaced, False), (membership, heads)):
        if member is None:
            continue
        member.heads_department = now_heads
        await audit.record(
            session,
            org_id=member.org_id,
            actor_id=who.person.id if who.person else None,
            action="members.head",
            target=f"membership:{member.id}",
            now=now,
            department=department.name,
            heads=now_heads,
        )
        outbox.enqueue_message(
            session,
            chat_id=member.person.tg_user_id,
            now=now,
            text=texts.render(
                texts.locale(member.person.locale),
                "members.head_notice" if now_heads else "members.head_ended_notice",
                org=org,
                department=department.name,
            ),
        )
    await session.commit()
    return membership, replaced
