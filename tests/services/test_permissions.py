"""Who may do what: every privileged action tried by every kind of person, at the service layer.

The table below is the rule. The world is a school (A) with everyone in it and a second school
(B) whose chair tries A's things; before each try comes a fresh target (a new join request, a
new story, a draft left over from when the person still had the role...). An allowed cell must
succeed; every other cell must raise the service's refusal and leave every table exactly as it
was. The handlers only turn these refusals into alerts, so this is where the rule lives.

The world is built once per database; each action runs in a transaction rolled back at the end
(the services' commits become savepoints; SQLite transactions begin explicitly, see storage.db,
so they nest), and the actions cannot see each other's effects.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services import broadcasts, campaigns, members, orgs, proposals, publishing, stories, tallies
from services.base import Env
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.people import set_locale
from services.school import SchoolSettings
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.models import (
    Campaign,
    CampaignKind,
    NomineeKind,
    OutboxMessage,
    Person,
    Registration,
    Role,
    Story,
    StoryStatus,
    Title,
)
from tests.conftest import _truncate_pg
from tests.factories import (
    CHAIR,
    COUNCIL,
    STRANGER,
    TEACHER,
    VICE,
    School,
    join,
    make_other_school,
    make_school,
)
from tests.snapshots import changes, snapshot
from ui.texts import Texts

# Outcomes. A refusal is named by what the person is told, in kind:
OK = "ok"  # allowed: it happens
NO = "no"  # NotAllowed: not their role (or not their school's council)
LEFT = "left"  # NotAllowed with "errors.deactivated": told they left, not asked to join
GONE = "gone"  # NotFound: another school's thing, as if it did not exist
BAD = "bad"  # Invalid: the input itself is dead (a spent one-time code)
DONE = "done"  # AlreadyDone: nothing to do

ROLES = (
    "stranger",
    "pending",
    "left",
    "staff",
    "council",
    "vice",
    "chair",
    "other_chair",
    "other_council",
)
# The matrix. "left" is a vice-chair who has since been deactivated (the role stays on the row,
# only the status says they left). "other_chair" is the chair of school B trying school A's
# things; where an action is about one's own school (binding a group, starting an announcement,
# rotating the invite, binding a channel), it is allowed and acts on school B only.
# "other_council" is a council member (not the chair) of school B, trying school A's things.
MATRIX: dict[str, tuple[str, ...]] = {
    #                       stranger pending left staff council vice chair o_chair o_council
    "claim_chair":          (BAD,    BAD,    BAD,  BAD,  BAD,    BAD,  BAD,  BAD,    BAD),
    "bind_council":         (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   OK,     NO),
    "take_over_council":    (NO,     NO,     LEFT, NO,   NO,     NO,   DONE, BAD,    NO),
    "approve_join":         (NO,     NO,     LEFT, NO,   NO,     OK,   OK,   GONE,   NO),
    "decide_story":         (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   NO,     NO),
    "reopen_story":         (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "start_broadcast":      (NO,     NO,     LEFT, NO,   NO,     OK,   OK,   OK,     NO),
    "send_broadcast":       (NO,     NO,     LEFT, NO,   NO,     OK,   OK,   GONE,   NO),
    "create_campaign":      (NO,     NO,     LEFT, NO,   NO,     OK,   OK,   GONE,   NO),
    "edit_campaign":        (NO,     NO,     LEFT, NO,   NO,     OK,   OK,   GONE,   NO),
    "close_campaign":       (NO,     NO,     LEFT, NO,   NO,     OK,   OK,   GONE,   NO),
    "tally":                (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   NO,     NO),
    "export":               (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   NO,     NO),
    "propose":              (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   GONE,   GONE),
    "confirm_proposal":     (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "change_role":          (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "edit_departments":     (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   GONE,   NO),
    "rotate_invite":        (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   OK,     NO),
    "bind_channel":         (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   OK,     NO),
    "publish_story":        (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   GONE,   GONE),
    "propose_registration": (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   GONE,   GONE),
    "dismiss_picker":       (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   NO,     NO),
    "pending_in_group":     (NO,     NO,     LEFT, NO,   OK,     OK,   OK,   NO,     NO),
    "change_setting":       (NO,     NO,     LEFT, NO,   NO,     NO,   OK,   OK,     NO),
}  # fmt: skip

PENDING, DEACTIVATED, AUTHOR, OTHER_CHAIR, OTHER_COUNCIL = 3001, 3002, 3003, 3004, 3005
GROUP_A, GROUP_B = -1001000000001, -1001000000002
CHANNEL_A = -1002000000001
ROLE_IDS = {
    "stranger": STRANGER,
    "pending": PENDING,
    "left": DEACTIVATED,
    "staff": TEACHER,
    "council": COUNCIL,
    "vice": VICE,
    "chair": CHAIR,
    "other_chair": OTHER_CHAIR,
    "other_council": OTHER_COUNCIL,
}


@dataclass
class World:
    """School A with everyone, school B's chair, and what the actions need."""

    sessions: SessionFactory
    texts: Texts
    now: datetime
    school: School
    spent_code: str
    author_id: int
    council_id: int
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


