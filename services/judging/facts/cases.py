"""The use cases: the overview (/facts), the sheet handed out and taken back, person by person."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.facts_sheet import (
    FactsRow,
    Unreadable,
    fold,
    read_facts_sheet,
    write_facts_sheet,
)
from services import audit, calendar
from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft, current
from services.conversations import end as end_dialogue
from services.errors import Invalid, NotAllowed, NotFound
from services.judging.common import facts_by_person, open_round
from services.judging.facts.rows import (
    FIELDS,
    Field,
    check_lines,
    typed_value,
)
from services.judging.facts.store import (
    Staff,
    candidates_of,
    commit,
    complete,
    earlier_starts,
    facts_for,
    in_order,
    member_of,
    rating_of,
    staff_of,
    start_of,
    write_entries,
    year_row,
)
from services.judging.rules import PersonFacts
from services.members.departments import list_departments
from services.naming import sort_key
from services.people import LEADERS, Actor, actor, require_role
from storage.models import (
    Org,
    Rating,
    Role,
)

SHEET_MAX_BYTES = 2 * 1024 * 1024  # a staff list is a few dozen kB
SHEET_MAX_LINES = 2000
PROBLEMS_SHOWN = 20  # bad rows named in the reply; the rest are counted
PAGE = 8
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WAIT = "sheet"  # the dialogue's step while the bot waits for the filled sheet
_DIALOGUE = Drafts(Kind.FACTS)
_YEARS = re.compile(r"nam hoc (\d{4}) ?[-–] ?(\d{4})")  # in the folded title


def year_label(year: int) -> str:
    """2026 → "2026-2027"."""
    return f"{year}-{year + 1}"


@dataclass(frozen=True)
class Overview:
    """The school's facts for the year at a glance (/facts)."""

    org: str
    year: str
    total: int  # active members
    rated: int
    unrated: int
    no_start: int
    missing: int  # rating or start date missing
    round_open: bool
    candidates: int  # the open round's individual candidates
    candidates_missing: int  # of whom some fact is missing
    is_chair: bool


@dataclass(frozen=True)
class PersonLine:
    """One person in a list to pick from."""

    person_id: int
    name: str
    department: str
    complete: bool  # rating and start date known


@dataclass(frozen=True)
class PeoplePage:
    """A page of people to pick from: those missing facts, the round's candidates missing facts,
    or one department."""

    which: str  # "missing" | "candidates" | "department"
    department_id: int
    department: str
    people: list[PersonLine]
    page: int
    pages: int
    total: int
    year: str


@dataclass(frozen=True)
class DepartmentLine:
    """A department to pick people from (id 0: members with no department)."""

    department_id: int
    name: str
    people: int
    missing: int


@dataclass(frozen=True)
class PersonCard:
    """One person's facts for the year, as a leader edits them."""

    person_id: int
    name: str
    department: str
    year: str
    rating: str | None
    started_on: date | None
    start_from: str | None  # the earlier school year the start date comes from
    discipline: str | None
    initiative: str | None
    may_initiative: bool  # the chair records initiatives


@dataclass(frozen=True)
class SheetFile:
    """The sheet handed out."""

    filename: str
    content: bytes
    rows: int
    year: str


@dataclass(frozen=True)
class Imported:
    """A filled sheet taken in."""

    year: str
    rows: int
    updated: int
    unchanged: int
    unrated: int
    total: int


class Wanted(StrEnum):
    """What to do with a document a leader sent."""

    PASS = "pass"  # not a sheet for the facts: another area's (an announcement's attachment)
    SURE = "sure"  # the bot waits for the sheet: read it, whatever it holds
    MAYBE = "maybe"  # an .xlsx from a leader: read it if its header is the sheet's


