"""Công khai: the chair publishes the round's result list to every member of the school through
the outbox, with "Đã đọc" receipts and the objection window (working days); her panel counts
the receipts and the objections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reports.model import PublicationCount
from services import audit, outbox
from services.base import UseCases
from services.errors import AlreadyDone, Invalid, NotFound
from services.judging.publication.common import (
    Line,
    active_people,
    calendar_of,
    chair_of,
    counts_of,
    delivery_ref,
    end_of,
    member_of,
    morning_of,
    passed_lines,
    publication_of,
    round_of,
)
from services.judging.publication.workdays import add_working_days, previous_working_day
from storage.models import (
    JudgingRound,
    Notice,
    NoticeStatus,
    Org,
    OutboxMessage,
    Publication,
    PublicationReceipt,
    RoundStatus,
)
from ui.buttons.publication import ObjStart, PubSeen
from ui.texts import Texts


@dataclass(frozen=True)
class Panel:
    """The chair's view of a round's publication."""

    round_id: int
    round_name: str
    closed: bool  # the result list is final (the round closed)
    lines: tuple[Line, ...]
    publication_id: int | None = None
    published_at: datetime | None = None
    closes_on: date | None = None
    window_open: bool = False
    window_days: int = 0
    recipients: int = 0
    read: int = 0
    open_objections: int = 0
    answered: int = 0
    audience: int = 0  # before publishing: who would get it

    @property
    def published(self) -> bool:
        """The list has been published."""
        return self.publication_id is not None


@dataclass(frozen=True)
class Announcement:
    """What each member receives (the list, the window)."""

    round_name: str
    lines: tuple[Line, ...]
    closes_on: date
    window_days: int
    more: int = 0  # lines left out to fit one message


MESSAGE_BUDGET = 3800  # characters of one message (Telegram's limit is 4096 after parsing)


def announcement_buttons(
    texts: Texts, locale: str, publication_id: int, *, read: bool = False
) -> list[list[tuple[str, str]]]:
    """ "Đã đọc" (until pressed) and "Gửi kiến nghị" under the published list."""
    rows = []
    if not read:
        rows.append(
            [(texts.plain(locale, "publication.read_button"), PubSeen(publication_id).pack())]
        )
    rows.append(
        [(texts.plain(locale, "publication.object_button"), ObjStart(publication_id).pack())]
    )
    return rows


async def panel_of(session: AsyncSession, rnd: JudgingRound, now: datetime) -> Panel:
    """A round's publication as the chair sees it."""
    lines = tuple(await passed_lines(session, rnd))
    closed = rnd.status == RoundStatus.CLOSED
    publication = await publication_of(session, rnd.id)
    if publication is None:
        audience = len(await active_people(session, rnd.org_id)) - 1  # all but the chair
        calendar = await calendar_of(session, await session.get_one(Org, rnd.org_id))
        return Panel(
            rnd.id,
            rnd.name,
            closed,
            lines,
            window_days=calendar.window_days,
            audience=max(audience, 0),
        )
    counts = await counts_of(session, publication)
    return Panel(
        rnd.id,
        rnd.name,
        closed,
        tuple(Line(**line) for line in publication.listed),
        publication_id=publication.id,
        published_at=publication.published_at,
        closes_on=publication.closes_on,
        window_open=now < publication.closes_at,
        window_days=publication.window_days,
        recipients=publication.recipients,
        read=counts.read,
        open_objections=counts.open,
        answered=counts.answered,
    )


async def publication_count(
    session: AsyncSession, round_id: int, now: datetime
) -> PublicationCount | None:
    """The round's công khai in /tally's few words (None: not published)."""
    publication = await publication_of(session, round_id)
    if publication is None:
        return None
    counts = await counts_of(session, publication)
    return PublicationCount(
        recipients=publication.recipients,
        read=counts.read,
        open=counts.open,
        answered=counts.answered,
        closes_on=publication.closes_on,
        window_open=now < publication.closes_at,
    )


