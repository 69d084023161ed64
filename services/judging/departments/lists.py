"""A department's list ticked in the draft, then confirmed with a note: statuses, the review,
the collective titles, the audit and the chair's notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services import audit, outbox
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.common import open_round
from services.judging.departments.views import (
    Access,
    Collective,
    DeptList,
    DeptView,
    access_to,
    departments,
    judging_round,
    locked,
    member,
    saved,
    view_of,
)
from services.naming import check_visible
from services.people import LEADERS
from storage.models import (
    Candidate,
    CandidateSource,
    DepartmentReview,
    DeptStatus,
    JudgingRound,
    Membership,
    MemberStatus,
    Role,
)
from ui.buttons.departments import DeptOpen
from ui.texts import Texts

NOTE_MAX = 500
DRAFT = Drafts(Kind.DEPT_NOTE)


async def draft_data(session: AsyncSession, tg_user_id: int) -> dict[str, Any]:
    """The presser's DEPT_NOTE draft ({} when they have none)."""
    try:
        return dict((await DRAFT.load(session, tg_user_id)).data)
    except NoDraft:
        return {}


async def save_ticks(
    session: AsyncSession,
    tg_user_id: int,
    data: dict[str, Any],
    access: Access,
    ticks: dict[str, dict[str, bool]],
    step: str,
    now: datetime,
) -> dict[str, Any]:
    """Keep the ticks of one department in the presser's draft (other departments' stay)."""
    lists = dict(data.get("lists", {})) if data.get("round_id") == access.round.id else {}
    lists[str(access.department.id)] = ticks
    kept = {"round_id": access.round.id, "department_id": access.department.id, "lists": lists}
    await DRAFT.save(session, tg_user_id, step, kept, now)
    return kept


async def refuse_locked(session: AsyncSession, access: Access) -> None:
    """Refuse once the council's meeting for the round has opened: the lists are final."""
    if await locked(session, access.round.id):
        raise AlreadyDone("heads.meeting_started")


async def start(
    session: AsyncSession, *, tg_user_id: int, round_id: int | None, now: datetime
) -> DeptView | DeptList:
    """A head's own list in the round (the open one when None); the departments for a leader."""
    who = await member(session, tg_user_id)
    m = who.membership
    assert m is not None
    if who.role not in LEADERS and not m.heads_department:
        raise NotAllowed("heads.not_head")
    if round_id is None:
        found = await open_round(session, who.org_id)
        if found is None:
            raise NotFound("heads.no_round")
        round_id = found.id
    rnd = await judging_round(session, who, round_id)
    if who.role in LEADERS:
        return await departments(session, rnd)
    if m.department_id is None:
        raise NotAllowed("heads.not_head")
    return await open_list(
        session, tg_user_id=tg_user_id, round_id=round_id, department_id=m.department_id, now=now
    )


async def open_list(
    session: AsyncSession, *, tg_user_id: int, round_id: int, department_id: int, now: datetime
) -> DeptView:
    """One department's list with the presser's ticks (back from the note: no note awaited)."""
    access = await access_to(session, tg_user_id, round_id, department_id)
    try:
        convo = await DRAFT.load(session, tg_user_id)
    except NoDraft:
        return await view_of(session, access, {})
    data = dict(convo.data)
    if convo.step == "note":  # what is typed now is no note
        await DRAFT.save(session, tg_user_id, "review", data, now)
    return await view_of(session, access, data)


async def toggle(
    session: AsyncSession,
    *,
    tg_user_id: int,
    round_id: int,
    department_id: int,
    candidate_id: int | None = None,
    title_index: int | None = None,
    now: datetime,
) -> DeptView:
    """Flip one registrant's tick (or the department's for a collective title), in the draft."""
    access = await access_to(session, tg_user_id, round_id, department_id)
    await refuse_locked(session, access)
    data = await draft_data(session, tg_user_id)
    view = await view_of(session, access, data)
    ticks = saved(data, round_id, department_id)
    if candidate_id is not None:
        line = next(
            (x for b in view.titles for x in b.lines if x.candidate_id == candidate_id), None
        )
        if line is None or line.decides != "me":
            raise NotFound("errors.stale_button")
        ticks["c"][str(candidate_id)] = not line.proposed
    else:
        title = next((c for c in view.collective if c.index == title_index), None)
        if title is None or not title.mine:
            raise NotFound("errors.stale_button")
        ticks["t"][str(title_index)] = not title.on
    data = await save_ticks(session, tg_user_id, data, access, ticks, "review", now)
    return await view_of(session, access, data)


async def ask_note(
    session: AsyncSession, *, tg_user_id: int, round_id: int, department_id: int, now: datetime
) -> DeptView:
    """ "Xác nhận danh sách của tổ": the ticks as they stand wait for a short note (or none)."""
    access = await access_to(session, tg_user_id, round_id, department_id)
    await refuse_locked(session, access)
    data = await draft_data(session, tg_user_id)
    view = await view_of(session, access, data)
    if not view.may_confirm:
        raise AlreadyDone("heads.nothing_to_confirm")
    await save_ticks(
        session, tg_user_id, data, access, saved(data, round_id, department_id), "note", now
    )
    return view


@dataclass(frozen=True)
class Confirmed:
    """A list sent: what now stands, whether the department's list was sent before, and whether
    the chair was told (not when she sent it herself)."""

    view: DeptView
    again: bool
    told: bool


