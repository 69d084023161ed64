"""The teacher's story in progress, from /report to its submission (or to a resubmission).

The draft lives in the conversation row (kind "report"), written at every step, so a restart
loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services import school
from services.campaigns import attachable
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotFound
from services.naming import check_visible, hidden_characters, sort_key
from services.stories.common import (
    NOMINEE_TEXT_MAX,
    PHOTOS_MAX,
    STORY_MAX,
    StoryView,
    member,
    utf16_len,
)
from storage.models import (
    Conversation,
    Membership,
    MemberStatus,
    NomineeKind,
)

DRAFTS = Drafts(Kind.REPORT)
CONSENT_AGE = "rules.pupil_consent_age"  # from this age a pupil's own consent is needed too
# What the choice of the doer sets; choosing again starts it afresh.
_NOMINEE = ("nominee_person_id", "nominee", "pupil_older", "consent_age", "child_consent")


@dataclass(frozen=True)
class Draft:
    """The teacher's story in progress."""

    step: str
    text: str
    photos: list[str]
    nominee_kind: str | None
    nominee: str
    pupil_consent: bool  # the pupil's parents agreed to publication
    resubmit_of: int | None
    child_consent: bool | None = None  # the pupil's own consent (None: not asked, younger)
    consent_age: int = 0  # the school's age from which a pupil's own consent is asked
    org_name: str = ""
    author: str = ""
    department: str = ""
    data: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def length(self) -> int:
        """UTF-16 length of the text so far."""
        return utf16_len(self.text)


async def draft_row(session: AsyncSession, tg_user_id: int) -> Conversation:
    """The user's story draft (its conversation row); refused when there is none."""
    try:
        return await DRAFTS.load(session, tg_user_id)
    except NoDraft:
        raise Invalid("stories.no_draft") from None


async def drafting(session: AsyncSession, *, tg_user_id: int) -> Draft | None:
    """The draft in progress, if the user's private dialogue is a story being written."""
    try:
        convo = await DRAFTS.load(session, tg_user_id)
    except NoDraft:
        return None
    return as_draft(convo.step, convo.data)


async def save_draft(
    session: AsyncSession, tg_user_id: int, step: str, data: dict[str, Any], now: datetime
) -> Draft:
    """Move the draft to `step` with `data` and commit."""
    if step == "preview" and data.get("campaigns") and "campaign_id" not in data:
        step = "campaign"  # open campaigns to attach to: ask once, before the first preview
    await DRAFTS.save(session, tg_user_id, step, data, now)
    return as_draft(step, data)


def as_draft(step: str, data: dict[str, Any]) -> Draft:
    """The draft kept in a conversation row's step and data."""
    return Draft(
        step=step,
        text="\n\n".join(data.get("parts", [])),
        photos=list(data.get("photos", [])),
        nominee_kind=data.get("nominee_kind"),
        nominee=str(data.get("nominee") or ""),
        pupil_consent=bool(data.get("pupil_consent")),
        resubmit_of=data.get("resubmit_of"),
        child_consent=data.get("child_consent"),
        consent_age=int(data.get("consent_age") or 0),
        org_name=str(data.get("org_name", "")),
        author=str(data.get("author", "")),
        department=str(data.get("department", "")),
        data=data,
    )