async def _member(w: World, tg: int, name: str, role: Role = Role.STAFF) -> int:
    """Someone who joined school A and was approved (with `role`); their membership id."""
    mid = await join(
        w.sessions,
        w.texts,
        w.now,
        code=w.school.invite_code,
        tg_user_id=tg,
        name=name,
        department_id=w.school.departments["Tổ 2"],
    )
    async with w.sessions() as s:
        await members.decide_join(
            s, membership_id=mid, approver_tg_id=CHAIR, approve=True, texts=w.texts, now=w.now
        )
    if role != Role.STAFF:
        async with w.sessions() as s:
            await members.set_role(
                s, tg_user_id=CHAIR, membership_id=mid, role=role, texts=w.texts, now=w.now
            )
    return mid


async def build(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    """School A (council group, channel, a pending applicant, a deactivated vice-chair, an
    author) and school B, whose chair claimed it with its one-time link."""
    school = await make_school(sessions, texts, now)
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=GROUP_A, now=now)
    async with sessions() as s:
        await publishing.bind_channel(
            s,
            tg_user_id=CHAIR,
            chat_id=CHANNEL_A,
            title="Kênh trường",
            bot_can_post=True,
            user_is_admin=True,
            now=now,
        )
    # School B: its chair and a council member (not its chair), its council group bound.
    other = await make_other_school(sessions, texts, now, chair=OTHER_CHAIR, council=OTHER_COUNCIL)
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=OTHER_CHAIR, chat_id=GROUP_B, now=now)
    async with sessions() as s:
        await set_locale(s, tg_user_id=STRANGER, locale="vi", now=now)  # spoke to the bot once
    world = World(sessions, texts, now, school, other.chair_code or "", 0, 0)
    await _member(world, AUTHOR, "Đỗ Thị Hoa")
    left = await _member(world, DEACTIVATED, "Ngô Văn Cường", Role.VICE_CHAIR)
    async with sessions() as s:
        await members.deactivate(s, tg_user_id=CHAIR, membership_id=left, texts=texts, now=now)
    await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=PENDING,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 3"],
    )
    async with sessions() as s:
        people = {
            p.tg_user_id: p.id
            for p in (
                await s.scalars(select(Person).where(Person.tg_user_id.in_([AUTHOR, COUNCIL])))
            )
        }
        await s.execute(delete(OutboxMessage))
        await s.commit()
    world.author_id, world.council_id = people[AUTHOR], people[COUNCIL]
    return world


# ---------------------------------------------------------------------------- fresh targets


async def _story(w: World, status: StoryStatus) -> int:
    """A story the author wrote about themself, waiting or already decided by the member."""
    async with w.sessions() as s:
        story = Story(
            org_id=w.school.org_id,
            author_id=w.author_id,
            author_department_id=w.school.departments["Tổ 2"],
            text="Cô Hoa ở lại sau giờ để kèm <b>5 em</b> học yếu & chấm bài.",
            nominee_kind=NomineeKind.SELF,
            nominee_person_id=w.author_id,
            status=status,
            submitted_at=w.now,
            council_chat_id=GROUP_A,
        )
        if status != StoryStatus.PENDING:
            story.decided_by, story.decided_at = w.council_id, w.now
        s.add(story)
        await s.commit()
        return story.id


async def pending_story(w: World, tg: int) -> int:
    """A story waiting for the council."""
    return await _story(w, StoryStatus.PENDING)


async def approved_story(w: World, tg: int) -> int:
    """A story the council approved."""
    return await _story(w, StoryStatus.APPROVED)


