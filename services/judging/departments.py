"""Department heads (tổ trưởng) propose which of the department's registrants go to the council.

In an open round, a head sees the department's registrants per title and ticks Đề nghị / Không
đề nghị for each, and whether the department itself stands for each collective title. The ticks
are kept in the head's DEPT_NOTE draft (durable, so a half-done list survives a restart) and
count only when the head confirms the list with a short note, after the department's own
meeting. The head's own line is left to the leaders; a department with no head is done by the
leaders. A list can be sent again until the council's meeting opens.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services import audit, outbox
from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.common import open_round, round_of, school_rules, title_family
from services.judging.rules import Family
from services.members.departments import list_departments
from services.naming import check_visible, sort_key
from services.people import LEADERS, Actor, require_role
from storage.models import (
    Candidate,
    CandidateSource,
    Department,
    DepartmentReview,
    DeptStatus,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Membership,
    MemberStatus,
    Org,
    Person,
    Role,
    RoundStatus,
)
from ui.buttons.departments import DeptOpen
from ui.texts import Texts

NOTE_MAX = 500
_DRAFT = Drafts(Kind.DEPT_NOTE)
_LOCKED = (MeetingStatus.OPEN, MeetingStatus.CLOSED)


@dataclass(frozen=True)
class Line:
    """One registrant's line: `decides` is "me" (a toggle for the viewer), "head" (the
    department head's to decide), "chair" or "vice" (the viewer's own line: a leader's)."""

    candidate_id: int
    number: int  # as numbered in the message and on its button
    name: str
    proposed: bool  # the toggle: the draft's choice, else what is stored (waiting: proposed)
    status: DeptStatus  # what is stored, and counts
    decides: str


@dataclass(frozen=True)
class TitleBlock:
    """The department's lines for one title."""

    title: str
    lines: list[Line]


@dataclass(frozen=True)
class Collective:
    """The department standing for a collective title (its index in the round's titles)."""

    index: int
    title: str
    on: bool
    mine: bool  # the viewer decides it (the head; a leader when the department has no head)


@dataclass(frozen=True)
class DeptView:
    """A department's list in a round, as one head or leader sees it."""

    round_id: int
    round_name: str
    department_id: int
    department: str
    head: str  # the head's name ("": none)
    leader: bool  # seen by a leader (a back button to the departments)
    titles: list[TitleBlock]
    collective: list[Collective]
    reviewed_by: str  # the last confirmation ("": none yet)
    reviewed_at: datetime | None
    note: str
    changed: bool  # the draft holds ticks not sent yet
    locked: bool  # the council's meeting opened: nothing changes any more

    @property
    def may_confirm(self) -> bool:
        """Something here is the viewer's to decide, and it still can be."""
        mine = any(line.decides == "me" for block in self.titles for line in block.lines)
        return not self.locked and (mine or any(c.mine for c in self.collective))

    def tally(self, stored: bool) -> list[tuple[str, int, int]]:
        """(title, proposed, lines): as stored (what counts), or as ticked."""
        return [
            (
                b.title,
                sum(
                    1
                    for x in b.lines
                    if (x.status == DeptStatus.PROPOSED if stored else x.proposed)
                ),
                len(b.lines),
            )
            for b in self.titles
        ]

    def waiting(self) -> list[tuple[str, str]]:
        """(name, title) of the lines nobody has confirmed yet."""
        return [
            (x.name, b.title)
            for b in self.titles
            for x in b.lines
            if x.status == DeptStatus.WAITING
        ]


@dataclass(frozen=True)
class DeptRow:
    """A department in the leaders' list."""

    id: int
    name: str
    head: str
    reviewed_at: datetime | None
    waiting: int  # lines nobody has confirmed yet


@dataclass(frozen=True)
class DeptList:
    """The round's departments, for a leader to open one."""

    round_id: int
    round_name: str
    departments: list[DeptRow]


@dataclass
class _Access:
    """Who presses, in which round and department, and what is theirs to decide there."""

    who: Actor
    round: JudgingRound
    department: Department
    head: Membership | None  # the department's active head
    as_head: bool

    @property
    def person_id(self) -> int:
        assert self.who.person is not None
        return self.who.person.id

    def decides(self, person_id: int) -> str:
        if person_id == self.person_id:  # nobody decides their own line
            return "vice" if self.who.role == Role.CHAIR else "chair"
        if self.as_head or self.head is None or person_id == self.head.person_id:
            return "me"
        return "head"

    @property
    def collective(self) -> bool:
        return self.as_head or self.head is None


