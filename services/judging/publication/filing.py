"""Filing an objection (kiến nghị), privately, in a durable dialogue: which candidate (or the
whole list), the text, an optional photo or file, whether the council may see the name; then
it is numbered, given an answer deadline (working days) and shown to the council.

Every step is a Drafts row, so a restart picks the draft up where it was; the objection's row
is committed before any message about it leaves (the outbox is written in the same commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations
from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotFound
from services.files import FileGone, FileTooLarge, keep_telegram_file
from services.judging.publication.cards import show_card
from services.judging.publication.common import (
    Line,
    calendar_of,
    end_of,
    member_of,
    morning_of,
)
from services.judging.publication.workdays import add_working_days, previous_working_day
from services.people import Actor
from storage.models import Notice, NoticeStatus, Objection, ObjectionStatus, Publication

FILING = Drafts(Kind.OBJECTION)
TEXT_MAX = 2000


@dataclass(frozen=True)
class Step:
    """Where the filer is, and what the next prompt shows."""

    step: str  # target | text | file | name | preview
    lines: tuple[Line, ...] = ()
    about: str | None = None  # "name (title)" of the chosen candidate; None: the whole list
    text: str = ""
    attachment: str | None = None  # photo | document
    attachment_name: str | None = None
    show_name: bool = False
    closes_on: date | None = None


@dataclass(frozen=True)
class Filed:
    """An objection filed: its number and answer deadline."""

    id: int
    number: int
    due: date


def _step(step: str, data: dict[str, Any]) -> Step:
    return Step(
        step=step,
        lines=tuple(Line(**line) for line in data.get("lines", [])),
        about=data.get("about"),
        text=str(data.get("text", "")),
        attachment=data.get("attachment"),
        attachment_name=data.get("attachment_name"),
        show_name=bool(data.get("show_name", False)),
        closes_on=date.fromisoformat(data["closes_on"]) if data.get("closes_on") else None,
    )


class Filing(UseCases):
    """A member files an objection to the published list."""

    async def _open_publication(
        self, session: AsyncSession, who: Actor, publication_id: int | None
    ) -> Publication:
        if publication_id is None:
            found = await session.scalar(
                select(Publication)
                .where(Publication.org_id == who.org_id)
                .order_by(Publication.id.desc())
                .limit(1)
            )
        else:
            found = await session.get(Publication, publication_id)
        if found is None or found.org_id != who.org_id:
            raise NotFound("publication.nothing_published")
        if self.now() >= found.closes_at:
            raise Invalid("publication.window_closed", closes_on=found.closes_on)
        return found

    async def begin_objection(self, *, tg_user_id: int, publication_id: int | None = None) -> Step:
        """Any active member starts an objection (from the list's button or /objection) while
        the window is open: first, which candidate (or the whole list)."""
        async with self.env.sessions() as session:
            who = await member_of(session, tg_user_id)
            publication = await self._open_publication(session, who, publication_id)
            data = {
                "publication_id": publication.id,
                "org_id": publication.org_id,
                "lines": publication.listed,
                "closes_on": publication.closes_on.isoformat(),
            }
            await FILING.save(session, tg_user_id, "target", data, self.now())
            return _step("target", data)

    async def _draft(self, session: AsyncSession, tg_user_id: int, step: str) -> dict[str, Any]:
        try:
            convo = await FILING.load(session, tg_user_id)
        except NoDraft:
            raise AlreadyDone("errors.stale_button") from None
        if convo.step != step:
            raise AlreadyDone("errors.stale_button")
        return dict(convo.data)

    async def objection_target(self, *, tg_user_id: int, candidate_id: int) -> Step:
        """The candidate the objection is about (0: the whole list); next, the text."""
        async with self.env.sessions() as session:
            await member_of(session, tg_user_id)
            data = await self._draft(session, tg_user_id, "target")
            if candidate_id:
                line = next(
                    (Line(**x) for x in data["lines"] if x["candidate_id"] == candidate_id), None
                )
                if line is None:
                    raise NotFound("errors.stale_button")
                data["about"] = f"{line.name} ({line.title})"
            else:
                data["about"] = None
            data["candidate_id"] = candidate_id or None
            await FILING.save(session, tg_user_id, "text", data, self.now())
            return _step("text", data)

    async def objection_text(self, *, tg_user_id: int, text: str) -> Step:
        """The objection's text (typed at the text step; typed again later, it replaces it)."""
        body = text.strip()
        if not body:
            raise Invalid("publication.text_empty")
        if len(body) > TEXT_MAX:
            raise Invalid("publication.text_too_long", limit=TEXT_MAX, length=len(body))
        async with self.env.sessions() as session:
            await member_of(session, tg_user_id)
            try:
                convo = await FILING.load(session, tg_user_id)
            except NoDraft:
                raise Invalid("errors.no_dialogue") from None
            if convo.step == "target":
                raise Invalid("publication.pick_target_first")
            data = dict(convo.data)
            data["text"] = body
            step = "file" if convo.step == "text" else convo.step
            await FILING.save(session, tg_user_id, step, data, self.now())
            return _step(step, data)

    async def objection_file(
        self,
        *,
        tg_user_id: int,
        kind: str,
        file_id: str,
        name: str | None,
        size: int | None,
        unique_id: str | None = None,
        mime: str | None = None,
    ) -> Step | None:
        """A photo or file for the objection at the file step (None: no objection waits for
        one, the file is someone else's business): downloaded once and kept in the file store
        (the council's copy is re-sent by Telegram's id, the dossier carries the bytes)."""
        async with self.env.sessions() as session:
            try:
                convo = await FILING.load(session, tg_user_id)
            except NoDraft:
                return None
            if convo.step not in ("file", "name", "preview"):
                raise Invalid("publication.file_after_text")
            await member_of(session, tg_user_id)
            try:
                kept = await keep_telegram_file(
                    session,
                    self.env,
                    file_id=file_id,
                    unique_id=unique_id,
                    name=name,
                    mime=mime or ("image/jpeg" if kind == "photo" else None),
                    size=size,
                )
            except FileTooLarge as too_big:
                raise Invalid("publication.file_too_large", limit=too_big.limit_mb) from None
            except FileGone:
                raise Invalid("publication.file_gone") from None
            data = dict(convo.data)
            data.update(
                attachment=kind,
                attachment_file_id=file_id,
                attachment_name=name,
                stored_file_id=kept.id,
            )
            step = "name" if convo.step == "file" else convo.step
            await FILING.save(session, tg_user_id, step, data, self.now())
            return _step(step, data)

    async def objection_no_file(self, *, tg_user_id: int) -> Step:
        """No photo or file; next, whether the council may see the name."""
        async with self.env.sessions() as session:
            await member_of(session, tg_user_id)
            data = await self._draft(session, tg_user_id, "file")
            await FILING.save(session, tg_user_id, "name", data, self.now())
            return _step("name", data)

    async def objection_name(self, *, tg_user_id: int, show: bool) -> Step:
        """Whether the council may see the filer's name (the default is no); then the preview."""
        async with self.env.sessions() as session:
            await member_of(session, tg_user_id)
            data = await self._draft(session, tg_user_id, "name")
            data["show_name"] = show
            await FILING.save(session, tg_user_id, "preview", data, self.now())
            return _step("preview", data)

    async def discard_objection(self, *, tg_user_id: int) -> bool:
        """Throw the draft away."""
        async with self.env.sessions() as session:
            return await FILING.discard(session, tg_user_id)

    async def file_objection(self, *, tg_user_id: int) -> Filed:
        """File it: numbered in the round, the answer deadline set, the reminder planned, the
        council shown the card (without the name unless agreed); committed with its messages."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await member_of(session, tg_user_id)
            assert who.person is not None and who.membership is not None
            data = await self._draft(session, tg_user_id, "preview")
            publication = await self._open_publication(session, who, int(data["publication_id"]))
            calendar = await calendar_of(session, who.membership.org)
            today = now.astimezone(self.env.tz).date()
            due = add_working_days(today, calendar.answer_days, calendar.holidays)
            # Numbers are taken one filer at a time: the publication's row is locked first (an
            # update that changes nothing), so two objections filed at once never share one.
            await session.execute(
                update(Publication)
                .where(Publication.id == publication.id)
                .values(recipients=Publication.recipients)
            )
            # The draft goes in the same commit: a second press of "Gửi" finds none (on
            # PostgreSQL it waits for the first on the lock above, then deletes nothing).
            if not await conversations.end(
                session, chat_id=tg_user_id, user_id=tg_user_id, kind=Kind.OBJECTION
            ):
                raise AlreadyDone("errors.stale_button")
            number = 1 + int(
                await session.scalar(
                    select(func.coalesce(func.max(Objection.number), 0)).where(
                        Objection.round_id == publication.round_id
                    )
                )
                or 0
            )
            objection = Objection(
                org_id=publication.org_id,
                round_id=publication.round_id,
                publication_id=publication.id,
                number=number,
                filer_id=who.person.id,
                candidate_id=data.get("candidate_id"),
                text=str(data["text"]),
                show_name=bool(data.get("show_name")),
                attachment_kind=data.get("attachment"),
                attachment_file_id=data.get("attachment_file_id"),
                attachment_name=data.get("attachment_name"),
                stored_file_id=data.get("stored_file_id"),
                filed_at=now,
                answer_due=due,
                status=ObjectionStatus.OPEN,
            )
            session.add(objection)
            await session.flush()
            reminder = morning_of(previous_working_day(due, calendar.holidays), self.env.tz)
            if reminder > now:
                session.add(
                    Notice(
                        key=f"objection:{objection.id}:answer",
                        org_id=objection.org_id,
                        kind="pub_answer",
                        due_at=reminder,
                        stale_after=end_of(due, self.env.tz),
                        status=NoticeStatus.PENDING,
                        payload={"objection_id": objection.id},
                    )
                )
            await show_card(session, objection, self.texts, now, new=True)
            await audit.record(
                session,
                org_id=objection.org_id,
                actor_id=who.person.id,
                action="objection.file",
                target=f"objection:{objection.id}",
                now=now,
                number=number,
                candidate_id=objection.candidate_id,
                show_name=objection.show_name,
                attachment=objection.attachment_kind,
            )
            await session.commit()
            return Filed(objection.id, number, due)
