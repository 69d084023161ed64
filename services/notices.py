"""Firing scheduled notices: who gets what, fanned out into the outbox in one transaction.

A notice is marked done in the same commit that queues its messages, so a notice is fanned out
exactly once whatever happens to the process; delivery itself is the outbox's at-least-once.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.campaigns import COUNTED
from services.initiatives import reminders as initiative_reminders
from services.judging import meetings
from services.judging.achievements import asking as achievements
from services.judging.publication import reminders as publication
from services.planner import days_left, next_digest, next_stale_check
from storage.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Membership,
    MemberStatus,
    Notice,
    NoticeStatus,
    Org,
    Participation,
    Person,
    Registration,
    Story,
    StoryStatus,
    Title,
)
from ui.buttons.campaigns import NoticeCampaign
from ui.texts import Texts


async def _active_people(session: AsyncSession, org_id: int) -> list[Person]:
    return list(
        (
            await session.scalars(
                select(Person)
                .join(Membership, Membership.person_id == Person.id)
                .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
                .order_by(Person.id)
            )
        ).all()
    )


async def participants(session: AsyncSession, campaign: Campaign) -> list[Person]:
    """Who takes part: all active staff (good deeds), joiners (opt-in), registrants."""
    if campaign.kind == CampaignKind.GOOD_DEEDS:
        return await _active_people(session, campaign.org_id)
    active = select(Membership.person_id).where(
        Membership.org_id == campaign.org_id, Membership.status == MemberStatus.ACTIVE
    )
    if campaign.kind == CampaignKind.OPT_IN:
        query = (
            select(Person)
            .join(Participation, Participation.person_id == Person.id)
            .where(Participation.campaign_id == campaign.id, Participation.left_at.is_(None))
        )
    else:
        query = (
            select(Person)
            .join(Registration, Registration.person_id == Person.id)
            .where(Registration.campaign_id == campaign.id, Registration.withdrawn_at.is_(None))
        )
    return list(
        (await session.scalars(query.where(Person.id.in_(active)).order_by(Person.id))).all()
    )


async def not_done(session: AsyncSession, campaign: Campaign) -> list[Person]:
    """Participants who have not yet done what the campaign asks (the reminder's audience)."""
    if campaign.kind == CampaignKind.REGISTRATION:
        registered = select(Registration.person_id).where(
            Registration.campaign_id == campaign.id, Registration.withdrawn_at.is_(None)
        )
        return [
            p
            for p in await _active_people(session, campaign.org_id)
            if p.id not in set((await session.scalars(registered)).all())
        ]
    with_story = set(
        (
            await session.scalars(
                select(Story.author_id).where(
                    Story.campaign_id == campaign.id, Story.status.in_(COUNTED)
                )
            )
        ).all()
    )
    return [p for p in await participants(session, campaign) if p.id not in with_story]


def _campaign_button(texts: Texts, locale: str, campaign_id: int) -> list[list[tuple[str, str]]]:
    return [
        [
            (
                texts.plain(locale, "campaigns.open_button"),
                NoticeCampaign(campaign_id=campaign_id).pack(),
            )
        ]
    ]


async def _fan_out(
    session: AsyncSession,
    notice: Notice,
    campaign: Campaign,
    people: list[Person],
    key: str,
    texts: Texts,
    now: datetime,
    **values: object,
) -> int:
    for person in people:
        locale = texts.locale(person.locale)
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            now=now,
            ref=f"notice:{notice.id}",
            text=texts.render(locale, key, campaign=campaign, **values),
            buttons=_campaign_button(texts, locale, campaign.id),
        )
    return len(people)


async def _summary(session: AsyncSession, campaign: Campaign) -> dict[str, object]:
    # Everyone is asked to register a title, so registration is counted against all staff.
    people = (
        await _active_people(session, campaign.org_id)
        if campaign.kind == CampaignKind.REGISTRATION
        else await participants(session, campaign)
    )
    missing = {p.id for p in await not_done(session, campaign)}
    stories = int(
        await session.scalar(
            select(func.count())
            .select_from(Story)
            .where(Story.campaign_id == campaign.id, Story.status.in_(COUNTED))
        )
        or 0
    )
    approved = int(
        await session.scalar(
            select(func.count())
            .select_from(Story)
            .where(Story.campaign_id == campaign.id, Story.status == StoryStatus.APPROVED)
        )
        or 0
    )
    titles = (
        await session.execute(
            select(Title.name, func.count())
            .join(Registration, Registration.title_id == Title.id)
            .where(Registration.campaign_id == campaign.id, Registration.withdrawn_at.is_(None))
            .group_by(Title.name)
            .order_by(Title.name)
        )
    ).all()
    return {
        "total": len(people),
        "done": len([p for p in people if p.id not in missing]),
        "stories": stories,
        "approved": approved,
        "titles": [(name, count) for name, count in titles],
    }