class Publishing(UseCases):
    """The chair publishes; members confirm reading."""

    def _announcement(
        self, locale: str, name: str, lines: list[Line], closes_on: date, days: int
    ) -> str:
        """The list as members get it: whole when it fits one message, else its first lines
        and how many more (the chair's panel and the dossier's record keep the whole list)."""
        shown = len(lines)
        while True:
            a = Announcement(name, tuple(lines[:shown]), closes_on, days, len(lines) - shown)
            text = self.texts.render(locale, "publication.announcement", a=a)
            if len(text) <= MESSAGE_BUDGET or shown == 0:
                return text
            shown -= max(1, shown // 10)

    async def panel(self, *, tg_user_id: int, round_id: int | None = None) -> Panel:
        """The chair's publication panel of a round (None: the school's newest)."""
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            rnd = await round_of(session, who.org_id, round_id)
            return await panel_of(session, rnd, self.now())

    async def publish(self, *, tg_user_id: int, round_id: int) -> Panel:
        """The chair publishes the final result list to every active member (herself aside),
        each with "Đã đọc" and "Gửi kiến nghị"; the objection window opens for the school's
        number of working days; all are reminded the working day before it closes."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            assert who.person is not None and who.membership is not None
            rnd = await round_of(session, who.org_id, round_id)
            if rnd.status != RoundStatus.CLOSED:
                raise Invalid("publication.round_not_closed")
            if await publication_of(session, rnd.id) is not None:
                raise AlreadyDone("publication.already_published")
            lines = await passed_lines(session, rnd)
            audience = [
                p for p in await active_people(session, rnd.org_id) if p.id != who.person.id
            ]
            if not audience:
                raise Invalid("publication.nobody")
            calendar = await calendar_of(session, who.membership.org)
            today = now.astimezone(self.env.tz).date()
            closes_on = add_working_days(today, calendar.window_days, calendar.holidays)
            publication = Publication(
                org_id=rnd.org_id,
                round_id=rnd.id,
                published_by=who.person.id,
                published_at=now,
                window_days=calendar.window_days,
                closes_on=closes_on,
                closes_at=end_of(closes_on, self.env.tz),
                recipients=len(audience),
                listed=[line.__dict__ for line in lines],
            )
            session.add(publication)
            try:
                await session.flush()
            except IntegrityError:  # two presses at once: the other one published
                await session.rollback()
                raise AlreadyDone("publication.already_published") from None
            rendered: dict[str, str] = {}  # one text per language
            for person in audience:
                locale = self.texts.locale(person.locale)
                if locale not in rendered:
                    rendered[locale] = self._announcement(
                        locale, rnd.name, lines, closes_on, calendar.window_days
                    )
                outbox.enqueue_message(
                    session,
                    chat_id=person.tg_user_id,
                    text=rendered[locale],
                    buttons=announcement_buttons(self.texts, locale, publication.id),
                    now=now,
                    ref=delivery_ref(publication.id),
                )
            due = morning_of(previous_working_day(closes_on, calendar.holidays), self.env.tz)
            if due > now:
                session.add(
                    Notice(
                        key=f"publication:{publication.id}:window",
                        org_id=rnd.org_id,
                        kind="pub_window",
                        due_at=due,
                        stale_after=publication.closes_at,
                        status=NoticeStatus.PENDING,
                        payload={"publication_id": publication.id},
                    )
                )
            session.add(  # the chair is told the morning after the window closed
                Notice(
                    key=f"publication:{publication.id}:closed",
                    org_id=rnd.org_id,
                    kind="pub_closed",
                    due_at=morning_of(closes_on + timedelta(days=1), self.env.tz),
                    stale_after=publication.closes_at + timedelta(days=3),
                    status=NoticeStatus.PENDING,
                    payload={"publication_id": publication.id},
                )
            )
            await audit.record(
                session,
                org_id=rnd.org_id,
                actor_id=who.person.id,
                action="publication.publish",
                target=f"round:{rnd.id}",
                now=now,
                recipients=len(audience),
                passed=len(lines),
                closes_on=closes_on.isoformat(),
            )
            await session.commit()
            return await panel_of(session, rnd, now)

    async def confirm_read(self, *, tg_user_id: int, publication_id: int) -> bool:
        """A member pressed "Đã đọc" under the list sent to them: recorded once (True the first
        time)."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await member_of(session, tg_user_id)
            assert who.person is not None
            publication = await session.get(Publication, publication_id)
            received = await session.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.ref == delivery_ref(publication_id),
                    OutboxMessage.chat_id == tg_user_id,
                )
                .limit(1)
            )
            if publication is None or publication.org_id != who.org_id or received is None:
                raise NotFound("errors.stale_button")
            seen = await session.scalar(
                select(PublicationReceipt.id).where(
                    PublicationReceipt.publication_id == publication_id,
                    PublicationReceipt.person_id == who.person.id,
                )
            )
            if seen is not None:
                return False
            session.add(
                PublicationReceipt(
                    publication_id=publication_id, person_id=who.person.id, seen_at=now
                )
            )
            try:
                await session.commit()
            except IntegrityError:  # the same press twice at once
                await session.rollback()
                return False
            return True
