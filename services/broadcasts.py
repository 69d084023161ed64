"""Broadcasts: the leaders' announcements to an audience, with live progress, receipts, reminders.

The draft lives in the conversation row (kind "broadcast"), written at every step, so a restart
loses nothing. Confirming writes the broadcast and one outbox row per recipient (ref "bc:<id>")
in one transaction, before anything is sent; the outbox sender then delivers them under the
bot's one flood limiter, and a crash resumes where it stopped. Progress, the final report and
who was not reached are read back from those rows: delivery is never recorded twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations
from services.base import UseCases
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.naming import sort_key
from services.people import COUNCIL_ROLES, LEADERS, Actor, person_by_tg, require_role
from services.publishing import CAPTION_MAX
from services.stories import TEXT_MAX, utf16_len
from storage.db import mark_written
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Department,
    Membership,
    MemberStatus,
    OutboxMessage,
    OutboxStatus,
    Participation,
    Person,
    Receipt,
    Registration,
)
from ui.buttons import pack
from ui.texts import LOCALES, Texts

KIND = "broadcast"
CAMPAIGNS_SHOWN = 8
# Characters of names one list may take, so a report or a "who saw it" view is always one message.
NAMES_BUDGET = 1500
Buttons = list[list[tuple[str, str]]]
Recipients = Select[int, int, str | None, str]  # person id, Telegram id, locale, name


def fit(names: Sequence[str], budget: int = NAMES_BUDGET) -> int:
    """How many of `names` (in order) fit in `budget` characters, separators included."""
    used = 0
    for count, name in enumerate(names):
        used += len(name) + 4
        if used > budget:
            return count
    return len(names)


def delivery_ref(broadcast_id: int) -> str:
    """The outbox label of a broadcast's deliveries."""
    return f"bc:{broadcast_id}"


def reminder_ref(broadcast_id: int) -> str:
    """The outbox label of the reminders about a broadcast."""
    return f"bcr:{broadcast_id}"


# ---------------------------------------------------------------------------- views


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


@dataclass(frozen=True)
class AudienceChoice:
    """One audience the sender may pick, with how many it reaches."""

    key: str
    name: str
    count: int


@dataclass(frozen=True)
class AudienceOptions:
    """Everything the sender may send to."""

    everyone: int
    council: int
    departments: list[AudienceChoice]
    campaigns: list[AudienceChoice]


@dataclass(frozen=True)
class Progress:
    """Where a broadcast's delivery stands, counted from its outbox rows."""

    id: int
    total: int
    sent: int
    failed: int
    cancelled: int
    pending: int
    status: str
    finished: bool
    chat_id: int | None
    message_id: int | None
    locale: str | None


@dataclass(frozen=True)
class Unreached:
    """A recipient the announcement did not reach, and why."""

    name: str
    reason: str  # blocked | not_found | not_started | failed


@dataclass(frozen=True)
class Report:
    """The final delivery report."""

    progress: Progress
    unreached: list[Unreached] = field(default_factory=list)
    shown: int = 0  # how many of them the message lists (the rest are counted)


@dataclass(frozen=True)
class SeenView:
    """Who confirmed reading a broadcast ("Đã xem"), and who not yet."""

    id: int
    reached: int
    seen: list[str]
    unseen: list[str]
    finished: bool
    seen_shown: int = 0  # how many names of each list the message shows
    unseen_shown: int = 0


# ---------------------------------------------------------------------------- the draft


async def _leader(session: AsyncSession, tg_user_id: int) -> Actor:
    try:
        who = await require_role(session, tg_user_id, LEADERS)
    except NotAllowed as refusal:
        if refusal.key == "errors.role_needed":
            raise NotAllowed("errors.leaders_only") from None
        raise
    assert who.person is not None and who.membership is not None
    return who


def _limits(texts: Texts, sender: str) -> tuple[int, int]:
    """Text and caption limits once the longest header (in any language) is put above."""
    header = max(
        utf16_len(texts.plain(locale, key, sender=sender))
        for locale in LOCALES
        for key in ("broadcasts.header", "broadcasts.remind_header")
    )
    reserve = header + 2  # the blank line between header and text
    return TEXT_MAX - reserve, CAPTION_MAX - reserve


def _as_draft(step: str, data: dict[str, Any]) -> Draft:
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


