"""The reviewers' use cases, the same for every kind of call: their list of sheets, a sheet filled
mark by mark in private chat (each mark kept at once: a restart resumes the sheet where it was),
a short comment, sending it; the jury chair hears when an entry is scored or needs a third."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft
from services.errors import NotAllowed, NotFound
from services.people import Actor, refuse_deactivated
from services.people import actor as actor_of
from services.reviews.calls import jury, rubric
from services.reviews.entries import entry_of
from services.reviews.rubric import Criterion, check_mark
from services.reviews.scoring import (
    SheetLine,
    assign,
    clear_mark,
    next_criterion,
    put_comment,
    put_mark,
    send_sheet,
    sheet_of,
    suggestions,
    visible_sheets,
)
from storage.models import (
    CallKind,
    CallStatus,
    EntryStatus,
    JuryRole,
    Person,
    ReviewAssignment,
    ReviewCall,
    ReviewEntry,
)

SHEET = Drafts(Kind.SCORE)  # data: {"a": assignment id}; step "mark" or "comment"


@dataclass(frozen=True)
class SheetView:
    """A reviewer's sheet as the reviewer sees it."""

    id: int
    kind: str  # the call's kind: initiative | contest
    call_title: str
    stage: str
    code: str
    title: str
    author: str | None  # None when the call is anonymous
    department: str | None
    summary: str
    criteria: tuple[Criterion, ...]
    marks: tuple[int | None, ...]
    comment: str | None
    asking: int | None  # the criterion asked now (None: all marked)
    sent: bool
    total: float | None
    others: tuple[SheetLine, ...] = ()

    @property
    def complete(self) -> bool:
        """Every criterion has a mark."""
        return all(m is not None for m in self.marks)

    @property
    def top(self) -> int | None:
        """The top mark of the criterion asked now."""
        return self.criteria[self.asking].top if self.asking is not None else None


@dataclass(frozen=True)
class SheetItem:
    """One line of a reviewer's list."""

    id: int
    code: str
    title: str
    kind: str
    sent: bool
    third: bool


@dataclass(frozen=True)
class Sent:
    """A sheet sent, and what the entry became."""

    sheet: SheetView
    entry_status: str


async def reviewer(session: AsyncSession, tg_user_id: int) -> Actor:
    """An active member (reviewers are checked against the sheet itself)."""
    who = await actor_of(session, tg_user_id)
    refuse_deactivated(who)
    if who.role is None or who.person is None:
        raise NotAllowed("errors.not_member")
    return who


async def _view(
    session: AsyncSession, call: ReviewCall, sheet: ReviewAssignment, viewer_id: int
) -> SheetView:
    entry = await entry_of(session, call.org_id, sheet.entry_id)
    rules = rubric(call)
    others = [
        line for line in await visible_sheets(session, call, entry, viewer_id) if not line.mine
    ]
    anonymous = call.anonymous
    return SheetView(
        id=sheet.id,
        kind=str(call.kind),
        call_title=call.title,
        stage=sheet.stage,
        code=entry.code,
        title=entry.title,
        author=None if anonymous else entry.author.full_name,
        department=None if anonymous or entry.department is None else entry.department.name,
        summary=entry.summary,
        criteria=rules.criteria,
        marks=tuple(sheet.scores.get(str(i)) for i in range(len(rules.criteria))),
        comment=sheet.comment,
        asking=next_criterion(call, sheet),
        sent=sheet.submitted_at is not None,
        total=sheet.total,
        others=tuple(others) if sheet.submitted_at is not None else (),
    )


