"""A judged round ready for its dossier: the minutes' world (tests/minutes_world.py) with its first
minutes written, the round closed, the school's signer and addressees set, and approved good-deed
stories with photos about the nominees (and some that must stay out)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.judging.minutes import write_version
from services.school import change
from storage.db import SessionFactory
from storage.models import (
    Candidate,
    JudgingRound,
    Meeting,
    NomineeKind,
    Org,
    Outcome,
    Person,
    Publication,
    RoundStatus,
    Story,
    StoryPhoto,
    StoryStatus,
)
from tests.factories import CHAIR, School
from tests.minutes_world import Judged, judged_meeting
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
SIGNER = "Trần Thu Hà"
BUILT_AT = datetime(2027, 6, 2, 2, 0, tzinfo=UTC)  # 09:00 on 02/06/2027 in Hà Nội
IN_YEAR = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
BEFORE_YEAR = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)


@dataclass
class DossierWorld:
    """The judged round and what its dossier must hold."""

    judged: Judged
    round_id: int
    photos: dict[str, bytes] = field(default_factory=dict)  # Telegram file id -> bytes
    gone: list[str] = field(default_factory=list)  # file ids Telegram no longer serves
    passed: dict[str, list[str]] = field(default_factory=dict)  # title -> names, from the rows
    evidence: dict[str, list[str]] = field(default_factory=dict)  # name -> file ids kept


async def passed_names(sessions: SessionFactory, round_id: int) -> dict[str, list[str]]:
    """Who passed each title, read straight from the candidates (the independent count)."""
    async with sessions() as s:
        rows = await s.execute(
            select(Candidate.title, Person.full_name)
            .join(Person, Person.id == Candidate.person_id)
            .where(Candidate.round_id == round_id, Candidate.outcome == Outcome.PASSED)
        )
        found: dict[str, list[str]] = {}
        for title, name in rows.all():
            found.setdefault(title, []).append(name)
    return found


async def published(sessions: SessionFactory, org_id: int, round_id: int, by: int) -> None:
    """The result made public (công khai) in May, its objection window closed before the dossier
    (the publication room's own flow has its own tests)."""
    async with sessions() as s:
        s.add(
            Publication(
                org_id=org_id,
                round_id=round_id,
                published_by=by,
                published_at=datetime(2027, 5, 17, 2, 0, tzinfo=UTC),
                window_days=10,
                closes_on=date(2027, 5, 28),
                closes_at=datetime(2027, 5, 28, 17, 0, tzinfo=UTC),  # midnight in Hà Nội
                recipients=12,
                listed=[],
            )
        )
        await s.commit()


async def add_story(
    sessions: SessionFactory,
    org_id: int,
    author_id: int,
    nominee_id: int | None,
    file_ids: list[str],
    *,
    status: StoryStatus = StoryStatus.APPROVED,
    at: datetime = IN_YEAR,
) -> int:
    """A story about `nominee_id` with these photos."""
    async with sessions() as s:
        story = Story(
            org_id=org_id,
            author_id=author_id,
            text="Cô giúp em học sinh bị ngã về nhà an toàn.",
            nominee_kind=NomineeKind.COLLEAGUE,
            nominee_person_id=nominee_id,
            status=status,
            submitted_at=at,
            decided_at=at if status == StoryStatus.APPROVED else None,
        )
        s.add(story)
        await s.flush()
        for position, file_id in enumerate(file_ids):
            s.add(StoryPhoto(story_id=story.id, file_id=file_id, position=position))
        await s.commit()
        return story.id


async def dossier_world(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> DossierWorld:
    """The closed round with its minutes, settings and evidence."""
    judged = await judged_meeting(sessions, school, now)
    async with sessions() as s:
        meeting = await s.get(Meeting, judged.meeting_id)
        assert meeting is not None
        await write_version(s, meeting=meeting, texts=texts, tz=HN, actor_id=None, now=now)
        judging = await s.get(JudgingRound, meeting.round_id)
        assert judging is not None
        judging.status, judging.closed_at = RoundStatus.CLOSED, now
        org = await s.get(Org, judged.org_id)
        assert org is not None
        for key, raw in (
            ("facts.signer_principal", SIGNER),
            ("facts.short_name", "THAM"),
            ("rules.authority_cstdcs", "Thành phố"),
        ):
            await change(s, org=org, key=key, raw=raw, actor_id=None, now=now)
        await s.commit()
        round_id = judging.id
    world = DossierWorld(judged, round_id)
    await published(sessions, judged.org_id, round_id, judged.people[CHAIR])
    world.passed = await passed_names(sessions, round_id)
    async with sessions() as s:
        people = {p.full_name: p.id for p in await s.scalars(select(Person))}
    chair = judged.people[CHAIR]
    names = sorted({n for names in world.passed.values() for n in names})
    for n, name in enumerate(names):
        ids = [f"photo-{n}-{i}" for i in range(2)]
        for i, file_id in enumerate(ids):
            # Phone-photo-like bytes: a JPEG's magic, then noise (two sizes).
            world.photos[file_id] = b"\xff\xd8\xff\xe0" + os.urandom(3000 + 1000 * i)
        await add_story(sessions, judged.org_id, chair, people[name], ids)
        world.evidence[name] = ids
    # One photo Telegram no longer serves: reported, not skipped.
    first = names[0]
    world.gone.append("photo-gone")
    await add_story(sessions, judged.org_id, chair, people[first], ["photo-gone"])
    # Stories that must stay out: rejected, last school year, about someone not nominated.
    await add_story(
        sessions, judged.org_id, chair, people[first], ["out-1"], status=StoryStatus.REJECTED
    )
    await add_story(sessions, judged.org_id, chair, people[first], ["out-2"], at=BEFORE_YEAR)
    await add_story(sessions, judged.org_id, chair, chair, ["out-3"])
    for file_id in ("out-1", "out-2", "out-3"):
        world.photos[file_id] = b"\xff\xd8\xff\xe0 must not be in the dossier"
    return world
