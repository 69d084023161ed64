"""Achievement reports: who is asked, the guided form (pre-filled, kept or replaced, durable at
each step), the head's confirmation or note, reminders, the DOCX, the dossier's parts and
blockers, and who may do what."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import delete, func, select

from services.base import Env
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.judging.achievements import Achievements
from services.judging.achievements.common import STEPS
from services.judging.achievements.dossier import dossier_blockers, dossier_parts
from services.judging.rounds import Rounds
from services.notices import fire
from storage.db import SessionFactory
from storage.models import (
    AchievementReport,
    AuditEntry,
    Conversation,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    OutboxMessage,
    ReportStatus,
    RoundStatus,
)
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, School, forget_outbox
from tests.judging.reports_world import (
    CSTDCS,
    DEED,
    GONE,
    HEAD1,
    HEAD2,
    INITIATIVE,
    NAM,
    OTHER_CHAIR,
    TTLDTT,
    Final,
    final_round,
)
from ui.buttons.achievements import AchievementWrite
from ui.texts import Texts

ANSWERS = {
    "position": "Giáo viên chủ nhiệm lớp 3A",
    "tasks": "Dạy Tiếng Việt, Toán lớp 3A\nPhụ trách câu lạc bộ đọc sách",
    "results": "Lớp 3A: 100% học sinh hoàn thành chương trình\n2 học sinh đạt giải cấp phường",
}


def _uc(sessions: SessionFactory, texts: Texts, clock: list[datetime]) -> Achievements:
    return Achievements(Env(sessions, texts, lambda: clock[0], texts.tz))


@pytest.fixture
async def world(sessions: SessionFactory, texts: Texts, school: School, now: datetime) -> Final:
    """The final round, the reports asked for by the chair, the outbox emptied."""
    found = await final_round(sessions, texts, school, now)
    await _uc(sessions, texts, [now]).request(tg_user_id=CHAIR, round_id=found.round_id)
    await forget_outbox(sessions)
    return found


async def _report(sessions: SessionFactory, world: Final, title: str, who: str) -> int:
    async with sessions() as s:
        rid = await s.scalar(
            select(AchievementReport.id).where(
                AchievementReport.candidate_id == world.candidates[(title, who)]
            )
        )
    assert rid is not None
    return rid


async def _write(uc: Achievements, tg: int, report_id: int) -> None:
    """The writer walks the form: types the three first answers, keeps the rest, confirms."""
    step = await uc.begin(tg_user_id=tg, report_id=report_id)
    while step.step != "preview":
        if step.step in ANSWERS:
            step = await uc.answer(tg_user_id=tg, text=ANSWERS[step.step])
        else:
            step = await uc.keep(tg_user_id=tg)
    await uc.submit(tg_user_id=tg)


async def _outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    async with sessions() as s:
        return list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_the_final_round_asks_each_nominee_whose_title_needs_a_report_once(
    sessions: SessionFactory, texts: Texts, school: School, now: datetime
) -> None:
    world = await final_round(sessions, texts, school, now)
    uc = _uc(sessions, texts, [now])
    asked = await uc.request(tg_user_id=CHAIR, round_id=world.round_id)
    # CSTĐCS passed: the teacher, the head of Tổ 1, Nam; the collective title: Tổ 2 (its head
    # writes). Lao động tiên tiến needs none (the school's setting), a failed candidate none.
    assert asked.asked == 4 and asked.already == 0
    sent = await _outbox(sessions)
    assert sorted(m.chat_id for m in sent) == sorted([TEACHER, HEAD1, NAM, HEAD2])
    for message in sent:
        assert "Đề nghị viết báo cáo thành tích" in message.payload["text"]
        [[(label, data)]] = message.payload["buttons"]
        assert label == "📝 Viết báo cáo thành tích" and AchievementWrite.matches(data)
    async with sessions() as s:
        notices = (await s.scalars(select(Notice).where(Notice.kind == "achievement"))).all()
        assert sorted(n.key.rsplit(":", 1)[1] for n in notices) == ["after", "before"]
        collective = await s.scalar(
            select(AchievementReport).where(AchievementReport.title == TTLDTT)
        )
        assert collective is not None and collective.department_id is not None
        assert collective.person_id == world.person[HEAD2]
    again = await uc.request(tg_user_id=CHAIR, round_id=world.round_id)
    assert (again.asked, again.already) == (0, 4)
    assert len(await _outbox(sessions)) == 4


async def test_closing_the_round_asks_for_the_reports(
    sessions: SessionFactory, texts: Texts, school: School, now: datetime
) -> None:
    world = await final_round(sessions, texts, school, now, closed=False)
    async with sessions() as s:
        s.add(
            Meeting(
                round_id=world.round_id,
                org_id=world.org_id,
                starts_at=now,
                place="Phòng họp",
                chair_id=world.person[CHAIR],
                status=MeetingStatus.CLOSED,
                created_at=now,
            )
        )
        await s.commit()
    await Rounds(Env(sessions, texts, lambda: now, texts.tz)).close(
        tg_user_id=CHAIR, round_id=world.round_id
    )
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(AchievementReport)) == 4
        rnd = await s.get_one(JudgingRound, world.round_id)
        assert rnd.status == RoundStatus.CLOSED


async def test_the_form_is_prefilled_kept_or_replaced_and_the_head_confirms_it(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    clock = [now + timedelta(hours=1)]
    uc = _uc(sessions, texts, clock)
    rid = await _report(sessions, world, CSTDCS, str(TEACHER))
    step = await uc.begin(tg_user_id=TEACHER, report_id=rid)
    assert (step.step, step.number, step.current, step.optional) == ("position", 1, "", False)
    with pytest.raises(Invalid) as refused:
        await uc.keep(tg_user_id=TEACHER)
    assert refused.value.key == "achievements.answer_needed"
    for bad, key in (("   ", "achievements.empty"), ("x" * 201, "achievements.too_long")):
        with pytest.raises(Invalid) as refused:
            await uc.answer(tg_user_id=TEACHER, text=bad)
        assert refused.value.key == key
    with pytest.raises(Invalid) as refused:
        await uc.answer(tg_user_id=TEACHER, text="Giáo viên\u202e lớp 3A")
    assert refused.value.key == "errors.hidden_characters"
    step = await uc.answer(tg_user_id=TEACHER, text=ANSWERS["position"])
    assert step.step == "tasks"
    with pytest.raises(Invalid) as refused:  # the first prompt's button, pressed late
        await uc.keep(tg_user_id=TEACHER, step=1)
    assert refused.value.key == "achievements.stale_step"
    step = await uc.answer(tg_user_id=TEACHER, text=ANSWERS["tasks"])
    step = await uc.answer(tg_user_id=TEACHER, text=ANSWERS["results"])
    # The recognised initiative and the approved good deed are filled in.
    assert (step.step, step.current, step.optional) == ("initiatives", INITIATIVE, True)
    step = await uc.keep(tg_user_id=TEACHER)
    assert step.step == "deeds" and DEED in step.current
    step = await uc.answer(tg_user_id=TEACHER, text="Kèm học sinh yếu mỗi chiều thứ Bảy")
    assert step.step == "preview" and step.report is not None
    assert step.report.answers["initiatives"] == INITIATIVE
    # "Sửa": through the answers again, each shown to keep.
    step = await uc.edit(tg_user_id=TEACHER)
    assert (step.step, step.current) == ("position", ANSWERS["position"])
    for _ in STEPS:
        step = await uc.keep(tg_user_id=TEACHER)
    assert step.step == "preview"
    submitted = await uc.submit(tg_user_id=TEACHER)
    assert submitted.status == "submitted" and submitted.reviewer == "Nguyễn Thị Hằng"
    with pytest.raises(AlreadyDone):
        await uc.begin(tg_user_id=TEACHER, report_id=rid)
    [told] = await _outbox(sessions)
    assert told.chat_id == HEAD1 and "chờ xác nhận" in told.payload["text"]
    await forget_outbox(sessions)

    view = await uc.show(tg_user_id=HEAD1, report_id=rid)
    assert view.may_review and not view.may_edit
    confirmed = await uc.confirm(tg_user_id=HEAD1, report_id=rid)
    assert confirmed.status == "confirmed" and confirmed.confirmed_by == "Nguyễn Thị Hằng"
    [told] = await _outbox(sessions)
    assert told.chat_id == TEACHER and "đã được Nguyễn Thị Hằng xác nhận" in told.payload["text"]
    with pytest.raises(AlreadyDone):
        await uc.confirm(tg_user_id=CHAIR, report_id=rid)
    async with sessions() as s:
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        assert actions[-2:] == ["achievement.submit", "achievement.confirm"]
        assert await s.scalar(select(Conversation).where(Conversation.user_id == TEACHER)) is None


async def test_a_half_filled_report_is_kept_at_every_step(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    rid = await _report(sessions, world, CSTDCS, str(TEACHER))
    first = _uc(sessions, texts, [now])
    await first.begin(tg_user_id=TEACHER, report_id=rid)
    await first.answer(tg_user_id=TEACHER, text=ANSWERS["position"])
    await first.answer(tg_user_id=TEACHER, text=ANSWERS["tasks"])
    # A new process (nothing in memory): the form goes on at the third step, answers kept.
    second = _uc(sessions, texts, [now])
    step = await second.begin(tg_user_id=TEACHER, report_id=rid)
    assert step.step == "results"
    async with sessions() as s:
        report = await s.get_one(AchievementReport, rid)
        assert report.answers["tasks"] == ANSWERS["tasks"]
    # Even with the dialogue gone (another dialogue replaced it), the answers are on the report.
    async with sessions() as s:
        await s.execute(delete(Conversation).where(Conversation.user_id == TEACHER))
        await s.commit()
    step = await second.begin(tg_user_id=TEACHER, report_id=rid)
    assert (step.step, step.current) == ("position", ANSWERS["position"])


async def test_the_head_sends_it_back_with_a_note_and_the_writer_edits_it(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    uc = _uc(sessions, texts, [now])
    rid = await _report(sessions, world, CSTDCS, str(TEACHER))
    await _write(uc, TEACHER, rid)
    await forget_outbox(sessions)
    await uc.ask_note(tg_user_id=HEAD1, report_id=rid)
    with pytest.raises(Invalid):
        await uc.send_back(tg_user_id=HEAD1, text="  ")
    back = await uc.send_back(tg_user_id=HEAD1, text="Bổ sung số liệu <kết quả> học kỳ II")
    assert back.status == "returned"
    [told] = await _outbox(sessions)
    assert told.chat_id == TEACHER
    assert "Bổ sung số liệu &lt;kết quả&gt; học kỳ II" in told.payload["text"]
    assert told.payload["buttons"][0][0][0] == "✏️ Sửa báo cáo thành tích"
    with pytest.raises(Invalid) as refused:
        await uc.confirm(tg_user_id=HEAD1, report_id=rid)
    assert refused.value.key == "achievements.not_submitted"
    await _write(uc, TEACHER, rid)
    assert (await uc.confirm(tg_user_id=HEAD1, report_id=rid)).status == "confirmed"


async def test_a_heads_own_report_is_confirmed_by_the_chair_not_by_herself(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    uc = _uc(sessions, texts, [now])
    rid = await _report(sessions, world, CSTDCS, str(HEAD1))
    await _write(uc, HEAD1, rid)
    [told] = await _outbox(sessions)
    assert told.chat_id == CHAIR
    with pytest.raises(NotAllowed) as refused:
        await uc.confirm(tg_user_id=HEAD1, report_id=rid)
    assert refused.value.key == "achievements.own_report"
    assert (await uc.confirm(tg_user_id=CHAIR, report_id=rid)).confirmed_by == "Trần Thị Thu Hà"


REVIEWERS = {
    "the department's head": (HEAD1, None),
    "the chair": (CHAIR, None),
    "the writer herself": (TEACHER, "achievements.own_report"),
    "staff": (NAM, "achievements.not_reviewer"),
    "a council member": (COUNCIL, "achievements.not_reviewer"),
    "another department's head": (HEAD2, "achievements.not_reviewer"),
    "another school's chair": (OTHER_CHAIR, "achievements.not_found"),
    "a deactivated member": (GONE, "errors.deactivated"),
    "a stranger": (STRANGER, "errors.not_member"),
}


@pytest.mark.one_database
@pytest.mark.parametrize("who", list(REVIEWERS))
async def test_who_may_confirm_a_report_and_send_it_back(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime, who: str
) -> None:
    uc = _uc(sessions, texts, [now])
    rid = await _report(sessions, world, CSTDCS, str(TEACHER))
    await _write(uc, TEACHER, rid)
    tg, refusal = REVIEWERS[who]
    for action in (uc.ask_note, uc.confirm):
        if refusal is None:
            await action(tg_user_id=tg, report_id=rid)
            continue
        with pytest.raises(ServiceError) as refused:
            await action(tg_user_id=tg, report_id=rid)
        assert refused.value.key == refusal
    async with sessions() as s:
        status = (await s.get_one(AchievementReport, rid)).status
    assert status == (ReportStatus.CONFIRMED if refusal is None else ReportStatus.SUBMITTED)


WRITERS = {
    "another nominee": (NAM, "achievements.not_yours"),
    "the department's head": (HEAD1, "achievements.not_yours"),
    "another school's chair": (OTHER_CHAIR, "achievements.not_found"),
    "a deactivated member": (GONE, "errors.deactivated"),
    "a stranger": (STRANGER, "errors.not_member"),
}


@pytest.mark.one_database
@pytest.mark.parametrize("who", list(WRITERS))
async def test_only_the_nominee_writes_her_report(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime, who: str
) -> None:
    uc = _uc(sessions, texts, [now])
    rid = await _report(sessions, world, CSTDCS, str(TEACHER))
    tg, refusal = WRITERS[who]
    with pytest.raises((NotAllowed, NotFound)) as refused:
        await uc.begin(tg_user_id=tg, report_id=rid)
    assert refused.value.key == refusal


ASKERS = {
    "staff": (NAM, "achievements.chair_only"),
    "a department head": (HEAD1, "achievements.chair_only"),
    "a council member": (COUNCIL, "achievements.chair_only"),
    "a deactivated member": (GONE, "errors.deactivated"),
    "a stranger": (STRANGER, "errors.not_member"),
}


@pytest.mark.one_database
@pytest.mark.parametrize("who", list(ASKERS))
async def test_only_the_chair_asks_for_the_reports(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime, who: str
) -> None:
    tg, refusal = ASKERS[who]
    with pytest.raises(NotAllowed) as refused:
        await _uc(sessions, texts, [now]).request(tg_user_id=tg, round_id=world.round_id)
    assert refused.value.key == refusal


@pytest.mark.one_database
async def test_another_schools_chair_cannot_ask_for_this_schools_reports(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    with pytest.raises(NotFound):
        await _uc(sessions, texts, [now]).request(tg_user_id=OTHER_CHAIR, round_id=world.round_id)


async def test_reminders_go_to_those_not_done_only(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    uc = _uc(sessions, texts, [now])
    await _write(uc, TEACHER, await _report(sessions, world, CSTDCS, str(TEACHER)))
    await forget_outbox(sessions)
    async with sessions() as s:
        notice = await s.scalar(
            select(Notice).where(Notice.kind == "achievement", Notice.key.like("%:after"))
        )
        assert notice is not None and notice.due_at > now
        reached = await fire(s, notice, texts, notice.due_at + timedelta(minutes=1))
        await s.commit()
        assert notice.status == NoticeStatus.DONE
    assert reached == 3
    sent = await _outbox(sessions)
    assert sorted(m.chat_id for m in sent) == sorted([HEAD1, NAM, HEAD2])
    assert all("Nhắc: báo cáo thành tích chưa hoàn thành" in m.payload["text"] for m in sent)


async def test_the_dossier_gets_each_confirmed_report_and_is_blocked_by_the_others(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    async with sessions() as s:
        blockers = await dossier_blockers(s, world.round_id)
        assert await dossier_parts(s, world.round_id, tz=texts.tz) == []
    # The collective title is named by its department.
    assert {b.args["name"] for b in blockers} == {
        "Nguyễn Thị Hằng",
        "Vũ Thị Mai",
        "Đỗ Văn Nam",
        "Tổ 2",
    }
    assert {b.args["status"] for b in blockers} == {"requested"}
    assert all(texts.plain("vi", b.key, **b.args) for b in blockers)
    uc = _uc(sessions, texts, [now + timedelta(days=1)])
    rid = await _report(sessions, world, CSTDCS, str(TEACHER))
    await _write(uc, TEACHER, rid)
    async with sessions() as s:
        assert len(await dossier_blockers(s, world.round_id)) == 4  # submitted is not confirmed
    await uc.confirm(tg_user_id=HEAD1, report_id=rid)
    async with sessions() as s:
        [part] = await dossier_parts(s, world.round_id, tz=texts.tz)
        left = await dossier_blockers(s, world.round_id)
    assert len(left) == 3 and "Vũ Thị Mai" not in [b.args["name"] for b in left]
    assert part.path == "05-bao-cao-thanh-tich/01-bao-cao-thanh-tich-vu-thi-mai.docx"
    assert part.section == "Báo cáo thành tích" and "Vũ Thị Mai" in part.title
    document = Document(io.BytesIO(part.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "ĐỀ NGHỊ TẶNG DANH HIỆU “CHIẾN SĨ THI ĐUA CƠ SỞ”" in text
    assert "Dự thảo" not in text
    for expected in (
        "Họ và tên: Vũ Thị Mai",
        "Giới tính: Nữ",
        "Đơn vị công tác: Tổ 1, Trường Tiểu học Thượng Thanh",
        "Chức vụ (đảng, chính quyền, đoàn thể): Giáo viên chủ nhiệm lớp 3A",
        "Dạy Tiếng Việt, Toán lớp 3A",
        "Phụ trách câu lạc bộ đọc sách",
        "2 học sinh đạt giải cấp phường",
        INITIATIVE,
        "Chưa có hình thức khen thưởng được ghi nhận trên hệ thống.",
    ):
        assert expected in text, expected
    assert any(DEED in line for line in text.splitlines())  # the good deed, escaped right
    joined = "\n".join(cells)
    assert "TRƯỜNG TIỂU HỌC THƯỢNG THANH" in joined
    assert "XÁC NHẬN CỦA TỔ TRƯỞNG CHUYÊN MÔN" in joined
    assert "Nguyễn Thị Hằng" in joined and "NGƯỜI BÁO CÁO THÀNH TÍCH" in joined
    assert f"ngày {(now + timedelta(days=1)).astimezone(texts.tz).day:02d}"[:7] in joined


async def test_a_result_changed_by_a_revote_needs_no_report(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    from storage.models import Candidate, Outcome

    async with sessions() as s:
        candidate = await s.get_one(Candidate, world.candidates[(CSTDCS, str(NAM))])
        candidate.outcome = Outcome.FAILED
        await s.commit()
        names = [b.args["name"] for b in await dossier_blockers(s, world.round_id)]
    assert "Đỗ Văn Nam" not in names
    rid = await _report(sessions, world, CSTDCS, str(NAM))
    with pytest.raises(Invalid) as refused:
        await _uc(sessions, texts, [now]).begin(tg_user_id=NAM, report_id=rid)
    assert refused.value.key == "achievements.no_longer_needed"


READERS = {
    "the writer": (TEACHER, None),
    "the department's head": (HEAD1, None),
    "the chair": (CHAIR, None),
    "a council member": (COUNCIL, None),
    "staff": (NAM, "achievements.not_reviewer"),
    "another department's head": (HEAD2, "achievements.not_reviewer"),
    "another school's chair": (OTHER_CHAIR, "achievements.not_found"),
    "a deactivated member": (GONE, "errors.deactivated"),
    "a stranger": (STRANGER, "errors.not_member"),
}


@pytest.mark.one_database
@pytest.mark.parametrize("who", list(READERS))
async def test_who_may_read_a_report_and_download_it(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime, who: str
) -> None:
    uc = _uc(sessions, texts, [now])
    rid = await _report(sessions, world, CSTDCS, str(TEACHER))
    tg, refusal = READERS[who]
    if refusal is None:
        file = await uc.document(tg_user_id=tg, report_id=rid)
        assert file.filename == "bao-cao-thanh-tich-vu-thi-mai.docx"
        assert file.report.writer == "Vũ Thị Mai"
        assert (await uc.show(tg_user_id=tg, report_id=rid)).id == rid
        return
    for action in (uc.document, uc.show):
        with pytest.raises(ServiceError) as refused:
            await action(tg_user_id=tg, report_id=rid)
        assert refused.value.key == refusal
