"""Good-deed stories: the teacher's draft, submission, the council's decision, the author told.

The draft lives in the conversation row (kind "report"), written at every step, so a restart
loses nothing. A decision is one conditional UPDATE (`WHERE status = 'pending'`): of two
simultaneous decisions exactly one changes a row; the other is refused. Notices to the author
and the edit of the council card are outbox rows in the decision's own transaction, so a crash
after the commit delays them but never loses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload, selectinload

from services import audit, conversations, outbox
from services.base import UseCases
from services.campaigns import attachable
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.naming import sort_key
from services.people import COUNCIL_ROLES, Actor, actor, require_role
from storage.models import (
    Campaign,
    Conversation,
    Department,
    Membership,
    MemberStatus,
    NomineeKind,
    Org,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    Story,
    StoryPhoto,
    StoryStatus,
)
from ui.buttons import pack
from ui.texts import Texts

# A story's text is capped so that, with usual names, the council card (story + author,
# department, nominee, campaign, outcome, reason) fits Telegram's 4096-character message. Names,
# a campaign and a reason at their limits (in emoji, two UTF-16 units each) could still push it
# over: then the card shows the story's beginning (see `fit_view`), never failing to send.
STORY_MAX = 3000
TEXT_MAX = 4096  # Telegram's limit for a message, in UTF-16 units after entity parsing
PHOTOS_MAX = 10
NOMINEE_TEXT_MAX = 200
REASON_MAX = 500
DEFAULT_REASONS = {
    "reject": [
        "Trùng với câu chuyện đã gửi",
        "Không thuộc phạm vi phong trào",
        "Nội dung chưa phù hợp để nêu gương",
    ],
    "changes": [
        "Cần bổ sung thời gian, địa điểm",
        "Cần ghi rõ người được nêu gương",
        "Cần thêm ảnh minh chứng",
        "Nội dung quá ngắn, đề nghị viết rõ hơn",
    ],
}
VERDICTS = {
    "approve": StoryStatus.APPROVED,
    "reject": StoryStatus.REJECTED,
    "changes": StoryStatus.CHANGES,
}


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
    shortened: bool = False  # the text shown is the beginning of the story (see `fit_view`)


@dataclass(frozen=True)
class Draft:
    """The teacher's story in progress."""

    step: str
    text: str
    photos: list[str]
    nominee_kind: str | None
    nominee: str
    pupil_consent: bool
    resubmit_of: int | None
    org_name: str = ""
    author: str = ""
    department: str = ""
    data: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def length(self) -> int:
        """UTF-16 length of the text so far."""
        return utf16_len(self.text)


# ---------------------------------------------------------------------------- the draft


async def _member(session: AsyncSession, tg_user_id: int) -> tuple[Person, Membership]:
    who = await actor(session, tg_user_id)
    if who.membership is not None and who.membership.status == MemberStatus.LEFT:
        raise NotAllowed("errors.deactivated")
    if who.membership is not None and who.membership.status == MemberStatus.PENDING:
        raise NotAllowed("stories.awaiting_approval", org=who.membership.org.name)
    if who.role is None or who.person is None or who.membership is None:
        raise NotAllowed("errors.not_member")
    return who.person, who.membership


async def _draft_row(session: AsyncSession, tg_user_id: int) -> Any:
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is None or convo.kind != "report":
        raise Invalid("stories.no_draft")
    return convo


async def _save(
    session: AsyncSession, tg_user_id: int, step: str, data: dict[str, Any], now: datetime
) -> Draft:
    if step == "preview" and data.get("campaigns") and "campaign_id" not in data:
        step = "campaign"  # open campaigns to attach to: ask once, before the first preview
    await conversations.put(
        session,
        chat_id=tg_user_id,
        user_id=tg_user_id,
        kind="report",
        step=step,
        data=data,
        now=now,
    )
    await session.commit()
    return _as_draft(step, data)


def _as_draft(step: str, data: dict[str, Any]) -> Draft:
    return Draft(
        step=step,
        text="\n\n".join(data.get("parts", [])),
        photos=list(data.get("photos", [])),
        nominee_kind=data.get("nominee_kind"),
        nominee=str(data.get("nominee") or ""),
        pupil_consent=bool(data.get("pupil_consent")),
        resubmit_of=data.get("resubmit_of"),
        org_name=str(data.get("org_name", "")),
        author=str(data.get("author", "")),
        department=str(data.get("department", "")),
        data=data,
    )