async def _draft_row(session: AsyncSession, tg_user_id: int) -> Any:
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is None or convo.kind != KIND:
        raise Invalid("broadcasts.no_draft")
    return convo


async def _save(
    session: AsyncSession, tg_user_id: int, step: str, data: dict[str, Any], now: datetime
) -> Draft:
    await conversations.put(
        session, chat_id=tg_user_id, user_id=tg_user_id, kind=KIND, step=step, data=data, now=now
    )
    await session.commit()
    return _as_draft(step, data)


async def start(session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime) -> Draft:
    """Begin an announcement (chair and vice-chair); a draft in progress is picked up again."""
    who = await _leader(session, tg_user_id)
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is not None and convo.kind == KIND and convo.data.get("org_id") == who.org_id:
        return _as_draft(convo.step, convo.data)
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
    return await _save(session, tg_user_id, "compose", data, now)


async def current(session: AsyncSession, *, tg_user_id: int) -> Draft:
    """The draft in progress."""
    convo = await _draft_row(session, tg_user_id)
    return _as_draft(convo.step, convo.data)


async def set_text(
    session: AsyncSession, *, tg_user_id: int, html: str, length: int, now: datetime
) -> Draft:
    """The announcement's text (HTML from the sender's own formatting); it replaces any before."""
    await _leader(session, tg_user_id)
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "compose":
        raise Invalid("broadcasts.use_buttons")
    draft = _as_draft(convo.step, convo.data)
    if not html.strip():
        raise Invalid("broadcasts.empty")
    if length > draft.limit:
        key = "broadcasts.caption_too_long" if draft.media_kind else "broadcasts.too_long"
        raise Invalid(key, limit=draft.limit, have=length)
    return await _save(
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
    await _leader(session, tg_user_id)
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "compose":
        raise Invalid("broadcasts.use_buttons")
    draft = _as_draft(convo.step, convo.data)
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
    saved = await _save(session, tg_user_id, "compose", data, now)
    return MediaAdded(saved, acknowledge=True, replaced=draft.media_file_id is not None)


async def to_audience(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """From the text (or the preview) to choosing who receives it."""
    await _leader(session, tg_user_id)
    convo = await _draft_row(session, tg_user_id)
    if convo.step not in ("compose", "audience", "preview"):
        raise AlreadyDone("errors.stale_button")
    if _as_draft(convo.step, convo.data).empty:
        raise Invalid("broadcasts.empty")
    return await _save(session, tg_user_id, "audience", dict(convo.data), now)


async def to_compose(session: AsyncSession, *, tg_user_id: int, now: datetime) -> Draft:
    """Back from the audience or the preview to the text, which the next message replaces."""
    await _leader(session, tg_user_id)
    convo = await _draft_row(session, tg_user_id)
    return await _save(session, tg_user_id, "compose", dict(convo.data), now)


async def cancel(session: AsyncSession, *, tg_user_id: int) -> bool:
    """Throw the draft away; True if there was one."""
    ended = await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id, kind=KIND)
    await session.commit()
    return ended


# ---------------------------------------------------------------------------- the audience


def _recipients_query(org_id: int, kind: str, campaign: Campaign | None, arg: int) -> Recipients:
    query: Recipients = (
        select(Person.id, Person.tg_user_id, Person.locale, Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
    )
    if kind == "council":
        query = query.where(Membership.role.in_(sorted(COUNCIL_ROLES)))
    elif kind == "department":
        query = query.where(Membership.department_id == arg)
    elif kind == "campaign" and campaign is not None:
        # Good-deed campaigns involve all active staff; the others, those who joined.
        if campaign.kind == CampaignKind.OPT_IN:
            query = query.where(
                Person.id.in_(
                    select(Participation.person_id).where(
                        Participation.campaign_id == campaign.id, Participation.left_at.is_(None)
                    )
                )
            )
        elif campaign.kind == CampaignKind.REGISTRATION:
            query = query.where(
                Person.id.in_(
                    select(Registration.person_id).where(
                        Registration.campaign_id == campaign.id,
                        Registration.withdrawn_at.is_(None),
                    )
                )
            )
    return query


async def _audience(session: AsyncSession, org_id: int, audience: str) -> tuple[Recipients, str]:
    """The recipients query of an audience key, and the audience's name for the texts."""
    kind, _, raw = audience.partition(":")
    arg = int(raw) if raw.isdigit() else 0
    campaign = None
    name = ""
    if kind == "department":
        department = await session.get(Department, arg)
        if department is None or department.org_id != org_id:
            raise NotFound("errors.stale_button")
        name = department.name
    elif kind == "campaign":
        campaign = await session.get(Campaign, arg)
        if campaign is None or campaign.org_id != org_id:
            raise NotFound("errors.stale_button")
        name = campaign.name
    elif kind not in ("all", "council") or raw:
        raise Invalid("errors.bad_button")
    return _recipients_query(org_id, kind, campaign, arg), name


async def _count(session: AsyncSession, query: Recipients, exclude: int) -> int:
    sub = query.where(Person.id != exclude).subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)


async def audience_options(session: AsyncSession, *, tg_user_id: int) -> AudienceOptions:
    """Who the sender may send to, with counts (the sender is never a recipient)."""
    who = await _leader(session, tg_user_id)
    assert who.person is not None
    org_id, me = who.org_id, who.person.id
    everyone = await _count(session, _recipients_query(org_id, "all", None, 0), me)
    council = await _count(session, _recipients_query(org_id, "council", None, 0), me)
    departments = [
        AudienceChoice(
            f"department:{d.id}",
            d.name,
            await _count(session, _recipients_query(org_id, "department", None, d.id), me),
        )
        for d in (
            await session.scalars(
                select(Department)
                .where(Department.org_id == org_id)
                .order_by(Department.position, Department.id)
            )
        ).all()
    ]
    campaigns = [
        AudienceChoice(
            f"campaign:{c.id}",
            c.name,
            await _count(session, _recipients_query(org_id, "campaign", c, c.id), me),
        )
        for c in (
            await session.scalars(
                select(Campaign)
                .where(Campaign.org_id == org_id, Campaign.status != CampaignStatus.CLOSED)
                .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
                .limit(CAMPAIGNS_SHOWN)
            )
        ).all()
    ]
    return AudienceOptions(everyone, council, departments, campaigns)


async def choose_audience(
    session: AsyncSession, *, tg_user_id: int, audience: str, now: datetime
) -> Draft:
    """Pick the audience; the draft moves to its preview, with the recipient count."""
    who = await _leader(session, tg_user_id)
    assert who.person is not None
    convo = await _draft_row(session, tg_user_id)
    if convo.step not in ("audience", "preview"):
        raise AlreadyDone("errors.stale_button")
    query, name = await _audience(session, who.org_id, audience)
    count = await _count(session, query, who.person.id)
    data = {**convo.data, "audience": audience, "audience_name": name, "recipients": count}
    return await _save(session, tg_user_id, "preview", data, now)


# ---------------------------------------------------------------------------- the content


def content(
    texts: Texts,
    locale: str,
    *,
    broadcast_id: int,
    sender: str,
    html: str,
    media_kind: str | None,
    media_file_id: str | None,
    reminder: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The outbox method and payload of one announcement, as a recipient in `locale` sees it."""
    key = "broadcasts.remind_header" if reminder else "broadcasts.header"
    header = texts.render(locale, key, sender=sender)
    text = f"{header}\n\n{html}" if html.strip() else header
    buttons = [[[texts.plain(locale, "broadcasts.seen_button"), pack("rr", broadcast_id)]]]
    if media_kind == "photo":
        return "send_photo", {"photos": [media_file_id], "caption": text, "buttons": buttons}
    if media_kind == "document":
        return "send_document", {"document": media_file_id, "caption": text, "buttons": buttons}
    return "send_message", {"text": text, "buttons": buttons}


def preview(texts: Texts, locale: str, draft: Draft) -> tuple[str, dict[str, Any]]:
    """The draft exactly as recipients will see it (its "Đã xem" button only explains itself)."""
    return content(
        texts,
        locale,
        broadcast_id=0,
        sender=draft.sender,
        html=draft.html,
        media_kind=draft.media_kind,
        media_file_id=draft.media_file_id,
    )


async def _enqueue_wave(
    session: AsyncSession,
    *,
    broadcast: Broadcast,
    sender: str,
    recipients: Sequence[Any],
    ref: str,
    reminder: bool,
    texts: Texts,
    now: datetime,
) -> None:
    """One outbox row per recipient, in the caller's transaction (one multi-row INSERT)."""
    by_locale = {
        locale: content(
            texts,
            locale,
            broadcast_id=broadcast.id,
            sender=sender,
            html=broadcast.text,
            media_kind=broadcast.media_kind,
            media_file_id=broadcast.media_file_id,
            reminder=reminder,
        )
        for locale in LOCALES
    }
    rows = []
    for recipient in recipients:
        method, payload = by_locale[texts.locale(recipient.locale)]
        rows.append(
            {
                "chat_id": recipient.tg_user_id,
                "method": method,
                "payload": payload,
                "ref": ref,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "not_before": now,
                "created_at": now,
            }
        )
    if rows:
        await session.execute(insert(OutboxMessage), rows)
        mark_written(session, OutboxMessage)  # wakes the sender at commit


async def confirm(
    session: AsyncSession,
    *,
    tg_user_id: int,
    progress_chat_id: int,
    progress_message_id: int,
    texts: Texts,
    now: datetime,
) -> Progress:
    """Send: the broadcast and one outbox row per recipient, in one commit, before any delivery."""
    who = await _leader(session, tg_user_id)
    assert who.person is not None
    convo = await _draft_row(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    draft = _as_draft(convo.step, convo.data)
    if int(convo.data["org_id"]) != who.org_id or draft.audience is None:
        raise NotFound("errors.stale_button")
    query, _ = await _audience(session, who.org_id, draft.audience)
    recipients = (
        await session.execute(query.where(Person.id != who.person.id).order_by(Person.id))
    ).all()
    if not recipients:
        raise Invalid("broadcasts.nobody")
    broadcast = Broadcast(
        org_id=who.org_id,
        sender_id=who.person.id,
        audience=draft.audience,
        text=draft.html,
        media_kind=draft.media_kind,
        media_file_id=draft.media_file_id,
        total=len(recipients),
        status=BroadcastStatus.SENDING,
        progress_chat_id=progress_chat_id,
        progress_message_id=progress_message_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    await _enqueue_wave(
        session,
        broadcast=broadcast,
        sender=draft.sender,
        recipients=recipients,
        ref=delivery_ref(broadcast.id),
        reminder=False,
        texts=texts,
        now=now,
    )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="broadcast.send",
        target=f"broadcast:{broadcast.id}",
        now=now,
        audience=draft.audience,
        recipients=len(recipients),
    )
    # The draft is ended in the same commit: a second press of "Send" finds nothing to send.
    if not await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id):
        await session.rollback()
        raise AlreadyDone("errors.stale_button")
    await session.commit()
    return await progress(session, broadcast_id=broadcast.id)


# ---------------------------------------------------------------------------- delivery


async def _counts(session: AsyncSession, ref: str) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.ref == ref)
        .group_by(OutboxMessage.status)
    )
    return {str(status): int(count) for status, count in rows.all()}


