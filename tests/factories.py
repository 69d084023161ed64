"""Builders for test data, using the real services (so tests exercise the real rules)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from services import members, orgs
from storage.db import SessionFactory
from storage.models import Address, Department, Membership, OutboxMessage, Role
from ui.texts import Texts

CHAIR, VICE, COUNCIL, TEACHER, STRANGER = 1001, 1002, 1003, 1004, 1666
COUNCIL_GROUP = -1001234567890  # a supergroup, so /pending can link to the cards


@dataclass
class School:
    """A school with a chair, a vice-chair, a council member and a teacher (Telegram ids above)."""

    org_id: int
    invite_code: str
    departments: dict[str, int]


async def join(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    *,
    code: str,
    tg_user_id: int,
    name: str,
    department_id: int,
    address: Address = Address.CO,
) -> int:
    """Walk the joining dialogue; returns the pending membership id."""
    async with sessions() as s:
        await members.begin_join(s, code=code, tg_user_id=tg_user_id, display_name=name, now=now)
    async with sessions() as s:
        await members.give_name(s, tg_user_id=tg_user_id, raw=name, now=now)
    async with sessions() as s:
        await members.choose_address(s, tg_user_id=tg_user_id, address=address, now=now)
    async with sessions() as s:
        chosen = await members.choose_department(
            s, tg_user_id=tg_user_id, department_id=department_id, texts=texts, now=now
        )
    return chosen.membership.id


async def make_school(
    sessions: SessionFactory, texts: Texts, now: datetime, *, staff: bool = True
) -> School:
    """Create the school, claim the chair, and (optionally) approve three more people."""
    async with sessions() as s:
        created = await orgs.create_org(s, name="Trường Tiểu học Thượng Thanh", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=created.chair_code or "", tg_user_id=CHAIR, display_name="Hà", now=now
        )
    async with sessions() as s:
        depts = {
            d.name: d.id
            for d in (
                await s.scalars(select(Department).where(Department.org_id == created.org_id))
            ).all()
        }
        await members.give_name(s, tg_user_id=CHAIR, raw="Trần Thị Thu Hà", now=now)
    async with sessions() as s:
        await members.choose_address(s, tg_user_id=CHAIR, address=Address.CO, now=now)
    async with sessions() as s:
        await members.choose_department(
            s, tg_user_id=CHAIR, department_id=depts["Tổ Văn phòng"], texts=texts, now=now
        )
    school = School(created.org_id, created.invite_code, depts)
    if staff:
        for tg, name, dept, role, address in (
            (VICE, "Lê Minh Tuấn", "Tổ Văn phòng", Role.VICE_CHAIR, Address.THAY),
            (COUNCIL, "Phạm Thị Lan", "Tổ 1", Role.COUNCIL, Address.CO),
            (TEACHER, "Vũ Thị Mai", "Tổ 1", Role.STAFF, Address.CO),
        ):
            mid = await join(
                sessions,
                texts,
                now,
                code=created.invite_code,
                tg_user_id=tg,
                name=name,
                department_id=depts[dept],
                address=address,
            )
            async with sessions() as s:
                await members.decide_join(
                    s, membership_id=mid, approver_tg_id=CHAIR, approve=True, texts=texts, now=now
                )
            if role != Role.STAFF:
                async with sessions() as s:
                    await members.set_role(
                        s, tg_user_id=CHAIR, membership_id=mid, role=role, texts=texts, now=now
                    )
    await forget_outbox(sessions)
    return school


async def make_other_school(
    sessions: SessionFactory, texts: Texts, now: datetime, *, chair: int, council: int
) -> orgs.OrgCreated:
    """A second school whose chair claimed it and approved a council member (`council`)."""
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường THCS Gia Thụy", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=other.chair_code or "", tg_user_id=chair, display_name="Bình", now=now
        )
    async with sessions() as s:
        department = await s.scalar(
            select(Department.id).where(Department.org_id == other.org_id).limit(1)
        )
    assert department is not None
    mid = await join(
        sessions,
        texts,
        now,
        code=other.invite_code,
        tg_user_id=council,
        name="Trịnh Văn Sơn",
        department_id=department,
    )
    async with sessions() as s:
        await members.decide_join(
            s, membership_id=mid, approver_tg_id=chair, approve=True, texts=texts, now=now
        )
    async with sessions() as s:
        await members.set_role(
            s, tg_user_id=chair, membership_id=mid, role=Role.COUNCIL, texts=texts, now=now
        )
    return other


async def forget_outbox(sessions: SessionFactory) -> None:
    """Drop what setting up queued: it is history, not what a test wants to look at.

    A bot may already be running and sending. A row it has claimed is left to finish (its
    recipients are not in the emulator yet, so it goes nowhere); only unclaimed rows are deleted,
    one statement at a time, so the sender never holds a row that vanished under it.
    """
    for _ in range(200):
        async with sessions() as s:
            await s.execute(delete(OutboxMessage).where(OutboxMessage.claimed_by.is_(None)))
            await s.commit()
            left = await s.scalar(select(func.count()).select_from(OutboxMessage))
        if not left:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox still holds rows a sender claimed")


async def membership_of(sessions: SessionFactory, tg_user_id: int) -> Membership | None:
    """The (first) membership of a Telegram user."""
    from storage.models import Person

    async with sessions() as s:
        return await s.scalar(
            select(Membership)
            .join(Person, Person.id == Membership.person_id)
            .where(Person.tg_user_id == tg_user_id)
        )
