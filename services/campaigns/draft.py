"""The leader's new campaign: a guided draft (name, description, level, kind, dates, reminders),
a preview, and the campaign created from it with its notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations
from services.calendar import DEFAULT_YEAR_START, Examples, examples
from services.campaigns.cards import view
from services.campaigns.common import (
    DEFAULT_END,
    DEFAULT_REMINDERS,
    DEFAULT_START,
    DESCRIPTION_MAX,
    DRAFT,
    NAME_MAX,
    CampaignView,
    load_draft,
    parse_reminders,
    parse_when,
)
from services.campaigns.schedule import sync_notices
from services.errors import AlreadyDone, Invalid, NotFound
from services.naming import check_visible
from services.people import LEADERS, require_role
from storage.models import Campaign, CampaignKind, CampaignStatus, Org


@dataclass(frozen=True)
class DraftStep:
    """Where the new campaign's draft is: the step to ask for, and what its prompt shows."""

    step: str
    levels: list[str]  # the school's launching levels, for the "level" step's buttons
    examples: Examples  # what the prompts show as examples: this school year, days from today
    preview: CampaignView | None = None  # the campaign to be created, at the "preview" step


def draft_step(state: dict[str, Any], today: date) -> DraftStep:
    """The step a draft's state (as `begin`, `answer`, `choose` return it) is at, `today`."""
    step = state["step"]
    return DraftStep(
        step=step,
        levels=list(state.get("levels") or []),
        examples=examples(today, state.get("year_start") or DEFAULT_YEAR_START),
        preview=draft_view(state) if step == "preview" else None,
    )


async def _leader(session: AsyncSession, tg_user_id: int) -> tuple[int, int, Org]:
    who = await require_role(session, tg_user_id, LEADERS)
    assert who.membership is not None and who.person is not None
    return who.person.id, who.membership.org_id, who.membership.org


async def cancel(session: AsyncSession, *, tg_user_id: int) -> bool:
    """Throw the new campaign's draft away (and nothing else); True if there was one."""
    return await DRAFT.discard(session, tg_user_id)


async def _step(
    session: AsyncSession, tg_user_id: int, step: str, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    await DRAFT.save(session, tg_user_id, step, data, now)
    return {"step": step, **data}


async def begin(session: AsyncSession, *, tg_user_id: int, now: datetime) -> dict[str, Any]:
    """/newcampaign: the chair or vice-chair starts the guided creation."""
    _, org_id, org = await _leader(session, tg_user_id)
    data = {"org_id": org_id, "levels": list(org.levels), "year_start": org.school_year_start}
    return await _step(session, tg_user_id, "name", data, now)


async def answer(
    session: AsyncSession, *, tg_user_id: int, text: str, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """A typed answer at the current step (name, description, dates, reminders)."""
    convo = await load_draft(DRAFT, session, tg_user_id)
    data, step, text = dict(convo.data), convo.step, text.strip()
    if step == "name":
        name = " ".join(text.split())
        if not 3 <= len(name) <= NAME_MAX:
            raise Invalid("campaigns.bad_name", limit=NAME_MAX, length=len(name))
        check_visible(name)
        return await _step(session, tg_user_id, "description", {**data, "name": name}, now)
    if step == "description":
        if len(text) > DESCRIPTION_MAX:
            raise Invalid("campaigns.bad_description", limit=DESCRIPTION_MAX, length=len(text))
        check_visible(text)
        return await _step(session, tg_user_id, "level", {**data, "description": text}, now)
    if step == "start":
        starts = parse_when(text, tz, default=DEFAULT_START, today=now.astimezone(tz).date())
        if starts.astimezone(tz).date() < now.astimezone(tz).date():
            raise Invalid("campaigns.start_in_past")
        return await _step(
            session, tg_user_id, "end", {**data, "starts_at": starts.isoformat()}, now
        )
    if step == "end":
        ends = parse_when(text, tz, default=DEFAULT_END, today=now.astimezone(tz).date())
        starts = datetime.fromisoformat(data["starts_at"])
        if ends <= starts:
            raise Invalid("campaigns.end_before_start")
        if ends <= now:
            raise Invalid("campaigns.end_in_past")
        return await _step(
            session, tg_user_id, "reminders", {**data, "ends_at": ends.isoformat()}, now
        )
    if step == "reminders":
        return await _step(
            session, tg_user_id, "preview", {**data, "reminder_days": parse_reminders(text)}, now
        )
    raise Invalid("campaigns.use_buttons")


async def choose(
    session: AsyncSession, *, tg_user_id: int, what: str, value: str, now: datetime
) -> dict[str, Any]:
    """A button at the current step: skip description, level, kind, default/no reminders."""
    convo = await load_draft(DRAFT, session, tg_user_id)
    data, step = dict(convo.data), convo.step
    if what == "skip" and step == "description":
        return await _step(session, tg_user_id, "level", {**data, "description": ""}, now)
    if what == "level" and step == "level":
        levels = data.get("levels") or []
        if not value.isdigit() or int(value) >= len(levels):
            raise Invalid("errors.stale_button")
        return await _step(
            session, tg_user_id, "kind", {**data, "launched_by": levels[int(value)]}, now
        )
    if what == "kind" and step == "kind":
        CampaignKind(value)
        return await _step(session, tg_user_id, "start", {**data, "kind": value}, now)
    if what == "now" and step == "start":  # "Bắt đầu ngay": announced as soon as it is created
        data = {**data, "starts_at": now.isoformat(), "starts_now": True}
        return await _step(session, tg_user_id, "end", data, now)
    if what == "reminders" and step == "reminders":
        days = DEFAULT_REMINDERS if value == "default" else []
        return await _step(session, tg_user_id, "preview", {**data, "reminder_days": days}, now)
    raise AlreadyDone("errors.stale_button")


def draft_view(data: dict[str, Any]) -> CampaignView:
    """The campaign being created, for the preview."""
    return CampaignView(
        id=0,
        name=data["name"],
        description=data.get("description", ""),
        launched_by=data["launched_by"],
        kind=data["kind"],
        starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]),
        reminder_days=list(data.get("reminder_days", [])),
        status="draft",
        titles=[],
    )


async def create(session: AsyncSession, *, tg_user_id: int, now: datetime) -> CampaignView:
    """Create the campaign from the preview, with its notices, in one commit."""
    convo = await load_draft(DRAFT, session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    person_id, org_id, _ = await _leader(session, tg_user_id)
    if int(convo.data.get("org_id", org_id)) != org_id:  # begun for another school than theirs now
        raise NotFound("errors.stale_button")
    draft = draft_view(convo.data)
    if draft.ends_at <= now:
        raise Invalid("campaigns.end_in_past")
    campaign = Campaign(
        org_id=org_id,
        name=draft.name,
        description=draft.description,
        launched_by=draft.launched_by,
        kind=CampaignKind(draft.kind),
        starts_at=max(draft.starts_at, now) if draft.starts_at <= now else draft.starts_at,
        ends_at=draft.ends_at,
        reminder_days=draft.reminder_days,
        status=CampaignStatus.SCHEDULED,
        created_by=person_id,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    await sync_notices(session, campaign, now)
    await audit.record(
        session,
        org_id=org_id,
        actor_id=person_id,
        action="campaign.create",
        target=f"campaign:{campaign.id}",
        now=now,
        name=campaign.name,
    )
    await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id)
    await session.commit()
    return await view(session, campaign_id=campaign.id)
