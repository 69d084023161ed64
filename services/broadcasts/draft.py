"""The announcement being composed: its text or one attachment, kept in the conversation row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.broadcasts.common import KIND, leader
from services.conversations import Drafts, NoDraft
from services.errors import AlreadyDone, Invalid
from services.publishing import CAPTION_MAX
from services.stories import TEXT_MAX, utf16_len
from storage.models import Conversation
from ui.texts import LOCALES, Texts

DRAFTS = Drafts(KIND)


@dataclass(frozen=True)
class Draft:
    """The announcement being composed."""

    step: str  # compose | audience | preview
    sender: str
    html: str
    length: int
    media_kind: str | None
    media_file_id: str | None
    media_name: str
    text_limit: int
    caption_limit: int
    audience: str | None
    audience_kind: str
    audience_name: str
    recipients: int

    @property
    def empty(self) -> bool:
        """Nothing to send yet."""
        return not self.html and not self.media_file_id

    @property
    def limit(self) -> int:
        """The most the text may have with the current attachment (a caption is shorter)."""
        return self.caption_limit if self.media_kind else self.text_limit


@dataclass(frozen=True)
class MediaAdded:
    """A photo or file was attached; `acknowledge` is False for the rest of an album."""

    draft: Draft
    acknowledge: bool
    replaced: bool


def _limits(texts: Texts, sender: str) -> tuple[int, int]:
    """Text and caption limits once the longest header (in any language) is put above."""
    header = max(
        utf16_len(texts.plain(locale, key, sender=sender))
        for locale in LOCALES
        for key in ("broadcasts.header", "broadcasts.remind_header")
    )
    reserve = header + 2  # the blank line between header and text
    return TEXT_MAX - reserve, CAPTION_MAX - reserve


def as_draft(step: str, data: dict[str, Any]) -> Draft:
    """The draft view of a conversation row's step and data."""
    audience = data.get("audience")
    return Draft(
        step=step,
        sender=str(data.get("sender", "")),
        html=str(data.get("html", "")),
        length=int(data.get("length", 0)),
        media_kind=data.get("media_kind"),
        media_file_id=data.get("media_file_id"),
        media_name=str(data.get("media_name", "")),
        text_limit=int(data.get("text_limit", TEXT_MAX)),
        caption_limit=int(data.get("caption_limit", CAPTION_MAX)),
        audience=audience,
        audience_kind=str(audience or "").partition(":")[0],
        audience_name=str(data.get("audience_name", "")),
        recipients=int(data.get("recipients", 0)),
    )


async def draft_row(session: AsyncSession, tg_user_id: int) -> Conversation:
    """The conversation row holding the user's draft; "no draft" if there is none."""
    try:
        return await DRAFTS.load(session, tg_user_id)
    except NoDraft:
        raise Invalid("broadcasts.no_draft") from None


async def save(
    session: AsyncSession, tg_user_id: int, step: str, data: dict[str, Any], now: datetime
) -> Draft:
    """Move the draft to `step` with `data`, commit, and return its view."""
    await DRAFTS.save(session, tg_user_id, step, data, now)
    return as_draft(step, data)


async def start(session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime) -> Draft:
    """Begin an announcement (chair and vice-chair); a draft in progress is picked up again."""
    who = await leader(session, tg_user_id)
    try:
        convo = await DRAFTS.load(session, tg_user_id)
    except NoDraft:
        convo = None
    if convo is not None and convo.data.get("org_id") == who.org_id:
        return as_draft(convo.step, convo.data)
    assert who.person is not None
    sender = who.person.full_name
    text_limit, caption_limit = _limits(texts, sender)
    data: dict[str, Any] = {
        "org_id": who.org_id,
        "sender": sender,
        "html": "",
        "length": 0,
        "text_limit": text_limit,
        "caption_limit": caption_limit,
    }
    return await save(session, tg_user_id, "compose", data, now)


async def current(session: AsyncSession, *, tg_user_id: int) -> Draft:
    """The draft in progress."""
    convo = await draft_row(session, tg_user_id)
    return as_draft(convo.step, convo.data)


async def set_text(
    session: AsyncSession, *, tg_user_id: int, html: str, length: int, now: datetime
) -> Draft:
    """The announcement's text (HTML from the sender's own formatting); it replaces any before."""
    await leader(session, tg_user_id)
    convo = await draft_row(session, tg_user_id)
    if convo.step != "compose":
        raise Invalid("broadcasts.use_buttons")
    draft = as_draft(convo.step, convo.data)
    if not html.strip():
        raise Invalid("broadcasts.empty")
    if length > draft.limit:
        key = "broadcasts.caption_too_long" if draft.media_kind else "broadcasts.too_long"
        raise Invalid(key, limit=draft.limit, have=length)
    return await save(
        session, tg_user_id, "compose", {**convo.data, "html": html, "length": length}, now
    )


async def set_media(
    session: AsyncSession,
    *,
    tg_user_id: int,
    kind: str,
    file_id: str,
    name: str,
    caption_html: str,
    caption_length: int,
    media_group_id: str | None,
    now: datetime,
) -> MediaAdded:
    """Attach one photo or one file (a new one replaces it); a caption becomes the text."""
    if kind not in ("photo", "document"):
        raise Invalid("errors.bad_button")
    await leader(session, tg_user_id)
    convo = await draft_row(session, tg_user_id)
    if convo.step != "compose":
        raise Invalid("broadcasts.use_buttons")
    draft = as_draft(convo.step, convo.data)
    if media_group_id is not None and convo.data.get("album") == media_group_id:
        return MediaAdded(draft, acknowledge=False, replaced=False)  # one photo per announcement
    if caption_html.strip():
        html, length = caption_html, caption_length
    else:
        html, length = draft.html, draft.length
    if length > draft.caption_limit:
        raise Invalid("broadcasts.caption_too_long", limit=draft.caption_limit, have=length)
    data = {
        **convo.data,
        "html": html,
        "length": length,
        "media_kind": kind,
        "media_file_id": file_id,
        "media_name": name[:120],
        "album": media_group_id,
    }
    saved = await save(session, tg_user_id, "compose", data, now)
    return MediaAdded(saved, acknowledge=True, replaced=draft.media_file_id is not None)


async def to_audience(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """From the text (or the preview) to choosing who receives it."""
    await leader(session, tg_user_id)
    convo = await draft_row(session, tg_user_id)
    if convo.step not in ("compose", "audience", "preview"):
        raise AlreadyDone("errors.stale_button")
    if as_draft(convo.step, convo.data).empty:
        raise Invalid("broadcasts.empty")
    return await save(session, tg_user_id, "audience", dict(convo.data), now)


async def to_compose(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Back from the audience or the preview to the text, which the next message replaces."""
    await leader(session, tg_user_id)
    convo = await draft_row(session, tg_user_id)
    return await save(session, tg_user_id, "compose", dict(convo.data), now)


async def cancel(session: AsyncSession, *, tg_user_id: int) -> bool:
    """Throw the draft away; True if there was one."""
    return await DRAFTS.discard(session, tg_user_id)
