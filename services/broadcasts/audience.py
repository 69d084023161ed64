"""Who an announcement goes to: everyone, the council, a department, a campaign's participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.broadcasts.common import Recipients, leader
from services.broadcasts.draft import Draft, draft_row, save
from services.errors import AlreadyDone, Invalid, NotFound
from services.people import COUNCIL_ROLES
from storage.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Department,
    Membership,
    MemberStatus,
    Participation,
    Person,
    Registration,
)

CAMPAIGNS_SHOWN = 8


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


def recipients_query(org_id: int, kind: str, campaign: Campaign | None, arg: int) -> Recipients:
    """Everyone an audience reaches (the sender included: callers leave her out)."""
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


async def resolve(session: AsyncSession, org_id: int, key: str) -> tuple[Recipients, str]:
    """The recipients query of an audience key, and the audience's name for the texts."""
    kind, _, raw = key.partition(":")
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
    return recipients_query(org_id, kind, campaign, arg), name


async def count(session: AsyncSession, query: Recipients, exclude: int) -> int:
    """How many recipients `query` reaches, leaving out the person `exclude`."""
    sub = query.where(Person.id != exclude).subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)


async def _by_department(session: AsyncSession, org_id: int, exclude: int) -> dict[int, int]:
    """The recipients of each department (those of `recipients_query`), in one query."""
    rows = await session.execute(
        select(Membership.department_id, func.count())
        .select_from(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.org_id == org_id,
            Membership.status == MemberStatus.ACTIVE,
            Membership.department_id.is_not(None),
            Person.id != exclude,
        )
        .group_by(Membership.department_id)
    )
    return {department_id: n for department_id, n in rows.all() if department_id is not None}


async def audience_options(session: AsyncSession, *, tg_user_id: int) -> AudienceOptions:
    """Who the sender may send to, with counts (the sender is never a recipient)."""
    who = await leader(session, tg_user_id)
    assert who.person is not None
    org_id, me = who.org_id, who.person.id
    everyone = await count(session, recipients_query(org_id, "all", None, 0), me)
    council = await count(session, recipients_query(org_id, "council", None, 0), me)
    per_department = await _by_department(session, org_id, me)
    departments = [
        AudienceChoice(f"department:{d.id}", d.name, per_department.get(d.id, 0))
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
            await count(session, recipients_query(org_id, "campaign", c, c.id), me),
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
    who = await leader(session, tg_user_id)
    assert who.person is not None
    convo = await draft_row(session, tg_user_id)
    if convo.step not in ("audience", "preview"):
        raise AlreadyDone("errors.stale_button")
    query, name = await resolve(session, who.org_id, audience)
    recipients = await count(session, query, who.person.id)
    data = {**convo.data, "audience": audience, "audience_name": name, "recipients": recipients}
    return await save(session, tg_user_id, "preview", data, now)
