"""An objection as the council, the filer and the answerer see it: its card and buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.judging.publication.common import candidate_name, card_ref, chairs_of
from storage.models import (
    Candidate,
    JudgingRound,
    Objection,
    ObjectionStatus,
    Org,
    OutboxMessage,
    OutboxStatus,
    Person,
    Revote,
)
from ui.buttons.publication import ObjAnswer, ObjAssign, RevoteOpen
from ui.texts import Texts


@dataclass(frozen=True)
class RevoteLine:
    """A re-vote opened from an objection, and its count once closed."""

    id: int
    open: bool
    yes: int | None
    no: int | None
    voters: int | None
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Card:
    """One objection, as shown in chat (the filer's name only when `filer` is set)."""

    id: int
    number: int
    round_name: str
    filed_at: datetime
    about: str | None  # "name (title)"; None: the whole list
    title: str | None
    text: str
    filer: str | None  # None: the filer did not agree to be named
    attachment: str | None  # photo | document
    attachment_name: str | None
    due: date
    open: bool
    assignee: str | None
    answer: str | None
    answered_at: datetime | None
    answered_by: str | None
    revote: RevoteLine | None


async def card_of(session: AsyncSession, objection: Objection, *, with_name: bool = False) -> Card:
    """An objection's card; the filer's name shows when they agreed (or `with_name`: the filer's
    own copy)."""
    rnd = await session.get_one(JudgingRound, objection.round_id)
    about = title = None
    if objection.candidate_id is not None:
        candidate = await session.get_one(Candidate, objection.candidate_id)
        about, title = await candidate_name(session, candidate), candidate.title
    filer = await session.get_one(Person, objection.filer_id)
    assignee = await session.get(Person, objection.assignee_id) if objection.assignee_id else None
    answerer = await session.get(Person, objection.answered_by) if objection.answered_by else None
    revote = await session.scalar(
        select(Revote).where(Revote.objection_id == objection.id).order_by(Revote.id.desc())
    )
    return Card(
        id=objection.id,
        number=objection.number,
        round_name=rnd.name,
        filed_at=objection.filed_at,
        about=about,
        title=title,
        text=objection.text,
        filer=filer.full_name if objection.show_name or with_name else None,
        attachment=objection.attachment_kind,
        attachment_name=objection.attachment_name,
        due=objection.answer_due,
        open=objection.status == ObjectionStatus.OPEN,
        assignee=assignee.full_name if assignee else None,
        answer=objection.answer,
        answered_at=objection.answered_at,
        answered_by=answerer.full_name if answerer else None,
        revote=RevoteLine(
            revote.id,
            revote.status == "open",
            revote.yes,
            revote.no,
            revote.voters,
            revote.outcome_before,
            revote.outcome_after,
        )
        if revote
        else None,
    )


def council_buttons(texts: Texts, locale: str, card: Card) -> list[list[tuple[str, str]]]:
    """The council card's buttons while the objection is open: answer, assign, re-vote."""
    if not card.open:
        return []
    rows = [
        [
            (texts.plain(locale, "publication.answer_button"), ObjAnswer(card.id).pack()),
            (texts.plain(locale, "publication.assign_button"), ObjAssign(card.id, 0).pack()),
        ]
    ]
    if card.about is not None and (card.revote is None or not card.revote.open):
        rows.append(
            [(texts.plain(locale, "publication.revote_button"), RevoteOpen(card.id).pack())]
        )
    return rows


async def show_card(
    session: AsyncSession, objection: Objection, texts: Texts, now: datetime, *, new: bool = False
) -> None:
    """Send the card to the council group (else the chair's private chat happens in the caller),
    or edit every copy of it after a change."""
    card = await card_of(session, objection)
    locale = texts.default_locale
    text = texts.render(locale, "publication.council_card", card=card)
    buttons = council_buttons(texts, locale, card)
    if not new:
        await outbox.enqueue_edits(
            session, ref=card_ref(objection.id), text=text, buttons=buttons, now=now
        )
        return
    org = await session.get_one(Org, objection.org_id)
    chats: list[int] = []
    if org.council_chat_id is not None:
        chats.append(org.council_chat_id)
    else:  # no council group: the chair gets it privately
        chats.extend(p.tg_user_id for p in await chairs_of(session, objection.org_id))
    for chat in chats:
        outbox.enqueue_message(
            session, chat_id=chat, text=text, buttons=buttons, now=now, ref=card_ref(objection.id)
        )
        if objection.attachment_kind and objection.attachment_file_id:
            caption = texts.render(locale, "publication.attachment_caption", card=card)
            ref = f"obj:{objection.id}:file"
            if objection.attachment_kind == "photo":
                outbox.enqueue_media(
                    session,
                    chat_id=chat,
                    photos=[objection.attachment_file_id],
                    caption=caption,
                    now=now,
                    ref=ref,
                )
            else:
                session.add(
                    OutboxMessage(
                        chat_id=chat,
                        method="send_document",
                        payload={"document": objection.attachment_file_id, "caption": caption},
                        ref=ref,
                        status=OutboxStatus.PENDING,
                        attempts=0,
                        not_before=now,
                        created_at=now,
                    )
                )