async def progress(session: AsyncSession, *, broadcast_id: int) -> Progress:
    """Where a broadcast's delivery stands."""
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None:
        raise NotFound("errors.stale_button")
    counts = await _counts(session, delivery_ref(broadcast_id))
    sender = await session.get(Person, broadcast.sender_id)
    return Progress(
        id=broadcast.id,
        total=broadcast.total,
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.UNREACHABLE, 0),
        cancelled=counts.get(OutboxStatus.CANCELLED, 0),
        pending=counts.get(OutboxStatus.PENDING, 0),
        status=str(broadcast.status),
        finished=broadcast.finished_at is not None,
        chat_id=broadcast.progress_chat_id,
        message_id=broadcast.progress_message_id,
        locale=sender.locale if sender else None,
    )


def progress_message(texts: Texts, state: Progress) -> tuple[str, Buttons]:
    """The sender's progress message: counts, and "stop" while it sends, "who saw it" after."""
    locale = texts.locale(state.locale)
    text = texts.render(locale, "broadcasts.progress", p=state)
    if state.status == BroadcastStatus.SENDING and not state.finished:
        return text, [[(texts.plain(locale, "broadcasts.stop_button"), pack("bx", state.id))]]
    if state.finished:
        return text, [
            [(texts.plain(locale, "broadcasts.seen_list_button"), pack("bs", state.id, 0))]
        ]
    return text, []


