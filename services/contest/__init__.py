"""The writing contest about exemplary people (issue 16), built on the review engine
(services/reviews): a leader opens it and sets its jury; members send entries privately (text in
chat or a DOCX/PDF); the judges read them anonymised and score them on the engine's sheets; one
round or two; prizes by tier; reminders to departments below target; the results announced; the
summary report and the prize list.

Modules: rules (pure: prizes, finalists, targets, anonymising), common (reads and the view),
opening (the leader's dialogue, the jury's members), entries (a member's entry), judging (rounds,
reading, results), reminders, summary (the documents' rows)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from reports.contest import filename, prize_list_xlsx, summary_docx
from reports.pdf import to_pdf
from services import audit
from services.base import UseCases
from services.contest import entries, judging, opening, reminders
from services.contest.common import (
    DONE,
    ContestView,
    contest_of,
    latest,
    leader,
    member,
    phase,
    refuse_unless_open,
    view,
)
from services.contest.entries import EntryDraft, EntrySent
from services.contest.judging import Finished, JudgeItem, Reading
from services.contest.opening import TITLES, Draft
from services.contest.summary import summary_data
from services.errors import Invalid, NotFound
from services.people import LEADERS
from services.reviews.calls import jury, rubric, set_jury_member
from storage.models import JuryRole, ReviewCall

__all__ = [
    "ContestView",
    "Contests",
    "Document",
    "Draft",
    "EntryDraft",
    "EntrySent",
    "Finished",
    "JudgeItem",
    "JuryPage",
    "Reading",
]


@dataclass(frozen=True)
class JuryPage:
    """The jury and a page of the school's members to choose from."""

    contest_id: int
    title: str
    judges: tuple[str, ...]
    members: tuple[tuple[int, str, str, bool], ...]  # person id, name, department, on the jury
    page: int
    pages: int
    wanted: int  # judges each entry needs (the school's setting)


@dataclass(frozen=True)
class Document:
    """A document to send: its file name and bytes."""

    name: str
    content: bytes


