"""The minutes of the judging meeting: their figures against the raw votes, every version kept,
the secretary's remarks and the final version, and who may do what."""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from sqlalchemy import delete, func, select

from reports.minutes import percent_text
from reports.pdf import to_pdf
from services.base import Env
from services.conversations import Kind, put
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.judging.minutes import Minutes, minutes_buttons, write_version
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Ballot,
    BallotBoxEntry,
    Conversation,
    Meeting,
    MeetingStatus,
    MinutesVersion,
    Vote,
)
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE, School
from tests.minutes_world import (
    ABSENCE,
    CSTDCS,
    DEACTIVATED,
    LDTT,
    MEMBER,
    OTHER_COUNCIL,
    Judged,
    judged_meeting,
)
from tests.reports.test_docx_layout import needs_libreoffice
from tests.snapshots import changes, snapshot
from ui.buttons.minutes import MinutesDocument, MinutesFinalize, MinutesRemark
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """No LibreOffice round per read here (seconds each): the PDF has its own test."""
    monkeypatch.setattr("reports.pdf.to_pdf", lambda docx: None)


@pytest.fixture
async def judged(sessions: SessionFactory, school: School, now: datetime) -> Judged:
    """The closed meeting, with its first version of the minutes written as the lead's close
    writes it."""
    world = await judged_meeting(sessions, school, now)
    async with sessions() as s:
        meeting = await s.get(Meeting, world.meeting_id)
        assert meeting is not None
        await write_version(
            s, meeting=meeting, texts=Texts(HN), tz=HN, actor_id=world.people[CHAIR], now=now
        )
        await s.commit()
    return world


def _minutes(sessions: SessionFactory, texts: Texts, now: datetime) -> Minutes:
    return Minutes(Env(sessions, texts, lambda: now, HN))


async def _stored(sessions: SessionFactory, meeting_id: int) -> list[tuple[str, int, bool]]:
    async with sessions() as s:
        rows = await s.execute(
            select(MinutesVersion.kind, MinutesVersion.version, MinutesVersion.final)
            .where(MinutesVersion.meeting_id == meeting_id)
            .order_by(MinutesVersion.version, MinutesVersion.kind)
        )
        return [(str(k), v, f) for k, v, f in rows.all()]


async def _content(sessions: SessionFactory, meeting_id: int, kind: str, version: int) -> Any:
    async with sessions() as s:
        data = await s.scalar(
            select(MinutesVersion.content).where(
                MinutesVersion.meeting_id == meeting_id,
                MinutesVersion.kind == kind,
                MinutesVersion.version == version,
            )
        )
    assert data is not None
    return Document(io.BytesIO(data))


def _rows(table: Any) -> list[list[str]]:
    return [[cell.text.strip() for cell in row.cells] for row in table.rows]


def _text(document: Any) -> str:
    return "\n".join(p.text for p in document.paragraphs)