async def unfinished(session: AsyncSession) -> list[int]:
    """Broadcasts whose final report is still to be filed (sending, or stopped and settling)."""
    return list(
        (
            await session.scalars(
                select(Broadcast.id).where(Broadcast.finished_at.is_(None)).order_by(Broadcast.id)
            )
        ).all()
    )


def _reason(status: str, error: str | None) -> str:
    text = (error or "").lower()
    if status == OutboxStatus.FAILED:
        return "failed"
    if "blocked" in text or "deactivated" in text:
        return "blocked"
    if "initiate" in text:
        return "not_started"
    return "not_found"


async def report(session: AsyncSession, *, broadcast_id: int) -> Report:
    """The delivery report: counts and everyone not reached, with why."""
    state = await progress(session, broadcast_id=broadcast_id)
    rows = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.error, Person.full_name)
            .join(Person, Person.tg_user_id == OutboxMessage.chat_id)
            .where(
                OutboxMessage.ref == delivery_ref(broadcast_id),
                OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.UNREACHABLE]),
            )
        )
    ).all()
    unreached = sorted(
        (Unreached(name, _reason(str(status), error)) for status, error, name in rows),
        key=lambda u: sort_key(u.name),
    )
    return Report(state, unreached, fit([f"{u.name} – {u.reason}" for u in unreached], 2800))