async def _member(session: AsyncSession, tg_user_id: int) -> Actor:
    """Any active member (the department or role is checked where it matters)."""
    return await require_role(session, tg_user_id, set(Role))


async def _round(session: AsyncSession, who: Actor, round_id: int) -> JudgingRound:
    try:
        found = await round_of(session, who.org_id, round_id)
    except NotFound:
        raise NotFound("heads.no_round") from None
    if found.status != RoundStatus.OPEN:
        raise AlreadyDone("heads.round_closed", name=found.name)
    return found


async def _head_of(session: AsyncSession, org_id: int, department_id: int) -> Membership | None:
    return await session.scalar(
        select(Membership)
        .options(joinedload(Membership.person))
        .where(
            Membership.org_id == org_id,
            Membership.department_id == department_id,
            Membership.heads_department.is_(True),
            Membership.status == MemberStatus.ACTIVE,
        )
        .limit(1)
    )


async def _access(
    session: AsyncSession, tg_user_id: int, round_id: int, department_id: int
) -> _Access:
    """The presser's access to a department's list: its head, or a leader of its school."""
    who = await _member(session, tg_user_id)
    found = await _round(session, who, round_id)
    department = await session.get(Department, department_id)
    if department is None or department.org_id != found.org_id:
        raise NotFound("errors.stale_button")
    m = who.membership
    assert m is not None
    as_head = m.heads_department and m.department_id == department.id
    if not as_head and who.role not in LEADERS:
        raise NotAllowed("heads.not_your_department" if m.heads_department else "heads.not_head")
    head = await _head_of(session, found.org_id, department.id)
    return _Access(who, found, department, head, as_head)


async def _locked(session: AsyncSession, round_id: int) -> bool:
    """The council's meeting for the round has opened (or closed): the lists are final."""
    found = await session.scalar(
        select(Meeting.id).where(Meeting.round_id == round_id, Meeting.status.in_(_LOCKED))
    )
    return found is not None


def _saved(data: dict[str, Any], round_id: int, department_id: int) -> dict[str, dict[str, bool]]:
    """The draft's ticks for one department ({"c": {candidate: on}, "t": {title index: on}})."""
    if data.get("round_id") != round_id:
        return {"c": {}, "t": {}}
    saved = data.get("lists", {}).get(str(department_id), {})
    return {"c": dict(saved.get("c", {})), "t": dict(saved.get("t", {}))}


async def _draft_data(session: AsyncSession, tg_user_id: int) -> dict[str, Any]:
    try:
        return dict((await _DRAFT.load(session, tg_user_id)).data)
    except NoDraft:
        return {}


async def _view(session: AsyncSession, access: _Access, data: dict[str, Any]) -> DeptView:
    """The department's list with the presser's unsent ticks (`data`: their draft)."""
    rnd, dept = access.round, access.department
    saved = _saved(data, rnd.id, dept.id)
    rows = await session.execute(
        select(Candidate, Person.full_name)
        .join(Person, Person.id == Candidate.person_id)
        .join(
            Membership,
            and_(Membership.person_id == Candidate.person_id, Membership.org_id == rnd.org_id),
        )
        .where(
            Candidate.round_id == rnd.id,
            Membership.department_id == dept.id,
            or_(
                Candidate.dept_status == DeptStatus.WAITING,
                Candidate.source == CandidateSource.REGISTRATION,
            ),
        )
    )
    order = {title: i for i, title in enumerate(rnd.titles)}
    found = sorted(
        rows.all(), key=lambda r: (order.get(r[0].title, len(order)), r[0].title, sort_key(r[1]))
    )
    by_title: dict[str, list[Line]] = defaultdict(list)
    changed = False
    for number, (cand, name) in enumerate(found, start=1):
        assert cand.person_id is not None
        stored = cand.dept_status != DeptStatus.NOT_PROPOSED
        decides = access.decides(cand.person_id)
        choice = saved["c"].get(str(cand.id)) if decides == "me" else None
        changed |= choice is not None and choice != stored
        on = stored if choice is None else choice
        by_title[cand.title].append(
            Line(cand.id, number, name, on, DeptStatus(cand.dept_status), decides)
        )
    collective = []
    settings = await school_rules(session, await session.get_one(Org, rnd.org_id))
    standing = {
        c.title: c
        for c in await session.scalars(
            select(Candidate).where(
                Candidate.round_id == rnd.id,
                Candidate.department_id == dept.id,
                Candidate.person_id.is_(None),
            )
        )
    }
    for index, title in enumerate(rnd.titles):
        if title_family(settings, title) != Family.COLLECTIVE:
            continue
        stands = standing.get(title)
        stored = stands is not None and stands.dept_status != DeptStatus.NOT_PROPOSED
        choice = saved["t"].get(str(index)) if access.collective else None
        changed |= choice is not None and choice != stored
        collective.append(
            Collective(index, title, stored if choice is None else choice, access.collective)
        )
    review = await session.scalar(
        select(DepartmentReview).where(
            DepartmentReview.round_id == rnd.id, DepartmentReview.department_id == dept.id
        )
    )
    reviewer = await session.get(Person, review.head_id) if review else None
    return DeptView(
        round_id=rnd.id,
        round_name=rnd.name,
        department_id=dept.id,
        department=dept.name,
        head=access.head.person.full_name if access.head else "",
        leader=access.who.role in LEADERS,
        titles=[TitleBlock(t, lines) for t, lines in by_title.items()],
        collective=collective,
        reviewed_by=reviewer.full_name if reviewer else "",
        reviewed_at=review.confirmed_at if review else None,
        note=review.note if review else "",
        changed=changed,
        locked=await _locked(session, rnd.id),
    )


