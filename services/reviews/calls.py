"""Calls (đợt) and their juries: open a call with its rubric, find it, set its jury, check who may
act on it. Session-taking functions; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services import audit
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.people import Actor, require_role
from services.reviews.rubric import Rubric
from services.school import values
from storage.models import (
    CallKind,
    CallStatus,
    JuryMember,
    JuryRole,
    Membership,
    MemberStatus,
    Org,
    ReviewCall,
    Role,
)

SINGLE = "single"  # the one round of a call judged once (initiatives)
SO_KHAO, CHUNG_KHAO = "so_khao", "chung_khao"  # the contest's preliminary and final rounds
STAGES = (SINGLE, SO_KHAO, CHUNG_KHAO)


async def school_settings(session: AsyncSession, org_id: int) -> dict[str, Any]:
    """The school's settings as plain values."""
    org = await session.get_one(Org, org_id)
    return {key: v.value for key, v in (await values(session, org)).items()}


async def rubric_of_school(session: AsyncSession, org_id: int, kind: str) -> Rubric:
    """The rubric the school's settings give this kind of call now."""
    return Rubric.of_settings(await school_settings(session, org_id), kind)


async def open_call(
    session: AsyncSession,
    *,
    org_id: int,
    kind: CallKind,
    year: int,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    submit_by: datetime,
    created_by: int,
    now: datetime,
    stages: Sequence[str] = (SINGLE,),
    review_by: datetime | None = None,
    anonymous: bool = False,
    rubric: Rubric | None = None,
) -> ReviewCall:
    """A new call of this school, with the rubric its settings give now (or `rubric`); one open
    call of a kind at a time ("reviews.call_open" otherwise)."""
    if not stages or any(s not in STAGES for s in stages):
        raise ValueError(f"bad stages {stages!r}")
    if not opens_at < closes_at <= submit_by:
        raise Invalid("reviews.bad_window")
    if await current_call(session, org_id, kind) is not None:
        raise AlreadyDone("reviews.call_open")
    rubric = rubric or await rubric_of_school(session, org_id, str(kind))
    call = ReviewCall(
        org_id=org_id,
        kind=kind,
        year=year,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        submit_by=submit_by,
        review_by=review_by,
        stages=list(stages),
        stage=stages[0],
        status=CallStatus.OPEN,
        rubric=rubric.as_json(),
        anonymous=anonymous,
        created_by=created_by,
        created_at=now,
    )
    session.add(call)
    await session.flush()
    await audit.record(
        session,
        org_id=org_id,
        actor_id=created_by,
        action="review.call_open",
        target=f"call:{call.id}",
        now=now,
        kind=str(kind),
        title=title,
    )
    return call


async def close_call(session: AsyncSession, *, call: ReviewCall, by: int, now: datetime) -> None:
    """Close a call: nothing in it changes any more (results stay as confirmed)."""
    if call.status == CallStatus.CLOSED:
        raise AlreadyDone("reviews.call_closed")
    call.status, call.closed_at = CallStatus.CLOSED, now
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=by,
        action="review.call_close",
        target=f"call:{call.id}",
        now=now,
    )


async def current_call(session: AsyncSession, org_id: int, kind: CallKind) -> ReviewCall | None:
    """The school's open call of this kind, if any."""
    return await session.scalar(
        select(ReviewCall)
        .where(
            ReviewCall.org_id == org_id,
            ReviewCall.kind == kind,
            ReviewCall.status == CallStatus.OPEN,
        )
        .order_by(ReviewCall.id.desc())
        .limit(1)
    )


async def latest_call(session: AsyncSession, org_id: int, kind: CallKind) -> ReviewCall | None:
    """The school's newest call of this kind, open or closed."""
    return await session.scalar(
        select(ReviewCall)
        .where(ReviewCall.org_id == org_id, ReviewCall.kind == kind)
        .order_by(ReviewCall.id.desc())
        .limit(1)
    )