async def finish(
    session: AsyncSession, *, broadcast_id: int, texts: Texts, now: datetime
) -> Report | None:
    """Once nothing is left to deliver, file the report; None while rows are still in flight."""
    # Rows of a stopped broadcast that were already claimed may still be sent: the report waits
    # for their lease, so it counts them right.
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None or broadcast.finished_at is not None:
        return None
    ref = delivery_ref(broadcast_id)
    busy = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.ref == ref,
            (OutboxMessage.status == OutboxStatus.PENDING) | (OutboxMessage.claimed_until > now),
        )
    )
    if busy:
        return None
    status = broadcast.status
    done = BroadcastStatus.DONE if status == BroadcastStatus.SENDING else status
    changed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == status,
            Broadcast.finished_at.is_(None),
        )
        .values(status=done, finished_at=now)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        return None
    result = await report(session, broadcast_id=broadcast_id)
    sender = await session.get_one(Person, broadcast.sender_id)
    locale = texts.locale(sender.locale)
    text, buttons = progress_message(texts, result.progress)
    if broadcast.progress_chat_id is not None and broadcast.progress_message_id is not None:
        # The last edit of the progress message goes through the outbox: durable, in order.
        _enqueue(
            session,
            chat_id=broadcast.progress_chat_id,
            method="edit_message_text",
            payload={
                "text": text,
                "buttons": buttons,
                "message_id": broadcast.progress_message_id,
            },
            ref=f"bcp:{broadcast_id}",
            now=now,
        )
    _enqueue(
        session,
        chat_id=sender.tg_user_id,
        method="send_message",
        payload={
            "text": texts.render(locale, "broadcasts.report", r=result),
            "buttons": buttons,
        },
        ref=f"bcp:{broadcast_id}",
        now=now,
    )
    await session.commit()
    return result


def _enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    ref: str,
    now: datetime,
) -> None:
    payload = {**payload, "buttons": [[list(b) for b in row] for row in payload["buttons"]]}
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            method=method,
            payload=payload,
            ref=ref,
            status=OutboxStatus.PENDING,
            attempts=0,
            not_before=now,
            created_at=now,
        )
    )


async def _own_broadcast(
    session: AsyncSession, tg_user_id: int, broadcast_id: int
) -> tuple[Actor, Broadcast]:
    """A broadcast of the school the acting chair or vice-chair leads."""
    who = await _leader(session, tg_user_id)
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None or broadcast.org_id != who.org_id:
        raise NotFound("errors.stale_button")
    return who, broadcast


async def stop(
    session: AsyncSession, *, broadcast_id: int, tg_user_id: int, now: datetime
) -> Progress:
    """Stop a running broadcast: what is still waiting is cancelled, nothing more is sent."""
    # Rows the sender already claimed (one batch at most) may still go out; they count as sent.
    who, _ = await _own_broadcast(session, tg_user_id, broadcast_id)
    changed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == BroadcastStatus.SENDING,
            Broadcast.finished_at.is_(None),
        )
        .values(status=BroadcastStatus.CANCELLED)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("broadcasts.already_finished")
    cancelled = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.ref == delivery_ref(broadcast_id),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED)
    )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id if who.person else None,
        action="broadcast.stop",
        target=f"broadcast:{broadcast_id}",
        now=now,
        cancelled=getattr(cancelled, "rowcount", 0),
    )
    await session.commit()
    return await progress(session, broadcast_id=broadcast_id)