async def test_the_minutes_figures_match_an_independent_count_of_the_votes(
    sessions: SessionFactory, judged: Judged
) -> None:
    async with sessions() as s:
        # Open ballot: the directions are on the Vote rows.
        open_counts = Counter(
            (candidate, choice)
            for candidate, choice in (
                await s.execute(
                    select(Vote.candidate_id, Vote.choice).where(
                        Vote.ballot_id == judged.ballots[LDTT]
                    )
                )
            ).all()
        )
        # Secret ballot: the Vote rows say who voted, the sealed box how.
        secret_counts = Counter(
            (candidate, choice)
            for candidate, choice in (
                await s.execute(
                    select(BallotBoxEntry.candidate_id, BallotBoxEntry.choice).where(
                        BallotBoxEntry.ballot_id == judged.ballots[CSTDCS]
                    )
                )
            ).all()
        )
        voters = await s.scalar(
            select(func.count(func.distinct(Vote.person_id))).where(
                Vote.ballot_id == judged.ballots[CSTDCS]
            )
        )
    assert await _stored(sessions, judged.meeting_id) == [
        ("count", 1, False),
        ("minutes", 1, False),
    ]

    def expected(title: str, counts: Counter[tuple[int, Any]]) -> list[list[str]]:
        rows = []
        names = [(n, cid) for (t, n), cid in judged.candidates.items() if t == title]
        for number, (name, cid) in enumerate(names, start=1):
            yes, no = counts[(cid, "yes")], counts[(cid, "no")]
            passed = yes * 100 >= 70 * 9 and yes > no
            result = "Đạt" if passed else "Không đạt"
            department = {"Vũ Thị Mai": "Tổ 1", "Lê Văn An": "Tổ 2", "Phạm Thị Lan": "Tổ 1"}
            rows.append(
                [str(number), name, department.get(name, "Tổ 3"), str(yes), str(no), "9",
                 percent_text(yes, 9), result]
            )  # fmt: skip
        return rows

    minutes = await _content(sessions, judged.meeting_id, "minutes", 1)
    header, attendance, ldtt, cstdcs, signatures = minutes.tables
    assert _rows(ldtt)[1:] == expected(LDTT, open_counts)
    assert _rows(cstdcs)[1:] == expected(CSTDCS, secret_counts)
    assert len(attendance.rows) == 10
    assert _rows(attendance)[1][:4] == ["1", "Trần Thị Thu Hà", "Chủ tịch", "Có mặt"]
    assert _rows(attendance)[2][:4] == ["2", "Lê Minh Tuấn", "Phó Chủ tịch", "Có mặt"]
    assert ["Đặng Văn Khoa", "Ủy viên", "Vắng mặt", ABSENCE] in [r[1:] for r in _rows(attendance)]
    assert "Ngô Văn Cường" not in _text(minutes) + str(_rows(attendance))
    text = _text(minutes)
    assert "tổng số 9 người; có mặt 8 người; vắng mặt 1 người" in text
    assert "(tối thiểu 2/3 tổng số thành viên, tức 6 người)" in text
    assert "- Lê Văn An: mới công tác 5 tháng, cần từ 6 tháng." in text
    assert "- Lê Văn An: chưa có sáng kiến được công nhận." in text
    # The secretary is a candidate: she did not vote on herself, and the minutes say so.
    assert "- Phạm Thị Lan không biểu quyết đối với Phạm Thị Lan (có liên quan trực tiếp)." in text
    assert "Hoàng Văn Nam không biểu quyết" not in text  # skipping a vote is no conflict
    assert "- Xét danh hiệu Lao động tiên tiến" in text
    assert "Vào hồi 14 giờ 00 phút, ngày 15 tháng 5 năm 2027, tại Phòng họp tầng 2" in text
    assert "Cuộc họp kết thúc vào hồi 16 giờ 30 phút cùng ngày." in text
    passed = [r[1] for r in expected(LDTT, open_counts) if r[-1] == "Đạt"]
    assert f"- Lao động tiên tiến: {len(passed)} người ({', '.join(passed)})." in text
    assert _rows(header)[0][0] == "UBND PHƯỜNG BỒ ĐỀ\nTRƯỜNG TIỂU HỌC THƯỢNG THANH"
    assert [c.split("\n")[-1] for c in _rows(signatures)[0]] == ["Phạm Thị Lan", "Trần Thị Thu Hà"]

    count = await _content(sessions, judged.meeting_id, "count", 1)
    assert _rows(count.tables[1])[1:] == expected(CSTDCS, secret_counts)
    assert f"- Số phiếu phát ra: 8; số phiếu thu về: {voters}." in _text(count)
    assert "Lao động tiên tiến”" not in _text(count)


async def test_without_a_secret_ballot_there_is_no_count_record(
    sessions: SessionFactory, school: School, now: datetime, texts: Texts
) -> None:
    world = await judged_meeting(sessions, school, now)
    async with sessions() as s:
        await s.execute(delete(BallotBoxEntry))
        await s.execute(delete(Vote).where(Vote.ballot_id == world.ballots[CSTDCS]))
        await s.execute(delete(Ballot).where(Ballot.id == world.ballots[CSTDCS]))
        meeting = await s.get(Meeting, world.meeting_id)
        assert meeting is not None
        written = await write_version(
            s, meeting=meeting, texts=texts, tz=HN, actor_id=None, now=now
        )
        await s.commit()
    assert [(str(w.kind), w.version) for w in written] == [("minutes", 1)]
    document = await _content(sessions, world.meeting_id, "minutes", 1)
    assert "Chưa biểu quyết: Hội đồng chưa đưa danh hiệu này ra biểu quyết." in _text(document)
    assert _rows(document.tables[3])[1][3:] == ["–", "–", "–", "–", "Chưa biểu quyết"]


