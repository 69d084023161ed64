"""What the judging modules share: the school's open round, its council, its rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services.errors import NotAllowed, NotFound
from services.judging.rules import Family, Rules, cap, family
from services.people import COUNCIL_ROLES, Actor, require_role
from services.school import values
from storage.models import (
    CallKind,
    Candidate,
    EntryStatus,
    JudgingRound,
    Membership,
    MemberStatus,
    Org,
    Outcome,
    PersonYear,
    ReviewCall,
    ReviewEntry,
    RoundStatus,
)

ROLE_ORDER = {"chair": 0, "vice_chair": 1, "council": 2}


async def open_round(session: AsyncSession, org_id: int) -> JudgingRound | None:
    """The school's open judging round (at most one is open at a time)."""
    return await session.scalar(
        select(JudgingRound)
        .where(JudgingRound.org_id == org_id, JudgingRound.status == RoundStatus.OPEN)
        .order_by(JudgingRound.id.desc())
        .limit(1)
    )


async def round_of(session: AsyncSession, org_id: int, round_id: int) -> JudgingRound:
    """A round of this school (another school's id is not found, never shown)."""
    found = await session.get(JudgingRound, round_id)
    if found is None or found.org_id != org_id:
        raise NotFound("judging.no_round")
    return found


async def council_members(session: AsyncSession, org_id: int) -> Sequence[Membership]:
    """The school's council (chair, vice-chair, members), active, chair first, then by name."""
    rows = (
        await session.scalars(
            select(Membership)
            .options(joinedload(Membership.person), joinedload(Membership.department))
            .where(
                Membership.org_id == org_id,
                Membership.status == MemberStatus.ACTIVE,
                Membership.role.in_([str(r) for r in COUNCIL_ROLES]),
            )
        )
    ).all()
    return sorted(rows, key=lambda m: (ROLE_ORDER.get(str(m.role), 9), m.person.full_name))


async def school_rules(session: AsyncSession, org: Org) -> dict[str, Any]:
    """The school's settings as plain values ({"rules.quorum": "2/3", ...})."""
    return {key: v.value for key, v in (await values(session, org)).items()}


def title_family(settings: dict[str, Any], title: str) -> Family:
    """The rules one title follows, by the school's list of collective titles."""
    return family(title, settings["lists.titles_collective"])


def rules_of(settings: dict[str, Any]) -> Rules:
    """The conditions' rules, from the school's settings."""
    return Rules.of(settings)


async def cstdcs_limit(session: AsyncSession, rnd: JudgingRound, settings: dict[str, Any]) -> int:
    """How many may pass CSTĐCS in the round: the school's share of those who passed LĐTT (the
    cap, rules.cstdcs_share), counted from the round's outcomes now."""
    ldtt_titles = [t for t in rnd.titles if title_family(settings, t) == Family.LDTT]
    passed_ldtt = await session.scalar(
        select(func.count(Candidate.id)).where(
            Candidate.round_id == rnd.id,
            Candidate.title.in_(ldtt_titles),
            Candidate.outcome == Outcome.PASSED,
        )
    )
    return cap(int(passed_ldtt or 0), rules_of(settings).cstdcs_share)


def vote_rule(settings: dict[str, Any], title: str) -> tuple[bool, int, str]:
    """(secret?, threshold %, base "all"|"present") for a title, from the school's settings."""
    kind = title_family(settings, title)
    secret = str(settings[f"rules.ballot_{kind}"]) == "secret"
    threshold = int(settings[f"rules.approval_{kind}"])
    return secret, threshold, str(settings["rules.approval_base"])


async def facts_by_person(session: AsyncSession, org_id: int, year: int) -> dict[int, PersonYear]:
    """Each person's facts for a school year ({person_id: row})."""
    rows = await session.scalars(
        select(PersonYear).where(PersonYear.org_id == org_id, PersonYear.year == year)
    )
    return {row.person_id: row for row in rows}


async def recognised_initiatives(session: AsyncSession, org_id: int, year: int) -> dict[int, str]:
    """The initiative the school recognised this school year for each of its authors and
    co-authors ({person_id: title}): it meets the CSTĐCS condition as the hand tick does."""
    rows = await session.execute(
        select(ReviewEntry.author_id, ReviewEntry.coauthor_ids, ReviewEntry.title)
        .join(ReviewCall, ReviewCall.id == ReviewEntry.call_id)
        .where(
            ReviewCall.org_id == org_id,
            ReviewCall.kind == CallKind.INITIATIVE,
            ReviewCall.year == year,
            ReviewEntry.status == EntryStatus.ACCEPTED,
        )
        .order_by(ReviewEntry.id)
    )
    found: dict[int, str] = {}
    for author, coauthors, title in rows:
        for person in (author, *(coauthors or ())):
            found.setdefault(int(person), title)
    return found


async def council_of(session: AsyncSession, tg_user_id: int) -> Actor:
    """An active council member of their school (anyone else: "judging.council_only")."""
    try:
        return await require_role(session, tg_user_id, COUNCIL_ROLES)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("judging.council_only") from None
        raise
