"""Achievement reports (báo cáo thành tích): when the round's result is final, each passed
nominee whose title needs one writes it in a guided form in chat (durable: the Drafts row and the
report row are written at every step), reviews a preview and confirms; the department head (the
chair for a head's own report) confirms it or sends it back with a note; reminders go to those not
done; the report renders to a DOCX for the dossier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.base import UseCases
from services.conversations import NoDraft
from services.errors import AlreadyDone, Invalid, NotAllowed
from services.judging.achievements.asking import request_reports, tell_reviewer, tell_writer
from services.judging.achievements.common import (
    DRAFT,
    LIMITS,
    NOTE,
    OPTIONAL,
    STEPS,
    FormStep,
    Overview,
    ReportView,
    Requested,
    may_review,
    person_actor,
    report_of,
    reviewer_for,
    step_number,
    still_passed,
    view_of,
)
from services.judging.achievements.document import document_of
from services.judging.common import round_of
from services.naming import check_visible
from services.people import COUNCIL_ROLES, Actor, require_role
from storage.models import (
    AchievementReport,
    Conversation,
    JudgingRound,
    ReportStatus,
    Role,
    RoundStatus,
)

__all__ = [
    "Achievements",
    "FormStep",
    "Overview",
    "ReportFile",
    "ReportView",
    "Requested",
    "request_reports",
]


@dataclass(frozen=True)
class ReportFile:
    """A report's DOCX: its file name, its bytes, and the report (for the caption)."""

    filename: str
    data: bytes
    report: ReportView


