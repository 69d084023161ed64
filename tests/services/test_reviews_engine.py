"""The review engine on a real database: who may review what, hidden marks, the gap rule and a
third reviewer, results and the jury chair's decision, a half-filled sheet across a restart."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.reviews import (
    CHUNG_KHAO,
    SO_KHAO,
    Criterion,
    Reviews,
    Rubric,
    calls,
    entries,
    scoring,
)
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    CallKind,
    EntryStatus,
    JuryRole,
    OutboxMessage,
    ReviewEntry,
)
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE
from tests.reviews.world import (
    AUTHOR2,
    GONE,
    OTHER_CHAIR,
    OTHER_COUNCIL,
    R2,
    R3,
    SAME_DEPT,
    World,
    build,
    make_env,
)
from ui.texts import Texts

REVIEW_NOTICE = OutboxMessage.ref.like("review:%")


@pytest.fixture
async def world(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    return await build(sessions, texts, now)


async def _assign(sessions: SessionFactory, w: World, entry_id: int, tg: int, now: datetime) -> int:
    async with sessions() as s:
        call = await calls.call_of(s, w.org_id, w.call_id)
        entry = await entries.entry_of(s, w.org_id, entry_id)
        row = await scoring.assign(
            s, call=call, entry=entry, reviewer_id=w.person[tg], by=w.person[VICE], now=now
        )
        await s.commit()
        return row.id


async def _score(reviews: Reviews, tg: int, sheet: int, marks: list[int], comment: str) -> str:
    await reviews.open_sheet(tg_user_id=tg, chat_id=tg, sheet_id=sheet)
    for mark in marks:
        await reviews.typed(tg_user_id=tg, text=str(mark))
    await reviews.typed(tg_user_id=tg, text=comment)
    return (await reviews.send(tg_user_id=tg, chat_id=tg, sheet_id=sheet)).entry_status


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("reviewer", "key"),
    [
        (TEACHER, "reviews.own_entry"),  # the author
        (SAME_DEPT, "reviews.same_department"),  # the author's department (Tổ 1)
        (CHAIR, "reviews.not_on_jury"),  # not on this call's jury
    ],
)
async def test_a_reviewer_in_conflict_is_refused(
    sessions: SessionFactory, world: World, now: datetime, reviewer: int, key: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        await _assign(sessions, world, world.entry_id, reviewer, now)
    assert refused.value.key == key


async def test_the_chair_relaxing_the_department_rule_is_recorded_and_lets_it_through(
    sessions: SessionFactory, world: World, now: datetime
) -> None:
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        await calls.relax_department_rule(
            s, call=call, allowed=True, by=world.person[CHAIR], reason="Tổ nhỏ", now=now
        )
        await s.commit()
    sheet = await _assign(sessions, world, world.entry_id, SAME_DEPT, now)
    async with sessions() as s:
        actions = [a.action for a in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        relaxed = await s.scalar(
            select(AuditEntry).where(AuditEntry.action == "review.same_department")
        )
        assert relaxed is not None and relaxed.details == {"allowed": True, "reason": "Tổ nhỏ"}
        assert actions[-1] == "review.assign"
        row = await scoring.sheet_of(s, sheet, world.person[SAME_DEPT])
        assert row.same_department
    # still never the author
    with pytest.raises(NotAllowed):
        await _assign(sessions, world, world.entry_id, TEACHER, now)


async def test_the_suggestions_are_jury_members_outside_the_authors_department(
    sessions: SessionFactory, world: World, now: datetime
) -> None:
    await _assign(sessions, world, world.entry2_id, R3, now)  # R3 now has one sheet
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        entry = await entries.entry_of(s, world.org_id, world.entry_id)
        picked = await scoring.suggestions(s, call, entry)
    # Tổ 1 entry: not the author, not COUNCIL or SAME_DEPT (Tổ 1); R2 (no load) before R3
    assert [c.person_id for c in picked] == [world.person[VICE], world.person[R2]] or [
        c.person_id for c in picked
    ] == [world.person[R2], world.person[VICE]]
    assert world.person[R3] not in [c.person_id for c in picked]


async def test_marks_stay_hidden_from_other_reviewers_until_everyone_has_scored(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime
) -> None:
    reviews = Reviews(make_env(sessions, texts, [now]))
    first = await _assign(sessions, world, world.entry_id, R2, now)
    second = await _assign(sessions, world, world.entry_id, R3, now)
    assert await _score(reviews, R2, first, [8, 8, 8, 8], "Tốt") == "reviewing"
    mine = await reviews.open_sheet(tg_user_id=R2, chat_id=R2, sheet_id=first)
    assert mine.sent and mine.total == 80
    (other,) = mine.others
    assert (other.sent, other.marks, other.total) == (False, None, None)
    # the second reviewer, before sending, does not see the first's marks
    theirs = await reviews.open_sheet(tg_user_id=R3, chat_id=R3, sheet_id=second)
    assert theirs.others == ()
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        entry = await entries.entry_of(s, world.org_id, world.entry_id)
        lines = await scoring.visible_sheets(s, call, entry, world.person[R3])
        assert [line.total for line in lines if not line.mine] == [None]
        assert "<b>80</b>" not in texts.render("vi", "reviews.sheet", view=theirs)
    assert await _score(reviews, R3, second, [7, 7, 7, 7], "Khá") == "scored"
    mine = await reviews.open_sheet(tg_user_id=R2, chat_id=R2, sheet_id=first)
    assert [o.total for o in mine.others] == [70]
    async with sessions() as s:
        entry = await s.get_one(ReviewEntry, world.entry_id)
        assert (entry.total, entry.passed, entry.tier) == (75, True, "Loại B")
        notices = (await s.scalars(select(OutboxMessage).where(REVIEW_NOTICE))).all()
        assert [n.chat_id for n in notices] == [VICE]  # the jury chair hears it is scored


async def test_a_wide_gap_asks_for_a_third_reviewer_and_the_result_is_the_mean_of_three(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime
) -> None:
    reviews = Reviews(make_env(sessions, texts, [now]))
    first = await _assign(sessions, world, world.entry_id, R2, now)
    second = await _assign(sessions, world, world.entry_id, R3, now)
    await _score(reviews, R2, first, [9, 9, 9, 9], "-")
    assert await _score(reviews, R3, second, [5, 5, 5, 5], "Chưa rõ hiệu quả") == "needs_third"
    async with sessions() as s:
        notice = await s.scalar(select(OutboxMessage).where(REVIEW_NOTICE))
        assert notice is not None and notice.chat_id == VICE
        assert "người chấm thứ ba" in notice.payload["text"]
    third = await _assign(sessions, world, world.entry_id, VICE, now)
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        call.same_department_ok = True
        await s.commit()
    with pytest.raises(AlreadyDone):  # only one more
        await _assign(sessions, world, world.entry_id, COUNCIL, now)
    assert await _score(reviews, VICE, third, [7, 7, 7, 7], "") == "scored"
    async with sessions() as s:
        entry = await s.get_one(ReviewEntry, world.entry_id)
        assert entry.total == 70  # (90 + 50 + 70) / 3
        sheet = await scoring.sheet_of(s, third, world.person[VICE])
        assert sheet.third


async def test_two_reviewers_are_enough_without_a_gap(
    sessions: SessionFactory, world: World, now: datetime
) -> None:
    await _assign(sessions, world, world.entry_id, R2, now)
    await _assign(sessions, world, world.entry_id, R3, now)
    with pytest.raises(AlreadyDone) as refused:
        await _assign(sessions, world, world.entry_id, VICE, now)
    assert refused.value.key == "reviews.enough_reviewers"


async def test_the_jury_chair_confirms_but_never_an_entry_naming_them(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime
) -> None:
    reviews = Reviews(make_env(sessions, texts, [now]))
    first = await _assign(sessions, world, world.entry_id, R2, now)
    second = await _assign(sessions, world, world.entry_id, R3, now)
    await _score(reviews, R2, first, [4, 4, 4, 4], "")
    await _score(reviews, R3, second, [3, 4, 4, 4], "")
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        entry = await entries.entry_of(s, world.org_id, world.entry_id)
        with pytest.raises(NotAllowed):
            await scoring.decide(s, call=call, entry=entry, by=world.person[TEACHER], now=now)
        await scoring.decide(s, call=call, entry=entry, by=world.person[VICE], now=now)
        assert entry.status == EntryStatus.REJECTED  # 38.5 < 50
        with pytest.raises(AlreadyDone):
            await scoring.decide(s, call=call, entry=entry, by=world.person[VICE], now=now)


async def test_a_half_filled_sheet_survives_a_restart(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime
) -> None:
    sheet = await _assign(sessions, world, world.entry_id, R2, now)
    before = Reviews(make_env(sessions, texts, [now]))
    await before.open_sheet(tg_user_id=R2, chat_id=R2, sheet_id=sheet)
    await before.typed(tg_user_id=R2, text="9")
    await before.typed(tg_user_id=R2, text="6")
    # a new process: new use cases, nothing in memory; the next typed mark is the third one
    after = Reviews(make_env(sessions, texts, [now + timedelta(hours=3)]))
    view = await after.typed(tg_user_id=R2, text="7")
    assert view.marks == (9, 6, 7, None) and view.asking == 3
    with pytest.raises(Invalid):
        await after.send(tg_user_id=R2, chat_id=R2, sheet_id=sheet)
    with pytest.raises(Invalid) as bad:
        await after.typed(tg_user_id=R2, text="12")
    assert bad.value.key == "reviews.bad_mark"
    view = await after.typed(tg_user_id=R2, text="10")
    assert view.asking is None and not view.sent
    sent = await after.send(tg_user_id=R2, chat_id=R2, sheet_id=sheet)
    assert sent.sheet.total == 80  # 27 + 12 + 21 + 20 (weights 30, 20, 30, 20)
    with pytest.raises(AlreadyDone):
        await after.mark(tg_user_id=R2, chat_id=R2, sheet_id=sheet, index=0, mark=1)


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("who", "key"),
    [
        (TEACHER, "reviews.no_sheet"),  # the author
        (R3, "reviews.no_sheet"),  # a reviewer of another entry
        (COUNCIL, "reviews.no_sheet"),  # staff / council, not assigned
        (OTHER_COUNCIL, "reviews.no_sheet"),  # another school's council
        (OTHER_CHAIR, "reviews.no_sheet"),
        (STRANGER, "errors.not_member"),
        (GONE, "errors.deactivated"),
    ],
)
async def test_only_the_assigned_reviewer_opens_or_marks_a_sheet(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime, who: int, key: str
) -> None:
    await _assign(sessions, world, world.entry2_id, R3, now)
    sheet = await _assign(sessions, world, world.entry_id, R2, now)
    reviews = Reviews(make_env(sessions, texts, [now]))
    for act in (
        reviews.open_sheet(tg_user_id=who, chat_id=who, sheet_id=sheet),
        reviews.mark(tg_user_id=who, chat_id=who, sheet_id=sheet, index=0, mark=5),
        reviews.send(tg_user_id=who, chat_id=who, sheet_id=sheet),
    ):
        with pytest.raises((NotAllowed, NotFound)) as refused:
            await act
        assert refused.value.key == key


@pytest.mark.one_database
async def test_a_sheet_is_filled_in_private_chat_only(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime
) -> None:
    sheet = await _assign(sessions, world, world.entry_id, R2, now)
    reviews = Reviews(make_env(sessions, texts, [now]))
    with pytest.raises(NotAllowed) as refused:
        await reviews.mark(tg_user_id=R2, chat_id=-100123, sheet_id=sheet, index=0, mark=5)
    assert refused.value.key == "reviews.private_only"


@pytest.mark.one_database
async def test_registration_and_submission_keep_to_the_window(
    sessions: SessionFactory, world: World, now: datetime
) -> None:
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        with pytest.raises(NotAllowed) as late:
            await entries.register(
                s,
                call=call,
                author_id=world.person[AUTHOR2],
                department_id=None,
                title="Muộn",
                now=now + timedelta(days=31),
            )
        assert late.value.key == "reviews.registration_closed"
        entry = await entries.entry_of(s, world.org_id, world.entry_id)
        with pytest.raises(NotAllowed):
            await entries.add_file(
                s, call=call, entry=entry, role="writeup", tg_file_id="x", now=now + timedelta(61)
            )
        with pytest.raises(NotFound):  # another school's call is not found
            await calls.call_of(s, world.org_id + 1, world.call_id)
        codes = {e.code for e in await entries.entries_of(s, call.id)}
        assert len(codes) == 2 and all(c.startswith("SK-") for c in codes)


@pytest.mark.one_database
async def test_a_two_round_call_moves_the_kept_entries_to_the_final_round_anonymously(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime
) -> None:
    async with sessions() as s:
        call = await calls.open_call(
            s,
            org_id=world.org_id,
            kind=CallKind.CONTEST,
            year=2023,
            title="Viết về gương điển hình tiên tiến",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10),
            submit_by=now + timedelta(days=10),
            created_by=world.person[CHAIR],
            now=now,
            stages=(SO_KHAO, CHUNG_KHAO),
            anonymous=True,
            rubric=Rubric((Criterion("Nội dung", 60, 10), Criterion("Hình thức", 40, 10)), 50),
        )
        for tg in (R2, R3, VICE):
            await calls.set_jury_member(
                s, call=call, person_id=world.person[tg], role=JuryRole.MEMBER, by=1, now=now
            )
        ids = []
        for tg in (TEACHER, AUTHOR2):
            entry = await entries.register(
                s,
                call=call,
                author_id=world.person[tg],
                department_id=None,
                title=f"Bài của {tg}",
                subject="Cô Nguyễn Thị Hạnh",
                now=now,
            )
            entries.mark_submitted(entry, now)
            ids.append(entry.id)
        await s.commit()
        assert {e.code[:3] for e in await entries.entries_of(s, call.id)} == {"BV-"}
        first = await scoring.assign(
            s, call=call, entry=entry, reviewer_id=world.person[R2], by=1, now=now
        )
        await s.commit()
    reviews = Reviews(make_env(sessions, texts, [now]))
    view = await reviews.open_sheet(tg_user_id=R2, chat_id=R2, sheet_id=first.id)
    assert view.author is None and view.department is None  # the judge sees the code only
    assert view.code.startswith("BV-") and "Hoàng Văn Long" not in texts.render(
        "vi", "reviews.sheet", view=view
    )
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, call.id)
        assert await scoring.advance(s, call=call, keep=[ids[1]], by=1, now=now) == CHUNG_KHAO
        await s.commit()
        kept = await s.get_one(ReviewEntry, ids[1])
        dropped = await s.get_one(ReviewEntry, ids[0])
        assert (kept.stage, kept.status) == (CHUNG_KHAO, EntryStatus.SUBMITTED)
        assert dropped.stage == SO_KHAO
        # the final round has its own sheets: the first round's reviewer may score it again
        again = await scoring.assign(
            s, call=call, entry=kept, reviewer_id=world.person[R2], by=1, now=now
        )
        assert again.stage == CHUNG_KHAO
        with pytest.raises(AlreadyDone):
            await scoring.advance(s, call=call, keep=[], by=1, now=now)


async def test_in_a_contest_a_wide_gap_gives_the_entry_to_a_third_judge_at_once(
    sessions: SessionFactory, texts: Texts, world: World, now: datetime
) -> None:
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        call.kind = CallKind.CONTEST  # no jury chair confirms; the leaders only close rounds
        call.same_department_ok = True
        await s.commit()
    reviews = Reviews(make_env(sessions, texts, [now]))
    first = await _assign(sessions, world, world.entry_id, R2, now)
    second = await _assign(sessions, world, world.entry_id, R3, now)
    await _score(reviews, R2, first, [9, 9, 9, 9], "-")
    assert await _score(reviews, R3, second, [5, 5, 5, 5], "") == "reviewing"
    async with sessions() as s:
        notice = await s.scalar(select(OutboxMessage).where(REVIEW_NOTICE))
        assert notice is not None and notice.chat_id not in (R2, R3, TEACHER)
        assert "cần thêm một người chấm" in notice.payload["text"]
        third_tg = notice.chat_id
    listed = await reviews.my_sheets(tg_user_id=third_tg)
    assert [item.third for item in listed] == [True]
    assert await _score(reviews, third_tg, listed[0].id, [7, 7, 7, 7], "") == "scored"
    async with sessions() as s:
        assert (await s.get_one(ReviewEntry, world.entry_id)).total == 70
