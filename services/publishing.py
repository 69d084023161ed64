"""Publishing: the school's channel, and approved stories posted there with one tap.

The chair binds the channel once the bot is one of its admins (the handler asks Telegram and
passes the facts in). A council member publishes an approved story; a story naming a pupil is
published only when the author recorded the parents' consent. Publishing is one conditional
UPDATE (`WHERE published_at IS NULL`), so a second tap, or two members at once, post it once;
the post itself goes through the outbox in the same commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services import audit, conversations, outbox
from services.base import UseCases
from services.conversations import Kind
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.people import COUNCIL_ROLES, Actor, require_role
from services.stories import (
    StoryView,
    card_ref,
    decided_buttons,
    fit_view,
    may_publish,
    render_card,
    utf16_len,
    view,
)
from storage.models import Org, Role, Story, StoryStatus
from ui.texts import Texts

KIND = Kind.CHANNEL
CAPTION_MAX = 1024


def publish_ref(story_id: int) -> str:
    """The outbox label of a story's channel post."""
    return f"publish:{story_id}"


async def _chair(session: AsyncSession, tg_user_id: int) -> Actor:
    return await require_role(session, tg_user_id, {Role.CHAIR}, refusal="errors.chair_only")


async def check_chair(session: AsyncSession, *, tg_user_id: int) -> None:
    """Refuse early (before asking for the channel) anyone but the chair."""
    await _chair(session, tg_user_id)


async def await_channel(session: AsyncSession, *, tg_user_id: int, now: datetime) -> None:
    """Remember that the chair is about to name or forward the channel."""
    who = await _chair(session, tg_user_id)
    await conversations.put(
        session,
        chat_id=tg_user_id,
        user_id=tg_user_id,
        kind=KIND,
        step="channel",
        data={"org_id": who.org_id},
        now=now,
    )
    await session.commit()


async def bind_channel(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    title: str,
    bot_can_post: bool,
    user_is_admin: bool,
    now: datetime,
) -> Org:
    """Bind the school's channel (the chair, who must administer it; the bot must post there)."""
    who = await _chair(session, tg_user_id)
    if not bot_can_post:
        raise Invalid("publishing.bot_not_admin")
    if not user_is_admin:
        raise NotAllowed("publishing.not_channel_admin")
    org = await session.get_one(Org, who.org_id)
    before = org.channel_chat_id
    org.channel_chat_id = chat_id
    await audit.record(
        session,
        org_id=org.id,
        actor_id=who.person.id if who.person else None,
        action="org.bind_channel",
        target=f"org:{org.id}",
        now=now,
        channel=chat_id,
        title=title[:120],
        before=before,
    )
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is not None and convo.kind == KIND:
        await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id)
    await session.commit()
    return org


async def publish_story(
    session: AsyncSession, *, story_id: int, tg_user_id: int, texts: Texts, now: datetime
) -> StoryView:
    """Post an approved story (text and photos) to the school's channel, once."""
    who = await require_role(
        session, tg_user_id, COUNCIL_ROLES, refusal="stories.council_only", strangers_too=True
    )
    story = await session.get(
        Story, story_id, options=[selectinload(Story.photos)], populate_existing=True
    )
    if story is None or story.org_id != who.org_id:
        raise NotFound("errors.stale_button")
    if story.published_at is not None:
        raise AlreadyDone("publishing.already_published", at=story.published_at)
    if story.status != StoryStatus.APPROVED:
        raise Invalid("publishing.not_approved")
    if not may_publish(story.nominee_kind, story.pupil_consent, story.child_consent):
        raise NotAllowed("publishing.no_consent")
    org = await session.get_one(Org, story.org_id)
    if org.channel_chat_id is None:
        raise Invalid("publishing.no_channel")
    changed = await session.execute(
        update(Story)
        .where(
            Story.id == story_id,
            Story.status == StoryStatus.APPROVED,
            Story.published_at.is_(None),
        )
        .values(published_at=now)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("publishing.already_published", at=now)
    result = await view(session, story_id)
    locale = texts.default_locale  # the channel is public: the school's language
    shown = fit_view(texts, locale, "publishing.post", result, org=org.name)
    post = texts.render(locale, "publishing.post", story=shown, org=org.name)
    length = utf16_len(texts.plain(locale, "publishing.post", story=shown, org=org.name))
    photos = [p.file_id for p in story.photos]
    channel, ref = org.channel_chat_id, publish_ref(story_id)
    if photos and length <= CAPTION_MAX:
        outbox.enqueue_media(
            session, chat_id=channel, photos=photos, caption=post, now=now, ref=ref
        )
    else:
        if photos:  # a long story: the photos first, then the text as its own post
            outbox.enqueue_media(session, chat_id=channel, photos=photos, now=now, ref=ref)
        outbox.enqueue_message(session, chat_id=channel, text=post, now=now, ref=ref)
    await audit.record(
        session,
        org_id=org.id,
        actor_id=who.person.id if who.person else None,
        action="story.publish",
        target=f"story:{story_id}",
        now=now,
        channel=channel,
    )
    # The council card loses its publish button: it has been used.
    await outbox.enqueue_edits(
        session,
        ref=card_ref(story_id),
        now=now,
        text=render_card(texts, result),
        buttons=decided_buttons(texts, story_id, approved=True),
    )
    await session.commit()
    return result


class Publishing(UseCases):
    """The school's channel: binding it, publishing stories to it."""

    async def check_chair(self, *, tg_user_id: int) -> None:
        """Refuse early (before asking Telegram about a channel) anyone but the chair."""
        async with self.env.sessions() as session:
            await check_chair(session, tg_user_id=tg_user_id)

    async def ask_channel(self, *, tg_user_id: int) -> None:
        """The chair is about to name or forward the channel (anyone else is refused)."""
        async with self.env.sessions() as session:
            await await_channel(session, tg_user_id=tg_user_id, now=self.now())

    async def waiting_for_channel(self, *, tg_user_id: int) -> bool:
        """Whether /bind_channel waits for this user to name the channel."""
        async with self.env.sessions() as session:
            convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
        return convo is not None and convo.kind == KIND

    async def bind_channel(
        self,
        *,
        tg_user_id: int,
        chat_id: int,
        title: str,
        bot_can_post: bool,
        user_is_admin: bool,
    ) -> str:
        """Bind the school's channel (the facts checked with Telegram); the school's name."""
        async with self.env.sessions() as session:
            org = await bind_channel(
                session,
                tg_user_id=tg_user_id,
                chat_id=chat_id,
                title=title,
                bot_can_post=bot_can_post,
                user_is_admin=user_is_admin,
                now=self.now(),
            )
            return org.name

    async def publish_story(self, *, story_id: int, tg_user_id: int) -> None:
        """Post an approved story to the school's channel, once."""
        async with self.env.sessions() as session:
            await publish_story(
                session, story_id=story_id, tg_user_id=tg_user_id, texts=self.texts, now=self.now()
            )