async def proposal(w: World, tg: int) -> int:
    """A council member's proposal (for an approved story) waiting for the chair."""
    story_id = await _story(w, StoryStatus.APPROVED)
    async with w.sessions() as s:
        made = await proposals.propose(
            s,
            tg_user_id=COUNCIL,
            source="s",
            source_id=story_id,
            form_index=0,
            level_index=0,
            texts=w.texts,
            now=w.now,
        )
    return made.id


async def join_request(w: World, tg: int) -> int:
    """A newcomer's join request waiting for a leader."""
    return await join(
        w.sessions,
        w.texts,
        w.now,
        code=w.school.invite_code,
        tg_user_id=5000 + next(w.seq),
        name="Lý Thị Thu",
        department_id=w.school.departments["Tổ 4"],
    )


async def staff_member(w: World, tg: int) -> int:
    """An approved teacher of school A."""
    return await _member(w, 6000 + next(w.seq), "Hồ Văn Nam")


async def department(w: World, tg: int) -> int:
    """A department of school A."""
    async with w.sessions() as s:
        dept = await members.add_department(
            s, tg_user_id=CHAIR, name=f"Tổ ghép {next(w.seq)}", now=w.now
        )
    return dept.id


async def campaign(w: World, tg: int) -> int:
    """A campaign of school A, open for a month."""
    async with w.sessions() as s:
        made = await campaigns.create_direct(
            s,
            org_id=w.school.org_id,
            name=f"Người tốt, việc tốt đợt {next(w.seq)}",
            kind=CampaignKind.GOOD_DEEDS,
            starts_at=w.now - timedelta(days=1),
            ends_at=w.now + timedelta(days=30),
            now=w.now,
        )
    return made.id


async def _draft(w: World, tg: int, kind: str, step: str, data: dict[str, Any]) -> None:
    """A dialogue left in the database, as if `tg` had reached `step` while they could."""
    from services import conversations

    async with w.sessions() as s:
        await conversations.put(
            s, chat_id=tg, user_id=tg, kind=kind, step=step, data=data, now=w.now
        )
        await s.commit()


async def broadcast_draft(w: World, tg: int) -> None:
    """An announcement for school A at its preview, ready to send."""
    await _draft(
        w,
        tg,
        broadcasts.KIND,
        "preview",
        {
            "org_id": w.school.org_id,
            "sender": "Người gửi",
            "html": "Chiều nay họp Hội đồng lúc <b>16:00</b>.",
            "length": 31,
            "text_limit": 3900,
            "caption_limit": 900,
            "audience": "all",
            "audience_name": "",
            "recipients": 6,
        },
    )


async def campaign_draft(w: World, tg: int) -> None:
    """A new campaign for school A at its preview, ready to create."""
    await _draft(
        w,
        tg,
        "campaign",
        "preview",
        {
            "org_id": w.school.org_id,
            "levels": ["Trường"],
            "name": "Văn hóa công sở",
            "description": "",
            "launched_by": "Trường",
            "kind": "good_deeds",
            "starts_at": (w.now + timedelta(days=1)).isoformat(),
            "ends_at": (w.now + timedelta(days=20)).isoformat(),
            "reminder_days": [1],
        },
    )


async def campaign_edit(w: World, tg: int) -> None:
    """A change of dates of school A's campaign, waiting for the new end date."""
    await _draft(w, tg, "campaign_edit", "dates", {"campaign_id": await campaign(w, tg)})


async def registration(w: World, tg: int) -> int:
    """The author's registration for Lao động tiên tiến in a registration campaign of school A."""
    async with w.sessions() as s:
        title = await s.scalar(
            select(Title.id).where(
                Title.org_id == w.school.org_id, Title.name == "Lao động tiên tiến"
            )
        )
        made = Campaign(
            org_id=w.school.org_id,
            name=f"Đăng ký danh hiệu {next(w.seq)}",
            launched_by="Trường",
            kind=CampaignKind.REGISTRATION,
            starts_at=w.now - timedelta(days=1),
            ends_at=w.now + timedelta(days=30),
            created_at=w.now,
        )
        s.add(made)
        await s.flush()
        assert title is not None
        entry = Registration(
            campaign_id=made.id, person_id=w.author_id, title_id=title, registered_at=w.now
        )
        s.add(entry)
        await s.commit()
        return entry.id


async def new_chat(w: World, tg: int) -> int:
    """A group or channel nobody has bound yet."""
    return -1003000000000 - next(w.seq)


async def nothing(w: World, tg: int) -> None:
    """No target: the action is about the actor's own school."""