# ---------------------------------------------------------------------------- read receipts


async def confirm_seen(
    session: AsyncSession, *, broadcast_id: int, tg_user_id: int, now: datetime
) -> bool:
    """A recipient pressed "Đã xem": record it once; True the first time."""
    if broadcast_id == 0:
        raise Invalid("broadcasts.preview_button")
    person = await person_by_tg(session, tg_user_id)
    received = await session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.ref.in_([delivery_ref(broadcast_id), reminder_ref(broadcast_id)]),
            OutboxMessage.chat_id == tg_user_id,
        )
        .limit(1)
    )
    if person is None or received is None:
        raise NotFound("errors.stale_button")
    seen = await session.scalar(
        select(Receipt.id).where(
            Receipt.broadcast_id == broadcast_id, Receipt.person_id == person.id
        )
    )
    if seen is not None:
        return False
    session.add(Receipt(broadcast_id=broadcast_id, person_id=person.id, seen_at=now))
    try:
        await session.commit()
    except IntegrityError:  # the same press twice at once: the other one recorded it
        await session.rollback()
        return False
    return True


def _reached(broadcast_id: int) -> Recipients:
    query: Recipients = (
        select(Person.id, Person.tg_user_id, Person.locale, Person.full_name)
        .join(OutboxMessage, OutboxMessage.chat_id == Person.tg_user_id)
        .where(
            OutboxMessage.ref == delivery_ref(broadcast_id),
            OutboxMessage.status == OutboxStatus.SENT,
        )
        .distinct()
    )
    return query


async def seen(session: AsyncSession, *, broadcast_id: int, tg_user_id: int) -> SeenView:
    """Who confirmed reading it and who not yet (chair and vice-chair of the school)."""
    _, broadcast = await _own_broadcast(session, tg_user_id, broadcast_id)
    reached = (await session.execute(_reached(broadcast_id))).all()
    confirmed = set(
        (
            await session.scalars(
                select(Receipt.person_id).where(Receipt.broadcast_id == broadcast_id)
            )
        ).all()
    )
    names = sorted(
        ((r.full_name, r.id in confirmed) for r in reached), key=lambda n: sort_key(n[0])
    )
    # Someone may confirm from a reminder although the first message's row says otherwise.
    extra = confirmed - {r.id for r in reached}
    if extra:
        people = await session.scalars(select(Person.full_name).where(Person.id.in_(extra)))
        names = sorted([*names, *((n, True) for n in people.all())], key=lambda n: sort_key(n[0]))
    seen_names = [n for n, ok in names if ok]
    unseen_names = [n for n, ok in names if not ok]
    return SeenView(
        id=broadcast_id,
        reached=len(names),
        seen=seen_names,
        unseen=unseen_names,
        finished=broadcast.finished_at is not None,
        seen_shown=fit(seen_names),
        unseen_shown=fit(unseen_names),
    )


async def remind(
    session: AsyncSession, *, broadcast_id: int, tg_user_id: int, texts: Texts, now: datetime
) -> int:
    """Send the announcement again, only to those reached who have not confirmed; how many."""
    who, broadcast = await _own_broadcast(session, tg_user_id, broadcast_id)
    if broadcast.finished_at is None:
        raise Invalid("broadcasts.still_sending")
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.ref == reminder_ref(broadcast_id),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )
    if waiting:
        raise AlreadyDone("broadcasts.reminder_running")
    confirmed = select(Receipt.person_id).where(Receipt.broadcast_id == broadcast_id)
    targets = (
        await session.execute(_reached(broadcast_id).where(Person.id.not_in(confirmed)))
    ).all()
    if not targets:
        raise AlreadyDone("broadcasts.everyone_saw")
    sender = await session.get_one(Person, broadcast.sender_id)
    await _enqueue_wave(
        session,
        broadcast=broadcast,
        sender=sender.full_name,
        recipients=targets,
        ref=reminder_ref(broadcast_id),
        reminder=True,
        texts=texts,
        now=now,
    )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id if who.person else None,
        action="broadcast.remind",
        target=f"broadcast:{broadcast_id}",
        now=now,
        recipients=len(targets),
    )
    await session.commit()
    return len(targets)


class Broadcasts(UseCases):
    """Announcements to staff: the draft, the delivery, the read receipts."""
