"""A draft becomes a story: submitted to the council (its card queued), or reopened by its
author after the council asked for changes (the new story supersedes the old one)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations, outbox
from services.conversations import Kind
from services.errors import AlreadyDone, Invalid, NotFound
from services.stories.cards import enqueue_card, view
from services.stories.common import StoryView, card_ref, load, member
from services.stories.draft import Draft, as_draft, draft_row, drafting, save_draft
from storage.models import NomineeKind, Story, StoryPhoto, StoryStatus
from ui.texts import Texts


async def start_resubmit(
    session: AsyncSession, *, tg_user_id: int, story_id: int, now: datetime
) -> Draft:
    """After "ask for changes", reopen the story as a draft at the preview, ready to edit."""
    person, membership = await member(session, tg_user_id)
    story = await load(session, story_id)
    if story is None or story.author_id != person.id:
        raise NotFound("errors.stale_button")
    if story.status != StoryStatus.CHANGES:
        raise AlreadyDone("stories.not_changes_requested")
    draft = await drafting(session, tg_user_id=tg_user_id)
    if draft is not None:
        if draft.resubmit_of == story_id:  # pressed again: resume, do not reset
            return draft
        raise Invalid("stories.draft_in_progress", story_id=story_id)
    data: dict[str, Any] = {
        "org_id": story.org_id,
        "org_name": membership.org.name,
        "author": person.full_name,
        "department": membership.department.name if membership.department else "",
        "parts": [story.text],
        "photos": [p.file_id for p in story.photos],
        "nominee_kind": str(story.nominee_kind),
        "nominee": story.nominee.full_name if story.nominee else (story.nominee_text or ""),
        "pupil_consent": story.pupil_consent,
        "child_consent": story.child_consent,
        "pupil_older": story.child_consent is not None,
        "resubmit_of": story.id,
        "campaign_id": story.campaign_id,
        "campaign_name": (await view(session, story.id)).campaign,
    }
    if story.nominee_person_id is not None:
        data["nominee_person_id"] = story.nominee_person_id
    return await save_draft(session, tg_user_id, "preview", data, now)


async def submit(
    session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime
) -> StoryView:
    """Send the draft to the council: the story row, its photos, and the card, in one commit."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    person, membership = await member(session, tg_user_id)
    org = membership.org
    if org.id != int(convo.data["org_id"]):
        raise NotFound("errors.stale_button")
    if org.council_chat_id is None:
        raise Invalid("stories.no_council")
    draft = as_draft(convo.step, convo.data)
    story = Story(
        org_id=org.id,
        author_id=person.id,
        author_department_id=membership.department_id,
        text=draft.text,
        nominee_kind=NomineeKind(draft.nominee_kind or NomineeKind.SELF),
        nominee_person_id=convo.data.get("nominee_person_id")
        or (person.id if draft.nominee_kind == NomineeKind.SELF else None),
        nominee_text=draft.nominee
        if draft.nominee_kind in (NomineeKind.PUPIL, NomineeKind.GROUP)
        else None,
        pupil_consent=draft.pupil_consent,
        child_consent=draft.child_consent if draft.nominee_kind == NomineeKind.PUPIL else None,
        status=StoryStatus.PENDING,
        previous_id=draft.resubmit_of,
        submitted_at=now,
        council_chat_id=org.council_chat_id,
        campaign_id=convo.data.get("campaign_id"),
    )
    session.add(story)
    await session.flush()
    for position, file_id in enumerate(draft.photos):
        session.add(StoryPhoto(story_id=story.id, file_id=file_id, position=position))
    await session.flush()
    if draft.resubmit_of is not None:
        await _supersede(session, draft.resubmit_of, story.id, person.id, texts, now)
    view_ = await view(session, story.id)
    enqueue_card(session, org.council_chat_id, view_, draft.photos, texts, now)
    await audit.record(
        session,
        org_id=org.id,
        actor_id=person.id,
        action="story.submit",
        target=f"story:{story.id}",
        now=now,
        previous=draft.resubmit_of,
    )
    await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id, kind=Kind.REPORT)
    await session.commit()
    return view_


async def _supersede(
    session: AsyncSession, old_id: int, new_id: int, author_id: int, texts: Texts, now: datetime
) -> None:
    changed = await session.execute(
        update(Story)
        .where(
            Story.id == old_id, Story.author_id == author_id, Story.status == StoryStatus.CHANGES
        )
        .values(status=StoryStatus.SUPERSEDED)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise AlreadyDone("stories.not_changes_requested")
    old = await view(session, old_id)
    await outbox.enqueue_edits(
        session,
        ref=card_ref(old_id),
        now=now,
        buttons=None,
        text=texts.render(
            texts.default_locale, "stories.superseded_card", story=old, new_id=new_id
        ),
    )