class Contests(UseCases):
    """The writing contest's use cases."""

    # ------------------------------------------------------------------ the contest itself

    async def show(self, *, tg_user_id: int, contest_id: int | None = None) -> ContestView:
        """The school's contest (the newest, or the one asked) as the presser sees it."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            if contest_id is None:
                found = await latest(session, who.org_id)
                if found is None:
                    raise NotFound("contest.no_contest", may_open=who.role in LEADERS)
                contest, call = found
            else:
                contest, call = await contest_of(session, who.org_id, contest_id)
            return await view(session, contest, call, who, now=self.now(), tz=self.env.tz)

    async def begin_open(self, *, tg_user_id: int) -> Draft:
        """A leader starts opening a contest: its name is asked first."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            await opening.begin(session, who, self.now())
            return await opening.draft_of(session, who, {}, "title")

    async def opening_title(self, *, tg_user_id: int, choice: int) -> Draft:
        """One of the usual contests' names, pressed."""
        if not 0 <= choice < len(TITLES):
            raise Invalid("errors.bad_button")
        return await self._opening_step(tg_user_id, "title", title=TITLES[choice])

    async def opening_subject(self, *, tg_user_id: int) -> Draft:
        """The usual words for what the contest is about, pressed."""
        return await self._opening_step(tg_user_id, "subject", subject="")

    async def opening_rounds(self, *, tg_user_id: int, two: bool) -> Draft:
        """One round or two, pressed."""
        return await self._opening_step(tg_user_id, "rounds", two=two)

    async def opening_finalists(self, *, tg_user_id: int) -> Draft:
        """The school's usual number of finalists, pressed."""
        return await self._opening_step(tg_user_id, "finalists", finalists=None)

    async def opening_typed(self, *, tg_user_id: int, text: str) -> Draft:
        """What the leader typed at the step they are at."""
        async with self.env.sessions() as session:
            step, _ = await opening.load(session, tg_user_id)
        if step == "title":
            return await self._opening_step(tg_user_id, step, title=opening.title_typed(text))
        if step == "subject":
            return await self._opening_step(tg_user_id, step, subject=opening.subject_typed(text))
        if step == "window":
            return await self._opening_step(tg_user_id, step, window=text)
        if step == "finalists":
            return await self._opening_step(
                tg_user_id, step, finalists=opening.finalists_typed(text)
            )
        raise Invalid("contest.press_a_button")

    async def _opening_step(self, tg_user_id: int, expected: str, **given: object) -> Draft:
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            step, data = await opening.load(session, tg_user_id)
            if step != expected:
                raise Invalid("contest.press_a_button")
            if "title" in given:
                data["title"], step = given["title"], "subject"
            elif "subject" in given:
                title = str(data["title"])
                data["subject"] = given["subject"] or opening.default_subject(title)
                step = "window"
            elif "window" in given:
                data["starts"], data["ends"] = opening.window_typed(
                    str(given["window"]), self.today()
                )
                step = "rounds"
            elif "two" in given:
                data["two"] = bool(given["two"])
                step = "finalists" if data["two"] else "confirm"
            elif "finalists" in given:
                draft = await opening.draft_of(session, who, data, step)
                chosen = given["finalists"]
                data["finalists"] = (
                    int(chosen) if isinstance(chosen, int) else draft.default_finalists
                )
                step = "confirm"
            await opening.OPENING.save(session, tg_user_id, step, data, self.now())
            return await opening.draft_of(session, who, data, step)

    async def confirm_open(self, *, tg_user_id: int, ok: bool) -> ContestView | None:
        """Open the contest the draft describes (None: the leader gave up)."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            if not ok:
                await opening.OPENING.discard(session, tg_user_id)
                return None
            step, data = await opening.load(session, tg_user_id)
            if step != "confirm":
                raise Invalid("contest.press_a_button")
            contest = await opening.open_contest(session, who, data, self.texts, self.now())
            await opening.OPENING.discard(session, tg_user_id)  # commits the contest with it
            contest, call = await contest_of(session, who.org_id, contest.id)
            return await view(session, contest, call, who, now=self.now(), tz=self.env.tz)

    async def stop_opening(self, *, tg_user_id: int) -> bool:
        """Leave the opening dialogue (nothing is opened)."""
        async with self.env.sessions() as session:
            return await opening.OPENING.discard(session, tg_user_id)

    # ------------------------------------------------------------------ the jury

    async def jury_page(self, *, tg_user_id: int, contest_id: int, page: int = 0) -> JuryPage:
        """The jury and a page of members to choose from (leaders)."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            contest, call = await contest_of(session, who.org_id, contest_id)
            return await self._jury_page(session, contest.id, call, page)

    async def _jury_page(
        self, session: AsyncSession, contest_id: int, call: ReviewCall, page: int
    ) -> JuryPage:
        panel = await jury(session, call.id)
        on = {j.person_id for j in panel}
        rows, pages = await opening.member_page(session, call.org_id, page)
        return JuryPage(
            contest_id,
            call.title,
            tuple(j.person.full_name for j in panel),
            tuple((p, n, d, p in on) for p, n, d in rows),
            min(max(page, 0), pages - 1),
            pages,
            rubric(call).reviewers,
        )

    async def toggle_juror(
        self, *, tg_user_id: int, contest_id: int, person_id: int, page: int
    ) -> JuryPage:
        """Put a member on the jury, or take them off (until the judging starts)."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            assert who.person is not None
            contest, call = await contest_of(session, who.org_id, contest_id)
            refuse_unless_open(contest, call)
            if contest.scoring_at is not None:
                raise Invalid("contest.jury_fixed")
            on = {j.person_id for j in await jury(session, call.id)}
            await set_jury_member(
                session,
                call=call,
                person_id=person_id,
                role=None if person_id in on else JuryRole.MEMBER,
                by=who.person.id,
                now=self.now(),
            )
            await session.commit()
            return await self._jury_page(session, contest.id, call, page)

    # ------------------------------------------------------------------ entries

    async def begin_entry(self, *, tg_user_id: int, contest_id: int) -> EntryDraft:
        """A member starts writing an entry."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            return await entries.begin(session, who, contest_id, self.now())

    async def entry_typed(self, *, tg_user_id: int, text: str) -> EntryDraft:
        """Whom the entry is about, its title, or a part of its text."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            return await entries.typed(session, who, text, self.now())

    async def entry_done(self, *, tg_user_id: int) -> EntryDraft:
        """The text is complete: the preview."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            return await entries.done(session, who, self.now())

    async def entry_file(
        self,
        *,
        tg_user_id: int,
        file_id: str,
        unique_id: str | None,
        name: str,
        mime: str,
        size: int | None,
    ) -> EntryDraft | None:
        """A DOCX or PDF sent as the entry (None: no entry is being written)."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            return await entries.attach(
                session,
                self.env,
                who,
                file_id=file_id,
                unique_id=unique_id,
                name=name,
                mime=mime,
                size=size,
                now=self.now(),
            )

    async def send_entry(self, *, tg_user_id: int, ok: bool) -> EntrySent | None:
        """Send the entry (None: the draft was thrown away)."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            if not ok:
                await entries.discard(session, who)
                return None
            return await entries.send(session, who, self.now())

    async def stop_entry(self, *, tg_user_id: int) -> bool:
        """Leave the entry being written."""
        async with self.env.sessions() as session:
            return await entries.WRITING.discard(session, tg_user_id)

    # ------------------------------------------------------------------ judging

    async def start_scoring(self, *, tg_user_id: int, contest_id: int) -> ContestView:
        """Close the entries and give them to the judges."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            await judging.start_scoring(session, who, contest_id, self.texts, self.now())
            await session.commit()
            contest, call = await contest_of(session, who.org_id, contest_id)
            return await view(session, contest, call, who, now=self.now(), tz=self.env.tz)

    async def judge_list(
        self, *, tg_user_id: int, contest_id: int
    ) -> tuple[str, str, tuple[JudgeItem, ...]]:
        """A judge's entries in the round under way."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            return await judging.judge_list(session, who, contest_id)

    async def read(self, *, tg_user_id: int, entry_id: int) -> Reading:
        """An entry, anonymised, for a judge who scores it."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            return await judging.read(session, who, entry_id)

    async def close_first_round(self, *, tg_user_id: int, contest_id: int) -> tuple[str, ...]:
        """The first round's best go on to the final."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            kept = await judging.close_first_round(session, who, contest_id, self.texts, self.now())
            await session.commit()
            return kept

    async def finish(self, *, tg_user_id: int, contest_id: int) -> Finished:
        """Prizes by tier; the results announced to all staff."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            done = await judging.finish(session, who, contest_id, self.texts, self.now())
            await session.commit()
            return done

    # ------------------------------------------------------------------ reminders, documents

    async def remind_now(self, *, tg_user_id: int, contest_id: int) -> int:
        """Remind the departments below their target now (leaders); returns people reached."""
        async with self.env.sessions() as session:
            who = await leader(session, tg_user_id)
            assert who.person is not None
            contest, call = await contest_of(session, who.org_id, contest_id)
            reached = await reminders.remind(session, contest, call, self.texts, self.now())
            await audit.record(
                session,
                org_id=who.org_id,
                actor_id=who.person.id,
                action="contest.remind",
                target=f"contest:{contest.id}",
                now=self.now(),
                reached=reached,
            )
            await session.commit()
            return reached

    async def document(self, *, tg_user_id: int, contest_id: int, what: str) -> Document:
        """The summary report (docx) or the prize list (xlsx), as it stands (leaders)."""
        async with self.env.reading() as session:
            who = await leader(session, tg_user_id)
            contest, call = await contest_of(session, who.org_id, contest_id)
            # Names beside codes only once the results are out: a leader may be a judge too.
            if phase(contest, call, self.now()) != DONE:
                raise Invalid("contest.not_over")
            data = await summary_data(session, contest, call, today=self.today(), tz=self.env.tz)
        if what == "xlsx":
            return Document(
                filename("prizes", data.school_year, "xlsx"), prize_list_xlsx(data, self.env.tz)
            )
        return Document(filename("summary", data.school_year, "docx"), summary_docx(data))

    async def as_pdf(self, document: Document) -> Document | None:
        """The summary report as PDF too, when LibreOffice is installed (None otherwise)."""
        pdf = await asyncio.to_thread(to_pdf, document.content)
        if pdf is None:
            return None
        return Document(document.name.removesuffix(".docx") + ".pdf", pdf)