async def call_of(session: AsyncSession, org_id: int, call_id: int) -> ReviewCall:
    """A call of this school (another school's id is not found, never shown)."""
    found = await session.get(ReviewCall, call_id)
    if found is None or found.org_id != org_id:
        raise NotFound("reviews.no_call")
    return found


def rubric(call: ReviewCall) -> Rubric:
    """The rubric the call was opened with."""
    return Rubric.from_json(call.rubric)


# ----------------------------------------------------------------------------- the jury


async def jury(session: AsyncSession, call_id: int) -> Sequence[JuryMember]:
    """The call's jury, chair first, then by name."""
    rows = (
        await session.scalars(
            select(JuryMember)
            .options(joinedload(JuryMember.person))
            .where(JuryMember.call_id == call_id)
        )
    ).all()
    return sorted(rows, key=lambda j: (j.role != JuryRole.CHAIR, j.person.full_name))


async def jury_role(session: AsyncSession, call_id: int, person_id: int) -> JuryRole | None:
    """This person's place on the call's jury (None: not on it)."""
    role = await session.scalar(
        select(JuryMember.role).where(
            JuryMember.call_id == call_id, JuryMember.person_id == person_id
        )
    )
    return JuryRole(role) if role is not None else None


async def active_member_ids(session: AsyncSession, org_id: int) -> dict[int, int | None]:
    """The school's active members: person id → department id."""
    rows = await session.execute(
        select(Membership.person_id, Membership.department_id).where(
            Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE
        )
    )
    return {person: dept for person, dept in rows}


async def set_jury_member(
    session: AsyncSession,
    *,
    call: ReviewCall,
    person_id: int,
    role: JuryRole | None,
    by: int,
    now: datetime,
) -> None:
    """Put an active member of the call's school on its jury with `role`, or take them off
    (None). A new chair replaces the old one (who stays a member)."""
    if call.status != CallStatus.OPEN:
        raise AlreadyDone("reviews.call_closed")
    if person_id not in await active_member_ids(session, call.org_id):
        raise NotFound("reviews.not_a_member")
    existing = await session.scalar(
        select(JuryMember).where(JuryMember.call_id == call.id, JuryMember.person_id == person_id)
    )
    if role is None:
        if existing is not None:
            await session.execute(delete(JuryMember).where(JuryMember.id == existing.id))
    else:
        if role == JuryRole.CHAIR:
            for other in await jury(session, call.id):
                if other.role == JuryRole.CHAIR and other.person_id != person_id:
                    other.role = JuryRole.MEMBER
        if existing is None:
            session.add(
                JuryMember(
                    call_id=call.id, person_id=person_id, role=role, added_by=by, added_at=now
                )
            )
        else:
            existing.role = role
    await session.flush()
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=by,
        action="review.jury",
        target=f"call:{call.id}",
        now=now,
        person_id=person_id,
        role=str(role) if role else None,
    )


# ----------------------------------------------------------------------------- who may act


async def school_chair(session: AsyncSession, tg_user_id: int) -> Actor:
    """The school's chair (who opens calls and names juries)."""
    return await require_role(session, tg_user_id, {Role.CHAIR}, refusal="reviews.chair_only")


async def jury_chair_of(session: AsyncSession, call: ReviewCall, who: Actor) -> None:
    """Refuse anyone but the call's jury chair (the school's chair stands in while the jury has
    none)."""
    assert who.person is not None
    role = await jury_role(session, call.id, who.person.id)
    if role == JuryRole.CHAIR:
        return
    if who.role == Role.CHAIR and not any(
        j.role == JuryRole.CHAIR for j in await jury(session, call.id)
    ):
        return
    raise NotAllowed("reviews.jury_chair_only")


async def relax_department_rule(
    session: AsyncSession, *, call: ReviewCall, allowed: bool, by: int, reason: str, now: datetime
) -> None:
    """Let reviewers score entries of their own department (or stop it); recorded with why."""
    call.same_department_ok = allowed
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=by,
        action="review.same_department",
        target=f"call:{call.id}",
        now=now,
        allowed=allowed,
        reason=reason,
    )