class Reviews(UseCases):
    """A reviewer's score sheets (any kind of call)."""

    async def _sheet(
        self, session: AsyncSession, tg_user_id: int, sheet_id: int
    ) -> tuple[Actor, ReviewCall, ReviewAssignment]:
        who = await reviewer(session, tg_user_id)
        assert who.person is not None
        sheet = await sheet_of(session, sheet_id, who.person.id)
        call = await session.get_one(ReviewCall, sheet.entry.call_id)
        if call.org_id != who.org_id:
            raise NotFound("reviews.no_sheet")
        return who, call, sheet

    @staticmethod
    def _private(tg_user_id: int, chat_id: int) -> None:
        if chat_id != tg_user_id:
            raise NotAllowed("reviews.private_only")

    async def my_sheets(self, *, tg_user_id: int) -> list[SheetItem]:
        """The reviewer's sheets in their school's open calls, unsent first."""
        async with self.env.sessions() as session:
            who = await reviewer(session, tg_user_id)
            assert who.person is not None
            rows = await session.execute(
                select(ReviewAssignment, ReviewEntry, ReviewCall)
                .join(ReviewEntry, ReviewEntry.id == ReviewAssignment.entry_id)
                .join(ReviewCall, ReviewCall.id == ReviewEntry.call_id)
                .where(
                    ReviewAssignment.reviewer_id == who.person.id,
                    ReviewCall.org_id == who.org_id,
                    ReviewCall.status == CallStatus.OPEN,
                    ReviewAssignment.stage == ReviewCall.stage,
                )
                .order_by(ReviewAssignment.id)
            )
            items = [
                SheetItem(a.id, e.code, e.title, str(c.kind), a.submitted_at is not None, a.third)
                for a, e, c in rows
            ]
        return sorted(items, key=lambda i: i.sent)

    async def open_sheet(self, *, tg_user_id: int, chat_id: int, sheet_id: int) -> SheetView:
        """Show a sheet to its reviewer in private chat and wait for the next mark typed."""
        self._private(tg_user_id, chat_id)
        async with self.env.sessions() as session:
            who, call, sheet = await self._sheet(session, tg_user_id, sheet_id)
            assert who.person is not None
            view = await _view(session, call, sheet, who.person.id)
            if not view.sent and call.status == CallStatus.OPEN:
                step = "mark" if view.asking is not None else "comment"
                await SHEET.save(session, tg_user_id, step, {"a": sheet.id}, self.now())
        return view

    async def mark(
        self, *, tg_user_id: int, chat_id: int, sheet_id: int, index: int, mark: int
    ) -> SheetView:
        """Set one mark (a button pressed); kept at once."""
        self._private(tg_user_id, chat_id)
        async with self.env.sessions() as session:
            who, call, sheet = await self._sheet(session, tg_user_id, sheet_id)
            assert who.person is not None
            put_mark(call, sheet, index, mark)
            view = await _view(session, call, sheet, who.person.id)
            step = "mark" if view.asking is not None else "comment"
            await SHEET.save(session, tg_user_id, step, {"a": sheet.id}, self.now())
        return view

    async def unmark(
        self, *, tg_user_id: int, chat_id: int, sheet_id: int, index: int
    ) -> SheetView:
        """Clear one mark to give it again (an unsent sheet)."""
        self._private(tg_user_id, chat_id)
        async with self.env.sessions() as session:
            who, call, sheet = await self._sheet(session, tg_user_id, sheet_id)
            assert who.person is not None
            clear_mark(call, sheet, index)
            view = await _view(session, call, sheet, who.person.id)
            await SHEET.save(session, tg_user_id, "mark", {"a": sheet.id}, self.now())
        return view

    async def typed(self, *, tg_user_id: int, text: str) -> SheetView:
        """What the reviewer typed in their sheet's dialogue: the asked criterion's mark, or the
        comment once every criterion has one."""
        async with self.env.sessions() as session:
            try:
                draft = await SHEET.load(session, tg_user_id)
            except NoDraft:
                raise NotFound("reviews.no_sheet") from None
            who, call, sheet = await self._sheet(session, tg_user_id, int(draft.data["a"]))
            assert who.person is not None
            asking = next_criterion(call, sheet)
            if asking is not None:
                put_mark(call, sheet, asking, check_mark(rubric(call).criteria[asking], text))
            else:
                put_comment(call, sheet, text)
            view = await _view(session, call, sheet, who.person.id)
            step = "mark" if view.asking is not None else "comment"
            await SHEET.save(session, tg_user_id, step, {"a": sheet.id}, self.now())
        return view

    async def send(self, *, tg_user_id: int, chat_id: int, sheet_id: int) -> Sent:
        """Send a complete sheet; the jury chair hears when the entry is scored or needs a third."""
        self._private(tg_user_id, chat_id)
        now = self.now()
        async with self.env.sessions() as session:
            who, call, sheet = await self._sheet(session, tg_user_id, sheet_id)
            assert who.person is not None
            if next_criterion(call, sheet) is None and sheet.comment is None:
                sheet.comment = ""
            entry = await send_sheet(session, call=call, sheet=sheet, now=now)
            await SHEET.discard(session, tg_user_id)
            # A contest's leaders follow the sheets on /contest and close each round at once: no
            # per-entry notice (it would be a dozen messages a round, and name no next step).
            if call.kind != CallKind.CONTEST and entry.status in (
                EntryStatus.SCORED,
                EntryStatus.NEEDS_THIRD,
            ):
                await self._tell_jury_chair(session, call, entry, now)
            elif call.kind == CallKind.CONTEST and entry.status == EntryStatus.NEEDS_THIRD:
                # A contest's judges read anonymised entries and its leaders only close rounds:
                # the third sheet goes at once to the least loaded judge free of the entry.
                await self._third_judge(session, call, entry, now)
            view = await _view(session, call, sheet, who.person.id)
            status = str(entry.status)
            await session.commit()
        return Sent(view, status)

    async def _third_judge(
        self, session: AsyncSession, call: ReviewCall, entry: ReviewEntry, now: datetime
    ) -> None:
        free = await suggestions(session, call, entry, count=1)
        if not free:
            return  # every judge is on the entry already (or wrote it): the mean of those sent
        row = await assign(
            session, call=call, entry=entry, reviewer_id=free[0].person_id, by=call.created_by,
            now=now,
        )  # fmt: skip
        judge = await session.get_one(Person, row.reviewer_id)
        outbox.enqueue_message(
            session,
            chat_id=judge.tg_user_id,
            now=now,
            ref=f"review:{entry.id}:third",
            text=self.texts.render(judge.locale, "reviews.third_notice", code=entry.code),
        )

    async def _tell_jury_chair(
        self, session: AsyncSession, call: ReviewCall, entry: ReviewEntry, now: datetime
    ) -> None:
        chairs = [j.person for j in await jury(session, call.id) if j.role == JuryRole.CHAIR]
        if not chairs:
            chairs = [await session.get_one(Person, call.created_by)]
        for person in chairs:
            outbox.enqueue_message(
                session,
                chat_id=person.tg_user_id,
                now=now,
                ref=f"review:{entry.id}:status",
                text=self.texts.render(
                    person.locale,
                    "reviews.jury_chair_notice",
                    kind=str(call.kind),
                    code=entry.code,
                    title=entry.title,
                    status=str(entry.status),
                    total=entry.total,
                ),
            )

    async def leave(self, *, tg_user_id: int) -> bool:
        """Stop filling a sheet for now (the marks given stay)."""
        async with self.env.sessions() as session:
            return await SHEET.discard(session, tg_user_id)
