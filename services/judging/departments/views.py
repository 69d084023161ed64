"""What a head or a leader sees of a department's list in a round, and who may see it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services.errors import AlreadyDone, NotAllowed, NotFound
from services.judging.common import round_of, school_rules, title_family
from services.judging.rules import Family
from services.members.departments import list_departments
from services.naming import sort_key
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
        """(title, proposed, lines): as stored (what counts), or with the viewer's ticks."""

        def proposed(x: Line) -> bool:
            return x.proposed if x.decides == "me" and not stored else x.status == "proposed"

        return [(b.title, sum(map(proposed, b.lines)), len(b.lines)) for b in self.titles]

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
class Access:
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
        """Who decides this person's line (see `Line.decides`)."""
        if person_id == self.person_id:  # nobody decides their own line
            return "vice" if self.who.role == Role.CHAIR else "chair"
        if self.as_head or self.head is None or person_id == self.head.person_id:
            return "me"
        return "head"

    @property
    def collective(self) -> bool:
        """The presser speaks for the department itself (its collective titles, its review)."""
        return self.as_head or self.head is None


async def member(session: AsyncSession, tg_user_id: int) -> Actor:
    """Any active member (the department or role is checked where it matters)."""
    return await require_role(session, tg_user_id, set(Role))


async def judging_round(session: AsyncSession, who: Actor, round_id: int) -> JudgingRound:
    """An open round of the presser's school (another school's is not found)."""
    try:
        found = await round_of(session, who.org_id, round_id)
    except NotFound:
        raise NotFound("heads.no_round") from None
    if found.status != RoundStatus.OPEN:
        raise AlreadyDone("heads.round_closed", name=found.name)
    return found


async def head_of(session: AsyncSession, org_id: int, department_id: int) -> Membership | None:
    """The department's head (an active member), if it has one."""
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


async def access_to(
    session: AsyncSession, tg_user_id: int, round_id: int, department_id: int
) -> Access:
    """The presser's access to a department's list: its head, or a leader of its school."""
    who = await member(session, tg_user_id)
    found = await judging_round(session, who, round_id)
    department = await session.get(Department, department_id)
    if department is None or department.org_id != found.org_id:
        raise NotFound("errors.stale_button")
    m = who.membership
    assert m is not None
    as_head = m.heads_department and m.department_id == department.id
    if not as_head and who.role not in LEADERS:
        raise NotAllowed("heads.not_your_department" if m.heads_department else "heads.not_head")
    head = await head_of(session, found.org_id, department.id)
    return Access(who, found, department, head, as_head)


async def locked(session: AsyncSession, round_id: int) -> bool:
    """The council's meeting for the round has opened (or closed): the lists are final."""
    found = await session.scalar(
        select(Meeting.id).where(Meeting.round_id == round_id, Meeting.status.in_(_LOCKED))
    )
    return found is not None


def saved(data: dict[str, Any], round_id: int, department_id: int) -> dict[str, dict[str, bool]]:
    """The draft's ticks for one department ({"c": {candidate: on}, "t": {title index: on}})."""
    if data.get("round_id") != round_id:
        return {"c": {}, "t": {}}
    saved = data.get("lists", {}).get(str(department_id), {})
    return {"c": dict(saved.get("c", {})), "t": dict(saved.get("t", {}))}


async def view_of(session: AsyncSession, access: Access, data: dict[str, Any]) -> DeptView:
    """The department's list with the presser's unsent ticks (`data`: their draft)."""
    rnd, dept = access.round, access.department
    ticks = saved(data, rnd.id, dept.id)
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
        choice = ticks["c"].get(str(cand.id)) if decides == "me" else None
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
        choice = ticks["t"].get(str(index)) if access.collective else None
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
        locked=await locked(session, rnd.id),
    )


async def departments(session: AsyncSession, rnd: JudgingRound) -> DeptList:
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
        head = await head_of(session, rnd.org_id, dept.id)
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
