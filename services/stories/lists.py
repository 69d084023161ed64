"""The lists: a teacher's own stories (/mine) and those waiting for the council (/pending)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.errors import NotAllowed
from services.people import COUNCIL_ROLES, in_council_place, require_role
from services.stories.common import StoryView, card_ref, member
from storage.models import (
    Department,
    Org,
    OutboxMessage,
    OutboxStatus,
    Person,
    Story,
    StoryPhoto,
    StoryStatus,
)

_AUTHOR, _NOMINEE, _DECIDER = aliased(Person), aliased(Person), aliased(Person)
_PHOTO_COUNT = (
    select(func.count(StoryPhoto.id)).where(StoryPhoto.story_id == Story.id).scalar_subquery()
)
_VIEW_ROWS = (
    select(
        Story.id,
        _AUTHOR.full_name,
        _AUTHOR.tg_user_id,
        Department.name,
        Story.text,
        Story.nominee_kind,
        func.coalesce(_NOMINEE.full_name, Story.nominee_text, ""),
        Story.pupil_consent,
        _PHOTO_COUNT,
        Story.status,
        func.coalesce(_DECIDER.full_name, ""),
        Story.decided_at,
        func.coalesce(Story.reason, ""),
        Story.previous_id,
        Story.submitted_at,
        Story.child_consent,
    )
    .join(_AUTHOR, Story.author_id == _AUTHOR.id)
    .outerjoin(Department, Story.author_department_id == Department.id)
    .outerjoin(_NOMINEE, Story.nominee_person_id == _NOMINEE.id)
    .outerjoin(_DECIDER, Story.decided_by == _DECIDER.id)
)


async def _views(
    session: AsyncSession,
    org: Org,
    *where: ColumnElement[bool],
    order_by: tuple[Any, ...],
    limit: int,
) -> list[StoryView]:
    """Stories as the templates show them, in one plain query: the lists (/mine, /pending) show
    up to twenty, on the busiest paths, where loading each story's objects cost most of their
    CPU."""
    query = _VIEW_ROWS.where(*where).order_by(*order_by).limit(limit)
    connection = await session.connection()
    return [
        StoryView(
            id=row[0],
            org_name=org.name,
            author=row[1],
            author_tg_id=row[2],
            department=row[3] or "",
            text=row[4],
            nominee_kind=str(row[5]),
            nominee=row[6],
            pupil_consent=bool(row[7]),
            photos=row[8],
            status=str(row[9]),
            decided_by=row[10],
            decided_at=row[11],
            reason=row[12],
            previous_id=row[13],
            submitted_at=row[14],
            child_consent=row[15],
        )
        for row in await connection.execute(query)
    ]


async def mine(session: AsyncSession, *, tg_user_id: int, limit: int = 15) -> list[StoryView]:
    """The author's latest stories, newest first."""
    person, membership = await member(session, tg_user_id)
    return await _views(
        session,
        membership.org,
        Story.author_id == person.id,
        Story.status != StoryStatus.SUPERSEDED,
        order_by=(Story.id.desc(),),
        limit=limit,
    )


@dataclass(frozen=True)
class PendingItem:
    """A story waiting for the council, and where its card is."""

    story: StoryView
    link: str | None


def message_link(chat_id: int, message_id: int | None) -> str | None:
    """A t.me link to a message in a supergroup (basic groups have no message links)."""
    text = str(chat_id)
    if message_id is None or not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{message_id}"


async def pending(
    session: AsyncSession, *, tg_user_id: int, chat_id: int | None = None, limit: int = 20
) -> list[PendingItem]:
    """Stories waiting for a decision, oldest first (council, chair and vice-chair), asked in
    private or in the school's council group: never in another group, where the authors and the
    pupils named would be shown to people outside the council.

    Each line has the author, a link to the card and the story's first words: 20 lines stay well
    inside Telegram's 4096 characters.
    """
    who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    assert who.membership is not None
    if not in_council_place(who, tg_user_id, chat_id):
        raise NotAllowed("stories.pending_where")
    waiting = await _views(
        session,
        who.membership.org,
        Story.org_id == who.membership.org_id,
        Story.status == StoryStatus.PENDING,
        order_by=(Story.submitted_at, Story.id),
        limit=limit,
    )
    cards = {
        ref: (chat_id, message_id)
        for ref, chat_id, message_id in (
            await session.execute(
                select(OutboxMessage.ref, OutboxMessage.chat_id, OutboxMessage.tg_message_id).where(
                    OutboxMessage.ref.in_([card_ref(s.id) for s in waiting]),
                    OutboxMessage.method == "send_message",
                    OutboxMessage.status == OutboxStatus.SENT,
                )
            )
        ).all()
    }
    items = []
    for story in waiting:
        card = cards.get(card_ref(story.id))
        link = message_link(*card) if card else None
        items.append(PendingItem(story, link))
    return items