async def test_below_quorum_the_minutes_say_nothing_was_voted(
    sessions: SessionFactory, school: School, now: datetime, texts: Texts
) -> None:
    world = await judged_meeting(sessions, school, now)
    async with sessions() as s:
        await s.execute(delete(BallotBoxEntry))
        await s.execute(delete(Vote))
        await s.execute(delete(Ballot))
        meeting = await s.get(Meeting, world.meeting_id)
        assert meeting is not None
        meeting.council_size = 20
        await write_version(s, meeting=meeting, texts=texts, tz=HN, actor_id=None, now=now)
        await s.commit()
    text = _text(await _content(sessions, world.meeting_id, "minutes", 1))
    assert "có mặt 8/20, không đủ điều kiện tiến hành họp" in text
    note = "Chưa biểu quyết: không đủ số thành viên dự họp, không tiến hành biểu quyết."
    assert text.count(note) == 2
    assert "- Lao động tiên tiến: không có." in text


async def test_the_secretary_adds_remarks_then_finalises_and_every_version_is_kept(
    sessions: SessionFactory, judged: Judged, texts: Texts, now: datetime
) -> None:
    minutes = _minutes(sessions, texts, now)
    first = await _content(sessions, judged.meeting_id, "minutes", 1)
    prompt = await minutes.begin_remarks(tg_user_id=COUNCIL, meeting_id=judged.meeting_id)
    assert prompt.version == 1
    async with sessions() as s:  # the dialogue is in the database: it survives a restart
        convo = await s.scalar(select(Conversation).where(Conversation.user_id == COUNCIL))
        assert convo is not None and convo.kind == Kind.REMARKS
    restarted = _minutes(sessions, texts, now + timedelta(minutes=5))
    remark = "Đề nghị các tổ nộp minh chứng sáng kiến trước ngày 20/5 & <gửi bản giấy>."
    written = await restarted.add_remark(tg_user_id=COUNCIL, text=f"  {remark}\n")
    assert (written.version, written.final) == (2, False)
    await minutes.begin_remarks(tg_user_id=CHAIR, meeting_id=judged.meeting_id)
    await minutes.add_remark(tg_user_id=CHAIR, text="Thống nhất gửi hồ sơ lên phường.")
    second = await _content(sessions, judged.meeting_id, "minutes", 3)
    assert f"- {remark}" in _text(second)
    assert "- Thống nhất gửi hồ sơ lên phường." in _text(second)
    assert "(Dự thảo lần 3)" in _text(second)
    assert "- Không có ý kiến khác." in _text(first)  # the first version is unchanged

    final = await minutes.finalize(tg_user_id=COUNCIL, meeting_id=judged.meeting_id)
    assert (final.version, final.final) == (4, True)
    assert "Dự thảo" not in _text(await _content(sessions, judged.meeting_id, "minutes", 4))
    assert await _stored(sessions, judged.meeting_id) == [
        ("count", 1, False), ("minutes", 1, False), ("count", 2, False), ("minutes", 2, False),
        ("count", 3, False), ("minutes", 3, False), ("count", 4, True), ("minutes", 4, True),
    ]  # fmt: skip
    lines = await minutes.versions(tg_user_id=MEMBER, meeting_id=judged.meeting_id)
    assert [(v.kind, v.version, v.final, v.by) for v in lines[:2]] == [
        ("minutes", 4, True, "Phạm Thị Lan"),
        ("count", 4, True, "Phạm Thị Lan"),
    ]
    async with sessions() as s:
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert [a for a in actions if a.startswith("minutes.")] == [
        "minutes.remark", "minutes.remark", "minutes.final"
    ]  # fmt: skip

    # After the final version: no more remarks, politely; the copy read is the final one.
    with pytest.raises(AlreadyDone) as refused:
        await minutes.begin_remarks(tg_user_id=COUNCIL, meeting_id=judged.meeting_id)
    assert refused.value.key == "minutes.already_final"
    with pytest.raises(AlreadyDone):
        await minutes.finalize(tg_user_id=CHAIR, meeting_id=judged.meeting_id)
    copy = await minutes.latest(tg_user_id=MEMBER, meeting_id=judged.meeting_id)
    assert (copy.version, copy.final, copy.may_edit) == (4, True, False)
    assert copy.files[0].filename == "bien-ban-hop-xet-thi-dua-2026-2027-v4.docx"
    older = await minutes.latest(tg_user_id=MEMBER, meeting_id=judged.meeting_id, version=2)
    assert "(Dự thảo lần 2)" in _text(Document(io.BytesIO(older.files[0].content)))