class Facts(UseCases):
    """The facts the titles' conditions need, per person and school year: XLSX or chat."""

    # -- the overview and the sheet

    async def overview(self, *, tg_user_id: int, wait: bool = False) -> Overview:
        """The year's facts at a glance (with `wait`, as /facts: the bot then waits for the
        filled sheet, durably, until another dialogue or /cancel)."""
        async with self.env.sessions() as session:
            who, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            staff = await staff_of(session, org.id)
            facts = await facts_for(session, org.id, year)
            rated = sum(1 for p in staff.members if rating_of(facts, p) is not None)
            no_start = sum(1 for p in staff.members if start_of(facts, p) is None)
            round_ = await open_round(session, org.id)
            candidates = await candidates_of(session, org.id, staff) if round_ else []
            missing = [p for p in candidates if not complete(facts, p)]
            if wait:
                await _DIALOGUE.save(session, tg_user_id, WAIT, {}, self.now())
            return Overview(
                org.name,
                year_label(year),
                len(staff.members),
                rated,
                len(staff.members) - rated,
                no_start,
                sum(1 for p in staff.members if not complete(facts, p)),
                round_ is not None,
                len(candidates),
                len(missing),
                who.role == Role.CHAIR,
            )

    async def wait_for_sheet(self, *, tg_user_id: int) -> str:
        """The leader will send the filled sheet next ("Gửi lại bảng đã điền"); the year's label."""
        async with self.env.sessions() as session:
            _, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            await _DIALOGUE.save(session, tg_user_id, WAIT, {}, self.now())
            return year_label(year)

    async def sheet(self, *, tg_user_id: int) -> SheetFile:
        """The XLSX pre-filled with the school's active staff and the facts known."""
        async with self.env.reading() as session:
            _, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            staff = await staff_of(session, org.id)
            facts = await facts_for(session, org.id, year)
            departments = {d.id: d.position for d in await list_departments(session, org_id=org.id)}
            rows = [
                FactsRow(
                    person_id,
                    staff.name(person_id),
                    staff.department(person_id),
                    str(f.rating) if (f := facts.get(person_id)) and f.rating else None,
                    f.started_on if f else None,
                    f.discipline if f else None,
                    f.initiative if f else None,
                )
                for person_id in in_order(staff, departments)
            ]
            title = sheet_title(org.name, year)
        content = await asyncio.to_thread(write_facts_sheet, rows, title=title)
        return SheetFile(
            f"thong-tin-xet-thi-dua-{year_label(year)}.xlsx", content, len(rows), year_label(year)
        )

    async def sheet_wanted(
        self, *, tg_user_id: int, file_name: str, mime_type: str, size: int
    ) -> Wanted:
        """Whether a document in the private chat is the filled sheet to read: the bot waits
        for it, or a leader in no dialogue sent an .xlsx. Refuses what the wait cannot take (not
        an .xlsx, too large)."""
        async with self.env.sessions() as session:
            convo = await current(session, chat_id=tg_user_id, user_id=tg_user_id)
            waiting = convo is not None and convo.kind == Kind.FACTS and convo.step == WAIT
            if convo is not None and not waiting:
                return Wanted.PASS
            xlsx = file_name.lower().endswith(".xlsx") or mime_type == XLSX_MIME
            if not waiting and (not xlsx or (await actor(session, tg_user_id)).role not in LEADERS):
                return Wanted.PASS
        if not xlsx:
            raise Invalid("facts.not_xlsx")
        if size > SHEET_MAX_BYTES:
            raise Invalid("facts.too_big", limit=SHEET_MAX_BYTES // (1024 * 1024))
        return Wanted.SURE if waiting else Wanted.MAYBE

    async def import_sheet(self, *, tg_user_id: int, data: bytes, sure: bool) -> Imported | None:
        """Take in a filled sheet: every row, in one transaction, or none (the refusal names
        each bad row). None: not the sheet after all (`sure` False: the bot did not wait)."""
        if len(data) > SHEET_MAX_BYTES:
            raise Invalid("facts.too_big", limit=SHEET_MAX_BYTES // (1024 * 1024))
        async with self.env.sessions() as session:
            await _leader(session, tg_user_id)  # refused before the file is read
        try:
            sheet = await asyncio.to_thread(read_facts_sheet, data, max_lines=SHEET_MAX_LINES)
        except Unreadable as why:
            if not sure and why.reason in ("not_xlsx", "no_header"):
                return None
            raise Invalid(f"facts.unreadable_{why.reason}", lines=SHEET_MAX_LINES) from None
        today = self.now().astimezone(self.env.tz).date()
        async with self.env.sessions() as session:
            who, org = await _leader(session, tg_user_id)
            assert who.person is not None
            year = await self._year(session, org)
            found = _YEARS.search(fold(sheet.title))
            if found and int(found[1]) != year:
                raise Invalid(
                    "facts.other_year",
                    sheet=f"{found[1]}-{found[2]}",
                    year=year_label(year),
                )
            staff = await staff_of(session, org.id)
            facts = await facts_for(session, org.id, year)
            entries, problems = check_lines(
                sheet.lines, staff, facts, today=today, chair=who.role == Role.CHAIR
            )
            if problems:
                raise Invalid(
                    "facts.import_refused",
                    problems=problems[:PROBLEMS_SHOWN],
                    more=max(len(problems) - PROBLEMS_SHOWN, 0),
                    count=len(problems),
                )
            updated = await write_entries(
                session, org.id, year, entries, facts, who.person.id, self.now()
            )
            rated = {p for p, f in (await facts_for(session, org.id, year)).items() if f.rating}
            unrated = sum(1 for p in staff.members if p not in rated)
            await audit.record(
                session,
                org_id=org.id,
                actor_id=who.person.id,
                action="facts.import",
                target=f"year:{year}",
                now=self.now(),
                rows=len(entries),
                updated=updated,
                unrated=unrated,
            )
            if sure:
                await end_dialogue(session, chat_id=tg_user_id, user_id=tg_user_id, kind=Kind.FACTS)
            await commit(session)
            return Imported(
                year_label(year),
                len(entries),
                updated,
                len(entries) - updated,
                unrated,
                len(staff.members),
            )

    # -- person by person

    async def missing(self, *, tg_user_id: int, candidates: bool, page: int) -> PeoplePage:
        """People whose rating or start date is missing: the whole staff, or the open round's
        candidates."""
        async with self.env.sessions() as session:
            _, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            staff = await staff_of(session, org.id)
            facts = await facts_for(session, org.id, year)
            pool: Iterable[int] = staff.members
            if candidates:
                pool = await candidates_of(session, org.id, staff)
            people = [p for p in pool if not complete(facts, p)]
            which = "candidates" if candidates else "missing"
            return _page(which, 0, "", people, staff, facts, page, year)

    async def departments(self, *, tg_user_id: int) -> list[DepartmentLine]:
        """The school's departments, with how many people each has and how many miss facts."""
        async with self.env.sessions() as session:
            _, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            staff = await staff_of(session, org.id)
            facts = await facts_for(session, org.id, year)
            lines = []
            for dept in await list_departments(session, org_id=org.id):
                people = [p for p, m in staff.members.items() if m.department_id == dept.id]
                missing = sum(1 for p in people if not complete(facts, p))
                lines.append(DepartmentLine(dept.id, dept.name, len(people), missing))
            loose = [p for p, m in staff.members.items() if m.department_id is None]
            if loose:
                missing = sum(1 for p in loose if not complete(facts, p))
                lines.append(DepartmentLine(0, "", len(loose), missing))
            return lines

    async def department(self, *, tg_user_id: int, department_id: int, page: int) -> PeoplePage:
        """The people of one department (0: those with none), to pick from."""
        async with self.env.sessions() as session:
            _, org = await _leader(session, tg_user_id)
            name = ""
            if department_id:
                found = {d.id: d for d in await list_departments(session, org_id=org.id)}
                if department_id not in found:
                    raise NotFound("facts.no_department")
                name = found[department_id].name
            year = await self._year(session, org)
            staff = await staff_of(session, org.id)
            facts = await facts_for(session, org.id, year)
            people = [
                p for p, m in staff.members.items() if (m.department_id or 0) == department_id
            ]
            return _page("department", department_id, name, people, staff, facts, page, year)

    async def person(self, *, tg_user_id: int, person_id: int) -> PersonCard:
        """One person's facts for the year."""
        async with self.env.sessions() as session:
            who, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            return await _card(session, who, org, year, person_id)

    async def rate(self, *, tg_user_id: int, person_id: int, rating: Rating) -> PersonCard:
        """Set one person's rating for the year (one of the four buttons)."""
        async with self.env.sessions() as session:
            who, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            await self._set(session, who, org, year, person_id, {"rating": rating})
            return await _card(session, who, org, year, person_id)

    async def ask(self, *, tg_user_id: int, person_id: int, what: Field) -> PersonCard:
        """The leader will type one of the person's facts next (the dialogue keeps which)."""
        async with self.env.sessions() as session:
            who, org = await _leader(session, tg_user_id)
            _may_edit(who, what)
            year = await self._year(session, org)
            card = await _card(session, who, org, year, person_id)
            data = {"person_id": person_id, "year": year, "org_id": org.id}
            await _DIALOGUE.save(session, tg_user_id, what, data, self.now())
            return card

    async def answer(self, *, tg_user_id: int, text: str) -> tuple[Field, PersonCard]:
        """What the leader typed for the fact asked (a refusal leaves the question open)."""
        async with self.env.sessions() as session:
            try:
                convo = await _DIALOGUE.load(session, tg_user_id)
            except NoDraft:
                raise Invalid("errors.no_dialogue") from None
            if convo.step == WAIT:
                raise Invalid("facts.send_the_file")
            what: Field = convo.step  # type: ignore[assignment]
            if what not in FIELDS:
                raise Invalid("errors.no_dialogue")
            who, org = await _leader(session, tg_user_id)
            _may_edit(who, what)
            year, person_id = int(convo.data["year"]), int(convo.data["person_id"])
            if int(convo.data["org_id"]) != org.id:
                raise NotFound("facts.no_person")
            today = self.now().astimezone(self.env.tz).date()
            value = typed_value(what, text, today)
            await self._set(session, who, org, year, person_id, {_COLUMN[what]: value}, end=True)
            return what, await _card(session, who, org, year, person_id)

    async def clear(self, *, tg_user_id: int, person_id: int, what: Field) -> PersonCard:
        """Remove one of the person's facts for the year (no discipline, no initiative)."""
        async with self.env.sessions() as session:
            who, org = await _leader(session, tg_user_id)
            _may_edit(who, what)
            year = await self._year(session, org)
            await self._set(session, who, org, year, person_id, {_COLUMN[what]: None}, end=True)
            return await _card(session, who, org, year, person_id)

    # -- shared

    async def _year(self, session: AsyncSession, org: Org) -> int:
        """The year the facts are for: the open round's, else the current school year."""
        round_ = await open_round(session, org.id)
        if round_ is not None:
            return round_.year
        today = self.now().astimezone(self.env.tz).date()
        return calendar.school_year(today, org.school_year_start).start.year

    async def _set(
        self,
        session: AsyncSession,
        who: Actor,
        org: Org,
        year: int,
        person_id: int,
        values: dict[str, Any],
        *,
        end: bool = False,
    ) -> None:
        """Change some of one person's facts (audited) and commit; with `end`, the dialogue
        that asked for them ends in the same transaction."""
        assert who.person is not None
        await member_of(session, org.id, person_id)
        row = await year_row(session, org.id, person_id, year, self.now(), who.person.id)
        for column, value in values.items():
            setattr(row, column, value)
        row.updated_at, row.updated_by = self.now(), who.person.id
        await audit.record(
            session,
            org_id=org.id,
            actor_id=who.person.id,
            action="facts.set",
            target=f"person:{person_id}",
            now=self.now(),
            year=year,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()},
        )
        if end:
            tg = who.person.tg_user_id
            await end_dialogue(session, chat_id=tg, user_id=tg, kind=Kind.FACTS)
        await commit(session)


_COLUMN: dict[Field, str] = {
    "start": "started_on",
    "discipline": "discipline",
    "initiative": "initiative",
}


def sheet_title(org_name: str, year: int) -> str:
    """The sheet's title row; the import reads the school year back from it."""
    return f"{org_name} – thông tin xét thi đua năm học {year_label(year)}"


async def _leader(session: AsyncSession, tg_user_id: int) -> tuple[Actor, Org]:
    """The chair or vice-chair acting, and their school."""
    who = await require_role(session, tg_user_id, LEADERS, refusal="facts.leaders_only")
    assert who.membership is not None
    return who, who.membership.org


def _may_edit(who: Actor, what: Field) -> None:
    """A recognised initiative is the chair's to record."""
    if what == "initiative" and who.role != Role.CHAIR:
        raise NotAllowed("facts.chair_initiative")


def _page(
    which: str,
    department_id: int,
    department: str,
    people: Sequence[int],
    staff: Staff,
    facts: dict[int, PersonFacts],
    page: int,
    year: int,
) -> PeoplePage:
    ordered = sorted(people, key=lambda p: sort_key(staff.name(p)))
    pages = max(1, -(-len(ordered) // PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [
        PersonLine(p, staff.name(p), staff.department(p), complete(facts, p))
        for p in ordered[page * PAGE : (page + 1) * PAGE]
    ]
    return PeoplePage(
        which, department_id, department, lines, page, pages, len(ordered), year_label(year)
    )


async def _card(
    session: AsyncSession, who: Actor, org: Org, year: int, person_id: int
) -> PersonCard:
    member = await member_of(session, org.id, person_id)
    row = (await facts_by_person(session, org.id, year)).get(person_id)
    started, start_from = row.started_on if row else None, None
    if started is None:
        earlier = (await earlier_starts(session, org.id, year)).get(person_id)
        if earlier is not None:
            started, start_from = earlier[0], year_label(earlier[1])
    return PersonCard(
        person_id,
        member.person.full_name,
        member.department.name if member.department else "",
        year_label(year),
        str(row.rating) if row and row.rating else None,
        started,
        start_from,
        row.discipline if row else None,
        row.initiative if row else None,
        who.role == Role.CHAIR,
    )
