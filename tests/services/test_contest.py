"""The writing contest on a real database: a two-round contest from the entries to the prizes and
the summary (checked against the raw sheets), anonymised reading, the judge who wrote an entry,
entries as files, reminders to departments below target, who may do what."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from services.contest import Contests
from services.contest.rules import (
    AUTHOR_MARK,
    Tier,
    allocate,
    finalists,
    parse_tiers,
    score_text,
)
from services.contest.summary import contest_count
from services.errors import Invalid, NotAllowed, NotFound
from services.notices import fire
from services.reviews import Reviews
from services.reviews.scoring import assign
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import (
    EntryStatus,
    Membership,
    MemberStatus,
    Notice,
    OutboxMessage,
    ReviewAssignment,
    ReviewCall,
    ReviewEntry,
)
from tests.contest.world import (
    GONE,
    JUDGES,
    T2,
    T2B,
    T3,
    T3B,
    World,
    build,
    make_env,
    open_contest,
    score_all,
    write,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE
from ui.texts import Texts

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(text: str) -> bytes:
    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


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


async def test_a_two_round_contest_from_entries_to_prizes_and_its_summary(
    world: World, contests: Contests, reviews: Reviews, sessions: SessionFactory
) -> None:
    contest_id = await open_contest(contests, finalists="3")
    authors = {TEACHER: "Cô Nguyễn Thị Hằng", COUNCIL: "Thầy Trần Văn Bình", T2B: "Tổ bảo vệ",
               T3: "Cô Lê Thị Sen", T3B: "Bác Đỗ Văn Tư"}  # fmt: skip
    codes = {
        tg: await write(
            contests, tg, contest_id, subject, f"Bài của {world.names[tg]} về {subject}."
        )
        for tg, subject in authors.items()
    }
    shown = await contests.show(tg_user_id=CHAIR)
    assert shown.entries == 5
    by_dept = {d.name: (d.entries, d.target) for d in shown.departments}
    assert by_dept["Tổ 1"] == (2, 2) and by_dept["Tổ 2"] == (1, 2) and by_dept["Tổ 3"] == (2, 2)

    await contests.start_scoring(tg_user_id=CHAIR, contest_id=contest_id)
    # Every judge scores every entry but their own: COUNCIL wrote one.
    lists = {
        j: {i.code for i in (await contests.judge_list(tg_user_id=j, contest_id=contest_id))[2]}
        for j in JUDGES
    }
    assert lists[VICE] == lists[T2] == set(codes.values())
    assert lists[COUNCIL] == set(codes.values()) - {codes[COUNCIL]}

    first_marks = {  # per entry: each judge's marks (of 10) on the three criteria
        codes[TEACHER]: [9, 9, 8], codes[COUNCIL]: [8, 7, 7], codes[T2B]: [6, 6, 6],
        codes[T3]: [8, 8, 8], codes[T3B]: [4, 5, 4],
    }  # fmt: skip
    marks = {(j, c): m for c, m in first_marks.items() for j in JUDGES}
    marks[(T2, codes[T3])] = [10, 9, 9]
    await score_all(reviews, contests, contest_id, marks)
    kept = await contests.close_first_round(tg_user_id=CHAIR, contest_id=contest_id)
    assert set(kept) == {codes[TEACHER], codes[T3], codes[COUNCIL]}

    final_marks = {codes[TEACHER]: [8, 8, 8], codes[T3]: [10, 9, 9], codes[COUNCIL]: [7, 7, 6]}
    await score_all(
        reviews, contests, contest_id, {(j, c): m for c, m in final_marks.items() for j in JUDGES}
    )
    done = await contests.finish(tg_user_id=CHAIR, contest_id=contest_id)
    assert [(p[0], p[1]) for p in done.prizes] == [
        ("Giải Nhất", codes[T3]),
        ("Giải Nhì", codes[TEACHER]),
        ("Giải Nhì", codes[COUNCIL]),
    ]

    # An independent count from the raw sheets: the mean of each round's totals per entry.
    async with sessions() as s:
        rows = (
            await s.execute(
                select(ReviewEntry.code, ReviewAssignment.stage, ReviewAssignment.total).join(
                    ReviewAssignment, ReviewAssignment.entry_id == ReviewEntry.id
                )
            )
        ).all()
        results_sent = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.ref.like("%:results")))
        ).all()
    raw: dict[tuple[str, str], list[float]] = {}
    for code, stage, total in rows:
        raw.setdefault((code, stage), []).append(float(total or 0))
    mean = {key: sum(v) / len(v) for key, v in raw.items()}
    first = {c: v for (c, stage), v in mean.items() if stage == "so_khao"}
    final = {c: v for (c, stage), v in mean.items() if stage == "chung_khao"}
    order = list(first)
    assert {order[i] for i in finalists(dict(enumerate(first.values())), 3)} == set(kept)
    expected = {
        list(final)[p.entry_id]: p.tier
        for p in allocate(dict(enumerate(final.values())), contests_tiers(), min_score=50)
    }
    entries = await _entries(sessions)
    assert {c: e.tier for c, e in entries.items() if e.tier} == {
        c: t for c, t in expected.items() if t
    }
    assert entries[codes[T3B]].status == EntryStatus.REJECTED
    assert len(results_sent) == 8  # every active member of the school (not the one who left)

    document = await contests.document(tg_user_id=CHAIR, contest_id=contest_id, what="docx")
    table = Document(io.BytesIO(document.content)).tables[2]
    cells = {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[1:]}
    for code in codes.values():
        assert cells[code][5] == score_text(first[code])
        assert cells[code][6] == (score_text(final[code]) if code in final else "–")
        assert cells[code][7] == (entries[code].tier or "–")
    assert cells[codes[T3]][2] == "Đặng Văn Nam"  # names, now the contest is over
    async with sessions() as s:
        figures = await contest_count(s, world.org_id, "2023-2024")
    assert figures is not None and figures.final
    assert (figures.entries, figures.scored, figures.prizes) == (5, 5, 3)
    dept2 = next(d for d in figures.departments if d.name == "Tổ 2")
    assert (dept2.staff, dept2.target, dept2.entries, dept2.scored, dept2.prizes) == (2, 2, 1, 1, 0)
    sheet = await contests.document(tg_user_id=CHAIR, contest_id=contest_id, what="xlsx")
    assert sheet.name.endswith(".xlsx") and sheet.content[:2] == b"PK"


def contests_tiers() -> tuple[Tier, ...]:
    return parse_tiers(["Giải Nhất | 1", "Giải Nhì | 2", "Giải Ba | 3", "Giải Khuyến khích | 4"])


async def test_a_judge_reads_entries_anonymised_and_never_their_own(
    world: World, contests: Contests, reviews: Reviews, sessions: SessionFactory
) -> None:
    contest_id = await open_contest(contests)
    own = await write(
        contests, COUNCIL, contest_id, "Cô Nguyễn Thị Hằng",
        "Tôi là Phạm Thị Lan, tổ 1. Cô Lan cùng cô Vũ Thị Mai và thầy Tuấn kể lại.",
    )  # fmt: skip
    other = await write(contests, TEACHER, contest_id, "Bác Tư", "Vũ Thị Mai viết: bác Tư tận tụy.")
    await contests.start_scoring(tg_user_id=CHAIR, contest_id=contest_id)
    entries = await _entries(sessions)
    reading = await contests.read(tg_user_id=VICE, entry_id=entries[own].id)
    for name in ("Phạm Thị Lan", "Lan,", "Vũ Thị Mai", "Tuấn"):
        assert name not in reading.text
    assert f"Tôi là {AUTHOR_MARK}, [tổ của tác giả]. Cô {AUTHOR_MARK}" in reading.text
    assert reading.subject == "Cô Nguyễn Thị Hằng"
    # The engine's score sheet does not name the author either.
    sheet = await reviews.open_sheet(tg_user_id=VICE, chat_id=VICE, sheet_id=reading.sheet_id)
    assert sheet.author is None and sheet.department is None
    # The judge who wrote an entry has no sheet for it and cannot read it.
    with pytest.raises(NotFound):
        await contests.read(tg_user_id=COUNCIL, entry_id=entries[own].id)
    assert (await contests.read(tg_user_id=COUNCIL, entry_id=entries[other].id)).code == other
    async with sessions() as s:
        call = await s.scalar(select(ReviewCall))
        entry = await s.get_one(ReviewEntry, entries[own].id)
        assert call is not None
        with pytest.raises(NotAllowed):
            await assign(
                s,
                call=call,
                entry=entry,
                reviewer_id=world.person[COUNCIL],
                by=1,
                now=contests.now(),
            )
        # No message queued for a judge names an author.
        messages = (await s.scalars(select(OutboxMessage))).all()
    judge_chats = set(JUDGES)
    for message in messages:
        if message.chat_id in judge_chats:
            text = str(message.payload.get("text", ""))
            assert "Phạm Thị Lan" not in text or message.chat_id == COUNCIL
            assert "Vũ Thị Mai" not in text


async def test_an_entry_may_come_as_a_docx_and_a_wrong_or_huge_file_is_refused(
    world: World, contests: Contests, fetched: dict[str, bytes], sessions: SessionFactory
) -> None:
    contest_id = await open_contest(contests, two=False)
    fetched["f1"] = _docx("Tấm gương thầy Bình\nVũ Thị Mai kính bút")
    await contests.begin_entry(tg_user_id=TEACHER, contest_id=contest_id)
    await contests.entry_typed(tg_user_id=TEACHER, text="Thầy Trần Văn Bình")
    await contests.entry_typed(tg_user_id=TEACHER, text="Người thầy của tổ")
    with pytest.raises(Invalid) as wrong:
        await contests.entry_file(
            tg_user_id=TEACHER,
            file_id="x",
            unique_id="ux",
            name="anh.jpg",
            mime="image/jpeg",
            size=10,
        )
    assert wrong.value.key == "contest.bad_file"
    with pytest.raises(Invalid) as huge:
        await contests.entry_file(
            tg_user_id=TEACHER, file_id="big", unique_id="ub", name="bai.docx", mime=DOCX,
            size=30 * 1024 * 1024,
        )  # fmt: skip
    assert huge.value.key == "contest.file_too_large" and huge.value.values["limit"] == 20
    draft = await contests.entry_file(
        tg_user_id=TEACHER, file_id="f1", unique_id="u1", name="bai.docx", mime=DOCX, size=900
    )
    assert draft is not None and draft.step == "preview" and draft.file_name == "bai.docx"
    sent = await contests.send_entry(tg_user_id=TEACHER, ok=True)
    assert sent is not None
    entry = (await _entries(sessions))[sent.code]
    assert entry.text == "Tấm gương thầy Bình\nVũ Thị Mai kính bút"
    assert entry.status == EntryStatus.SUBMITTED


async def test_a_member_cannot_write_about_themselves_and_texts_in_parts_add_up(
    world: World, contests: Contests
) -> None:
    contest_id = await open_contest(contests)
    await contests.begin_entry(tg_user_id=TEACHER, contest_id=contest_id)
    with pytest.raises(Invalid) as refused:
        await contests.entry_typed(tg_user_id=TEACHER, text="vũ  thị mai")
    assert refused.value.key == "contest.not_yourself"
    await contests.entry_typed(tg_user_id=TEACHER, text="Thầy Bình")
    with pytest.raises(Invalid):
        await contests.entry_done(tg_user_id=TEACHER)  # still at the title
    await contests.entry_typed(tg_user_id=TEACHER, text="Người thầy")
    with pytest.raises(Invalid) as empty:
        await contests.entry_done(tg_user_id=TEACHER)
    assert empty.value.key == "contest.no_text"
    for part in ("a" * 4000, "b" * 4000, "c" * 100):
        draft = await contests.entry_typed(tg_user_id=TEACHER, text=part)
    assert draft.parts == 3 and draft.length == 8100


async def test_departments_below_target_are_reminded_before_entries_close(
    world: World, contests: Contests, sessions: SessionFactory, texts: Texts,
    clock: list[datetime],
) -> None:  # fmt: skip
    async with sessions() as s:
        teacher = await s.scalar(
            select(Membership).where(Membership.person_id == world.person[T2B])
        )
        assert teacher is not None
        teacher.heads_department = True  # Tổ 2's head hears for Tổ 2; Tổ 3 has none
        await s.commit()
    contest_id = await open_contest(contests, two=False)
    await write(contests, TEACHER, contest_id, "Bác Tư", "Bác Tư tận tụy.")
    await write(contests, T3, contest_id, "Cô Sen", "Cô Sen tận tụy.")
    async with sessions() as s:
        notice = await s.scalar(select(Notice).where(Notice.kind == "contest"))
        assert notice is not None
        call = await s.scalar(select(ReviewCall))
        assert call is not None
        assert notice.due_at == call.closes_at - timedelta(days=3)
        before = {m.id for m in await s.scalars(select(OutboxMessage))}
        reached = await fire(s, notice, texts, notice.due_at)
        await s.commit()
        sent = [m for m in await s.scalars(select(OutboxMessage)) if m.id not in before]
    # Tổ 1 (2 active: 1 entry), Tổ 2 (head), Tổ 3 (1 entry of 2: its two active members),
    # Tổ Văn phòng (the chair and vice-chair).
    chats = {m.chat_id for m in sent}
    assert T2B in chats and T2 not in chats
    assert {T3, T3B} <= chats and GONE not in chats
    assert reached == len(sent)
    assert all("chỉ tiêu" in m.payload["text"] for m in sent)
    # Once entries are closed the reminder says nothing.
    clock[0] = call.closes_at + timedelta(minutes=1)
    assert await contests.remind_now(tg_user_id=CHAIR, contest_id=contest_id) == 0


@pytest.mark.one_database
async def test_a_half_written_entry_survives_a_restart_and_none_is_taken_after_the_window(
    world: World, sessions: SessionFactory, texts: Texts, clock: list[datetime], tmp_path: Path
) -> None:
    first = Contests(make_env(sessions, texts, clock, FileStore(tmp_path / "a")))
    contest_id = await open_contest(first, two=False)
    await first.begin_entry(tg_user_id=TEACHER, contest_id=contest_id)
    await first.entry_typed(tg_user_id=TEACHER, text="Bác Tư")
    await first.entry_typed(tg_user_id=TEACHER, text="Người giữ cổng")
    await first.entry_typed(tg_user_id=TEACHER, text="Phần một.")
    # A new process: the draft is a row, not memory.
    again = Contests(make_env(sessions, texts, clock, FileStore(tmp_path / "b")))
    draft = await again.entry_typed(tg_user_id=TEACHER, text="Phần hai.")
    assert (draft.step, draft.parts, draft.subject) == ("body", 2, "Bác Tư")
    await again.entry_done(tg_user_id=TEACHER)
    # The window closed while the preview waited: the entry is refused politely.
    async with sessions() as s:
        call = await s.scalar(select(ReviewCall))
        assert call is not None
        clock[0] = call.closes_at
    with pytest.raises(NotAllowed) as late:
        await again.send_entry(tg_user_id=TEACHER, ok=True)
    assert late.value.key == "contest.entries_closed"
    assert (await again.show(tg_user_id=CHAIR)).phase == "closed"


@pytest.mark.one_database
async def test_the_opening_dialogue_refuses_bad_input_politely_and_keeps_its_place(
    world: World, contests: Contests
) -> None:
    await contests.begin_open(tg_user_id=VICE)
    await contests.opening_typed(tg_user_id=VICE, text="  Nhà giáo   tâm huyết sáng tạo ")
    draft = await contests.opening_typed(tg_user_id=VICE, text="Những thầy cô  tận tụy")
    assert draft.step == "window" and draft.subject == "Những thầy cô tận tụy"
    for typed, key in (
        ("mai", "contest.bad_window"),
        ("31/02/2024-10/03/2024", "contest.bad_window"),
        ("01/01/2024-10/01/2024", "contest.window_past"),
    ):
        with pytest.raises(Invalid) as refused:
            await contests.opening_typed(tg_user_id=VICE, text=typed)
        assert refused.value.key == key
    draft = await contests.opening_typed(tg_user_id=VICE, text="23/02/2024 - 10/03/2024")
    assert (draft.step, draft.starts, draft.ends) == ("rounds", "23/02/2024", "10/03/2024")
    with pytest.raises(Invalid) as typed_instead:
        await contests.opening_typed(tg_user_id=VICE, text="2")
    assert typed_instead.value.key == "contest.press_a_button"
    await contests.opening_rounds(tg_user_id=VICE, two=True)
    with pytest.raises(Invalid):
        await contests.opening_typed(tg_user_id=VICE, text="0")
    draft = await contests.opening_finalists(tg_user_id=VICE)
    assert (draft.step, draft.finalists) == ("confirm", 6)  # the school's default
    opened = await contests.confirm_open(tg_user_id=VICE, ok=True)
    assert opened is not None and opened.title == "Nhà giáo tâm huyết sáng tạo"
    assert opened.subject == "Những thầy cô tận tụy"
    assert opened.rounds == 2 and opened.finalists == 6 and opened.phase == "entries"


@pytest.mark.one_database
async def test_a_contest_opened_ahead_takes_entries_from_its_first_day(
    world: World, contests: Contests, clock: list[datetime]
) -> None:
    await contests.begin_open(tg_user_id=CHAIR)
    await contests.opening_title(tg_user_id=CHAIR, choice=0)
    draft = await contests.opening_subject(tg_user_id=CHAIR)
    assert draft.subject.startswith("Viết về những tấm gương điển hình")
    await contests.opening_typed(tg_user_id=CHAIR, text="01/03/2024-10/03/2024")
    await contests.opening_rounds(tg_user_id=CHAIR, two=False)
    opened = await contests.confirm_open(tg_user_id=CHAIR, ok=True)
    assert opened is not None and not opened.accepting
    with pytest.raises(NotAllowed) as early:
        await contests.begin_entry(tg_user_id=TEACHER, contest_id=opened.id)
    assert early.value.key == "contest.not_open_yet"
    clock[0] += timedelta(days=7)  # 01/03/2024 in Hà Nội
    assert (await contests.show(tg_user_id=TEACHER)).accepting
    await contests.begin_entry(tg_user_id=TEACHER, contest_id=opened.id)


@pytest.mark.one_database
async def test_a_judge_who_left_the_school_does_not_hold_the_round_up(
    world: World, contests: Contests, reviews: Reviews, sessions: SessionFactory
) -> None:
    contest_id = await open_contest(contests, two=False)
    code = await write(contests, TEACHER, contest_id, "Bác Tư", "Bác Tư tận tụy.")
    await contests.start_scoring(tg_user_id=CHAIR, contest_id=contest_id)
    for judge in (VICE, COUNCIL):
        _, _, items = await contests.judge_list(tg_user_id=judge, contest_id=contest_id)
        sheet = items[0].sheet_id
        await reviews.open_sheet(tg_user_id=judge, chat_id=judge, sheet_id=sheet)
        for mark in (8, 8, 8) if judge == VICE else (6, 6, 6):
            await reviews.typed(tg_user_id=judge, text=str(mark))
        await reviews.send(tg_user_id=judge, chat_id=judge, sheet_id=sheet)
    with pytest.raises(Invalid):
        await contests.finish(tg_user_id=CHAIR, contest_id=contest_id)
    async with sessions() as s:
        gone = await s.scalar(select(Membership).where(Membership.person_id == world.person[T2]))
        assert gone is not None
        gone.status = MemberStatus.LEFT
        await s.commit()
    done = await contests.finish(tg_user_id=CHAIR, contest_id=contest_id)
    assert done.prizes[0][:2] == ("Giải Nhất", code) and done.prizes[0][5] == "70"