async def start(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Begin a new story (any active member); a draft in progress is kept, not overwritten."""
    person, membership = await _member(session, tg_user_id)
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is not None and convo.kind == "report":
        return _as_draft(convo.step, convo.data)
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
    return await _save(session, tg_user_id, "text", data, now)


async def choose_campaign(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> Draft:
    """Attach the story to one of the open campaigns offered (0: to none)."""
    convo = await _draft_row(session, tg_user_id)
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
    return await _save(session, tg_user_id, "preview", data, now)


async def current(session: AsyncSession, *, tg_user_id: int) -> Draft:
    """The draft in progress."""
    convo = await _draft_row(session, tg_user_id)
    return _as_draft(convo.step, convo.data)


async def add_text(session: AsyncSession, *, tg_user_id: int, text: str, now: datetime) -> Draft:
    """Append a message to the story's text; over the limit, refuse it whole (never truncate)."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "text":
        raise Invalid("stories.not_text_step")
    text = text.strip()
    if not text:
        raise Invalid("stories.empty_text")
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
    return await _save(session, tg_user_id, "text", {**convo.data, "parts": parts}, now)


async def finish_text(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Move on from the text: to photos (or back to the preview when editing)."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "text":
        raise AlreadyDone("errors.stale_button")
    if not convo.data.get("parts"):
        raise Invalid("stories.empty_text")
    step = "preview" if convo.data.get("editing") else "photos"
    data = {k: v for k, v in convo.data.items() if k != "editing"}
    return await _save(session, tg_user_id, step, data, now)


@dataclass(frozen=True)
class PhotoAdded:
    """A photo was added; `acknowledge` is False for the 2nd.. photos of one album."""

    draft: Draft
    acknowledge: bool


async def add_photo(
    session: AsyncSession,
    *,
    tg_user_id: int,
    file_id: str,
    media_group_id: str | None,
    now: datetime,
) -> PhotoAdded:
    """Add a photo (at most 10); an album is acknowledged once."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step not in ("photos", "text"):
        raise Invalid("stories.photo_not_expected")
    photos = list(convo.data.get("photos", []))
    same_album = media_group_id is not None and convo.data.get("album") == media_group_id
    if len(photos) >= PHOTOS_MAX:
        if media_group_id is None:
            raise Invalid("stories.too_many_photos", limit=PHOTOS_MAX)
        if convo.data.get("album_refused") == media_group_id:
            # The rest of an album that did not fit: it was refused once, that is enough.
            return PhotoAdded(_as_draft(convo.step, convo.data), acknowledge=False)
        # The first photo of an album that does not fit: say so once (never drop silently).
        data = {**convo.data, "album": media_group_id, "album_refused": media_group_id}
        await _save(session, tg_user_id, convo.step, data, now)
        raise Invalid("stories.album_too_many", limit=PHOTOS_MAX)
    data = {**convo.data, "photos": [*photos, file_id], "album": media_group_id}
    draft = await _save(session, tg_user_id, convo.step, data, now)
    return PhotoAdded(draft, acknowledge=not same_album)


async def finish_photos(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Move on from photos: to who did it (or back to the preview when editing)."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step not in ("photos", "text"):
        raise AlreadyDone("errors.stale_button")
    if convo.step == "text" and not convo.data.get("parts"):
        raise Invalid("stories.empty_text")
    editing = convo.data.get("editing")
    step = "preview" if editing and convo.data.get("nominee_kind") else "nominee"
    data = {k: v for k, v in convo.data.items() if k not in ("editing", "album", "album_refused")}
    return await _save(session, tg_user_id, step, data, now)


async def colleagues(session: AsyncSession, *, tg_user_id: int) -> list[Membership]:
    """Active colleagues to pick as the doer, sorted by given name (not the author)."""
    person, membership = await _member(session, tg_user_id)
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
    convo = await _draft_row(session, tg_user_id)
    if convo.step not in ("nominee", "nominee_colleague"):
        raise AlreadyDone("errors.stale_button")
    data = {k: v for k, v in convo.data.items() if k not in ("nominee_person_id", "nominee")}
    data["nominee_kind"] = str(kind)
    data["pupil_consent"] = False
    if kind == NomineeKind.SELF:
        data["nominee"] = convo.data.get("author", "")
        return await _save(session, tg_user_id, "preview", data, now)
    if kind == NomineeKind.COLLEAGUE:
        if membership_id is None:
            return await _save(session, tg_user_id, "nominee_colleague", data, now)
        _, membership = await _member(session, tg_user_id)
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
        return await _save(session, tg_user_id, "preview", data, now)
    return await _save(session, tg_user_id, "nominee_text", data, now)


async def name_nominee(
    session: AsyncSession, *, tg_user_id: int, text: str, now: datetime
) -> Draft:
    """The pupil/class or group's name, typed; a pupil then needs the consent question."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "nominee_text":
        raise Invalid("stories.not_text_step")
    name = " ".join(text.split())
    if not 2 <= len(name) <= NOMINEE_TEXT_MAX:
        raise Invalid("stories.bad_nominee", limit=NOMINEE_TEXT_MAX)
    data = {**convo.data, "nominee": name}
    step = "consent" if data.get("nominee_kind") == NomineeKind.PUPIL else "preview"
    return await _save(session, tg_user_id, step, data, now)


async def set_consent(
    session: AsyncSession, *, tg_user_id: int, consent: bool, now: datetime
) -> Draft:
    """Whether the pupil's parents agreed that the story may be made public."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "consent":
        raise AlreadyDone("errors.stale_button")
    return await _save(
        session, tg_user_id, "preview", {**convo.data, "pupil_consent": consent}, now
    )


async def edit_part(session: AsyncSession, *, tg_user_id: int, part: str, now: datetime) -> Draft:
    """From the preview, go back to rewrite the text, redo the photos, or change the doer."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    data = {**convo.data, "editing": True}
    if part == "text":
        data["parts"] = []
        return await _save(session, tg_user_id, "text", data, now)
    if part == "photos":
        data["photos"] = []
        data.pop("album", None)
        data.pop("album_refused", None)
        return await _save(session, tg_user_id, "photos", data, now)
    return await _save(session, tg_user_id, "nominee", data, now)


async def cancel(session: AsyncSession, *, tg_user_id: int) -> bool:
    """Throw the draft away; True if there was one."""
    ended = await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id, kind="report")
    await session.commit()
    return ended


# ---------------------------------------------------------------------------- submission


# What a story's view needs: the people and department in the same query, the photos in one more.
_STORY_VIEW = (
    joinedload(Story.author),
    joinedload(Story.nominee),
    joinedload(Story.decider),
    joinedload(Story.department),
    selectinload(Story.photos),
)


async def _load(session: AsyncSession, story_id: int) -> Story | None:
    return await session.get(Story, story_id, options=_STORY_VIEW, populate_existing=True)


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
        )
        for row in await connection.execute(query)
    ]


