"""What every part of the stories needs: the limits, the view of a story, who may write one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from services.errors import NotAllowed
from services.people import actor
from services.reasons import REASON_MAX
from storage.models import Membership, MemberStatus, Person, Story

# A story's text is capped so that, with usual names, the council card (story + author,
# department, nominee, campaign, outcome, reason) fits Telegram's 4096-character message. Names,
# a campaign and a reason at their limits (in emoji, two UTF-16 units each) could still push it
# over: then the card shows the story's beginning (see `fit_view`), never failing to send.
STORY_MAX = 3000
TEXT_MAX = 4096  # Telegram's limit for a message, in UTF-16 units after entity parsing
PHOTOS_MAX = 10
NOMINEE_TEXT_MAX = 200

__all__ = [
    "NOMINEE_TEXT_MAX",
    "PHOTOS_MAX",
    "REASON_MAX",
    "STORY_MAX",
    "TEXT_MAX",
    "StoryView",
    "card_ref",
    "load",
    "member",
    "utf16_len",
]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def card_ref(story_id: int) -> str:
    """The outbox label of a story's council card (the text message, edited later)."""
    return f"story:{story_id}"


@dataclass(frozen=True)
class StoryView:
    """A story as the templates show it."""

    id: int
    org_name: str
    author: str
    author_tg_id: int
    department: str
    text: str
    nominee_kind: str
    nominee: str
    pupil_consent: bool
    photos: int
    status: str
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""
    previous_id: int | None = None
    submitted_at: datetime | None = None
    campaign: str = ""
    child_consent: bool | None = None  # the pupil's own consent (None: not asked, younger)
    shortened: bool = False  # the text shown is the beginning of the story (see `fit_view`)


async def member(session: AsyncSession, tg_user_id: int) -> tuple[Person, Membership]:
    """The active member writing (or withdrawing) a story; refused for anyone else."""
    who = await actor(session, tg_user_id)
    if who.membership is not None and who.membership.status == MemberStatus.LEFT:
        raise NotAllowed("errors.deactivated")
    if who.membership is not None and who.membership.status == MemberStatus.PENDING:
        raise NotAllowed("stories.awaiting_approval", org=who.membership.org.name)
    if who.role is None or who.person is None or who.membership is None:
        raise NotAllowed("errors.not_member")
    return who.person, who.membership


# What a story's view needs: the people and department in the same query, the photos in one more.
_STORY_VIEW = (
    joinedload(Story.author),
    joinedload(Story.nominee),
    joinedload(Story.decider),
    joinedload(Story.department),
    selectinload(Story.photos),
)


async def load(session: AsyncSession, story_id: int) -> Story | None:
    """The story with what its view needs, fresh from the database."""
    return await session.get(Story, story_id, options=_STORY_VIEW, populate_existing=True)