async def fire(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    """Send (queue) one due notice, or skip it when stale; returns how many it reached."""
    if notice.stale_after is not None and now > notice.stale_after:
        notice.status = NoticeStatus.SKIPPED
        await _close_if_ended(session, notice, now)
        return 0
    count = 0
    campaign = await session.get(Campaign, notice.campaign_id) if notice.campaign_id else None
    org = await session.get_one(Org, notice.org_id)
    if campaign is not None and notice.kind == "launch":
        if campaign.status == CampaignStatus.SCHEDULED:
            campaign.status = CampaignStatus.OPEN
        count = await _fan_out(
            session,
            notice,
            campaign,
            await _active_people(session, campaign.org_id),
            "campaigns.launch_notice",
            texts,
            now,
        )
    elif campaign is not None and notice.kind == "reminder":
        count = await _fan_out(
            session,
            notice,
            campaign,
            await not_done(session, campaign),
            "campaigns.reminder_notice",
            texts,
            now,
            days=days_left(now, campaign.ends_at),
        )
    elif campaign is not None and notice.kind == "closing":
        summary = await _summary(session, campaign)
        count = await _fan_out(
            session,
            notice,
            campaign,
            await participants(session, campaign),
            "campaigns.closing_notice",
            texts,
            now,
        )
        if org.council_chat_id is not None:
            outbox.enqueue_message(
                session,
                chat_id=org.council_chat_id,
                now=now,
                ref=f"notice:{notice.id}",
                text=texts.render(
                    texts.default_locale, "campaigns.council_summary", campaign=campaign, **summary
                ),
            )
        campaign.status, campaign.closed_at = CampaignStatus.CLOSED, now
    elif notice.kind in ("digest", "stale"):
        count = await _council_notice(session, notice, org, texts, now)
    elif notice.kind == "meeting":  # the judging meeting's reminders
        count = await meetings.remind(session, notice, texts, now)
    elif notice.kind == "review":  # initiatives: the write-ups are due soon
        count = await initiative_reminders.remind(session, notice, texts, now)
    elif notice.kind in (
        "pub_window",
        "pub_answer",
        "pub_closed",
    ):  # công khai: the window, the answers
        count = await publication.remind(session, notice, texts, now)
    elif notice.kind == "achievement":  # reports not handed in yet
        count = await achievements.remind(session, notice, texts, now)
    notice.status, notice.sent_at, notice.recipients = NoticeStatus.DONE, now, count
    return count


async def _close_if_ended(session: AsyncSession, notice: Notice, now: datetime) -> None:
    if notice.campaign_id is None or notice.kind not in ("launch", "closing"):
        return
    campaign = await session.get(Campaign, notice.campaign_id)
    if campaign is not None and campaign.ends_at <= now:
        campaign.status, campaign.closed_at = CampaignStatus.CLOSED, campaign.closed_at or now


async def _council_notice(
    session: AsyncSession, notice: Notice, org: Org, texts: Texts, now: datetime
) -> int:
    if org.council_chat_id is None:
        return 0
    pending = select(Story).where(Story.org_id == org.id, Story.status == StoryStatus.PENDING)
    if notice.kind == "stale":
        cutoff = now.timestamp() - org.pending_reminder_days * 86400
        pending = pending.where(Story.submitted_at <= datetime.fromtimestamp(cutoff, now.tzinfo))
    rows = (await session.scalars(pending.order_by(Story.submitted_at).limit(20))).all()
    if notice.kind == "stale" and not rows:
        return 0
    total = int(await session.scalar(select(func.count()).select_from(pending.subquery())) or 0)
    outbox.enqueue_message(
        session,
        chat_id=org.council_chat_id,
        now=now,
        ref=f"notice:{notice.id}",
        text=texts.render(
            texts.default_locale,
            f"campaigns.{notice.kind}_notice",
            ids=[s.id for s in rows],
            total=total,
            days=org.pending_reminder_days,
        ),
    )
    return 1


async def ensure_recurring(session: AsyncSession, now: datetime, tz: ZoneInfo) -> None:
    """Make sure every school with a council has its next weekly digest and daily check."""
    orgs = (await session.scalars(select(Org).where(Org.council_chat_id.is_not(None)))).all()
    for org in orgs:
        for spec in (next_digest(org.id, now, tz), next_stale_check(org.id, now, tz)):
            present = await session.scalar(select(exists().where(Notice.key == spec.key)))
            if not present:
                session.add(
                    Notice(
                        key=spec.key,
                        org_id=org.id,
                        kind=spec.kind,
                        due_at=spec.due_at,
                        stale_after=spec.stale_after,
                        status=NoticeStatus.PENDING,
                        payload={},
                    )
                )
    await session.commit()
