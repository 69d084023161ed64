"""The judging round's votes: the quorum, open and secret ballots, changed votes, conflicts of
interest, the count on the rule's base, ties, the CSTĐCS cap, races, and who may do what."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select, text, update

from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.judging import Ballots, Rounds
from services.judging.ballots import box_key
from services.school import change
from storage.db import SessionFactory
from storage.models import (
    Ballot,
    BallotBoxEntry,
    Base,
    Candidate,
    DeptStatus,
    JudgingRound,
    Membership,
    MemberStatus,
    Org,
    OutboxMessage,
    Outcome,
    Rating,
    Role,
    Vote,
)
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE
from tests.judging.world import CSTDCS, LDTT, World, build, env, hold_meeting, set_facts
from ui.texts import Texts

GOOD = (Rating.GOOD, date(2015, 9, 1), None, None)


async def _open(sessions: SessionFactory, texts: Texts, clock: list[datetime]) -> JudgingRound:
    await Rounds(env(sessions, texts, clock)).open(tg_user_id=CHAIR)
    async with sessions() as s:
        rnd = await s.scalar(select(JudgingRound))
        assert rnd is not None
        # The departments proposed everyone (the department heads' step is tested on its own).
        await s.execute(update(Candidate).values(dept_status=DeptStatus.PROPOSED))
        await s.commit()
        return rnd


@pytest.fixture
async def world(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    return await build(sessions, texts, now, staff=8, cstdcs=3)


@pytest.fixture
def clock(now: datetime) -> list[datetime]:
    return [now]


async def test_opening_a_round_gathers_the_years_registrations(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    opened = await Rounds(env(sessions, texts, clock)).open(tg_user_id=CHAIR)
    titles = {t.title: t for t in opened.view.titles}
    # 18 registrants (9 council members, 9 teachers): 3 CSTĐCS (also LĐTT candidates).
    assert len(world.council + world.staff) == 18
    assert len(titles[CSTDCS].candidates) == 3
    assert len(titles[LDTT].candidates) == 18
    assert all(c.dept_status == "waiting" for c in titles[LDTT].candidates)
    assert opened.view.name == "Bình xét thi đua năm học 2023-2024"
    with pytest.raises(AlreadyDone):
        await Rounds(env(sessions, texts, clock)).open(tg_user_id=CHAIR)


async def test_warnings_name_each_unmet_condition(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    p = world.person
    await set_facts(
        sessions,
        world.school.org_id,
        rnd.year,
        {
            p[world.staff[1]]: (Rating.DONE, date(2015, 9, 1), None, None),
            p[world.staff[2]]: (Rating.GOOD, date(2023, 9, 1), None, None),
            p[world.staff[3]]: (Rating.EXCELLENT, date(2010, 1, 1), "Khiển trách", None),
        },
        clock[0],
    )
    view = await Rounds(env(sessions, texts, clock)).view(tg_user_id=COUNCIL)
    lines = {c.person_id: c for t in view.titles if t.title == LDTT for c in t.candidates}
    assert [w.key for w in lines[p[world.staff[1]]].warnings] == ["rating"]
    assert [w.key for w in lines[p[world.staff[2]]].warnings] == ["service"]
    assert lines[p[world.staff[2]]].warnings[0].params == {"months": 5, "needed": 6}
    assert [w.key for w in lines[p[world.staff[3]]].warnings] == ["discipline"]
    assert [w.key for w in lines[p[world.staff[4]]].warnings] == ["no_rating", "no_start"]
    rendered = texts.render("vi", "judging.view", r=view)
    assert "xếp loại “hoàn thành nhiệm vụ”, cần “hoàn thành tốt nhiệm vụ” trở lên" in rendered
    assert "mới công tác 5 tháng, cần từ 6 tháng" in rendered


async def _everyone_good(
    sessions: SessionFactory, world: World, rnd: JudgingRound, now: datetime
) -> None:
    await set_facts(
        sessions,
        world.school.org_id,
        rnd.year,
        {pid: (*GOOD[:3], "Sáng kiến") for pid in world.person.values()},
        now,
    )


async def test_a_vote_needs_the_quorum(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    present = [world.person[tg] for tg in world.council[:5]]  # 5 of 9: 2/3 needs 6
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    with pytest.raises(Invalid) as refused:
        await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    assert refused.value.values == {"present": 5, "size": 9, "needed": 6}
    assert "có mặt 5/9, cần ít nhất 6" in texts.render(
        "vi", "judging.no_quorum", **refused.value.values
    )
    # A school whose rule is one half holds the vote with the same five.
    async with sessions() as s:
        org = await s.get(Org, world.school.org_id)
        assert org is not None
        await change(s, org=org, key="rules.quorum", raw="1/2", actor_id=None, now=clock[0])
        await s.commit()
    progress = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    assert (progress.voted, progress.voters) == (0, 5)


async def _cast_all(
    ballots: Ballots, world: World, ballot_id: int, votes: dict[int, dict[int, bool]]
) -> None:
    for tg, choices in votes.items():
        for candidate_id, yes in choices.items():
            await ballots.cast(
                tg_user_id=tg, ballot_id=ballot_id, candidate_id=candidate_id, yes=yes
            )


async def test_an_open_and_a_secret_vote_counted_on_the_rules_base(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    await _everyone_good(sessions, world, rnd, clock[0])
    absent = world.council[8]
    present_tg = world.council[:8]
    present = [world.person[tg] for tg in present_tg]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)  # LĐTT: open
    async with sessions() as s:
        ballot = await s.scalar(select(Ballot).where(Ballot.title == LDTT))
        assert ballot is not None and not ballot.secret
        cands = (
            await s.scalars(select(Candidate).where(Candidate.title == LDTT).order_by(Candidate.id))
        ).all()
        sent = (
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.ref.like(f"ballot:{ballot.id}:sheet:%"))
            )
        ).all()
    assert {m.chat_id for m in sent} == set(present_tg)  # the absent member gets no ballot
    rng = random.Random(14)
    votes: dict[int, dict[int, bool]] = {}
    for tg in present_tg:
        votes[tg] = {c.id: rng.random() < 0.85 for c in cands if c.person_id != world.person[tg]}
    # A member voting on herself is refused, nothing recorded.
    own = next(c for c in cands if c.person_id == world.person[COUNCIL])
    with pytest.raises(NotAllowed) as refused:
        await ballots.cast(tg_user_id=COUNCIL, ballot_id=ballot.id, candidate_id=own.id, yes=True)
    assert refused.value.key == "judging.own_vote"
    # The absent member cannot vote.
    with pytest.raises(NotAllowed):
        await ballots.cast(
            tg_user_id=absent, ballot_id=ballot.id, candidate_id=cands[0].id, yes=True
        )
    # A changed vote: first no, then yes; only the last counts.
    first = cands[0].id
    await ballots.cast(tg_user_id=VICE, ballot_id=ballot.id, candidate_id=first, yes=False)
    votes[VICE][first] = True
    await _cast_all(ballots, world, ballot.id, votes)
    progress = await ballots.progress(tg_user_id=CHAIR, ballot_id=ballot.id)
    assert (progress.voted, progress.voters) == (8, 8)
    result = await ballots.close_vote(tg_user_id=CHAIR, ballot_id=ballot.id)
    # The independent count: base = all 9 members but the candidate herself if on the council.
    council_people = {world.person[tg] for tg in world.council}
    for line, c in zip(result.lines, cands, strict=True):
        yes = sum(1 for tg in present_tg if votes[tg].get(c.id) is True)
        no = sum(1 for tg in present_tg if votes[tg].get(c.id) is False)
        base = 9 - (1 if c.person_id in council_people else 0)
        assert (line.yes, line.no, line.base) == (yes, no, base), line.name
        assert (line.outcome == Outcome.PASSED) == (yes * 100 >= 70 * base and yes > no)
    with pytest.raises(AlreadyDone):
        await ballots.cast(tg_user_id=VICE, ballot_id=ballot.id, candidate_id=first, yes=False)

    # CSTĐCS: a secret ballot; the cap is 15 % of those who passed LĐTT.
    await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=1)
    async with sessions() as s:
        secret = await s.scalar(select(Ballot).where(Ballot.title == CSTDCS))
        assert secret is not None and secret.secret
        top = (
            await s.scalars(
                select(Candidate).where(Candidate.title == CSTDCS).order_by(Candidate.id)
            )
        ).all()
    for tg in present_tg:
        for c in top:
            if c.person_id != world.person[tg]:
                await ballots.cast(tg_user_id=tg, ballot_id=secret.id, candidate_id=c.id, yes=True)
    sheet = await ballots.sheet(tg_user_id=VICE, ballot_id=secret.id)
    assert all(line.choice is True for line in sheet.lines if not line.own)  # she sees her own
    capped = await ballots.close_vote(tg_user_id=CHAIR, ballot_id=secret.id)
    passed_ldtt = result.passed
    assert capped.cap == passed_ldtt * 15 // 100
    passed = sum(1 for line in capped.lines if line.outcome == Outcome.PASSED)
    over = sum(1 for line in capped.lines if line.outcome == Outcome.OVER_CAP)
    assert (passed, over) == (min(capped.cap, 3), 3 - min(capped.cap, 3))
    assert capped.cap < 3  # the cap did bite
    async with sessions() as s:
        assert await s.scalar(select(BallotBoxEntry.key)) is None  # emptied into the counts


async def test_a_tie_never_passes_and_is_written_as_a_tie(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    async with sessions() as s:
        org = await s.get(Org, world.school.org_id)
        assert org is not None
        await change(s, org=org, key="rules.approval_ldtt", raw="40", actor_id=None, now=clock[0])
        await change(
            s, org=org, key="rules.approval_base", raw="present", actor_id=None, now=clock[0]
        )
        await s.commit()
    present_tg = world.council[:6]
    present = [world.person[tg] for tg in present_tg]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    progress = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    async with sessions() as s:
        target = await s.scalar(
            select(Candidate).where(
                Candidate.person_id == world.person[world.staff[0]], Candidate.title == LDTT
            )
        )
        assert target is not None
    for n, tg in enumerate(present_tg):
        await ballots.cast(
            tg_user_id=tg, ballot_id=progress.ballot_id, candidate_id=target.id, yes=n % 2 == 0
        )
    result = await ballots.close_vote(tg_user_id=CHAIR, ballot_id=progress.ballot_id)
    line = next(line for line in result.lines if line.name == "Vũ Thị Mai")
    assert (line.yes, line.no, line.base, line.tie) == (3, 3, 6, True)
    assert line.outcome == Outcome.FAILED  # 50 % ≥ 40 %, but a tie
    assert "Không đạt (số phiếu ngang nhau)" in texts.render("vi", "judging.result", r=result)


async def test_a_secret_ballot_keeps_no_link_from_a_member_to_a_direction(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    present_tg = world.council[:7]
    present = [world.person[tg] for tg in present_tg]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    await ballots.close_vote(tg_user_id=CHAIR, ballot_id=1)
    opened = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=1)
    async with sessions() as s:
        cands = (await s.scalars(select(Candidate).where(Candidate.title == CSTDCS))).all()
    directions = {}
    for n, tg in enumerate(present_tg):
        for c in cands:
            if c.person_id != world.person[tg]:
                directions[(tg, c.id)] = n % 3 != 0
                await ballots.cast(
                    tg_user_id=tg, ballot_id=opened.ballot_id, candidate_id=c.id, yes=n % 3 != 0
                )

    async def dump() -> list[tuple[str, dict[str, Any]]]:
        rows = []
        async with sessions() as s:
            for table in Base.metadata.sorted_tables:
                for row in (await s.execute(select(table))).mappings():
                    rows.append((table.name, dict(row)))
        return rows

    person_ids = {world.person[tg] for tg in present_tg}
    for when in ("open", "closed"):
        for table, row in await dump():
            values = {str(v) for v in row.values() if v is not None}
            has_direction = bool(values & {"yes", "no"}) or table == "ballot_box"
            names_member = table in ("votes", "attendance", "people", "memberships") or any(
                k.endswith(("person_id", "_by")) and row[k] in person_ids for k in row
            )
            if table == "outbox":  # messages: the ballots carry no choice, only the buttons
                shown = str(row["payload"])
                assert not re.search(r"✅\d|— ✅|— ❌", shown), row
                continue
            assert not (has_direction and names_member), (when, table, row)
        votes = await dump()
        assert all(
            r["choice"] is None
            for t, r in votes
            if t == "votes" and r["ballot_id"] == opened.ballot_id
        )
        if when == "open":
            async with sessions() as s:
                keys = set(await s.scalars(select(BallotBoxEntry.key)))
            # Without the key kept outside the database, nobody can file a member's vote.
            for tg, cid in directions:
                assert box_key(b"", opened.ballot_id, cid, world.person[tg]) not in keys
                assert box_key(b"k", opened.ballot_id, cid, world.person[tg]) in keys
            await ballots.close_vote(tg_user_id=CHAIR, ballot_id=opened.ballot_id)
    async with sessions() as s:
        counted = (await s.scalars(select(Candidate).where(Candidate.title == CSTDCS))).all()
    for c in counted:
        assert c.yes == sum(1 for (tg, cid), yes in directions.items() if cid == c.id and yes)
        assert c.no == sum(1 for (tg, cid), yes in directions.items() if cid == c.id and not yes)


async def test_two_closes_at_once_count_once_and_a_late_vote_is_refused(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    present_tg = world.council[:7]
    present = [world.person[tg] for tg in present_tg]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    opened = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    async with sessions() as s:
        cand = await s.scalar(select(Candidate).where(Candidate.person_id == world.person[TEACHER]))
        assert cand is not None
    # Two members vote at the same moment: both count.
    await asyncio.gather(
        ballots.cast(tg_user_id=VICE, ballot_id=opened.ballot_id, candidate_id=cand.id, yes=True),
        ballots.cast(
            tg_user_id=COUNCIL, ballot_id=opened.ballot_id, candidate_id=cand.id, yes=True
        ),
    )
    outcomes = await asyncio.gather(
        ballots.close_vote(tg_user_id=CHAIR, ballot_id=opened.ballot_id),
        ballots.close_vote(tg_user_id=CHAIR, ballot_id=opened.ballot_id),
        ballots.cast(
            tg_user_id=world.council[3], ballot_id=opened.ballot_id, candidate_id=cand.id, yes=True
        ),
        return_exceptions=True,
    )
    closes = outcomes[:2]
    assert sum(1 for o in closes if isinstance(o, AlreadyDone)) == 1
    result = next(o for o in closes if not isinstance(o, BaseException))
    late = outcomes[2]
    teacher = next(line for line in result.lines if line.name == "Vũ Thị Mai")
    # The third vote either came first (and counts) or after the close (and was refused).
    assert teacher.yes == (2 if isinstance(late, AlreadyDone) else 3)
    with pytest.raises(AlreadyDone):
        await ballots.cast(
            tg_user_id=world.council[4], ballot_id=opened.ballot_id, candidate_id=cand.id, yes=True
        )
    async with sessions() as s:
        assert await s.scalar(select(text("count(*)")).select_from(Vote)) == teacher.yes


# ---------------------------------------------------------------------------- who may do what


async def _other_school_chair(sessions: SessionFactory, texts: Texts, now: datetime) -> int:
    """A second school whose chair (and a council member) may not touch the first's round."""
    from services import orgs

    async with sessions() as s:
        created = await orgs.create_org(s, name="Trường Tiểu học Gia Thụy", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=created.chair_code or "", tg_user_id=4001, display_name="B", now=now
        )
    return 4001


