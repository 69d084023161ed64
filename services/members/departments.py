"""An organisation's departments: listed, added, renamed, removed (the chair)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.errors import Invalid, NotFound
from services.members.roster import require_chair
from services.naming import check_visible
from services.people import Actor
from storage.models import Department, Membership


async def list_departments(session: AsyncSession, *, org_id: int) -> list[Department]:
    """An organisation's departments, in their display order."""
    return list(
        (
            await session.scalars(
                select(Department)
                .where(Department.org_id == org_id)
                .order_by(Department.position, Department.id)
            )
        ).all()
    )


DEPT_NAME_MAX = 60


def clean_department_name(raw: str) -> str:
    """A tidied department name, or a refusal saying the limit."""
    name = " ".join(raw.split())
    if not 1 <= len(name) <= DEPT_NAME_MAX:
        raise Invalid("departments.bad_name", limit=DEPT_NAME_MAX)
    check_visible(name)
    return name


async def add_department(
    session: AsyncSession, *, tg_user_id: int, name: str, now: datetime
) -> Department:
    """Add a department to the chair's organisation."""
    who = await require_chair(session, tg_user_id)
    assert who.membership is not None
    name = clean_department_name(name)
    org_id = who.membership.org_id
    if await session.scalar(
        select(Department).where(Department.org_id == org_id, Department.name == name)
    ):
        raise Invalid("departments.exists", name=name)
    last = await session.scalar(
        select(func.max(Department.position)).where(Department.org_id == org_id)
    )
    dept = Department(org_id=org_id, name=name, position=(last or 0) + 1)
    session.add(dept)
    await session.flush()
    await audit.record(
        session,
        org_id=org_id,
        actor_id=who.person.id if who.person else None,
        action="department.add",
        target=f"department:{dept.id}",
        now=now,
        name=name,
    )
    await session.commit()
    return dept


async def _chair_department(
    session: AsyncSession, tg_user_id: int, dept_id: int
) -> tuple[Actor, Department]:
    who = await require_chair(session, tg_user_id)
    dept = await session.get(Department, dept_id)
    if dept is None or who.membership is None or dept.org_id != who.membership.org_id:
        raise NotFound("errors.stale_button")
    return who, dept


async def rename_department(
    session: AsyncSession, *, tg_user_id: int, department_id: int, name: str, now: datetime
) -> Department:
    """Rename a department of the chair's organisation."""
    who, dept = await _chair_department(session, tg_user_id, department_id)
    name = clean_department_name(name)
    if await session.scalar(
        select(Department).where(
            Department.org_id == dept.org_id, Department.name == name, Department.id != dept.id
        )
    ):
        raise Invalid("departments.exists", name=name)
    before, dept.name = dept.name, name
    await audit.record(
        session,
        org_id=dept.org_id,
        actor_id=who.person.id if who.person else None,
        action="department.rename",
        target=f"department:{dept.id}",
        now=now,
        before=before,
        after=name,
    )
    await session.commit()
    return dept


async def remove_department(
    session: AsyncSession, *, tg_user_id: int, department_id: int, now: datetime
) -> str:
    """Remove an empty department; refuse while anyone (even past staff) belongs to it."""
    who, dept = await _chair_department(session, tg_user_id, department_id)
    used = await session.scalar(
        select(func.count()).select_from(Membership).where(Membership.department_id == dept.id)
    )
    if used:
        raise Invalid("departments.not_empty", name=dept.name, count=used)
    name = dept.name
    await session.delete(dept)
    await audit.record(
        session,
        org_id=dept.org_id,
        actor_id=who.person.id if who.person else None,
        action="department.remove",
        target=f"department:{department_id}",
        now=now,
        name=name,
    )
    await session.commit()
    return name
