"""The facts the titles' conditions need, per person and school year: XLSX or chat.

Entered once a year by the leaders (chair and vice-chair): each person's annual rating (mức độ
hoàn thành nhiệm vụ), the start of service (for the minimum-service rule), any discipline, and a
recognised initiative (the chair's to record, until the initiatives council is in the bot). Two
ways in: the XLSX the bot hands out pre-filled with the staff list, taken back whole or not at all
(every bad row named, nothing half-imported), or person by person in chat.

The year is the school year's first calendar year (2026 for 2026-2027): the open round's, else
the current one. A start date is entered once: a year without one uses the latest earlier year's.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from reports.facts_sheet import (
    RATING_LABELS,
    FactsRow,
    SheetLine,
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
from services.judging.rules import PersonFacts
from services.members.departments import list_departments
from services.naming import hidden_characters, sort_key
from services.people import LEADERS, Actor, actor, require_role
from storage.models import (
    Candidate,
    Membership,
    MemberStatus,
    Org,
    PersonYear,
    Rating,
    Role,
)

SHEET_MAX_BYTES = 2 * 1024 * 1024  # a staff list is a few dozen kB
SHEET_MAX_LINES = 2000
PROBLEMS_SHOWN = 20  # bad rows named in the reply; the rest are counted
SHOWN_MAX = 40  # a cell's text quoted in a problem, at most
PAGE = 8
TEXT_MAX = {"discipline": 200, "initiative": 300}  # the columns' sizes
OLDEST = date(1940, 1, 1)  # an earlier start of service is a typing error
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WAIT = "sheet"  # the dialogue's step while the bot waits for the filled sheet
NONE_WORDS = {"khong", "khong co", "none", "no", "-"}  # "không" typed for no discipline

Field = Literal["start", "discipline", "initiative"]
FIELDS: tuple[Field, ...] = ("start", "discipline", "initiative")
_DIALOGUE = Drafts(Kind.FACTS)
_RATINGS: dict[str, Rating] = {
    **{fold(label): Rating(key) for key, label in RATING_LABELS.items()},
    **{fold(label).removesuffix(" nhiem vu"): Rating(key) for key, label in RATING_LABELS.items()},
    "htxs": Rating.EXCELLENT,
    "htt": Rating.GOOD,
    "ht": Rating.DONE,
    "kht": Rating.NOT_DONE,
    "htxsnv": Rating.EXCELLENT,
    "httnv": Rating.GOOD,
    "htnv": Rating.DONE,
    "khtnv": Rating.NOT_DONE,
}
_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEARS = re.compile(r"nam hoc (\d{4}) ?[-–] ?(\d{4})")  # in the folded title


# ---------------------------------------------------------------------------- what the rules read


async def facts_for(session: AsyncSession, org_id: int, year: int) -> dict[int, PersonFacts]:
    """Each person's facts for a school year ({person_id: facts}; nobody entered: absent). A
    start date not entered this year is the latest earlier year's."""
    rows = await facts_by_person(session, org_id, year)
    earlier = await _earlier_starts(session, org_id, year)
    out = {
        person_id: PersonFacts(
            Rating(row.rating) if row.rating else None,
            row.started_on or earlier.get(person_id, (None, 0))[0],
            row.discipline,
            row.initiative,
        )
        for person_id, row in rows.items()
    }
    for person_id, (started, _) in earlier.items():
        out.setdefault(person_id, PersonFacts(started_on=started))
    return out


async def _earlier_starts(
    session: AsyncSession, org_id: int, year: int
) -> dict[int, tuple[date, int]]:
    """The latest start date each person has in an earlier year ({person_id: (date, year)})."""
    rows = await session.execute(
        select(PersonYear.person_id, PersonYear.started_on, PersonYear.year)
        .where(
            PersonYear.org_id == org_id,
            PersonYear.year < year,
            PersonYear.started_on.is_not(None),
        )
        .order_by(PersonYear.year)
    )
    return {person_id: (started, y) for person_id, started, y in rows if started is not None}


# ---------------------------------------------------------------------------- parsing what is typed


