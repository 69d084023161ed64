"""Where the dossier's parts and blockers come from: the rooms of the end-of-year cycle.

Each room exposes `dossier_parts(session, round_id)` and `dossier_blockers(session, round_id)`
(services/dossier_parts.py). The lead adds them to these lists when the rooms are merged
(`PART_SOURCES.append(publication.dossier_parts)`); the dossier's code does not change.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.dossier_parts import BlockerSource, DossierBlocker, PartSource
from services.judging.achievements import dossier as achievements
from services.judging.publication import dossier as publication
from storage.models import JudgingRound, RoundStatus


async def round_still_open(session: AsyncSession, round_id: int) -> list[DossierBlocker]:
    """The round's result list is final only once the chair closed the round."""
    judging = await session.get(JudgingRound, round_id)
    if judging is not None and judging.status == RoundStatus.OPEN:
        return [DossierBlocker("dossier.blocked_round_open", {"name": judging.name})]
    return []


# A source may also take keywords among `now`, `tz`, `files` and `titles` (the titles of the one
# level's dossier being built; absent for the overview of all levels): content._call passes them.
PART_SOURCES: list[PartSource] = [publication.dossier_parts, achievements.dossier_parts]
BLOCKER_SOURCES: list[BlockerSource] = [
    round_still_open,
    publication.dossier_blockers,
    achievements.dossier_blockers,
]