# ---------------------------------------------------------------------------- the actions

Run = Callable[[AsyncSession, World, int, Any], Awaitable[object]]
Setup = Callable[[World, int], Awaitable[Any]]


async def _export(s: AsyncSession, w: World, tg: int, target: Any) -> object:
    result = await tallies.export(
        s, tg_user_id=tg, chat_id=GROUP_A, code="y", tz=w.texts.tz, now=w.now
    )
    for file in result.files:
        file.data.close()
    return result


ACTIONS: dict[str, tuple[Setup, Run]] = {
    "claim_chair": (
        nothing,
        lambda s, w, tg, _: orgs.claim_chair(
            s, code=w.spent_code, tg_user_id=tg, display_name="X", now=w.now
        ),
    ),
    "bind_council": (
        new_chat,
        lambda s, w, tg, chat: orgs.bind_council(s, tg_user_id=tg, chat_id=chat, now=w.now),
    ),
    "take_over_council": (
        nothing,
        lambda s, w, tg, _: orgs.bind_council(s, tg_user_id=tg, chat_id=GROUP_A, now=w.now),
    ),
    "approve_join": (
        join_request,
        lambda s, w, tg, mid: members.decide_join(
            s, membership_id=mid, approver_tg_id=tg, approve=True, texts=w.texts, now=w.now
        ),
    ),
    "decide_story": (
        pending_story,
        lambda s, w, tg, sid: stories.decide(
            s,
            story_id=sid,
            reviewer_tg_id=tg,
            verdict="approve",
            reason=None,
            texts=w.texts,
            now=w.now,
        ),
    ),
    "reopen_story": (
        approved_story,
        lambda s, w, tg, sid: stories.reopen(
            s, story_id=sid, chair_tg_id=tg, reason="Cần xem lại", texts=w.texts, now=w.now
        ),
    ),
    "start_broadcast": (
        nothing,
        lambda s, w, tg, _: broadcasts.start(s, tg_user_id=tg, texts=w.texts, now=w.now),
    ),
    "send_broadcast": (
        broadcast_draft,
        lambda s, w, tg, _: broadcasts.confirm(
            s,
            tg_user_id=tg,
            progress_chat_id=tg,
            progress_message_id=1,
            texts=w.texts,
            now=w.now,
        ),
    ),
    "create_campaign": (
        campaign_draft,
        lambda s, w, tg, _: campaigns.create(s, tg_user_id=tg, now=w.now),
    ),
    "edit_campaign": (
        campaign_edit,
        lambda s, w, tg, _: campaigns.reschedule(
            s, tg_user_id=tg, text="30/04/2024", tz=w.texts.tz, now=w.now
        ),
    ),
    "close_campaign": (
        campaign,
        lambda s, w, tg, cid: campaigns.close_early(s, tg_user_id=tg, campaign_id=cid, now=w.now),
    ),
    "tally": (
        nothing,
        lambda s, w, tg, _: tallies.tally(
            s, tg_user_id=tg, chat_id=GROUP_A, code="y", tz=w.texts.tz, now=w.now
        ),
    ),
    "export": (nothing, _export),
    "propose": (
        approved_story,
        lambda s, w, tg, sid: proposals.propose(
            s,
            tg_user_id=tg,
            source="s",
            source_id=sid,
            form_index=0,
            level_index=0,
            texts=w.texts,
            now=w.now,
        ),
    ),
    "confirm_proposal": (
        proposal,
        lambda s, w, tg, pid: proposals.decide(
            s,
            proposal_id=pid,
            chair_tg_id=tg,
            confirm=True,
            reason=None,
            texts=w.texts,
            now=w.now,
        ),
    ),
    "change_role": (
        staff_member,
        lambda s, w, tg, mid: members.set_role(
            s, tg_user_id=tg, membership_id=mid, role=Role.COUNCIL, texts=w.texts, now=w.now
        ),
    ),
    "edit_departments": (
        department,
        lambda s, w, tg, did: members.rename_department(
            s, tg_user_id=tg, department_id=did, name=f"Tổ đổi tên {did}", now=w.now
        ),
    ),
    "rotate_invite": (
        nothing,
        lambda s, w, tg, _: orgs.invite(s, tg_user_id=tg, rotate=True, now=w.now),
    ),
    "bind_channel": (
        new_chat,
        lambda s, w, tg, chat: publishing.bind_channel(
            s,
            tg_user_id=tg,
            chat_id=chat,
            title="Kênh",
            bot_can_post=True,
            user_is_admin=True,
            now=w.now,
        ),
    ),
    "propose_registration": (
        registration,
        lambda s, w, tg, rid: proposals.propose(
            s,
            tg_user_id=tg,
            source="r",
            source_id=rid,
            form_index=0,
            level_index=0,
            texts=w.texts,
            now=w.now,
        ),
    ),
    "dismiss_picker": (
        nothing,
        lambda s, w, tg, _: proposals.check_council(s, tg_user_id=tg, chat_id=GROUP_A),
    ),
    "pending_in_group": (
        nothing,
        lambda s, w, tg, _: stories.pending(s, tg_user_id=tg, chat_id=GROUP_A),
    ),
    "change_setting": (
        nothing,
        lambda s, w, tg, _: SchoolSettings(
            Env(sessions=w.sessions, texts=w.texts, clock=lambda: w.now, tz=w.texts.tz)
        ).change(tg_user_id=tg, key="facts.place", raw="Gia Lâm"),
    ),
    "publish_story": (
        approved_story,
        lambda s, w, tg, sid: publishing.publish_story(
            s, story_id=sid, tg_user_id=tg, texts=w.texts, now=w.now
        ),
    ),
}