def parse_rating(value: object) -> Rating | None:
    """A rating as typed or picked: the four Vietnamese values in any case, with or without
    diacritics and "nhiệm vụ", or HTXS / HTT / HT / KHT (None: blank). ValueError otherwise."""
    if value is None:
        return None
    text = fold(str(value)).strip(" .")
    if not text:
        return None
    found = _RATINGS.get(text) or _RATINGS.get(text.replace(" ", ""))
    if found is None:
        raise ValueError(text)
    return found


class BadDate(ValueError):
    """Not a date ("bad") or a date that cannot be a start of service ("future", "old")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_start(value: object, *, today: date) -> date | None:
    """A start of service: a date cell, or dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or
    yyyy-mm-dd typed (None: blank). BadDate otherwise, or for a day after today."""
    if value is None:
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        if not isinstance(value, str):
            raise BadDate("bad")  # a number is not a date (a year alone, a serial typed)
        text = value.strip()
        if not text:
            return None
        day = _typed_date(text)
    if day > today:
        raise BadDate("future")
    if day < OLDEST:
        raise BadDate("bad")
    return day


def _typed_date(text: str) -> date:
    found = _DATE.match(text)
    iso = _ISO.match(text)
    try:
        if found:
            return date(int(found[4]), int(found[3]), int(found[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        pass
    raise BadDate("bad")


def clean_text(value: object) -> str | None:
    """A discipline or initiative as typed: spaces tidied (None: blank)."""
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return text or None


def shown(value: object) -> str:
    """A cell as quoted back in a message: a date as dd/mm/yyyy, long text cut."""
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


# ---------------------------------------------------------------------------- views


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
class Problem:
    """What is wrong with one row of a filled sheet: each fault as (key, values), said by the
    template `facts.fault`."""

    line: int
    name: str
    faults: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


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


@dataclass
class _Entry:
    """A row's facts, parsed."""

    person_id: int
    rating: Rating | None
    started_on: date | None
    discipline: str | None
    initiative: str | None


@dataclass(frozen=True)
class _Staff:
    """The school's active members, by person, with their department."""

    members: dict[int, Membership]

    def name(self, person_id: int) -> str:
        return self.members[person_id].person.full_name

    def department(self, person_id: int) -> str:
        dept = self.members[person_id].department
        return dept.name if dept else ""


# ---------------------------------------------------------------------------- the use cases


