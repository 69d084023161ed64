"""The publication's scheduled notices (fired by services/notices.py): every member is reminded
the working day before the objection window closes; whoever must answer an objection is
reminded the working day before its deadline; the chair is told when the window has closed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.judging.publication.cards import card_of
from services.judging.publication.common import active_people, chairs_of, counts_of
from storage.models import Notice, Objection, ObjectionStatus, Person, Publication
from ui.buttons.publication import ObjAnswer, ObjStart, PubPanel
from ui.texts import Texts


async def remind(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    """Fire one of the room's notices; returns how many it reached."""
    if notice.kind == "pub_window":
        return await _window(session, notice, texts, now)
    if notice.kind == "pub_answer":
        return await _answer(session, notice, texts, now)
    if notice.kind == "pub_closed":
        return await _closed(session, notice, texts, now)
    return 0


async def _closed(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    """The window has closed: the chair gets the figures (and what still waits for her)."""
    publication = await session.get(Publication, int(notice.payload["publication_id"]))
    if publication is None:
        return 0
    counts = await counts_of(session, publication)
    chairs = await chairs_of(session, publication.org_id)
    for person in chairs:
        locale = texts.locale(person.locale)
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            text=texts.render(
                locale,
                "publication.window_closed_notice",
                closes_on=publication.closes_on,
                recipients=publication.recipients,
                counts=counts,
            ),
            buttons=[
                [
                    (
                        texts.plain(locale, "publication.refresh_button"),
                        PubPanel(publication.round_id).pack(),
                    )
                ]
            ],
            now=now,
            ref=f"notice:{notice.id}",
        )
    return len(chairs)


async def _window(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    publication = await session.get(Publication, int(notice.payload["publication_id"]))
    if publication is None or now >= publication.closes_at:
        return 0
    people = await active_people(session, publication.org_id)
    for person in people:
        locale = texts.locale(person.locale)
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            text=texts.render(
                locale, "publication.window_reminder", closes_on=publication.closes_on
            ),
            buttons=[
                [
                    (
                        texts.plain(locale, "publication.object_button"),
                        ObjStart(publication.id).pack(),
                    )
                ]
            ],
            now=now,
            ref=f"notice:{notice.id}",
        )
    return len(people)


async def _answer(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    objection = await session.get(Objection, int(notice.payload["objection_id"]))
    if objection is None or objection.status != ObjectionStatus.OPEN:
        return 0
    if objection.assignee_id is not None:
        people = [await session.get_one(Person, objection.assignee_id)]
    else:
        people = list(await chairs_of(session, objection.org_id))
    card = await card_of(session, objection)
    for person in people:
        locale = texts.locale(person.locale)
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            text=texts.render(locale, "publication.answer_reminder", card=card),
            buttons=[
                [(texts.plain(locale, "publication.answer_button"), ObjAnswer(objection.id).pack())]
            ],
            now=now,
            ref=f"notice:{notice.id}",
        )
    return len(people)
