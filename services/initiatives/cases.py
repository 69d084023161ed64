"""The initiatives use cases: each public method is one unit of work (see services/base.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.pdf import to_pdf
from services import outbox
from services.calendar import school_year
from services.errors import AlreadyDone, NotAllowed, NotFound
from services.initiatives import common, decision
from services.initiatives.authoring import Authoring
from services.initiatives.common import KIND, council_chair, member, school_chair, the_call
from services.initiatives.views import (
    EntryCard,
    EntryLine,
    Home,
    JuryLine,
    Panel,
    call_line,
    card,
    department_names,
    entry_lines,
)
from services.reviews import calls, entries, scoring
from services.reviews.calls import SINGLE, school_settings
from storage.models import (
    EntryStatus,
    JuryRole,
    Membership,
    MemberStatus,
    Notice,
    Org,
    Person,
    ReviewAssignment,
    ReviewCall,
    ReviewEntry,
)
from ui.buttons.initiatives import InitiativesHome, InitiativesSubmit
from ui.buttons.reviews import ReviewSheet


@dataclass(frozen=True)
class DecisionFile:
    """The draft decision, as a file."""

    filename: str
    content: bytes
    count: int


class Initiatives(Authoring):
    """Initiatives (sáng kiến): the call, the council, registering, submitting, reviewing."""

    # ------------------------------------------------------------------ home, the call, the jury

    async def home(self, *, tg_user_id: int) -> Home:
        """The member's /initiatives screen."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            assert who.person is not None
            call = await calls.current_call(session, who.org_id, KIND)
            mine: list[EntryLine] = []
            unsent = 0
            if call is not None:
                mine = await entry_lines(
                    session, await entries.entries_of(session, call.id, author_id=who.person.id)
                )
                unsent = len(
                    (
                        await session.scalars(
                            select(ReviewAssignment.id)
                            .join(ReviewEntry, ReviewEntry.id == ReviewAssignment.entry_id)
                            .where(
                                ReviewEntry.call_id == call.id,
                                ReviewAssignment.reviewer_id == who.person.id,
                                ReviewAssignment.submitted_at.is_(None),
                            )
                        )
                    ).all()
                )
            stale = False
            if call is not None:
                org = await session.get_one(Org, who.org_id)
                this_year = school_year(self.today(), org.school_year_start).start.year
                stale = call.year < this_year
            chaired = call is not None and any(
                j.role == JuryRole.CHAIR for j in await calls.jury(session, call.id)
            )
            return Home(
                stale=stale,
                jury_chaired=chaired,
                call=call_line(call, self.now()) if call else None,
                mine=tuple(mine),
                is_chair=who.role is not None and str(who.role) == "chair",
                jury_role=await common.jury_role(session, call, who),
                sheets=unsent,
            )

    async def preview_call(self, *, tg_user_id: int) -> common.Window:
        """The dates the year's call would have (the chair confirms them)."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            school_chair(who)
            org = await session.get_one(Org, who.org_id)
            settings = await school_settings(session, org.id)
            return common.window(org, settings, self.now(), self.env.tz)

    async def open_call(self, *, tg_user_id: int) -> Home:
        """The chair opens this school year's initiatives call: the rubric from the settings, a
        reminder before the deadline, every member told."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            school_chair(who)
            assert who.person is not None
            org = await session.get_one(Org, who.org_id)
            settings = await school_settings(session, org.id)
            dates = common.window(org, settings, now, self.env.tz)
            earlier = await calls.current_call(session, org.id, KIND)
            if earlier is not None and earlier.year < dates.year:  # last year's: closed now
                await calls.close_call(session, call=earlier, by=who.person.id, now=now)
            call = await calls.open_call(
                session,
                org_id=org.id,
                kind=KIND,
                year=dates.year,
                title=f"Sáng kiến năm học {dates.year}-{dates.year + 1}",
                opens_at=dates.opens_at,
                closes_at=dates.closes_at,
                submit_by=dates.submit_by,
                created_by=who.person.id,
                now=now,
                stages=(SINGLE,),
            )
            days = int(settings["rules.initiative_remind_days"])
            remind_at = dates.submit_by - timedelta(days=days)
            if remind_at > now:  # a call opened that late has no time for a reminder
                session.add(
                    Notice(
                        key=f"review:{call.id}:remind",
                        org_id=org.id,
                        kind="review",
                        due_at=remind_at,
                        stale_after=dates.submit_by,
                        payload={"call_id": call.id, "days": days},
                    )
                )
            await self._announce(session, org.id, call, now)
            await session.commit()
        return await self.home(tg_user_id=tg_user_id)

    async def _announce(
        self, session: AsyncSession, org_id: int, call: ReviewCall, now: datetime
    ) -> None:
        people = await session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
        )
        view = call_line(call, now)
        for person in people:
            label = self.texts.plain(person.locale, "initiatives.open_button")
            outbox.enqueue_message(
                session,
                chat_id=person.tg_user_id,
                now=now,
                ref=f"review:{call.id}:open",
                text=self.texts.render(person.locale, "initiatives.call_notice", call=view),
                buttons=[[(label, InitiativesHome().pack())]],
            )

    async def jury_list(self, *, tg_user_id: int) -> list[JuryLine]:
        """The school's members and their place on the initiatives council (the chair's list)."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            school_chair(who)
            call = await the_call(session, who)
            return await self._jury_lines(session, call)

    async def _jury_lines(self, session: AsyncSession, call: ReviewCall) -> list[JuryLine]:
        roles = {j.person_id: str(j.role) for j in await calls.jury(session, call.id)}
        rows = (
            await session.execute(
                select(Person, Membership)
                .join(Membership, Membership.person_id == Person.id)
                .where(Membership.org_id == call.org_id, Membership.status == MemberStatus.ACTIVE)
            )
        ).all()
        departments = await department_names(session, call.org_id)
        lines = [
            JuryLine(p.id, p.full_name, departments.get(m.department_id or 0, ""), roles.get(p.id))
            for p, m in rows
        ]
        order = {"chair": 0, "member": 1}
        return sorted(lines, key=lambda j: (order.get(j.role or "", 2), j.name))

    async def set_jury(self, *, tg_user_id: int, person_id: int, role: str) -> list[JuryLine]:
        """The chair puts a member on the initiatives council (chair or member) or takes them
        off; the member is told."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            school_chair(who)
            assert who.person is not None
            call = await the_call(session, who)
            chosen = None if role == "none" else JuryRole(role)
            await calls.set_jury_member(
                session, call=call, person_id=person_id, role=chosen, by=who.person.id, now=now
            )
            person = await session.get_one(Person, person_id)
            if chosen is not None:
                outbox.enqueue_message(
                    session,
                    chat_id=person.tg_user_id,
                    now=now,
                    ref=f"review:{call.id}:jury",
                    text=self.texts.render(
                        person.locale, "initiatives.jury_notice", role=str(chosen), title=call.title
                    ),
                )
            lines = await self._jury_lines(session, call)
            await session.commit()
        return lines

    # ------------------------------------------------------------------ the council chair

    async def panel(self, *, tg_user_id: int) -> Panel:
        """The initiatives council chair's list of entries."""
        async with self.env.sessions() as session:
            _, call = await council_chair(session, tg_user_id)
            rows = await entries.entries_of(session, call.id)
            lines = await entry_lines(session, rows, reviewers=True)
            return Panel(
                call=call_line(call, self.now()),
                entries=tuple(lines),
                accepted=sum(1 for e in rows if e.status == EntryStatus.ACCEPTED),
                to_confirm=sum(1 for e in rows if e.status == EntryStatus.SCORED),
            )

    async def entry(self, *, tg_user_id: int, entry_id: int) -> EntryCard:
        """One entry's card for the council chair."""
        async with self.env.sessions() as session:
            who, call = await council_chair(session, tg_user_id)
            assert who.person is not None
            entry = await entries.entry_of(session, who.org_id, entry_id)
            if entry.call_id != call.id:
                raise NotFound("reviews.no_entry")
            return await card(session, call, entry, who.person.id, self.now())

    async def assign(self, *, tg_user_id: int, entry_id: int, person_id: int) -> EntryCard:
        """The council chair gives an entry to a reviewer, who is told with a button to score."""
        now = self.now()
        async with self.env.sessions() as session:
            who, call = await council_chair(session, tg_user_id)
            assert who.person is not None
            entry = await entries.entry_of(session, who.org_id, entry_id)
            if who.person.id in entries.authors(entry):
                raise NotAllowed("reviews.own_entry")
            sheet = await scoring.assign(
                session, call=call, entry=entry, reviewer_id=person_id, by=who.person.id, now=now
            )
            reviewer = await session.get_one(Person, person_id)
            label = self.texts.plain(reviewer.locale, "initiatives.score_button")
            outbox.enqueue_message(
                session,
                chat_id=reviewer.tg_user_id,
                now=now,
                ref=f"review:{entry.id}:assign",
                text=self.texts.render(
                    reviewer.locale,
                    "initiatives.assigned_notice",
                    code=entry.code,
                    title=entry.title,
                    third=sheet.third,
                ),
                buttons=[[(label, ReviewSheet(sheet.id).pack())]],
            )
            view = await card(session, call, entry, who.person.id, now)
            await session.commit()
        return view

    async def relax(self, *, tg_user_id: int, allowed: bool) -> Panel:
        """The council chair lets reviewers score their own department's entries (recorded)."""
        async with self.env.sessions() as session:
            who, call = await council_chair(session, tg_user_id)
            assert who.person is not None
            await calls.relax_department_rule(
                session,
                call=call,
                allowed=allowed,
                by=who.person.id,
                reason="initiatives council chair",
                now=self.now(),
            )
            await session.commit()
        return await self.panel(tg_user_id=tg_user_id)

    async def confirm(self, *, tg_user_id: int, entry_id: int) -> EntryCard:
        """The council chair confirms a scored entry's result; its authors are told."""
        now = self.now()
        async with self.env.sessions() as session:
            who, call = await council_chair(session, tg_user_id)
            assert who.person is not None
            entry = await entries.entry_of(session, who.org_id, entry_id)
            await scoring.decide(session, call=call, entry=entry, by=who.person.id, now=now)
            for person_id in sorted(entries.authors(entry)):
                author = await session.get_one(Person, person_id)
                outbox.enqueue_message(
                    session,
                    chat_id=author.tg_user_id,
                    now=now,
                    ref=f"review:{entry.id}:result",
                    text=self.texts.render(
                        author.locale,
                        "initiatives.result_notice",
                        title=entry.title,
                        accepted=entry.status == EntryStatus.ACCEPTED,
                        total=entry.total,
                        tier=entry.tier,
                        year=call.year,
                    ),
                )
            view = await card(session, call, entry, who.person.id, now)
            await session.commit()
        return view

    async def decision(self, *, tg_user_id: int) -> DecisionFile:
        """The draft decision recognising the year's initiatives (DOCX), with the list."""
        async with self.env.sessions() as session:
            _, call = await council_chair(session, tg_user_id)
            data = await decision.data(session, call, self.now(), self.env.tz)
        if not data.rows:
            raise AlreadyDone("initiatives.none_recognised")
        return DecisionFile(decision.filename(data), decision.render(data), len(data.rows))

    async def as_pdf(self, made: DecisionFile) -> DecisionFile | None:
        """The decision as PDF, by LibreOffice when installed (slow: after the DOCX is sent)."""
        pdf = await asyncio.to_thread(to_pdf, made.content)
        if pdf is None:
            return None
        return DecisionFile(made.filename.removesuffix(".docx") + ".pdf", pdf, made.count)


def submit_button(entry_id: int) -> str:
    """The callback data of "send the write-up" (for the reminder's button)."""
    return InitiativesSubmit(entry_id).pack()
