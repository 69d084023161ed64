"""Who may do what at the judging meeting: each action tried by every kind of person (the world
and the rule of tests/services/test_permissions.py: staff, a council member and the chair of
another school, a deactivated vice-chair, a stranger...). An allowed cell must succeed; every other
cell must refuse and leave every table exactly as it was."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import conversations
from services.judging import meetings
from services.judging.common import open_round
from storage.models import (
    Attendance,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Person,
    RoundStatus,
)
from tests.factories import CHAIR
from tests.services import test_permissions as permissions
from tests.services.test_permissions import (
    DONE,
    GONE,
    LEFT,
    NO,
    OK,
    ROLES,
    Run,
    Setup,
    World,
)

# The world, built once per database for this module (the permissions module's fixtures).
world_url = permissions.world_url
built = permissions.built
world = permissions.world

MATRIX: dict[str, tuple[str, ...]] = {
    #                        stranger pending left staff council vice chair o_chair o_council
    "begin_schedule":        (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "schedule_meeting":      (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "cancel_meeting":        (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "open_meeting":          (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "check_in":              (NO,     NO,     LEFT, NO,   OK,     OK,   DONE, GONE,   GONE),
    "report_absence":        (NO,     NO,     LEFT, NO,   OK,     OK,   NO,   GONE,   GONE),
    "absence_from_a_draft":  (NO,     NO,     LEFT, NO,   OK,     OK,   NO,   GONE,   GONE),
}  # fmt: skip


async def _round(s: AsyncSession, w: World) -> JudgingRound:
    """School A's open round (made on first need)."""
    found = await open_round(s, w.school.org_id)
    if found is not None:
        return found
    chair = await s.scalar(select(Person.id).where(Person.tg_user_id == CHAIR))
    assert chair is not None
    made = JudgingRound(
        org_id=w.school.org_id,
        name="Bình xét thi đua năm học 2023-2024",
        year=2023,
        period_start=date(2023, 9, 5),
        period_end=date(2024, 5, 31),
        titles=["Lao động tiên tiến"],
        status=RoundStatus.OPEN,
        created_by=chair,
        created_at=w.now,
    )
    s.add(made)
    await s.flush()
    return made


async def _meeting(w: World, status: MeetingStatus) -> int:
    """A fresh meeting of school A starting in ten minutes (open: the chair checked in)."""
    async with w.sessions() as s:
        rnd = await _round(s, w)
        chair = await s.scalar(select(Person.id).where(Person.tg_user_id == CHAIR))
        assert chair is not None
        meeting = Meeting(
            round_id=rnd.id,
            org_id=w.school.org_id,
            starts_at=w.now + timedelta(minutes=10),
            place="Phòng họp",
            agenda="1. Biểu quyết",
            chair_id=chair,
            status=status,
            created_at=w.now,
        )
        if status == MeetingStatus.OPEN:
            meeting.council_size, meeting.opened_at = 3, w.now
        s.add(meeting)
        await s.flush()
        if status == MeetingStatus.OPEN:
            s.add(Attendance(meeting_id=meeting.id, person_id=chair, present=True, at=w.now))
        await s.commit()
        return meeting.id


async def scheduled(w: World, tg: int) -> int:
    """A scheduled meeting of school A."""
    return await _meeting(w, MeetingStatus.SCHEDULED)


async def under_way(w: World, tg: int) -> int:
    """An open meeting of school A (the chair is present)."""
    return await _meeting(w, MeetingStatus.OPEN)


async def school_round(w: World, tg: int) -> None:
    """School A's round is open."""
    async with w.sessions() as s:
        await _round(s, w)
        await s.commit()


async def preview(w: World, tg: int) -> None:
    """A meeting of school A at its preview in `tg`'s drafts, as if they reached it while they
    could (or forged it)."""
    async with w.sessions() as s:
        rnd = await _round(s, w)
        chair = await s.scalar(select(Person.id).where(Person.tg_user_id == CHAIR))
        await conversations.put(
            s,
            chat_id=tg,
            user_id=tg,
            kind="meeting",
            step="preview",
            data={
                "org_id": w.school.org_id,
                "round_id": rnd.id,
                "chair_id": chair,
                "replaces": None,
                "starts_at": (w.now + timedelta(days=3)).isoformat(),
                "place": "Phòng họp",
                "agenda": ["1. Biểu quyết"],
                "secretary_id": w.council_id,
            },
            now=w.now,
        )
        await s.commit()


async def absence_draft(w: World, tg: int) -> None:
    """`tg` was asked for the reason of an absence from a scheduled meeting of school A."""
    meeting_id = await scheduled(w, tg)
    async with w.sessions() as s:
        await conversations.put(
            s,
            chat_id=tg,
            user_id=tg,
            kind="absence",
            step="reason",
            data={"meeting_id": meeting_id},
            now=w.now,
        )
        await s.commit()


async def _report_absence(s: AsyncSession, w: World, tg: int, meeting_id: int) -> object:
    await meetings.ask_absence(s, tg_user_id=tg, meeting_id=meeting_id, texts=w.texts, now=w.now)
    return await meetings.give_absence(s, tg_user_id=tg, text="Ốm", texts=w.texts, now=w.now)


ACTIONS: dict[str, tuple[Setup, Run]] = {
    "begin_schedule": (
        school_round,
        lambda s, w, tg, _: meetings.begin(s, tg_user_id=tg, texts=w.texts, now=w.now),
    ),
    "schedule_meeting": (
        preview,
        lambda s, w, tg, _: meetings.create(s, tg_user_id=tg, texts=w.texts, now=w.now),
    ),
    "cancel_meeting": (
        scheduled,
        lambda s, w, tg, mid: meetings.cancel(
            s, tg_user_id=tg, meeting_id=mid, texts=w.texts, now=w.now
        ),
    ),
    "open_meeting": (
        scheduled,
        lambda s, w, tg, mid: meetings.open_meeting(
            s, tg_user_id=tg, meeting_id=mid, texts=w.texts, now=w.now
        ),
    ),
    "check_in": (
        under_way,
        lambda s, w, tg, mid: meetings.check_in(
            s, tg_user_id=tg, meeting_id=mid, texts=w.texts, now=w.now
        ),
    ),
    "report_absence": (scheduled, _report_absence),
    "absence_from_a_draft": (
        absence_draft,
        lambda s, w, tg, _: meetings.give_absence(
            s, tg_user_id=tg, text="Ốm", texts=w.texts, now=w.now
        ),
    ),
}


def test_the_matrix_covers_every_meeting_action_and_role() -> None:
    assert set(MATRIX) == set(ACTIONS)
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.one_database
@pytest.mark.parametrize("action", list(MATRIX))
async def test_each_role_may_do_at_the_meeting_exactly_what_the_matrix_says(
    action: str, world: World
) -> None:
    setup, run = ACTIONS[action]
    wrong = await permissions.wrong_cells(world, MATRIX[action], setup, run)
    assert not wrong, f"{action}:\n" + "\n".join(wrong)
