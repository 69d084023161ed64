"""A story as the templates show it, and its council card: the text, the buttons, the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.errors import NotFound
from services.stories.common import TEXT_MAX, StoryView, card_ref, load, utf16_len
from storage.models import (
    Campaign,
    NomineeKind,
    Org,
    OutboxMessage,
    OutboxStatus,
    Story,
    StoryStatus,
)
from ui.buttons.proposals import Propose
from ui.buttons.publishing import PublishStory
from ui.buttons.stories import StoryDecision, StoryReopen
from ui.texts import Texts


async def view(session: AsyncSession, story_id: int) -> StoryView:
    """A story as the templates show it."""
    story = await load(session, story_id)
    if story is None:
        raise NotFound("errors.stale_button")
    org = await session.get_one(Org, story.org_id)
    campaign = await session.get(Campaign, story.campaign_id) if story.campaign_id else None
    return _view(story, org, campaign.name if campaign else "")


def _view(story: Story, org: Org, campaign: str = "") -> StoryView:
    return StoryView(
        id=story.id,
        org_name=org.name,
        author=story.author.full_name,
        author_tg_id=story.author.tg_user_id,
        department=story.department.name if story.department else "",
        text=story.text,
        nominee_kind=str(story.nominee_kind),
        nominee=story.nominee.full_name if story.nominee else (story.nominee_text or ""),
        pupil_consent=story.pupil_consent,
        child_consent=story.child_consent,
        photos=len(story.photos),
        status=str(story.status),
        decided_by=story.decider.full_name if story.decider else "",
        decided_at=story.decided_at,
        reason=story.reason or "",
        previous_id=story.previous_id,
        submitted_at=story.submitted_at,
        campaign=campaign,
    )


def decision_buttons(texts: Texts, story_id: int) -> list[list[tuple[str, str]]]:
    """The council card's buttons while a story waits."""
    locale = texts.default_locale
    return [
        [
            (
                texts.plain(locale, "stories.approve_button"),
                StoryDecision(story_id, "approve").pack(),
            ),
            (
                texts.plain(locale, "stories.reject_button"),
                StoryDecision(story_id, "reject").pack(),
            ),
            (
                texts.plain(locale, "stories.changes_button"),
                StoryDecision(story_id, "changes").pack(),
            ),
        ]
    ]


def may_publish(nominee_kind: str, pupil_consent: bool, child_consent: bool | None) -> bool:
    """A story naming a pupil goes public only with the parents' recorded consent and, for a
    pupil at or above the school's consent age, the pupil's own (Nghị định 13/2023, Điều 20)."""
    return nominee_kind != NomineeKind.PUPIL or (pupil_consent and child_consent is not False)


def decided_buttons(
    texts: Texts, story_id: int, *, publishable: bool = False, approved: bool = False
) -> list[list[tuple[str, str]]]:
    """The council card's buttons once decided: the chair's reopening, and publishing if allowed;
    an approved story can be proposed for a commendation."""
    locale = texts.default_locale
    rows = [[(texts.plain(locale, "stories.reopen_button"), StoryReopen(story_id).pack())]]
    if publishable:
        rows.insert(
            0,
            [
                (
                    texts.plain(locale, "publishing.publish_button"),
                    PublishStory(story_id=story_id).pack(),
                )
            ],
        )
    if approved:
        rows.insert(
            0, [(texts.plain(locale, "proposals.propose_button"), Propose("s", story_id).pack())]
        )
    return rows


def _head16(text: str, units: int) -> str:
    """The longest beginning of `text` within `units` UTF-16 units (never half an emoji)."""
    size = 0
    for i, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > units:
            return text[:i].rstrip()
    return text


def fit_view(
    texts: Texts, locale: str | None, key: str, story: StoryView, **values: object
) -> StoryView:
    """The story as `key` can show it in one Telegram message: as it is, or, in the rare worst
    case, with only the beginning of its text (marked on the message). The story is unchanged."""
    for _ in range(4):
        over = utf16_len(texts.plain(locale, key, story=story, **values)) - TEXT_MAX
        if over <= 0:
            return story
        keep = max(0, utf16_len(story.text) - over)
        story = replace(story, text=_head16(story.text, keep), shortened=True)
    raise AssertionError(f"{key} does not fit one message even without the story's text")


def render_card(texts: Texts, story: StoryView) -> str:
    """The council card text (the school's language: it is read by the whole council)."""
    locale = texts.default_locale
    return texts.render(
        locale, "stories.card", story=fit_view(texts, locale, "stories.card", story)
    )


async def post_waiting_cards(
    session: AsyncSession, *, org_id: int, chat_id: int, texts: Texts, now: datetime
) -> int:
    """Queue, for `chat_id`, the card of every story still waiting for the council whose card
    is not (and will not be) there: the bot was removed from the group, or the council moved
    to another group. Part of the caller's transaction; returns how many."""
    waiting = (
        await session.scalars(
            select(Story.id)
            .where(Story.org_id == org_id, Story.status == StoryStatus.PENDING)
            .order_by(Story.submitted_at, Story.id)
        )
    ).all()
    posted = 0
    for story_id in waiting:
        shown = await session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.ref == card_ref(story_id),
                OutboxMessage.method == "send_message",
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENT]),
            )
            .limit(1)
        )
        if shown is not None:
            continue
        story = await load(session, story_id)
        assert story is not None
        photos = [p.file_id for p in story.photos]
        enqueue_card(session, chat_id, await view(session, story_id), photos, texts, now)
        posted += 1
    return posted


def enqueue_card(
    session: AsyncSession,
    chat_id: int,
    story: StoryView,
    photos: list[str],
    texts: Texts,
    now: datetime,
) -> None:
    """Queue a story's council card: its photos first, then the text card with its buttons."""
    # Albums cannot carry buttons: the photos go first, captioned with the story's number so
    # the council knows whose they are, then the text card that is edited later.
    if photos:
        caption = texts.render(texts.default_locale, "stories.album_caption", story_id=story.id)
        outbox.enqueue_media(
            session,
            chat_id=chat_id,
            photos=photos,
            now=now,
            ref=f"story_album:{story.id}",
            caption=caption,
        )
    outbox.enqueue_message(
        session,
        chat_id=chat_id,
        text=render_card(texts, story),
        buttons=decision_buttons(texts, story.id),
        ref=card_ref(story.id),
        now=now,
    )
