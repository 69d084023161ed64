"""Who may do what in the writing contest: leaders run it, members send entries, a judge reads
only the entries given to them (role by role: author, judge, staff, another school, deactivated,
stranger)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from services.contest import Contests
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.reviews import Reviews
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import ReviewEntry
from tests.contest.world import (
    GONE,
    OTHER_CHAIR,
    T2,
    T3,
    T3B,
    World,
    build,
    make_env,
    open_contest,
    write,
)
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE
from ui.texts import Texts


@pytest.fixture
async def world(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    return await build(sessions, texts, now)


@pytest.fixture
def clock(now: datetime) -> list[datetime]:
    return [now]


@pytest.fixture
def fetched() -> dict[str, bytes]:
    return {}


@pytest.fixture
def contests(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], tmp_path: Path,
    fetched: dict[str, bytes],
) -> Contests:  # fmt: skip
    return Contests(make_env(sessions, texts, clock, FileStore(tmp_path / "files"), fetched))


@pytest.fixture
def reviews(contests: Contests) -> Reviews:
    return Reviews(contests.env)


async def _entries(sessions: SessionFactory) -> dict[str, ReviewEntry]:
    async with sessions() as s:
        return {e.code: e for e in await s.scalars(select(ReviewEntry))}


LEADER_ACTIONS = ("begin_open", "jury", "score", "remind", "document")


async def _leader_action(
    contests: Contests, action: str, tg: int, contest_id: int, person_id: int
) -> None:
    if action == "begin_open":
        await contests.begin_open(tg_user_id=tg)
    elif action == "jury":
        await contests.toggle_juror(
            tg_user_id=tg, contest_id=contest_id, person_id=person_id, page=0
        )
    elif action == "score":
        await contests.start_scoring(tg_user_id=tg, contest_id=contest_id)
    elif action == "remind":
        await contests.remind_now(tg_user_id=tg, contest_id=contest_id)
    else:
        await contests.document(tg_user_id=tg, contest_id=contest_id, what="docx")


@pytest.mark.one_database
@pytest.mark.parametrize("action", LEADER_ACTIONS)
@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (TEACHER, NotAllowed),  # an author
        (COUNCIL, NotAllowed),  # a judge (and an author)
        (T3B, NotAllowed),  # staff
        (OTHER_CHAIR, NotFound),  # another school's chair: this contest is not found
        (GONE, NotAllowed),  # deactivated
        (STRANGER, NotAllowed),
    ],
)
async def test_only_the_schools_leaders_run_the_contest(
    world: World, contests: Contests, action: str, who: int, refusal: type[ServiceError]
) -> None:
    contest_id = await open_contest(contests)
    await write(contests, TEACHER, contest_id, "Bác Tư", "Bác Tư tận tụy.")
    expected: type[ServiceError] = refusal
    if action == "begin_open" and who == OTHER_CHAIR:
        await contests.begin_open(tg_user_id=who)  # their own school has none: allowed
        return
    with pytest.raises(expected):
        await _leader_action(contests, action, who, contest_id, world.person[T3])


@pytest.mark.one_database
async def test_a_second_contest_waits_for_the_first_and_the_vice_chair_may_run_it(
    world: World, contests: Contests
) -> None:
    contest_id = await open_contest(contests)
    with pytest.raises(AlreadyDone):
        await contests.begin_open(tg_user_id=VICE)
    await write(contests, TEACHER, contest_id, "Bác Tư", "Bác Tư tận tụy.")
    view = await contests.start_scoring(tg_user_id=VICE, contest_id=contest_id)
    assert view.phase == "scoring" and view.sheets_total == 3


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (TEACHER, NotFound),  # the author: not theirs to score
        (T3B, NotFound),  # staff
        (OTHER_CHAIR, NotFound),  # another school
        (GONE, NotAllowed),  # deactivated
        (STRANGER, NotAllowed),
    ],
)
async def test_only_a_judge_given_the_entry_reads_it(
    world: World, contests: Contests, sessions: SessionFactory, who: int,
    refusal: type[ServiceError],
) -> None:  # fmt: skip
    contest_id = await open_contest(contests)
    code = await write(contests, TEACHER, contest_id, "Bác Tư", "Vũ Thị Mai: bác Tư tận tụy.")
    await contests.start_scoring(tg_user_id=CHAIR, contest_id=contest_id)
    entry = (await _entries(sessions))[code]
    assert (await contests.read(tg_user_id=T2, entry_id=entry.id)).code == code
    with pytest.raises(refusal):
        await contests.read(tg_user_id=who, entry_id=entry.id)


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("who", "refusal"), [(OTHER_CHAIR, NotFound), (GONE, NotAllowed), (STRANGER, NotAllowed)]
)
async def test_only_the_schools_members_send_entries(
    world: World, contests: Contests, who: int, refusal: type[ServiceError]
) -> None:
    contest_id = await open_contest(contests)
    with pytest.raises(refusal):
        await contests.begin_entry(tg_user_id=who, contest_id=contest_id)


@pytest.mark.one_database
async def test_no_entry_once_the_judging_started_and_no_final_before_all_sheets(
    world: World, contests: Contests, reviews: Reviews
) -> None:
    contest_id = await open_contest(contests)
    await write(contests, TEACHER, contest_id, "Bác Tư", "Bác Tư tận tụy.")
    await contests.start_scoring(tg_user_id=CHAIR, contest_id=contest_id)
    with pytest.raises(NotAllowed):
        await contests.begin_entry(tg_user_id=T3, contest_id=contest_id)
    with pytest.raises(Invalid) as early:
        await contests.close_first_round(tg_user_id=CHAIR, contest_id=contest_id)
    assert early.value.key == "contest.sheets_missing" and early.value.values["missing"] == 3
    with pytest.raises(Invalid):
        await contests.finish(tg_user_id=CHAIR, contest_id=contest_id)  # the final comes first
    with pytest.raises(Invalid) as early_report:  # a leader may be a judge: no names yet
        await contests.document(tg_user_id=CHAIR, contest_id=contest_id, what="docx")
    assert early_report.value.key == "contest.not_over"
    with pytest.raises(Invalid):
        await contests.toggle_juror(
            tg_user_id=CHAIR, contest_id=contest_id, person_id=world.person[T3], page=0
        )