async def _save(
    session: AsyncSession,
    tg_user_id: int,
    data: dict[str, Any],
    access: _Access,
    ticks: dict[str, dict[str, bool]],
    step: str,
    now: datetime,
) -> dict[str, Any]:
    """Keep the ticks of one department in the presser's draft (other departments' stay)."""
    lists = dict(data.get("lists", {})) if data.get("round_id") == access.round.id else {}
    lists[str(access.department.id)] = ticks
    kept = {"round_id": access.round.id, "department_id": access.department.id, "lists": lists}
    await _DRAFT.save(session, tg_user_id, step, kept, now)
    return kept


async def _refuse_locked(session: AsyncSession, access: _Access) -> None:
    if await _locked(session, access.round.id):
        raise AlreadyDone("heads.meeting_started")


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
    access = await _access(session, tg_user_id, round_id, department_id)
    await _refuse_locked(session, access)
    data = await _draft_data(session, tg_user_id)
    view = await _view(session, access, data)
    ticks = _saved(data, round_id, department_id)
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
    data = await _save(session, tg_user_id, data, access, ticks, "review", now)
    return await _view(session, access, data)


@dataclass(frozen=True)
class Confirmed:
    """A list sent: what now stands, and whether it was sent before."""

    view: DeptView
    again: bool


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
    data = await _draft_data(session, tg_user_id)
    if round_id is None or department_id is None:
        round_id, department_id = data.get("round_id"), data.get("department_id")
    if not data or data.get("round_id") != round_id or data.get("department_id") != department_id:
        raise AlreadyDone("heads.no_draft")
    assert round_id is not None and department_id is not None
    access = await _access(session, tg_user_id, round_id, department_id)
    # One confirmation of a round at a time, and none once its meeting has opened.
    await session.execute(
        select(JudgingRound.id).where(JudgingRound.id == round_id).with_for_update()
    )
    await _refuse_locked(session, access)
    view = await _view(session, access, data)
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
    again = view.reviewed_at is not None
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
    stands = await _view(session, access, {})
    await _tell_chair(session, access, stands, note, again, texts, now)
    lists = {k: v for k, v in data.get("lists", {}).items() if k != str(department_id)}
    if lists:  # a leader's ticks in other departments stay in the draft
        await _DRAFT.save(session, tg_user_id, "review", {**data, "lists": lists}, now)
    else:
        await _DRAFT.discard(session, tg_user_id)  # commits it all
    return Confirmed(stands, again)


async def _stand(session: AsyncSession, access: _Access, item: Collective, now: datetime) -> None:
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
    access: _Access,
    view: DeptView,
    note: str,
    again: bool,
    texts: Texts,
    now: datetime,
) -> None:
    """The chair learns the department's list (unless she sent it herself)."""
    chairs = await session.scalars(
        select(Membership)
        .options(joinedload(Membership.person))
        .where(
            Membership.org_id == access.round.org_id,
            Membership.role == Role.CHAIR,
            Membership.status == MemberStatus.ACTIVE,
        )
    )
    for chair in chairs:
        if chair.person_id == access.person_id:
            continue
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