async def view(session: AsyncSession, story_id: int) -> StoryView:
    """A story as the templates show it."""
    story = await _load(session, story_id)
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
            (texts.plain(locale, "stories.approve_button"), pack("sd", story_id, "approve")),
            (texts.plain(locale, "stories.reject_button"), pack("sd", story_id, "reject")),
            (texts.plain(locale, "stories.changes_button"), pack("sd", story_id, "changes")),
        ]
    ]


def may_publish(nominee_kind: str, pupil_consent: bool) -> bool:
    """A story naming a pupil goes public only with the parents' recorded consent."""
    return nominee_kind != NomineeKind.PUPIL or pupil_consent


def decided_buttons(
    texts: Texts, story_id: int, *, publishable: bool = False, approved: bool = False
) -> list[list[tuple[str, str]]]:
    """The council card's buttons once decided: the chair's reopening, and publishing if allowed;
    an approved story can be proposed for a commendation."""
    locale = texts.default_locale
    rows = [[(texts.plain(locale, "stories.reopen_button"), pack("so", story_id))]]
    if publishable:
        rows.insert(0, [(texts.plain(locale, "publishing.publish_button"), pack("sp", story_id))])
    if approved:
        rows.insert(
            0, [(texts.plain(locale, "proposals.propose_button"), pack("pp", "s", story_id))]
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


async def submit(
    session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime
) -> StoryView:
    """Send the draft to the council: the story row, its photos, and the card, in one commit."""
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    person, membership = await _member(session, tg_user_id)
    org = membership.org
    if org.id != int(convo.data["org_id"]):
        raise NotFound("errors.stale_button")
    if org.council_chat_id is None:
        raise Invalid("stories.no_council")
    draft = _as_draft(convo.step, convo.data)
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
    _enqueue_card(session, org.council_chat_id, view_, draft.photos, texts, now)
    await audit.record(
        session,
        org_id=org.id,
        actor_id=person.id,
        action="story.submit",
        target=f"story:{story.id}",
        now=now,
        previous=draft.resubmit_of,
    )
    await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id)
    await session.commit()
    return view_


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
        story = await _load(session, story_id)
        assert story is not None
        photos = [p.file_id for p in story.photos]
        _enqueue_card(session, chat_id, await view(session, story_id), photos, texts, now)
        posted += 1
    return posted