async def start(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Begin a new story (any active member); a draft in progress is kept, not overwritten."""
    person, membership = await member(session, tg_user_id)
    draft = await drafting(session, tg_user_id=tg_user_id)
    if draft is not None:
        return draft
    data = {
        "org_id": membership.org_id,
        "org_name": membership.org.name,
        "author": person.full_name,
        "department": membership.department.name if membership.department else "",
        "parts": [],
        "photos": [],
        "campaigns": [
            [cid, name]
            for cid, name in await attachable(
                session, person_id=person.id, org_id=membership.org_id, now=now
            )
        ],
    }
    return await save_draft(session, tg_user_id, "text", data, now)


async def choose_campaign(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> Draft:
    """Attach the story to one of the open campaigns offered (0: to none)."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != "campaign":
        raise AlreadyDone("errors.stale_button")
    offered = {int(cid): str(name) for cid, name in convo.data.get("campaigns", [])}
    if campaign_id and campaign_id not in offered:
        raise NotFound("errors.stale_button")
    data = {
        **convo.data,
        "campaign_id": campaign_id or None,
        "campaign_name": offered.get(campaign_id, ""),
    }
    return await save_draft(session, tg_user_id, "preview", data, now)


async def current(session: AsyncSession, *, tg_user_id: int) -> Draft:
    """The draft in progress."""
    convo = await draft_row(session, tg_user_id)
    return as_draft(convo.step, convo.data)


async def add_text(session: AsyncSession, *, tg_user_id: int, text: str, now: datetime) -> Draft:
    """Append a message to the story's text; over the limit, refuse it whole (never truncate)."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != "text":
        raise Invalid("stories.not_text_step")
    text = text.strip()
    if not text:
        raise Invalid("stories.empty_text")
    check_visible(text)
    before = list(convo.data.get("parts", []))
    parts = [*before, text]
    total = utf16_len("\n\n".join(parts))
    if total > STORY_MAX:
        # Say the numbers the user can act on: a new message also starts a new paragraph, so
        # the room left is what is free after that separator.
        have = utf16_len("\n\n".join(before))
        room = max(0, STORY_MAX - have - (2 if before else 0))
        raise Invalid(
            "stories.too_long", limit=STORY_MAX, have=have, sent=utf16_len(text), room=room
        )
    return await save_draft(session, tg_user_id, "text", {**convo.data, "parts": parts}, now)


def _kept_text(data: dict[str, Any], *, drop: tuple[str, ...]) -> dict[str, Any]:
    """The draft's data without `drop`; when the text was being rewritten and no new text came,
    the old text stays (it is replaced only by a new one)."""
    kept = {k: v for k, v in data.items() if k not in drop}
    if not kept.get("parts") and data.get("editing") and data.get("replaced"):
        kept["parts"] = list(data["replaced"])
    return kept


async def finish_text(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Move on from the text: to photos (or back to the preview when editing)."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != "text":
        raise AlreadyDone("errors.stale_button")
    data = _kept_text(convo.data, drop=("editing", "replaced"))
    if not data.get("parts"):
        raise Invalid("stories.empty_text")
    step = "preview" if convo.data.get("editing") else "photos"
    return await save_draft(session, tg_user_id, step, data, now)


@dataclass(frozen=True)
class PhotoAdded:
    """A photo was added; `acknowledge` is False for the 2nd.. photos of one album."""

    draft: Draft
    acknowledge: bool
    caption: str = ""  # "kept": appended to the text; "too_long", "hidden": not kept; "": none


def _with_caption(data: dict[str, Any], caption: str) -> tuple[dict[str, Any], str]:
    """A photo's caption is part of the story: appended to the text like a message sent alone
    (a teacher often writes the story under the photo). Over the limit it is not kept, and the
    user is told so (never truncated, never dropped silently)."""
    caption = caption.strip()
    if not caption:
        return data, ""
    if hidden_characters(caption):
        return data, "hidden"
    parts = [*data.get("parts", []), caption]
    if utf16_len("\n\n".join(parts)) > STORY_MAX:
        return data, "too_long"
    return {**data, "parts": parts}, "kept"


async def add_photo(
    session: AsyncSession,
    *,
    tg_user_id: int,
    file_id: str,
    media_group_id: str | None,
    now: datetime,
    caption: str = "",
) -> PhotoAdded:
    """Add a photo (at most 10); an album is acknowledged once (and a photo with a caption)."""
    convo = await draft_row(session, tg_user_id)
    if convo.step not in ("photos", "text"):
        raise Invalid("stories.photo_not_expected")
    photos = list(convo.data.get("photos", []))
    same_album = media_group_id is not None and convo.data.get("album") == media_group_id
    if len(photos) >= PHOTOS_MAX:
        if media_group_id is None:
            raise Invalid("stories.too_many_photos", limit=PHOTOS_MAX)
        if convo.data.get("album_refused") == media_group_id:
            # The rest of an album that did not fit: it was refused once, that is enough.
            return PhotoAdded(as_draft(convo.step, convo.data), acknowledge=False)
        # The first photo of an album that does not fit: say so once (never drop silently).
        data = {**convo.data, "album": media_group_id, "album_refused": media_group_id}
        await save_draft(session, tg_user_id, convo.step, data, now)
        raise Invalid("stories.album_too_many", limit=PHOTOS_MAX)
    data = {**convo.data, "photos": [*photos, file_id], "album": media_group_id}
    data, kept = _with_caption(data, caption)
    draft = await save_draft(session, tg_user_id, convo.step, data, now)
    return PhotoAdded(draft, acknowledge=not same_album or bool(kept), caption=kept)


async def finish_photos(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Move on from photos: to who did it (or back to the preview when editing)."""
    convo = await draft_row(session, tg_user_id)
    if convo.step not in ("photos", "text"):
        raise AlreadyDone("errors.stale_button")
    data = _kept_text(convo.data, drop=("editing", "album", "album_refused", "replaced"))
    if convo.step == "text" and not data.get("parts"):
        raise Invalid("stories.empty_text")
    editing = convo.data.get("editing")
    step = "preview" if editing and convo.data.get("nominee_kind") else "nominee"
    return await save_draft(session, tg_user_id, step, data, now)


async def colleagues(session: AsyncSession, *, tg_user_id: int) -> list[Membership]:
    """Active colleagues to pick as the doer, sorted by given name (not the author)."""
    person, membership = await member(session, tg_user_id)
    rows = (
        await session.scalars(
            select(Membership)
            .where(
                Membership.org_id == membership.org_id,
                Membership.status == MemberStatus.ACTIVE,
                Membership.person_id != person.id,
            )
            .options(selectinload(Membership.person), selectinload(Membership.department))
        )
    ).all()
    return sorted(rows, key=lambda m: sort_key(m.person.full_name))


async def choose_nominee(
    session: AsyncSession,
    *,
    tg_user_id: int,
    kind: NomineeKind,
    now: datetime,
    membership_id: int | None = None,
) -> Draft:
    """Record who did it: oneself or a colleague (done), a pupil or a group (a name follows)."""
    convo = await draft_row(session, tg_user_id)
    if convo.step not in ("nominee", "nominee_colleague"):
        raise AlreadyDone("errors.stale_button")
    data = {k: v for k, v in convo.data.items() if k not in _NOMINEE}
    data["nominee_kind"] = str(kind)
    data["pupil_consent"] = False
    if kind == NomineeKind.SELF:
        data["nominee"] = convo.data.get("author", "")
        return await save_draft(session, tg_user_id, "preview", data, now)
    if kind == NomineeKind.COLLEAGUE:
        if membership_id is None:
            return await save_draft(session, tg_user_id, "nominee_colleague", data, now)
        _, membership = await member(session, tg_user_id)
        chosen = await session.get(
            Membership, membership_id, options=[selectinload(Membership.person)]
        )
        if (
            chosen is None
            or chosen.org_id != membership.org_id
            or chosen.status != MemberStatus.ACTIVE
        ):
            raise NotFound("errors.stale_button")
        data["nominee_person_id"] = chosen.person_id
        data["nominee"] = chosen.person.full_name
        return await save_draft(session, tg_user_id, "preview", data, now)
    return await save_draft(session, tg_user_id, "nominee_text", data, now)


async def name_nominee(
    session: AsyncSession, *, tg_user_id: int, text: str, now: datetime
) -> Draft:
    """The pupil/class or group's name, typed; for a pupil, the consent questions follow: their
    age first (from the school's consent age on, the pupil's own consent is needed too)."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != "nominee_text":
        raise Invalid("stories.not_text_step")
    name = " ".join(text.split())
    if not 2 <= len(name) <= NOMINEE_TEXT_MAX:
        raise Invalid("stories.bad_nominee", limit=NOMINEE_TEXT_MAX)
    check_visible(name)
    data = {**convo.data, "nominee": name}
    if data.get("nominee_kind") != NomineeKind.PUPIL:
        return await save_draft(session, tg_user_id, "preview", data, now)
    _, membership = await member(session, tg_user_id)
    age = int(await school.value(session, membership.org, CONSENT_AGE))
    data["consent_age"] = age
    if age <= 0:  # every pupil's own consent is needed: nothing to ask about their age
        return await save_draft(session, tg_user_id, "consent", {**data, "pupil_older": True}, now)
    return await save_draft(session, tg_user_id, "pupil_age", data, now)


async def set_pupil_age(
    session: AsyncSession, *, tg_user_id: int, older: bool, now: datetime
) -> Draft:
    """Whether the pupil is at or above the school's consent age; then the parents' consent."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != "pupil_age":
        raise AlreadyDone("errors.stale_button")
    return await save_draft(
        session, tg_user_id, "consent", {**convo.data, "pupil_older": older}, now
    )


async def set_consent(
    session: AsyncSession, *, tg_user_id: int, consent: bool, now: datetime, child: bool = False
) -> Draft:
    """Whether the pupil's parents (or, `child`, the pupil) agreed that the story may be made
    public. A pupil at or above the consent age is asked after the parents agreed; when the
    parents did not, the pupil's consent is recorded as not given."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != ("child_consent" if child else "consent"):
        raise AlreadyDone("errors.stale_button")
    older = bool(convo.data.get("pupil_older"))
    if child:
        data = {**convo.data, "child_consent": consent}
    else:
        data = {**convo.data, "pupil_consent": consent, "child_consent": False if older else None}
    if not child and consent and older:
        return await save_draft(session, tg_user_id, "child_consent", data, now)
    return await save_draft(session, tg_user_id, "preview", data, now)


async def edit_part(session: AsyncSession, *, tg_user_id: int, part: str, now: datetime) -> Draft:
    """From the preview, go back to rewrite the text, redo the photos, or change the doer."""
    convo = await draft_row(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    data = {**convo.data, "editing": True}
    if part == "text":  # the next text replaces the old one, kept until then (finish_text)
        data["replaced"] = list(convo.data.get("parts", []))
        data["parts"] = []
        return await save_draft(session, tg_user_id, "text", data, now)
    if part == "photos":
        data["photos"] = []
        data.pop("album", None)
        data.pop("album_refused", None)
        return await save_draft(session, tg_user_id, "photos", data, now)
    return await save_draft(session, tg_user_id, "nominee", data, now)


async def cancel(session: AsyncSession, *, tg_user_id: int) -> bool:
    """Throw the draft away; True if there was one."""
    return await DRAFTS.discard(session, tg_user_id)


def preview(draft: Draft) -> StoryView:
    """The draft shown exactly as the council card will show it."""
    return StoryView(
        id=0,
        org_name=draft.org_name,
        author=draft.author,
        author_tg_id=0,
        department=draft.department,
        text=draft.text,
        nominee_kind=draft.nominee_kind or str(NomineeKind.SELF),
        nominee=draft.nominee,
        pupil_consent=draft.pupil_consent,
        child_consent=draft.child_consent,
        photos=len(draft.photos),
        status="draft",
        previous_id=draft.resubmit_of,
        campaign=str(draft.data.get("campaign_name") or ""),
    )
