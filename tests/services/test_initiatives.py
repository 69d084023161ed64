"""Initiatives on a real database: the chair opens the call (dates and reminder from the settings),
members register and send write-ups (DOCX/PDF kept by the file store, wrong or oversized files
refused politely), the council chair assigns and confirms, the draft decision lists exactly the
recognised initiatives, a recognised initiative meets the CSTĐCS condition; who may do what."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import select

from services.base import Env
from services.errors import Invalid, NotAllowed, NotFound, ServiceError
from services.files import StaticFetcher
from services.initiatives import Initiatives
from services.initiatives.figures import initiative_counts
from services.judging.achievements.common import prefill
from services.judging.common import rules_of, school_rules
from services.judging.facts.store import facts_for
from services.judging.rules import Family, Rules, check_person
from services.notices import fire
from services.reviews import Reviews
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import (
    EntryStatus,
    JudgingRound,
    Notice,
    Org,
    OutboxMessage,
    ReviewCall,
    ReviewEntry,
    StoredFile,
)
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE, make_school
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
)
from ui.texts import Texts

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILES = {
    "docx-1": b"PK\x03\x04 a write-up",
    "pdf-1": b"%PDF-1.4 a write-up",
    "photo-1": b"\xff\xd8",
}


def make_env(sessions: SessionFactory, texts: Texts, clock: list[datetime], tmp: Path) -> Env:
    return Env(
        sessions=sessions,
        texts=texts,
        clock=lambda: clock[0],
        tz=texts.tz,
        files=FileStore(tmp / "files"),
        fetcher=StaticFetcher(dict(FILES)),
    )


@pytest.fixture
async def world(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    return await build(sessions, texts, now)


@pytest.fixture
def env(sessions: SessionFactory, texts: Texts, now: datetime, tmp_path: Path) -> Env:
    return make_env(sessions, texts, [now], tmp_path)


async def test_the_chair_opens_the_call_with_the_settings_dates_a_reminder_and_a_notice(
    sessions: SessionFactory, texts: Texts, now: datetime, env: Env
) -> None:
    await make_school(sessions, texts, now)
    cases = Initiatives(env)
    window = await cases.preview_call(tg_user_id=CHAIR)
    # 23/02/2024: registration (31/10) is past, so it stays open until the write-ups are due
    # (31/03/2024, the whole day)
    assert window.year == 2023
    assert window.submit_by.astimezone(texts.tz).date().isoformat() == "2024-03-31"
    assert window.closes_at == window.submit_by
    home = await cases.open_call(tg_user_id=CHAIR)
    assert home.call is not None and home.call.registering and home.is_chair
    async with sessions() as s:
        notice = await s.scalar(select(Notice).where(Notice.kind == "review"))
        assert notice is not None
        assert notice.due_at == window.submit_by - timedelta(days=7)
        told = (
            await s.scalars(select(OutboxMessage.chat_id).where(OutboxMessage.ref.like("review:%")))
        ).all()
        assert set(told) == {CHAIR, VICE, COUNCIL, TEACHER}
    with pytest.raises(ServiceError) as again:
        await cases.open_call(tg_user_id=CHAIR)
    assert again.value.key == "reviews.call_open"


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("who", "key"),
    [
        (VICE, "reviews.chair_only"),
        (COUNCIL, "reviews.chair_only"),
        (TEACHER, "reviews.chair_only"),
        (STRANGER, "errors.not_member"),
    ],
)
async def test_only_the_chair_opens_the_call(
    sessions: SessionFactory, texts: Texts, now: datetime, env: Env, who: int, key: str
) -> None:
    await make_school(sessions, texts, now)
    with pytest.raises(ServiceError) as refused:
        await Initiatives(env).open_call(tg_user_id=who)
    assert refused.value.key == key


async def test_a_member_registers_in_three_answers_and_bad_answers_are_refused_politely(
    world: World, env: Env, sessions: SessionFactory
) -> None:
    cases = Initiatives(env)
    await cases.begin_register(tg_user_id=R3)
    with pytest.raises(Invalid) as empty:
        await cases.typed(tg_user_id=R3, text="   ")
    assert empty.value.key == "reviews.title_empty"
    assert (
        await cases.typed(tg_user_id=R3, text="Sơ đồ tư duy <môn> Tự nhiên & Xã hội")
    ).step == "field"
    # a restart between answers: a new Initiatives, the draft kept in the database
    cases = Initiatives(env)
    assert (await cases.typed(tg_user_id=R3, text="Tự nhiên và Xã hội")).step == "problem"
    with pytest.raises(Invalid) as long:
        await cases.typed(tg_user_id=R3, text="x" * 2000)
    assert long.value.key == "initiatives.problem_too_long"
    done = await cases.typed(tg_user_id=R3, text="Học sinh khó nhớ kiến thức")
    assert done.step == "done" and done.entry is not None
    assert done.entry.title == "Sơ đồ tư duy <môn> Tự nhiên & Xã hội"
    assert done.entry.status == "registered" and done.entry.department == "Tổ 3"
    home = await cases.home(tg_user_id=R3)
    assert [e.code for e in home.mine] == [done.entry.code]


async def test_a_docx_and_a_pdf_are_kept_and_wrong_or_oversized_files_refused_politely(
    world: World, env: Env, sessions: SessionFactory
) -> None:
    cases = Initiatives(env)
    async with sessions() as s:
        entry = ReviewEntry(
            call_id=world.call_id,
            org_id=world.org_id,
            code="SK-900",
            author_id=world.person[R3],
            department_id=world.departments["Tổ 3"],
            title="Góc đọc sách",
            stage="single",
            status=EntryStatus.REGISTERED,
            registered_at=env.clock(),
        )
        s.add(entry)
        await s.commit()
        entry_id = entry.id
    with pytest.raises(NotFound):  # another member's initiative
        await cases.begin_submit(tg_user_id=R2, entry_id=entry_id)
    await cases.begin_submit(tg_user_id=R3, entry_id=entry_id)
    fetcher = env.fetcher
    assert isinstance(fetcher, StaticFetcher)

    async def send(
        file_id: str, name: str, mime: str, size: int | None, photo: bool = False
    ) -> Any:
        return await cases.receive_file(
            tg_user_id=R3,
            file_id=file_id,
            unique_id=f"u-{file_id}",
            name=name,
            mime=mime,
            size=size,
            photo=photo,
        )

    with pytest.raises(Invalid) as big:
        await send("huge", "sang_kien.pdf", "application/pdf", 25 * 2**20)
    assert big.value.key == "initiatives.too_large" and big.value.values["limit_mb"] == 20
    with pytest.raises(Invalid) as wrong:
        await send("xls", "bang_diem.xlsx", "application/vnd.ms-excel", 1000)
    assert wrong.value.key == "initiatives.wrong_type"
    assert fetcher.calls == []  # neither was downloaded
    with pytest.raises(Invalid) as none_yet:
        await cases.end_submit(tg_user_id=R3, entry_id=entry_id)
    assert none_yet.value.key == "initiatives.writeup_needed"
    got = await send("docx-1", "Sang kien.docx", DOCX_MIME, 20)
    assert got.role == "writeup" and got.entry.status == "submitted"
    got = await send("pdf-1", "Sang kien.pdf", "application/pdf", 19)
    got = await send("photo-1", "anh.jpg", "image/jpeg", 2, photo=True)
    assert got.entry.writeups == ("Sang kien.docx", "Sang kien.pdf") and got.entry.photos == 1
    done = await cases.end_submit(tg_user_id=R3, entry_id=entry_id)
    assert done.status == "submitted"
    async with sessions() as s:
        kept = (await s.scalars(select(StoredFile).order_by(StoredFile.id))).all()
        assert [env.files.read(k.sha256) for k in kept] == [
            FILES["docx-1"],
            FILES["pdf-1"],
            FILES["photo-1"],
        ]


async def _score(reviews: Reviews, tg: int, sheet: int, marks: list[int]) -> None:
    for i, mark in enumerate(marks):
        await reviews.mark(tg_user_id=tg, chat_id=tg, sheet_id=sheet, index=i, mark=mark)
    await reviews.send(tg_user_id=tg, chat_id=tg, sheet_id=sheet)


async def _sheet_of(sessions: SessionFactory, tg: int) -> int:
    async with sessions() as s:
        row = await s.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == tg, OutboxMessage.ref.like("review:%:assign"))
            .order_by(OutboxMessage.id.desc())
        )
        assert row is not None
        return int(row.payload["buttons"][0][0][1].split(":")[-1])


async def test_assigned_scored_confirmed_the_decision_lists_it_and_cstdcs_sees_it(
    world: World, env: Env, sessions: SessionFactory
) -> None:
    cases, reviews = Initiatives(env), Reviews(env)
    card = await cases.entry(tg_user_id=VICE, entry_id=world.entry_id)
    # TEACHER is of Tổ 1: COUNCIL and SAME_DEPT (Tổ 1) are not suggested; two, least loaded
    assert len(card.suggestions) == 2
    tier1 = {world.person[t] for t in (TEACHER, COUNCIL, SAME_DEPT)}
    assert not tier1 & {s.person_id for s in card.suggestions}
    for tg in (R2, R3):
        card = await cases.assign(
            tg_user_id=VICE, entry_id=world.entry_id, person_id=world.person[tg]
        )
    assert not card.may_assign
    await _score(reviews, R2, await _sheet_of(sessions, R2), [9, 9, 9, 9])
    await _score(reviews, R3, await _sheet_of(sessions, R3), [8, 9, 9, 8])
    card = await cases.entry(tg_user_id=VICE, entry_id=world.entry_id)
    assert card.may_confirm and card.passed and card.entry.total == 87.5  # (90 + 85) / 2
    with pytest.raises(ServiceError):  # nothing to recognise yet
        await cases.decision(tg_user_id=VICE)
    await cases.confirm(tg_user_id=VICE, entry_id=world.entry_id)
    async with sessions() as s:
        told = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.ref == f"review:{world.entry_id}:result")
        )
        assert told is not None and told.chat_id == TEACHER and "công nhận" in told.payload["text"]
        facts = await facts_for(s, world.org_id, 2023)
        assert facts[world.person[TEACHER]].initiative == "Dạy học phân hóa môn Toán lớp 1"
        org = await s.get_one(Org, world.org_id)
        rules: Rules = rules_of(await school_rules(s, org))
        warnings = check_person(
            Family.CSTDCS, facts[world.person[TEACHER]], rules, period_end=env.clock().date()
        )
        assert "no_initiative" not in [w.key for w in warnings]
        assert "no_initiative" in [
            w.key
            for w in check_person(
                Family.CSTDCS,
                facts.get(world.person[AUTHOR2]),
                rules,
                period_end=env.clock().date(),
            )
        ]
    made = await cases.decision(tg_user_id=VICE)
    assert made.count == 1 and made.filename == "quyet-dinh-cong-nhan-sang-kien-2023-2024.docx"
    document = Document(io.BytesIO(made.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "QUYẾT ĐỊNH" in text and "Về việc công nhận sáng kiến năm học 2023-2024" in text
    assert "Điều 1. Công nhận 1 sáng kiến" in text
    rows = [[c.text for c in r.cells] for r in document.tables[-1].rows]
    assert rows[0][:3] == ["STT", "Tên sáng kiến", "Tác giả"]
    assert rows[1:] == [
        ["1", "Dạy học phân hóa môn Toán lớp 1", "Vũ Thị Mai", "Tổ 1", "Toán", "87,5", "Loại A"]
    ]


ACTIONS = ("panel", "assign", "confirm", "decision", "jury")


@pytest.mark.one_database
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("who", "keys"),
    [
        (TEACHER, {"reviews.jury_chair_only", "reviews.chair_only"}),  # the author
        (R3, {"reviews.jury_chair_only", "reviews.chair_only"}),  # a reviewer of another entry
        (COUNCIL, {"reviews.jury_chair_only", "reviews.chair_only"}),  # council, jury member
        (OTHER_CHAIR, {"initiatives.no_call", "reviews.chair_only"}),  # another school's chair
        (OTHER_COUNCIL, {"initiatives.no_call", "reviews.chair_only"}),
        (STRANGER, {"errors.not_member"}),
        (GONE, {"errors.deactivated"}),
    ],
)
async def test_council_chair_actions_are_refused_to_everyone_else(
    world: World, env: Env, action: str, who: int, keys: set[str]
) -> None:
    cases = Initiatives(env)
    bound = {
        "panel": lambda: cases.panel(tg_user_id=who),
        "assign": lambda: cases.assign(
            tg_user_id=who, entry_id=world.entry_id, person_id=world.person[R2]
        ),
        "confirm": lambda: cases.confirm(tg_user_id=who, entry_id=world.entry_id),
        "decision": lambda: cases.decision(tg_user_id=who),
        "jury": lambda: cases.set_jury(tg_user_id=who, person_id=world.person[R2], role="member"),
    }
    with pytest.raises((NotAllowed, NotFound)) as refused:
        await bound[action]()
    assert refused.value.key in keys


async def test_the_reminder_reaches_authors_who_have_not_sent(
    world: World, env: Env, sessions: SessionFactory, texts: Texts
) -> None:
    cases = Initiatives(env)
    await cases.begin_register(tg_user_id=R3)
    for answer in ("Góc đọc sách", "Thư viện", "Học sinh ít đọc sách"):
        await cases.typed(tg_user_id=R3, text=answer)
    async with sessions() as s:
        notice = Notice(
            key="review:test",
            org_id=world.org_id,
            kind="review",
            due_at=env.clock(),
            payload={"call_id": world.call_id},
        )
        s.add(notice)
        await s.flush()
        reached = await fire(s, notice, texts, env.clock())
        await s.commit()
        assert reached == 1
        sent = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.ref == f"notice:{notice.id}")
        )
        assert sent is not None and sent.chat_id == R3 and "Góc đọc sách" in sent.payload["text"]


async def test_the_tally_counts_initiatives_by_department_as_the_entries_say(
    world: World, env: Env, sessions: SessionFactory, texts: Texts
) -> None:
    cases = Initiatives(env)
    await cases.begin_register(tg_user_id=R3)
    for answer in ("Góc đọc sách", "Thư viện", "Học sinh ít đọc sách"):
        await cases.typed(tg_user_id=R3, text=answer)
    async with sessions() as s:
        entry = await s.get_one(ReviewEntry, world.entry_id)
        entry.status, entry.total, entry.passed = EntryStatus.ACCEPTED, 80.0, True
        await s.commit()
        counts = await initiative_counts(s, world.org_id, "2023-2024")
        rows = (await s.scalars(select(ReviewEntry))).all()
    sent = {"submitted", "reviewing", "needs_third", "scored", "accepted", "rejected"}
    names = {v: k for k, v in world.departments.items()}
    expected: dict[str, tuple[int, int, int, int]] = {}
    for e in rows:
        dept = names[e.department_id or 0]
        r, n, sc, ok = expected.get(dept, (0, 0, 0, 0))
        expected[dept] = (
            r + 1,
            n + (e.status in sent),
            sc + (e.status in {"scored", "accepted", "rejected"}),
            ok + (e.status == "accepted"),
        )
    assert {
        c.department: (c.registered, c.submitted, c.scored, c.recognised) for c in counts
    } == expected
    assert expected == {"Tổ 1": (1, 1, 1, 1), "Tổ 2": (1, 1, 0, 0), "Tổ 3": (1, 0, 0, 0)}
    async with sessions() as s:
        assert await initiative_counts(s, world.org_id, "2024-2025") == []


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("who", "key"),
    [
        (OTHER_COUNCIL, "initiatives.no_call"),  # another school has no call open
        (OTHER_CHAIR, "initiatives.no_call"),
        (STRANGER, "errors.not_member"),
        (GONE, "errors.deactivated"),
    ],
)
async def test_registering_and_sending_are_for_members_of_the_calls_school(
    world: World, env: Env, who: int, key: str
) -> None:
    cases = Initiatives(env)
    with pytest.raises(ServiceError) as refused:
        await cases.begin_register(tg_user_id=who)
    assert refused.value.key == key
    with pytest.raises(ServiceError) as refused:
        await cases.begin_submit(tg_user_id=who, entry_id=world.entry_id)
    assert refused.value.key in {key, "reviews.no_entry"}
    with pytest.raises(ServiceError):
        await cases.receive_file(
            tg_user_id=who, file_id="docx-1", unique_id=None, name="a.docx", mime=DOCX_MIME, size=9
        )


@pytest.mark.one_database
async def test_a_jury_member_who_wrote_an_entry_is_never_its_reviewer_nor_confirms_it(
    world: World, env: Env, sessions: SessionFactory
) -> None:
    cases = Initiatives(env)
    # The teacher (an author) is put on the council and made its chair: she still cannot assign
    # reviewers to her own initiative, nor be given it.
    await cases.set_jury(tg_user_id=CHAIR, person_id=world.person[TEACHER], role="chair")
    with pytest.raises(NotAllowed) as own:
        await cases.assign(tg_user_id=TEACHER, entry_id=world.entry_id, person_id=world.person[R2])
    assert own.value.key == "reviews.own_entry"
    await cases.set_jury(tg_user_id=CHAIR, person_id=world.person[VICE], role="chair")
    with pytest.raises(NotAllowed) as self_review:
        await cases.assign(
            tg_user_id=VICE, entry_id=world.entry_id, person_id=world.person[TEACHER]
        )
    assert self_review.value.key == "reviews.own_entry"


async def test_a_new_school_year_call_closes_last_years(
    world: World, sessions: SessionFactory, texts: Texts, now: datetime, tmp_path: Path
) -> None:
    clock = [now]
    cases = Initiatives(make_env(sessions, texts, clock, tmp_path))
    assert not (await cases.home(tg_user_id=CHAIR)).stale
    with pytest.raises(ServiceError) as refused:  # this year's call is open
        await cases.open_call(tg_user_id=CHAIR)
    assert refused.value.key == "reviews.call_open"
    clock[0] = now + timedelta(days=250)  # October 2024: school year 2024-2025
    home = await cases.home(tg_user_id=CHAIR)
    assert home.stale and home.call is not None and home.call.year_label == "2023-2024"
    home = await cases.open_call(tg_user_id=CHAIR)
    assert home.call is not None and home.call.year_label == "2024-2025" and not home.stale
    async with sessions() as s:
        statuses = [
            str(c.status) for c in await s.scalars(select(ReviewCall).order_by(ReviewCall.id))
        ]
    assert statuses == ["closed", "open"]


async def test_a_recognised_initiative_fills_the_achievement_reports_initiatives(
    world: World, env: Env, sessions: SessionFactory
) -> None:
    rnd = JudgingRound(
        org_id=world.org_id, year=2023, period_start=date(2023, 9, 5), period_end=date(2024, 9, 5)
    )
    async with sessions() as s:
        entry = await s.get_one(ReviewEntry, world.entry_id)
        assert (await prefill(s, rnd, world.person[TEACHER], env.tz))["initiatives"] == ""
        entry.status = EntryStatus.ACCEPTED
        await s.commit()
        answers = await prefill(s, rnd, world.person[TEACHER], env.tz)
    assert answers["initiatives"] == "Dạy học phân hóa môn Toán lớp 1"


@pytest.mark.one_database
async def test_hidden_characters_in_a_title_are_refused(world: World, env: Env) -> None:
    cases = Initiatives(env)
    await cases.begin_register(tg_user_id=R3)
    with pytest.raises(Invalid) as hidden:
        await cases.typed(tg_user_id=R3, text="Sáng kiến\u202e hay")
    assert hidden.value.key == "errors.hidden_characters"