async def confirm(
    session: AsyncSession,
    *,
    tg_user_id: int,
    note: str,
    round_id: int | None = None,
    department_id: int | None = None,
    texts: Texts,
    now: datetime,
) -> Confirmed:
    """Send the department's list as ticked in the draft (the one waiting for its note, or the
    one named), with the note; the chair is told."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise Invalid("heads.note_too_long", limit=NOTE_MAX, length=len(note))
    check_visible(note)
    data = await draft_data(session, tg_user_id)
    if round_id is None or department_id is None:
        round_id, department_id = data.get("round_id"), data.get("department_id")
    if not data or data.get("round_id") != round_id or data.get("department_id") != department_id:
        raise AlreadyDone("heads.no_draft")
    assert round_id is not None and department_id is not None
    access = await access_to(session, tg_user_id, round_id, department_id)
    # One confirmation of a round at a time, and none once its meeting has opened.
    await session.execute(
        select(JudgingRound.id).where(JudgingRound.id == round_id).with_for_update()
    )
    await refuse_locked(session, access)
    view = await view_of(session, access, data)
    if not view.may_confirm:
        raise AlreadyDone("heads.nothing_to_confirm")
    decided: dict[str, list[int]] = {"proposed": [], "not_proposed": []}
    for block in view.titles:
        for line in block.lines:
            if line.decides == "me":
                status = DeptStatus.PROPOSED if line.proposed else DeptStatus.NOT_PROPOSED
                cand = await session.get_one(Candidate, line.candidate_id)
                cand.dept_status = status
                decided[str(status)].append(cand.id)
    for item in (c for c in view.collective if c.mine):
        await _stand(session, access, item, now)
    again = access.collective and view.reviewed_at is not None
    if access.collective:  # the department's own list (its head, or a leader for no head)
        review = await session.scalar(
            select(DepartmentReview).where(
                DepartmentReview.round_id == round_id,
                DepartmentReview.department_id == department_id,
            )
        )
        if review is None:
            review = DepartmentReview(round_id=round_id, department_id=department_id)
            session.add(review)
        review.head_id, review.note, review.confirmed_at = access.person_id, note, now
    await audit.record(
        session,
        org_id=access.round.org_id,
        actor_id=access.person_id,
        action="heads.confirm",
        target=f"round:{round_id}:department:{department_id}",
        now=now,
        note=note,
        collective={c.title: c.on for c in view.collective if c.mine},
        **decided,
    )
    await session.flush()
    stands = await view_of(session, access, {})
    told = await _tell_chair(session, access, stands, note, again, texts, now)
    lists = {k: v for k, v in data.get("lists", {}).items() if k != str(department_id)}
    if lists:  # a leader's ticks in other departments stay in the draft
        await DRAFT.save(session, tg_user_id, "review", {**data, "lists": lists}, now)
    else:
        await DRAFT.discard(session, tg_user_id)  # commits it all
    return Confirmed(stands, again, told)


async def _stand(session: AsyncSession, access: Access, item: Collective, now: datetime) -> None:
    """The department stands for a collective title (a candidate), or no longer."""
    rnd, dept = access.round, access.department
    cand = await session.scalar(
        select(Candidate).where(
            Candidate.round_id == rnd.id,
            Candidate.title == item.title,
            Candidate.department_id == dept.id,
            Candidate.person_id.is_(None),
        )
    )
    if item.on and cand is None:
        session.add(
            Candidate(
                round_id=rnd.id,
                title=item.title,
                person_id=None,
                department_id=dept.id,
                source=CandidateSource.DEPARTMENT,
                dept_status=DeptStatus.PROPOSED,
                added_at=now,
            )
        )
    elif cand is not None and item.on:
        cand.dept_status = DeptStatus.PROPOSED
    elif cand is not None and cand.source == CandidateSource.DEPARTMENT:
        await session.execute(delete(Candidate).where(Candidate.id == cand.id))
    elif cand is not None:  # registered some other way: the department does not propose it
        cand.dept_status = DeptStatus.NOT_PROPOSED


async def _tell_chair(
    session: AsyncSession,
    access: Access,
    view: DeptView,
    note: str,
    again: bool,
    texts: Texts,
    now: datetime,
) -> bool:
    """The chair learns the department's list (unless she sent it herself); told?"""
    chairs = await session.scalars(
        select(Membership)
        .options(joinedload(Membership.person))
        .where(
            Membership.org_id == access.round.org_id,
            Membership.role == Role.CHAIR,
            Membership.status == MemberStatus.ACTIVE,
        )
    )
    told = False
    for chair in chairs:
        if chair.person_id == access.person_id:
            continue
        told = True
        locale = texts.locale(chair.person.locale)
        outbox.enqueue_message(
            session,
            chat_id=chair.person.tg_user_id,
            now=now,
            text=texts.render(
                locale,
                "heads.sent_notice",
                view=view,
                by=access.who.person.full_name if access.who.person else "",
                note=note,
                again=again,
            ),
            buttons=[
                [
                    (
                        texts.plain(locale, "heads.open_button", department=view.department),
                        DeptOpen(view.round_id, view.department_id).pack(),
                    )
                ]
            ],
        )
    return told