def _enqueue_card(
    session: AsyncSession,
    chat_id: int,
    story: StoryView,
    photos: list[str],
    texts: Texts,
    now: datetime,
) -> None:
    # Albums cannot carry buttons: the photos go first, then the text card that is edited later.
    if photos:
        outbox.enqueue_media(
            session, chat_id=chat_id, photos=photos, now=now, ref=f"story_album:{story.id}"
        )
    outbox.enqueue_message(
        session,
        chat_id=chat_id,
        text=render_card(texts, story),
        buttons=decision_buttons(texts, story.id),
        ref=card_ref(story.id),
        now=now,
    )


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


async def start_resubmit(
    session: AsyncSession, *, tg_user_id: int, story_id: int, now: datetime
) -> Draft:
    """After "ask for changes", reopen the story as a draft at the preview, ready to edit."""
    person, membership = await _member(session, tg_user_id)
    story = await _load(session, story_id)
    if story is None or story.author_id != person.id:
        raise NotFound("errors.stale_button")
    if story.status != StoryStatus.CHANGES:
        raise AlreadyDone("stories.not_changes_requested")
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is not None and convo.kind == "report":
        if convo.data.get("resubmit_of") == story_id:  # pressed again: resume, do not reset
            return _as_draft(convo.step, convo.data)
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
        "resubmit_of": story.id,
        "campaign_id": story.campaign_id,
        "campaign_name": (await view(session, story.id)).campaign,
    }
    if story.nominee_person_id is not None:
        data["nominee_person_id"] = story.nominee_person_id
    return await _save(session, tg_user_id, "preview", data, now)


# ---------------------------------------------------------------------------- the council


async def _reviewer(session: AsyncSession, tg_user_id: int, story: Story) -> Person:
    who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    if who.membership is None or who.person is None or who.membership.org_id != story.org_id:
        raise NotAllowed("stories.council_only")
    if who.person.id in (story.author_id, story.nominee_person_id):
        raise NotAllowed("stories.own_story")
    return who.person


async def check_can_decide(
    session: AsyncSession, *, story_id: int, reviewer_tg_id: int
) -> StoryView:
    """Refuse early (before asking for a reason) when this person may not decide this story."""
    story = await _load(session, story_id)
    if story is None:
        raise NotFound("errors.stale_button")
    try:
        await _reviewer(session, reviewer_tg_id, story)
    except NotAllowed as refusal:
        if refusal.key == "errors.not_member" or refusal.key == "errors.role_needed":
            raise NotAllowed("stories.council_only") from None
        raise
    if story.status != StoryStatus.PENDING:
        raise AlreadyDone(_closed_key(story.status), story_id=story.id)
    return await view(session, story_id)


def _closed_key(status: StoryStatus) -> str:
    return {
        StoryStatus.WITHDRAWN: "stories.was_withdrawn",
        StoryStatus.SUPERSEDED: "stories.was_superseded",
    }.get(status, "stories.already_decided")