def outcome(refusal: ServiceError | None) -> str:
    """The matrix's name for what happened."""
    if refusal is None:
        return OK
    if isinstance(refusal, NotAllowed):
        return LEFT if refusal.key == "errors.deactivated" else NO
    kinds = {NotFound: GONE, Invalid: BAD, AlreadyDone: DONE}
    return next(name for kind, name in kinds.items() if isinstance(refusal, kind))


def test_the_matrix_covers_every_action_and_role() -> None:
    assert set(MATRIX) == set(ACTIONS)
    assert all(len(row) == len(ROLES) for row in MATRIX.values())
    assert set(ROLES) == set(ROLE_IDS)


# ---------------------------------------------------------------------------- the world, once

NOW = datetime(2024, 2, 23, 1, 0, tzinfo=UTC)


@dataclass
class Built:
    """The committed world on one database."""

    engine: AsyncEngine
    world: World


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> str:
    """A migrated database for the module's world (PostgreSQL: the run's test database)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("permissions") / "bot.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def built(world_url: str) -> AsyncIterator[Built]:
    """The world, built and committed once per database for the whole module."""
    engine = make_engine(world_url)
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        await _truncate_pg(engine)
    world = await build(
        make_session_factory(engine), Texts(ZoneInfo("Asia/Ho_Chi_Minh"), "vi"), NOW
    )
    yield Built(engine, world)
    if postgres:
        await _truncate_pg(engine)
    await engine.dispose()


@pytest_asyncio.fixture(loop_scope="module")
async def world(built: Built) -> AsyncIterator[World]:
    """The world inside one transaction that is rolled back afterwards."""
    async with built.engine.connect() as conn:
        await conn.begin()
        sessions = async_sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        yield replace(built.world, sessions=sessions, seq=itertools.count(1))
        await conn.rollback()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.one_database
@pytest.mark.parametrize("action", list(MATRIX))
async def test_each_role_may_do_exactly_what_the_matrix_says_and_a_refusal_changes_nothing(
    action: str, world: World
) -> None:
    wrong = await wrong_cells(world, MATRIX[action], *ACTIONS[action])
    assert not wrong, f"{action}:\n" + "\n".join(wrong)


async def wrong_cells(world: World, row: tuple[str, ...], setup: Setup, run: Run) -> list[str]:
    """Each role tries the action on a fresh target: the cells where what happened is not what
    the matrix's row says, or where a refusal changed something (also used by other areas'
    matrices, e.g. tests/services/test_judging_facts.py)."""
    wrong = []
    for role, expected in zip(ROLES, row, strict=True):
        tg = ROLE_IDS[role]
        target = await setup(world, tg)
        before = None if expected == OK else await snapshot(world.sessions)
        refusal: ServiceError | None = None
        try:
            async with world.sessions() as s:
                await run(s, world, tg, target)
        except ServiceError as caught:
            refusal = caught
        got = outcome(refusal)
        if got != expected:
            wrong.append(f"{role}: expected {expected}, got {got} ({refusal!r})")
        elif before is not None and (diff := changes(before, await snapshot(world.sessions))):
            wrong.append(f"{role}: refused ({refusal!r}) but changed {diff}")
    return wrong