class Facts(UseCases):
    """The facts the titles' conditions need, per person and school year: XLSX or chat."""

    # -- the overview and the sheet

    async def overview(self, *, tg_user_id: int, wait: bool = False) -> Overview:
        """The year's facts at a glance (with `wait`, as /facts: the bot then waits for the
        filled sheet, durably, until another dialogue or /cancel)."""
        async with self.env.sessions() as session:
            who, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            staff = await _staff(session, org.id)
            facts = await facts_for(session, org.id, year)
            rated = sum(1 for p in staff.members if _rating(facts, p) is not None)
            no_start = sum(1 for p in staff.members if _start(facts, p) is None)
            round_ = await open_round(session, org.id)
            candidates = await _candidates(session, org.id, staff) if round_ else []
            missing = [p for p in candidates if not _complete(facts, p)]
            if wait:
                await _DIALOGUE.save(session, tg_user_id, WAIT, {}, self.now())
            return Overview(
                org.name,
                year_label(year),
                len(staff.members),
                rated,
                len(staff.members) - rated,
                no_start,
                sum(1 for p in staff.members if not _complete(facts, p)),
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
            staff = await _staff(session, org.id)
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
                for person_id in _in_order(staff, departments)
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
            staff = await _staff(session, org.id)
            facts = await facts_for(session, org.id, year)
            entries, problems = _check(
                sheet.lines, staff, facts, today=today, chair=who.role == Role.CHAIR
            )
            if problems:
                raise Invalid(
                    "facts.import_refused",
                    problems=problems[:PROBLEMS_SHOWN],
                    more=max(len(problems) - PROBLEMS_SHOWN, 0),
                    count=len(problems),
                )
            updated = await _write(session, org.id, year, entries, facts, who.person.id, self.now())
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
            await _commit(session)
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
            staff = await _staff(session, org.id)
            facts = await facts_for(session, org.id, year)
            pool: Iterable[int] = staff.members
            if candidates:
                pool = await _candidates(session, org.id, staff)
            people = [p for p in pool if not _complete(facts, p)]
            which = "candidates" if candidates else "missing"
            return _page(which, 0, "", people, staff, facts, page, year)

    async def departments(self, *, tg_user_id: int) -> list[DepartmentLine]:
        """The school's departments, with how many people each has and how many miss facts."""
        async with self.env.sessions() as session:
            _, org = await _leader(session, tg_user_id)
            year = await self._year(session, org)
            staff = await _staff(session, org.id)
            facts = await facts_for(session, org.id, year)
            lines = []
            for dept in await list_departments(session, org_id=org.id):
                people = [p for p, m in staff.members.items() if m.department_id == dept.id]
                missing = sum(1 for p in people if not _complete(facts, p))
                lines.append(DepartmentLine(dept.id, dept.name, len(people), missing))
            loose = [p for p, m in staff.members.items() if m.department_id is None]
            if loose:
                missing = sum(1 for p in loose if not _complete(facts, p))
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
            staff = await _staff(session, org.id)
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
            value = _typed(what, text, today)
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
        await _member(session, org.id, person_id)
        row = await _year_row(session, org.id, person_id, year, self.now(), who.person.id)
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
        await _commit(session)


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


async def _staff(session: AsyncSession, org_id: int) -> _Staff:
    rows = await session.scalars(
        select(Membership)
        .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
        .options(selectinload(Membership.person), selectinload(Membership.department))
    )
    return _Staff({m.person_id: m for m in rows})


async def _member(session: AsyncSession, org_id: int, person_id: int) -> Membership:
    """An active member of this school (another school's person is not found)."""
    found = (await _staff(session, org_id)).members.get(person_id)
    if found is None:
        raise NotFound("facts.no_person")
    return found


async def _candidates(session: AsyncSession, org_id: int, staff: _Staff) -> list[int]:
    """The open round's individual candidates who are active members."""
    round_ = await open_round(session, org_id)
    if round_ is None:
        return []
    ids = await session.scalars(
        select(Candidate.person_id)
        .where(Candidate.round_id == round_.id, Candidate.person_id.is_not(None))
        .distinct()
    )
    return [p for p in ids if p is not None and p in staff.members]


async def _year_row(
    session: AsyncSession, org_id: int, person_id: int, year: int, now: datetime, by: int
) -> PersonYear:
    row = await session.scalar(
        select(PersonYear).where(
            PersonYear.org_id == org_id, PersonYear.person_id == person_id, PersonYear.year == year
        )
    )
    if row is None:
        row = PersonYear(
            org_id=org_id, person_id=person_id, year=year, updated_at=now, updated_by=by
        )
        session.add(row)
    return row


async def _commit(session: AsyncSession) -> None:
    """Commit; two leaders creating the same person's year at once: one is asked to retry."""
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Invalid("facts.busy") from None


def _rating(facts: dict[int, PersonFacts], person_id: int) -> Rating | None:
    found = facts.get(person_id)
    return found.rating if found else None


def _start(facts: dict[int, PersonFacts], person_id: int) -> date | None:
    found = facts.get(person_id)
    return found.started_on if found else None


def _complete(facts: dict[int, PersonFacts], person_id: int) -> bool:
    return _rating(facts, person_id) is not None and _start(facts, person_id) is not None


def _in_order(staff: _Staff, positions: dict[int, int]) -> list[int]:
    """By department (in the school's order, those with none last), then by name."""

    def key(person_id: int) -> tuple[Any, ...]:
        m = staff.members[person_id]
        dept = m.department_id
        place = (0, positions.get(dept, 0), dept) if dept is not None else (1, 0, 0)
        return (*place, sort_key(m.person.full_name))

    return sorted(staff.members, key=key)


def _page(
    which: str,
    department_id: int,
    department: str,
    people: Sequence[int],
    staff: _Staff,
    facts: dict[int, PersonFacts],
    page: int,
    year: int,
) -> PeoplePage:
    ordered = sorted(people, key=lambda p: sort_key(staff.name(p)))
    pages = max(1, -(-len(ordered) // PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [
        PersonLine(p, staff.name(p), staff.department(p), _complete(facts, p))
        for p in ordered[page * PAGE : (page + 1) * PAGE]
    ]
    return PeoplePage(
        which, department_id, department, lines, page, pages, len(ordered), year_label(year)
    )


async def _card(
    session: AsyncSession, who: Actor, org: Org, year: int, person_id: int
) -> PersonCard:
    member = await _member(session, org.id, person_id)
    row = (await facts_by_person(session, org.id, year)).get(person_id)
    started, start_from = row.started_on if row else None, None
    if started is None:
        earlier = (await _earlier_starts(session, org.id, year)).get(person_id)
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


def _typed(what: Field, text: str, today: date) -> date | str | None:
    """A fact typed in chat, checked as a row of the sheet is."""
    if what == "start":
        try:
            started = parse_start(text.strip(), today=today)
        except BadDate as why:
            raise Invalid(f"facts.typed_{why.reason}_date", text=shown(text)) from None
        if started is None:
            raise Invalid("facts.typed_bad_date", text="")
        return started
    cleaned = clean_text(text)
    if cleaned is None or fold(cleaned) in NONE_WORDS:
        return None
    if hidden_characters(cleaned):
        raise Invalid("errors.hidden_characters")
    if len(cleaned) > TEXT_MAX[what]:
        raise Invalid("facts.typed_too_long", limit=TEXT_MAX[what])
    return cleaned


# ---------------------------------------------------------------------------- the import


def _check(
    lines: Sequence[SheetLine],
    staff: _Staff,
    facts: dict[int, PersonFacts],
    *,
    today: date,
    chair: bool,
) -> tuple[list[_Entry], list[Problem]]:
    """Each row parsed, or what is wrong with it (every fault of every row)."""
    entries: list[_Entry] = []
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    for line in lines:
        faults: list[tuple[str, dict[str, Any]]] = []
        person_id = _code(line.code)
        name = staff.name(person_id) if person_id in staff.members else shown(line.name or "")
        if line.code is None:
            faults.append(("no_code", {}))
        elif person_id not in staff.members:
            faults.append(("code", {"code": shown(line.code)}))
        elif person_id in seen:
            faults.append(("twice", {"first": seen[person_id]}))
        else:
            seen[person_id] = line.line
        try:
            rating = parse_rating(line.rating)
        except ValueError:
            rating = None
            faults.append(("rating", {"text": shown(line.rating)}))
        try:
            started = parse_start(line.started, today=today)
        except BadDate as why:
            started = None
            faults.append((f"{why.reason}_date", {"text": shown(line.started)}))
        texts: dict[str, str | None] = {}
        for column, value in (("discipline", line.discipline), ("initiative", line.initiative)):
            texts[column] = clean_text(value)
            fault = _text_fault(column, texts[column])
            if fault:
                faults.append(fault)
        before = facts.get(person_id) if person_id is not None else None
        if not chair and texts["initiative"] != (before.initiative if before else None):
            faults.append(("initiative_chair", {}))
        if faults:
            problems.append(Problem(line.line, name, faults))
        elif person_id is not None:
            entries.append(
                _Entry(person_id, rating, started, texts["discipline"], texts["initiative"])
            )
    return entries, problems


def _code(value: object) -> int | None:
    """The row's Mã (the person's id), if it is one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _text_fault(column: str, text: str | None) -> tuple[str, dict[str, Any]] | None:
    if text is None:
        return None
    if hidden_characters(text):
        return ("hidden", {"column": column})
    if len(text) > TEXT_MAX[column]:
        return ("long", {"column": column, "limit": TEXT_MAX[column]})
    return None


async def _write(
    session: AsyncSession,
    org_id: int,
    year: int,
    entries: Sequence[_Entry],
    facts: dict[int, PersonFacts],
    by: int,
    now: datetime,
) -> int:
    """Write the rows whose facts differ from what is known (a start date carried from an
    earlier year and left as it was is not written again); how many people changed."""
    rows = await facts_by_person(session, org_id, year)
    updated = 0
    for entry in entries:
        known = facts.get(entry.person_id, PersonFacts())
        wanted = PersonFacts(entry.rating, entry.started_on, entry.discipline, entry.initiative)
        if wanted == known:
            continue
        row = rows.get(entry.person_id)
        if row is None:
            row = PersonYear(org_id=org_id, person_id=entry.person_id, year=year)
            session.add(row)
        row.rating = entry.rating
        if entry.started_on != known.started_on or row.started_on is not None:
            row.started_on = entry.started_on
        row.discipline, row.initiative = entry.discipline, entry.initiative
        row.updated_at, row.updated_by = now, by
        updated += 1
    await session.flush()
    return updated