async def test_a_remark_typed_after_someone_finalised_ends_the_wait_politely(
    sessions: SessionFactory, judged: Judged, texts: Texts, now: datetime
) -> None:
    minutes = _minutes(sessions, texts, now)
    await minutes.begin_remarks(tg_user_id=COUNCIL, meeting_id=judged.meeting_id)
    await minutes.finalize(tg_user_id=CHAIR, meeting_id=judged.meeting_id)
    with pytest.raises(AlreadyDone) as refused:
        await minutes.add_remark(tg_user_id=COUNCIL, text="Bổ sung ý kiến")
    assert refused.value.key == "minutes.already_final"
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Conversation)) == 0
    assert await _stored(sessions, judged.meeting_id) == [
        ("count", 1, False), ("minutes", 1, False), ("count", 2, True), ("minutes", 2, True),
    ]  # fmt: skip


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("   \n ", "minutes.remark_empty"),
        ("ý" * 1501, "minutes.remark_too_long"),
        ("Ý kiến \u202eđảo chiều", "errors.hidden_characters"),
    ],
)
async def test_a_remark_that_is_not_one_is_refused_and_the_secretary_types_again(
    sessions: SessionFactory, judged: Judged, texts: Texts, now: datetime, text: str, key: str
) -> None:
    minutes = _minutes(sessions, texts, now)
    await minutes.begin_remarks(tg_user_id=COUNCIL, meeting_id=judged.meeting_id)
    with pytest.raises(Invalid) as refused:
        await minutes.add_remark(tg_user_id=COUNCIL, text=text)
    assert refused.value.key == key
    written = await minutes.add_remark(tg_user_id=COUNCIL, text="Ý kiến gõ lại.")
    assert written.version == 2


async def test_two_remarks_saved_at_once_make_two_versions_with_both_remarks(
    sessions: SessionFactory, judged: Judged, texts: Texts, now: datetime
) -> None:
    minutes = _minutes(sessions, texts, now)
    await minutes.begin_remarks(tg_user_id=COUNCIL, meeting_id=judged.meeting_id)
    await minutes.begin_remarks(tg_user_id=CHAIR, meeting_id=judged.meeting_id)
    done = await asyncio.gather(
        minutes.add_remark(tg_user_id=COUNCIL, text="Ý kiến của Thư ký."),
        minutes.add_remark(tg_user_id=CHAIR, text="Ý kiến của Chủ tịch."),
    )
    assert sorted(w.version for w in done) == [2, 3]
    text = _text(await _content(sessions, judged.meeting_id, "minutes", 3))
    assert "- Ý kiến của Thư ký." in text and "- Ý kiến của Chủ tịch." in text


async def test_of_two_final_versions_asked_at_once_one_is_made_and_the_other_told(
    sessions: SessionFactory, judged: Judged, texts: Texts, now: datetime
) -> None:
    minutes = _minutes(sessions, texts, now)
    done = await asyncio.gather(
        minutes.finalize(tg_user_id=COUNCIL, meeting_id=judged.meeting_id),
        minutes.finalize(tg_user_id=CHAIR, meeting_id=judged.meeting_id),
        return_exceptions=True,
    )
    assert sorted(type(d).__name__ for d in done) == ["AlreadyDone", "Written"]
    assert await _stored(sessions, judged.meeting_id) == [
        ("count", 1, False), ("minutes", 1, False), ("count", 2, True), ("minutes", 2, True),
    ]  # fmt: skip