class Achievements(UseCases):
    """The nominee writes, the head confirms, the chair follows and asks."""

    # ------------------------------------------------------------------------- the chair

    async def request(self, *, tg_user_id: int, round_id: int) -> Requested:
        """The chair asks the closed round's nominees who have no report yet (again after a
        re-vote changed the result; nobody is asked twice)."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await require_role(
                session, tg_user_id, {Role.CHAIR}, refusal="achievements.chair_only"
            )
            rnd = await round_of(session, who.org_id, round_id)
            if rnd.status != RoundStatus.CLOSED:
                raise Invalid("achievements.round_not_final")
            asked = await request_reports(session, rnd, self.texts, now)
            await audit.record(
                session,
                org_id=who.org_id,
                actor_id=who.person.id if who.person else None,
                action="achievement.request",
                target=f"round:{rnd.id}",
                now=now,
                asked=asked.asked,
            )
            await session.commit()
            return asked

    async def overview(self, *, tg_user_id: int) -> Overview:
        """/achievements: the presser's reports, those waiting for them, the chair's summary."""
        async with self.env.sessions() as session:
            who = await person_actor(session, tg_user_id)
            assert who.person is not None
            reports = (
                await session.scalars(
                    select(AchievementReport)
                    .where(AchievementReport.org_id == who.org_id)
                    .order_by(AchievementReport.id)
                )
            ).all()
            mine, to_review, everyone = [], [], []
            counts: dict[str, int] = {}
            for report in reports:
                if not await still_passed(session, report):
                    continue
                view = await view_of(session, report, viewer=who)
                if report.person_id == who.person.id:
                    mine.append(view)
                if view.may_review:
                    to_review.append(view)
                if who.role == Role.CHAIR:
                    everyone.append(view)
                    counts[view.status] = counts.get(view.status, 0) + 1
            rnd = await session.scalar(
                select(JudgingRound)
                .where(JudgingRound.org_id == who.org_id)
                .order_by(JudgingRound.id.desc())
                .limit(1)
            )
            closed = rnd is not None and rnd.status == RoundStatus.CLOSED
            return Overview(
                mine=tuple(mine),
                to_review=tuple(to_review),
                round_id=rnd.id if rnd is not None and closed else None,
                round_name=rnd.name if rnd is not None else "",
                everyone=tuple(everyone),
                chair=who.role == Role.CHAIR,
                counts=counts,
            )

    # ------------------------------------------------------------------------- the writer

    async def _writer_report(
        self, session: AsyncSession, tg_user_id: int, report_id: int
    ) -> tuple[Actor, AchievementReport]:
        who = await person_actor(session, tg_user_id)
        report = await report_of(session, who, report_id)
        assert who.person is not None
        if report.person_id != who.person.id:
            raise NotAllowed("achievements.not_yours")
        if report.status == ReportStatus.SUBMITTED:
            raise AlreadyDone("achievements.already_submitted")
        if report.status == ReportStatus.CONFIRMED:
            raise AlreadyDone("achievements.already_confirmed")
        if not await still_passed(session, report):
            raise Invalid("achievements.no_longer_needed")
        return who, report

    async def _step(
        self,
        session: AsyncSession,
        tg_user_id: int,
        report: AchievementReport,
        step: str,
        answers: dict[str, Any],
    ) -> FormStep:
        """Write the answers on the report and the step in the draft, in one commit."""
        report.answers = dict(answers)
        await DRAFT.save(session, tg_user_id, step, {"report_id": report.id}, self.now())
        view = await view_of(session, report) if step == "preview" else None
        return FormStep(
            report_id=report.id,
            step=step,
            number=step_number(step),
            current=str(answers.get(step, "")),
            optional=step in OPTIONAL,
            title=report.title,
            report=view,
        )

    async def begin(self, *, tg_user_id: int, report_id: int) -> FormStep:
        """The writer starts (or edits) the report: from the first step, every answer kept so
        far shown to keep or replace; a draft already under way goes on where it was."""
        async with self.env.sessions() as session:
            _, report = await self._writer_report(session, tg_user_id, report_id)
            try:
                convo = await DRAFT.load(session, tg_user_id)
                if int(convo.data.get("report_id", 0)) == report.id and convo.step in STEPS:
                    return await self._step(
                        session, tg_user_id, report, convo.step, dict(report.answers)
                    )
            except NoDraft:
                pass
            return await self._step(session, tg_user_id, report, STEPS[0], dict(report.answers))

    async def _draft(
        self, session: AsyncSession, tg_user_id: int
    ) -> tuple[Conversation, AchievementReport]:
        try:
            convo = await DRAFT.load(session, tg_user_id)
        except NoDraft:
            raise Invalid("errors.no_dialogue") from None
        _, report = await self._writer_report(session, tg_user_id, int(convo.data["report_id"]))
        return convo, report

    async def answer(self, *, tg_user_id: int, text: str) -> FormStep:
        """A typed answer at the current step; the next step follows."""
        async with self.env.sessions() as session:
            convo, report = await self._draft(session, tg_user_id)
            step = convo.step
            if step not in STEPS:
                raise Invalid("achievements.use_buttons")
            typed = text.strip()
            if not typed:
                raise Invalid("achievements.empty")
            if len(typed) > LIMITS[step]:
                raise Invalid("achievements.too_long", limit=LIMITS[step], length=len(typed))
            check_visible(typed)
            answers = {**report.answers, step: typed}
            return await self._step(session, tg_user_id, report, _next(step), answers)

    async def keep(self, *, tg_user_id: int, step: int | None = None) -> FormStep:
        """ "Giữ nguyên" (or "Không có" for an optional step left empty): the next step. `step`
        is the number on the pressed prompt: an older prompt's button changes nothing."""
        async with self.env.sessions() as session:
            convo, report = await self._draft(session, tg_user_id)
            if convo.step not in STEPS:
                raise Invalid("achievements.use_buttons")
            if step is not None and step != step_number(convo.step):
                raise Invalid("achievements.stale_step", step=step_number(convo.step))
            step_name = convo.step
            if not str(report.answers.get(step_name, "")).strip() and step_name not in OPTIONAL:
                raise Invalid("achievements.answer_needed")
            return await self._step(session, tg_user_id, report, _next(step_name), report.answers)

    async def edit(self, *, tg_user_id: int) -> FormStep:
        """ "Sửa" at the preview: through the answers again, each kept or replaced."""
        async with self.env.sessions() as session:
            _, report = await self._draft(session, tg_user_id)
            return await self._step(session, tg_user_id, report, STEPS[0], report.answers)

    async def submit(self, *, tg_user_id: int) -> ReportView:
        """ "Xác nhận" at the preview: the report goes to the department head (the chair for a
        head's own report), who is told."""
        now = self.now()
        async with self.env.sessions() as session:
            convo, report = await self._draft(session, tg_user_id)
            if convo.step != "preview":
                raise Invalid("achievements.use_buttons")
            missing = [s for s in STEPS if s not in OPTIONAL and not report.answers.get(s)]
            if missing:
                raise Invalid("achievements.answer_needed")
            report.status, report.submitted_at = ReportStatus.SUBMITTED, now
            report.reviewer_id = await reviewer_for(session, report)
            await session.flush()
            await tell_reviewer(session, report, self.texts, now)
            await audit.record(
                session,
                org_id=report.org_id,
                actor_id=report.person_id,
                action="achievement.submit",
                target=f"achievement:{report.id}",
                now=now,
                reviewer=report.reviewer_id,
            )
            await DRAFT.discard(session, tg_user_id)  # commits
            return await view_of(session, report)

    # ------------------------------------------------------------------------- the reviewer

    async def show(self, *, tg_user_id: int, report_id: int) -> ReportView:
        """A report in full: to its writer, to whoever may confirm it, to the council."""
        async with self.env.sessions() as session:
            who, report = await self._viewer_report(session, tg_user_id, report_id)
            return await view_of(session, report, viewer=who)

    async def _viewer_report(
        self, session: AsyncSession, tg_user_id: int, report_id: int
    ) -> tuple[Actor, AchievementReport]:
        who = await person_actor(session, tg_user_id)
        report = await report_of(session, who, report_id)
        assert who.person is not None
        if (
            report.person_id != who.person.id
            and who.role not in COUNCIL_ROLES
            and not await may_review(session, who, report)
        ):
            raise NotAllowed("achievements.not_reviewer")
        return who, report

    async def _reviewed(
        self, session: AsyncSession, tg_user_id: int, report_id: int
    ) -> tuple[Actor, AchievementReport]:
        who = await person_actor(session, tg_user_id)
        report = await report_of(session, who, report_id)
        assert who.person is not None
        if report.person_id == who.person.id:
            raise NotAllowed("achievements.own_report")
        if not await may_review(session, who, report):
            raise NotAllowed("achievements.not_reviewer")
        if report.status == ReportStatus.CONFIRMED:
            raise AlreadyDone("achievements.already_confirmed")
        if report.status != ReportStatus.SUBMITTED:
            raise Invalid("achievements.not_submitted")
        return who, report

    async def confirm(self, *, tg_user_id: int, report_id: int) -> ReportView:
        """The head (or the chair) confirms the report; the writer is told."""
        now = self.now()
        async with self.env.sessions() as session:
            who, report = await self._reviewed(session, tg_user_id, report_id)
            assert who.person is not None
            done = await session.execute(
                update(AchievementReport)
                .where(
                    AchievementReport.id == report.id,
                    AchievementReport.status == ReportStatus.SUBMITTED,
                )
                .values(status=ReportStatus.CONFIRMED, confirmed_by=who.person.id, confirmed_at=now)
                .execution_options(synchronize_session="fetch")
            )
            if getattr(done, "rowcount", 0) != 1:
                raise AlreadyDone("achievements.already_confirmed")
            await session.refresh(report)
            await tell_writer(session, report, self.texts, now, "achievements.confirmed_notice")
            await audit.record(
                session,
                org_id=report.org_id,
                actor_id=who.person.id,
                action="achievement.confirm",
                target=f"achievement:{report.id}",
                now=now,
            )
            await session.commit()
            return await view_of(session, report, viewer=who)

    async def ask_note(self, *, tg_user_id: int, report_id: int) -> ReportView:
        """ "Trả lại": the head is asked for the note the writer will read."""
        async with self.env.sessions() as session:
            who, report = await self._reviewed(session, tg_user_id, report_id)
            await NOTE.save(session, tg_user_id, "note", {"report_id": report.id}, self.now())
            return await view_of(session, report, viewer=who)

    async def send_back(self, *, tg_user_id: int, text: str) -> ReportView:
        """The head's note typed: the report goes back to its writer with it."""
        now = self.now()
        async with self.env.sessions() as session:
            try:
                convo = await NOTE.load(session, tg_user_id)
            except NoDraft:
                raise Invalid("errors.no_dialogue") from None
            note = text.strip()
            if not note:
                raise Invalid("achievements.empty")
            if len(note) > 1000:
                raise Invalid("achievements.too_long", limit=1000, length=len(note))
            check_visible(note)
            who, report = await self._reviewed(session, tg_user_id, int(convo.data["report_id"]))
            assert who.person is not None
            report.status, report.note = ReportStatus.RETURNED, note
            await session.flush()
            await tell_writer(session, report, self.texts, now, "achievements.returned_notice")
            await audit.record(
                session,
                org_id=report.org_id,
                actor_id=who.person.id,
                action="achievement.return",
                target=f"achievement:{report.id}",
                now=now,
                note=note,
            )
            await NOTE.discard(session, tg_user_id)  # commits
            return await view_of(session, report, viewer=who)

    async def document(self, *, tg_user_id: int, report_id: int) -> ReportFile:
        """The report as DOCX, for whoever may read it."""
        async with self.env.sessions() as session:
            who, report = await self._viewer_report(session, tg_user_id, report_id)
            name, data = await document_of(session, report, self.env.tz)
            return ReportFile(name, data, await view_of(session, report, viewer=who))


def _next(step: str) -> str:
    at = STEPS.index(step)
    return STEPS[at + 1] if at + 1 < len(STEPS) else "preview"