async def test_every_judging_action_refuses_anyone_but_the_right_role_of_the_school(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    present_tg = world.council[:7]
    present = [world.person[tg] for tg in present_tg]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    rounds = Rounds(env(sessions, texts, clock))
    other = await _other_school_chair(sessions, texts, clock[0])
    deactivated = world.council[6]
    async with sessions() as s:
        await s.execute(
            update(Membership)
            .where(Membership.person_id == world.person[deactivated])
            .values(status=MemberStatus.LEFT)
        )
        await s.commit()
    opened = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    async with sessions() as s:
        cand = await s.scalar(select(Candidate).where(Candidate.person_id == world.person[TEACHER]))
        assert cand is not None

    async def snapshot() -> tuple[Any, ...]:
        async with sessions() as s:
            return (
                await s.scalar(select(text("count(*)")).select_from(Vote)),
                tuple(await s.scalars(select(Ballot.status).order_by(Ballot.id))),
                tuple(await s.scalars(select(JudgingRound.status))),
            )

    before = await snapshot()
    intruders = {
        "staff": TEACHER,
        "other school's chair": other,
        "deactivated council member": deactivated,
        "stranger": STRANGER,
    }
    actions = {
        "open a round": lambda tg: rounds.open(tg_user_id=tg),
        "see the round": lambda tg: rounds.view(tg_user_id=tg, round_id=rnd.id),
        "close the round": lambda tg: rounds.close(tg_user_id=tg, round_id=rnd.id),
        "open a vote": lambda tg: ballots.open_vote(tg_user_id=tg, meeting_id=meeting, title=1),
        "vote": lambda tg: ballots.cast(
            tg_user_id=tg, ballot_id=opened.ballot_id, candidate_id=cand.id, yes=True
        ),
        "see progress": lambda tg: ballots.progress(tg_user_id=tg, ballot_id=opened.ballot_id),
        "close a vote": lambda tg: ballots.close_vote(tg_user_id=tg, ballot_id=opened.ballot_id),
        "end the meeting": lambda tg: ballots.close_meeting(tg_user_id=tg, meeting_id=meeting),
    }
    for action, call in actions.items():
        for who, tg in intruders.items():
            if (action, tg) == ("open a round", other):
                continue  # her own school's round: hers to open (it does not touch this one)
            refusal = await _refusal(call(tg))
            assert isinstance(refusal, NotAllowed | NotFound), (action, who)
            assert await snapshot() == before, (action, who)
    # A council member (not the chair) votes but does not run the meeting.
    for action in (
        "open a round",
        "close the round",
        "open a vote",
        "close a vote",
        "end the meeting",
        "see progress",
    ):
        with pytest.raises(NotAllowed):
            await actions[action](COUNCIL)
    assert await snapshot() == before
    # The role is checked on the presser, not the chat: the chair of another school with a
    # round of her own still cannot touch this one's.
    assert isinstance(
        await _refusal(ballots.close_vote(tg_user_id=other, ballot_id=opened.ballot_id)),
        NotAllowed | NotFound,
    )


async def _refusal(call: Any) -> ServiceError | None:
    try:
        await call
    except ServiceError as refusal:
        return refusal
    return None


async def test_the_chair_may_not_vote_on_herself(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    present = [world.person[tg] for tg in world.council[:7]]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    opened = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    async with sessions() as s:
        herself = await s.scalar(
            select(Candidate).where(
                Candidate.person_id == world.person[CHAIR], Candidate.title == LDTT
            )
        )
        assert herself is not None
    with pytest.raises(NotAllowed):
        await ballots.cast(
            tg_user_id=CHAIR, ballot_id=opened.ballot_id, candidate_id=herself.id, yes=True
        )
    sheet = await ballots.sheet(tg_user_id=CHAIR, ballot_id=opened.ballot_id)
    assert [line.own for line in sheet.lines if line.candidate_id == herself.id] == [True]
    assert Role.CHAIR


async def test_the_tally_and_the_export_show_the_years_round(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    from openpyxl import load_workbook

    from services.tallies import Tallies

    rnd = await _open(sessions, texts, clock)
    present_tg = world.council[:7]
    present = [world.person[tg] for tg in present_tg]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    opened = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    async with sessions() as s:
        cands = (
            await s.scalars(select(Candidate).where(Candidate.title == LDTT).order_by(Candidate.id))
        ).all()
    winners = {c.id for c in cands[::3]}  # every third candidate gets everyone's yes
    for tg in present_tg:
        for c in cands:
            if c.person_id != world.person[tg]:
                await ballots.cast(
                    tg_user_id=tg,
                    ballot_id=opened.ballot_id,
                    candidate_id=c.id,
                    yes=c.id in winners,
                )
    result = await ballots.close_vote(tg_user_id=CHAIR, ballot_id=opened.ballot_id)
    # 7 yes of 9 (77,8 %) pass; 7 of 8 for a council member's own line too.
    assert result.passed == len(winners)
    tallies = Tallies(env(sessions, texts, clock))
    shown = await tallies.tally(tg_user_id=CHAIR, chat_id=CHAIR, code="y")
    line = texts.render("vi", "reports.tally", tally=shown.tally)
    assert f"Lao động tiên tiến: {len(winners)}/{len(cands)} đạt" in line
    assert "(chưa chốt)" in line

    async def started(_: object) -> None:
        return None

    export = await tallies.export(tg_user_id=CHAIR, chat_id=CHAIR, code="y", started=started)
    try:
        xlsx = next(f for f in export.files if f.filename.endswith(".xlsx"))
        book = load_workbook(xlsx.data)
    finally:
        export.close()
    sheet = book["Kết quả bình xét"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == LDTT]
    assert len(rows) == len(cands)
    assert sum(1 for r in rows if r[-1] == "Đạt") == len(winners)


async def test_ending_the_meeting_writes_the_minutes_and_tells_the_council(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    import io

    from docx import Document

    from storage.models import MinutesVersion

    rnd = await _open(sessions, texts, clock)
    present_tg = world.council[:6]
    present = [world.person[tg] for tg in present_tg]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    opened = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    with pytest.raises(Invalid):  # a vote is still open
        await ballots.close_meeting(tg_user_id=CHAIR, meeting_id=meeting)
    async with sessions() as s:
        teacher = await s.scalar(
            select(Candidate).where(Candidate.person_id == world.person[TEACHER])
        )
        assert teacher is not None
    for tg in present_tg:
        await ballots.cast(
            tg_user_id=tg, ballot_id=opened.ballot_id, candidate_id=teacher.id, yes=True
        )
    await ballots.close_vote(tg_user_id=CHAIR, ballot_id=opened.ballot_id)
    closed = await ballots.close_meeting(tg_user_id=CHAIR, meeting_id=meeting)
    assert closed.results[0][0] == LDTT
    async with sessions() as s:
        version = await s.scalar(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting))
        told = (
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.ref == f"meeting:{meeting}:closed")
            )
        ).all()
    assert version is not None and version.version == 1
    document = Document(io.BytesIO(version.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Vũ Thị Mai" in cells
    assert {m.chat_id for m in told} == set(world.council) - {CHAIR}
    with pytest.raises(AlreadyDone):
        await ballots.close_meeting(tg_user_id=CHAIR, meeting_id=meeting)


async def test_yes_to_everyone_not_chosen_keeps_the_no_already_given(
    sessions: SessionFactory, texts: Texts, world: World, clock: list[datetime]
) -> None:
    rnd = await _open(sessions, texts, clock)
    present = [world.person[tg] for tg in world.council[:6]]
    meeting = await hold_meeting(
        sessions, world.school.org_id, rnd.id, present[0], present, clock[0]
    )
    ballots = Ballots(env(sessions, texts, clock))
    opened = await ballots.open_vote(tg_user_id=CHAIR, meeting_id=meeting, title=0)
    async with sessions() as s:
        teacher = await s.scalar(
            select(Candidate).where(Candidate.person_id == world.person[TEACHER])
        )
        assert teacher is not None
    await ballots.cast(
        tg_user_id=VICE, ballot_id=opened.ballot_id, candidate_id=teacher.id, yes=False
    )
    sheet = await ballots.cast_rest(tg_user_id=VICE, ballot_id=opened.ballot_id, page=0)
    choices = {line.candidate_id: line.choice for line in sheet.lines}
    assert choices.pop(teacher.id) is False
    own = [line.candidate_id for line in sheet.lines if line.own]
    assert len(own) == 1 and choices.pop(own[0]) is None  # her own line stays unvoted
    assert set(choices.values()) == {True}
    progress = await ballots.progress(tg_user_id=CHAIR, ballot_id=opened.ballot_id)
    assert progress.voted == 1  # the vice-chair has voted on everyone she may