async def departments(session: AsyncSession, who: Actor, rnd: JudgingRound) -> DeptList:
    """The round's departments for a leader: each one's head, last list sent, lines waiting."""
    rows = []
    waiting: dict[int | None, int] = defaultdict(int)
    found = await session.execute(
        select(Membership.department_id)
        .join(Candidate, Candidate.person_id == Membership.person_id)
        .where(
            Membership.org_id == rnd.org_id,
            Candidate.round_id == rnd.id,
            Candidate.dept_status == DeptStatus.WAITING,
        )
    )
    for (dept_id,) in found:
        waiting[dept_id] += 1
    reviews = {
        r.department_id: r.confirmed_at
        for r in await session.scalars(
            select(DepartmentReview).where(DepartmentReview.round_id == rnd.id)
        )
    }
    for dept in await list_departments(session, org_id=rnd.org_id):
        head = await _head_of(session, rnd.org_id, dept.id)
        rows.append(
            DeptRow(
                dept.id,
                dept.name,
                head.person.full_name if head else "",
                reviews.get(dept.id),
                waiting[dept.id],
            )
        )
    return DeptList(rnd.id, rnd.name, rows)


class DepartmentHeads(UseCases):
    """Department heads (tổ trưởng) propose the department's registrants to the council."""

    async def start(self, *, tg_user_id: int, round_id: int | None = None) -> DeptView | DeptList:
        """/department (the open round) or the round-open notice's button: a head's own list,
        or the departments for a leader."""
        async with self.env.sessions() as session:
            who = await _member(session, tg_user_id)
            m = who.membership
            assert m is not None
            if who.role not in LEADERS and not m.heads_department:
                raise NotAllowed("heads.not_head")
            if round_id is None:
                found = await open_round(session, who.org_id)
                if found is None:
                    raise NotFound("heads.no_round")
                round_id = found.id
            rnd = await _round(session, who, round_id)
            if who.role in LEADERS:
                return await departments(session, who, rnd)
            if m.department_id is None:
                raise NotAllowed("heads.not_head")
            return await self._open(session, tg_user_id, round_id, m.department_id)

    async def department(self, *, tg_user_id: int, round_id: int, department_id: int) -> DeptView:
        """One department's list (its head, or a leader); back from the note, ticks kept."""
        async with self.env.sessions() as session:
            return await self._open(session, tg_user_id, round_id, department_id)

    async def _open(
        self, session: AsyncSession, tg_user_id: int, round_id: int, department_id: int
    ) -> DeptView:
        access = await _access(session, tg_user_id, round_id, department_id)
        try:
            convo = await _DRAFT.load(session, tg_user_id)
        except NoDraft:
            return await _view(session, access, {})
        data = dict(convo.data)
        if convo.step == "note":  # back from the note: what is typed now is no note
            await _DRAFT.save(session, tg_user_id, "review", data, self.now())
        return await _view(session, access, data)

    async def toggle(
        self,
        *,
        tg_user_id: int,
        round_id: int,
        department_id: int,
        candidate_id: int | None = None,
        title_index: int | None = None,
    ) -> DeptView:
        """Flip one tick in the draft (a registrant, or a collective title by its index)."""
        async with self.env.sessions() as session:
            return await toggle(
                session,
                tg_user_id=tg_user_id,
                round_id=round_id,
                department_id=department_id,
                candidate_id=candidate_id,
                title_index=title_index,
                now=self.now(),
            )

    async def ask_note(self, *, tg_user_id: int, round_id: int, department_id: int) -> DeptView:
        """ "Xác nhận danh sách của tổ": the ticks wait for a short note (or none)."""
        async with self.env.sessions() as session:
            access = await _access(session, tg_user_id, round_id, department_id)
            await _refuse_locked(session, access)
            data = await _draft_data(session, tg_user_id)
            view = await _view(session, access, data)
            if not view.may_confirm:
                raise AlreadyDone("heads.nothing_to_confirm")
            ticks = _saved(data, round_id, department_id)
            await _save(session, tg_user_id, data, access, ticks, "note", self.now())
            return view

    async def confirm(
        self,
        *,
        tg_user_id: int,
        note: str,
        round_id: int | None = None,
        department_id: int | None = None,
    ) -> Confirmed:
        """Send the list with the note typed (the draft names it) or none (the button does)."""
        async with self.env.sessions() as session:
            return await confirm(
                session,
                tg_user_id=tg_user_id,
                note=note,
                round_id=round_id,
                department_id=department_id,
                texts=self.texts,
                now=self.now(),
            )