@needs_libreoffice
async def test_a_council_member_gets_both_documents_as_docx_and_pdf(
    sessions: SessionFactory,
    judged: Judged,
    texts: Texts,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("reports.pdf.to_pdf", to_pdf)
    started: list[bool] = []

    async def told() -> None:
        started.append(True)

    copy = await _minutes(sessions, texts, now).latest(
        tg_user_id=MEMBER, meeting_id=judged.meeting_id, started=told
    )
    assert started == [True]
    assert [f.filename for f in copy.files] == [
        "bien-ban-hop-xet-thi-dua-2026-2027-v1.docx",
        "bien-ban-hop-xet-thi-dua-2026-2027-v1.pdf",
        "bien-ban-kiem-phieu-2026-2027-v1.docx",
        "bien-ban-kiem-phieu-2026-2027-v1.pdf",
    ]
    assert copy.files[1].content.startswith(b"%PDF")


async def test_before_the_meeting_closes_there_are_no_minutes(
    sessions: SessionFactory, school: School, now: datetime, texts: Texts
) -> None:
    world = await judged_meeting(sessions, school, now)
    async with sessions() as s:
        meeting = await s.get(Meeting, world.meeting_id)
        assert meeting is not None
        meeting.status, meeting.closed_at = MeetingStatus.OPEN, None
        await s.commit()
    minutes = _minutes(sessions, texts, now)
    for action in (
        minutes.latest(tg_user_id=CHAIR, meeting_id=world.meeting_id),
        minutes.begin_remarks(tg_user_id=CHAIR, meeting_id=world.meeting_id),
    ):
        with pytest.raises(NotFound) as refused:
            await action
        assert refused.value.key == "minutes.none_yet"


def test_the_closing_notice_buttons_are_the_minutes_for_all_and_the_edits_for_the_secretary(
    texts: Texts,
) -> None:
    everyone = minutes_buttons(texts, 7, may_edit=False)
    assert everyone == [[("📄 Biên bản", MinutesDocument(7).pack())]]
    editors = minutes_buttons(texts, 7)
    assert [label for row in editors for label, _ in row] == [
        "📄 Biên bản", "✏️ Thêm ý kiến vào biên bản", "✅ Hoàn tất biên bản"
    ]  # fmt: skip
    assert editors[1][0][1] == MinutesRemark(7).pack()
    assert editors[2][0][1] == MinutesFinalize(7, "ask").pack()


# ------------------------------------------------------------------------- who may do what

OK, NO, LEFT, GONE = "ok", "no", "left", "gone"
ROLES = {  # name: (tg id, latest and versions, remarks and the final version)
    "stranger": (STRANGER, NO, NO),
    "staff": (TEACHER, NO, NO),
    "deactivated": (DEACTIVATED, LEFT, LEFT),
    "other_school_council": (OTHER_COUNCIL, GONE, GONE),
    "council": (MEMBER, OK, NO),
    "vice_chair": (VICE, OK, NO),
    "secretary": (COUNCIL, OK, OK),
    "chair": (CHAIR, OK, OK),
}


def _outcome(error: ServiceError | None) -> str:
    if error is None:
        return OK
    if isinstance(error, NotFound):
        return GONE
    assert isinstance(error, NotAllowed), error
    return LEFT if error.key == "errors.deactivated" else NO


@pytest.mark.one_database
@pytest.mark.parametrize("role", sorted(ROLES))
async def test_who_may_read_remark_and_finalise_the_minutes(
    sessions: SessionFactory, judged: Judged, texts: Texts, now: datetime, role: str
) -> None:
    tg, read, edit = ROLES[role]
    minutes = _minutes(sessions, texts, now)
    meeting = judged.meeting_id

    async def remark() -> object:
        return await minutes.add_remark(tg_user_id=tg, text="Ý kiến")

    actions = {
        "latest": (read, lambda: minutes.latest(tg_user_id=tg, meeting_id=meeting)),
        "versions": (read, lambda: minutes.versions(tg_user_id=tg, meeting_id=meeting)),
        "begin_remarks": (edit, lambda: minutes.begin_remarks(tg_user_id=tg, meeting_id=meeting)),
        "add_remark": (edit, remark),
        "may_finalize": (edit, lambda: minutes.may_finalize(tg_user_id=tg, meeting_id=meeting)),
        "finalize": (edit, lambda: minutes.finalize(tg_user_id=tg, meeting_id=meeting)),
    }
    for name, (expected, action) in actions.items():
        if name == "add_remark":
            await remark_setup(sessions, tg, meeting, now)
        before = await snapshot(sessions, skip={"conversations": frozenset({"updated_at"})})
        error: ServiceError | None = None
        try:
            await action()
        except ServiceError as refused:
            error = refused
        assert _outcome(error) == expected, (role, name, error and error.key)
        if expected != OK:
            after = await snapshot(sessions, skip={"conversations": frozenset({"updated_at"})})
            assert before == after, (role, name, changes(before, after))
    versions = await _stored(sessions, meeting)
    assert versions[-1] == (("minutes", 3, True) if edit == OK else ("minutes", 1, False))


async def remark_setup(sessions: SessionFactory, tg: int, meeting_id: int, now: datetime) -> None:
    """A remark dialogue left in the database, as if `tg` had reached it while they could."""
    async with sessions() as s:
        data = {"meeting_id": meeting_id}
        await put(s, chat_id=tg, user_id=tg, kind=Kind.REMARKS, step="text", data=data, now=now)
        await s.commit()