async def decide(
    session: AsyncSession,
    *,
    story_id: int,
    reviewer_tg_id: int,
    verdict: str,
    reason: str | None,
    texts: Texts,
    now: datetime,
) -> StoryView:
    """Approve, reject or ask for changes; exactly one decision wins; the author is told."""
    status = VERDICTS.get(verdict)
    if status is None:
        raise Invalid("errors.bad_button")
    story = await _load(session, story_id)
    if story is None:
        raise NotFound("errors.stale_button")
    try:
        reviewer = await _reviewer(session, reviewer_tg_id, story)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("stories.council_only") from None
        raise
    reason = " ".join((reason or "").split()) or None
    if status != StoryStatus.APPROVED and not reason:
        raise Invalid("stories.reason_needed")
    if reason and len(reason) > REASON_MAX:
        raise Invalid("stories.reason_too_long", limit=REASON_MAX)
    changed = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status == StoryStatus.PENDING)
        .values(status=status, decided_by=reviewer.id, decided_at=now, reason=reason)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        current = await _load(session, story_id)
        raise AlreadyDone(
            _closed_key(current.status if current else StoryStatus.APPROVED), story_id=story_id
        )
    await audit.record(
        session,
        org_id=story.org_id,
        actor_id=reviewer.id,
        action=f"story.{verdict}",
        target=f"story:{story_id}",
        now=now,
        reason=reason,
    )
    result = await view(session, story_id)
    await _after_decision(session, result, texts, now)
    await session.commit()
    return result


async def _after_decision(
    session: AsyncSession, story: StoryView, texts: Texts, now: datetime
) -> None:
    await outbox.enqueue_edits(
        session,
        ref=card_ref(story.id),
        now=now,
        text=render_card(texts, story),
        buttons=decided_buttons(
            texts,
            story.id,
            publishable=story.status == StoryStatus.APPROVED
            and may_publish(story.nominee_kind, story.pupil_consent),
            approved=story.status == StoryStatus.APPROVED,
        ),
    )
    author = await session.scalar(select(Person).where(Person.tg_user_id == story.author_tg_id))
    locale = texts.locale(author.locale if author else None)
    buttons = None
    if story.status == StoryStatus.CHANGES:
        buttons = [[(texts.plain(locale, "stories.resubmit_button"), pack("se", story.id))]]
    outbox.enqueue_message(
        session,
        chat_id=story.author_tg_id,
        now=now,
        buttons=buttons,
        text=texts.render(locale, "stories.decision_notice", story=story),
    )


async def _reopener(session: AsyncSession, chair_tg_id: int, story_id: int) -> tuple[Actor, Story]:
    who = await require_role(session, chair_tg_id, {Role.CHAIR})
    story = await _load(session, story_id)
    if story is None or who.membership is None or story.org_id != who.membership.org_id:
        raise NotFound("errors.stale_button")
    if who.person is not None and who.person.id in (story.author_id, story.nominee_person_id):
        raise NotAllowed("stories.own_story")
    return who, story


def _not_reopenable(status: StoryStatus, story_id: int) -> AlreadyDone:
    if status in (StoryStatus.WITHDRAWN, StoryStatus.SUPERSEDED):
        return AlreadyDone(_closed_key(status), story_id=story_id)
    return AlreadyDone("stories.not_decided")


async def check_can_reopen(session: AsyncSession, *, story_id: int, chair_tg_id: int) -> None:
    """Refuse early (before asking for a reason) when the chair may not reopen this story."""
    _, story = await _reopener(session, chair_tg_id, story_id)
    if story.status not in (StoryStatus.APPROVED, StoryStatus.REJECTED, StoryStatus.CHANGES):
        raise _not_reopenable(story.status, story_id)


async def reopen(
    session: AsyncSession,
    *,
    story_id: int,
    chair_tg_id: int,
    reason: str | None,
    texts: Texts,
    now: datetime,
) -> StoryView:
    """The chair reopens a decided story (with a reason): it waits for the council again."""
    who, story = await _reopener(session, chair_tg_id, story_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid("stories.reason_needed")
    decided = (StoryStatus.APPROVED, StoryStatus.REJECTED, StoryStatus.CHANGES)
    changed = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status.in_(decided))
        .values(status=StoryStatus.PENDING, decided_by=None, decided_at=None, reason=None)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        current = await _load(session, story_id)
        raise _not_reopenable(current.status if current else StoryStatus.PENDING, story_id)
    await audit.record(
        session,
        org_id=story.org_id,
        actor_id=who.person.id if who.person else None,
        action="story.reopen",
        target=f"story:{story_id}",
        now=now,
        reason=reason,
        before=str(story.status),
    )
    result = await view(session, story_id)
    await outbox.enqueue_edits(
        session,
        ref=card_ref(story_id),
        now=now,
        text=render_card(texts, result),
        buttons=decision_buttons(texts, story_id),
    )
    author = await session.get_one(Person, story.author_id)
    outbox.enqueue_message(
        session,
        chat_id=author.tg_user_id,
        now=now,
        text=texts.render(
            texts.locale(author.locale), "stories.reopened_notice", story=result, reason=reason
        ),
    )
    await session.commit()
    return result


async def withdraw(
    session: AsyncSession, *, story_id: int, author_tg_id: int, texts: Texts, now: datetime
) -> StoryView:
    """The author takes back a story that is still waiting; the card says so."""
    person, _ = await _member(session, author_tg_id)
    changed = await session.execute(
        update(Story)
        .where(
            Story.id == story_id, Story.author_id == person.id, Story.status == StoryStatus.PENDING
        )
        .values(status=StoryStatus.WITHDRAWN, decided_at=now)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("stories.cannot_withdraw")
    result = await view(session, story_id)
    await audit.record(
        session,
        org_id=await session.scalar(select(Story.org_id).where(Story.id == story_id)),
        actor_id=person.id,
        action="story.withdraw",
        target=f"story:{story_id}",
        now=now,
    )
    await outbox.enqueue_edits(
        session, ref=card_ref(story_id), now=now, text=render_card(texts, result), buttons=None
    )
    await session.commit()
    return result


async def mine(session: AsyncSession, *, tg_user_id: int, limit: int = 15) -> list[StoryView]:
    """The author's latest stories, newest first."""
    person, membership = await _member(session, tg_user_id)
    return await _views(
        session,
        membership.org,
        Story.author_id == person.id,
        Story.status != StoryStatus.SUPERSEDED,
        order_by=(Story.id.desc(),),
        limit=limit,
    )


async def await_reason(
    session: AsyncSession,
    *,
    user_id: int,
    story_id: int,
    verdict: str,
    prompt_chat: int,
    prompt_id: int,
    now: datetime,
) -> None:
    """Remember that this member owes a reason: as a reply in the group, or privately.

    The private route is only opened when the member is not in another private dialogue, so a
    reason never lands in a half-written story.
    """
    data = {
        "story_id": story_id,
        "verdict": verdict,
        "prompt_chat": prompt_chat,
        "prompt_id": prompt_id,
    }
    chats = [prompt_chat]
    private = await conversations.current(session, chat_id=user_id, user_id=user_id)
    if prompt_chat != user_id and (private is None or private.kind == "reason"):
        chats.append(user_id)
    for chat_id in chats:
        await conversations.put(
            session,
            chat_id=chat_id,
            user_id=user_id,
            kind="reason",
            step="reason",
            data=data,
            now=now,
        )
    await session.commit()


async def forget_reasons(
    session: AsyncSession, *, user_id: int, story_id: int
) -> set[tuple[int, int]]:
    """End this member's reason dialogues for a story; return the prompts to mark as done."""
    rows = (
        await session.scalars(
            select(Conversation).where(
                Conversation.user_id == user_id, Conversation.kind == "reason"
            )
        )
    ).all()
    prompts = set()
    for row in rows:
        if int(row.data.get("story_id", 0)) == story_id:
            prompts.add((int(row.data["prompt_chat"]), int(row.data["prompt_id"])))
            await session.delete(row)
    await session.commit()
    return prompts


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


async def pending(session: AsyncSession, *, tg_user_id: int, limit: int = 20) -> list[PendingItem]:
    """Stories waiting for a decision, oldest first (council, chair and vice-chair).

    Each line has the author, a link to the card and the story's first words: 20 lines stay well
    inside Telegram's 4096 characters.
    """
    who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    assert who.membership is not None
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
        photos=len(draft.photos),
        status="draft",
        previous_id=draft.resubmit_of,
        campaign=str(draft.data.get("campaign_name") or ""),
    )


class Stories(UseCases):
    """Good-deed stories: the teacher's draft, the council's review, the lists."""
