"""Công khai and objections: publishing to every member with receipts and the window in working
days, the objection dialogue (numbered, the name hidden unless agreed), answers, assignments,
re-votes that change a result (the quorum, nobody on themselves), the reminders, the dossier's
record and blockers, and who may do what."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import func, select, update

from services import orgs
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.files import StaticFetcher, read_bytes
from services.judging import Rounds
from services.judging.publication import Publications
from services.judging.publication.dossier import dossier_blockers, dossier_parts
from services.notices import fire
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import (
    AuditEntry,
    Candidate,
    DeptStatus,
    JudgingRound,
    Membership,
    MemberStatus,
    Notice,
    NoticeStatus,
    Objection,
    OutboxMessage,
    Outcome,
    PublicationReceipt,
    RevoteBox,
    RoundStatus,
    StoredFile,
)
from tests.factories import CHAIR, COUNCIL, COUNCIL_GROUP, STRANGER, TEACHER, VICE
from tests.judging.world import CSTDCS, LDTT, World, build, env
from ui.texts import Texts

OTHER_CHAIR = 4001


@pytest.fixture
async def world(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    made = await build(sessions, texts, now, staff=8, cstdcs=3)
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=COUNCIL_GROUP, now=now)
    return made


@pytest.fixture
def clock(now: datetime) -> list[datetime]:
    return [now]


PHOTO = b"\x89PNG\r\n\x1a\n a photo of the notice board"


@pytest.fixture
def pub(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], tmp_path: Path
) -> Publications:
    bound = replace(
        env(sessions, texts, clock),
        files=FileStore(tmp_path / "files"),
        fetcher=StaticFetcher({"photo-1": PHOTO}),
    )
    return Publications(bound)


async def closed_round(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World
) -> JudgingRound:
    """The round with its result final: every LĐTT candidate passed but the teacher (Vũ Thị
    Mai); nobody passed CSTĐCS (the vote itself is tested in test_judging_votes.py)."""
    await Rounds(env(sessions, texts, clock)).open(tg_user_id=CHAIR)
    async with sessions() as s:
        rnd = await s.scalar(select(JudgingRound))
        assert rnd is not None
        await s.execute(update(Candidate).values(dept_status=DeptStatus.PROPOSED))
        await s.execute(
            update(Candidate)
            .where(Candidate.title == LDTT)
            .values(outcome=Outcome.PASSED, yes=8, no=1, base=9)
        )
        await s.execute(
            update(Candidate)
            .where((Candidate.title == CSTDCS) | (Candidate.person_id == world.person[TEACHER]))
            .values(outcome=Outcome.FAILED, yes=2, no=7, base=9)
        )
        rnd.status = RoundStatus.CLOSED
        await s.commit()
        return rnd


async def candidate_of(sessions: SessionFactory, world: World, tg: int) -> Candidate:
    async with sessions() as s:
        found = await s.scalar(
            select(Candidate).where(
                Candidate.person_id == world.person[tg], Candidate.title == LDTT
            )
        )
        assert found is not None
        return found


async def file_one(
    pub: Publications, tg: int, candidate_id: int, text: str, *, show: bool = False
) -> int:
    """Walk the objection dialogue to the end; returns the objection's id."""
    await pub.begin_objection(tg_user_id=tg)
    await pub.objection_target(tg_user_id=tg, candidate_id=candidate_id)
    await pub.objection_text(tg_user_id=tg, text=text)
    await pub.objection_no_file(tg_user_id=tg)
    await pub.objection_name(tg_user_id=tg, show=show)
    return (await pub.file_objection(tg_user_id=tg)).id


async def outbox_to(sessions: SessionFactory, chat_id: int) -> list[str]:
    async with sessions() as s:
        rows = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [str(r.payload.get("text") or r.payload.get("caption") or "") for r in rows]


async def test_publishing_sends_the_list_to_every_member_with_the_window_in_working_days(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    before = await pub.panel(tg_user_id=CHAIR)
    assert not before.published and before.audience == 17 and before.window_days == 10
    panel = await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    # 18 registrants, 3 of them CSTĐCS too; LĐTT passed but the teacher: 17 lines.
    assert len(panel.lines) == 17 and {line.title for line in panel.lines} == {LDTT}
    assert "Vũ Thị Mai" not in {line.name for line in panel.lines}
    # Published Friday 23/02/2024: ten working days end on Friday 08/03/2024.
    assert panel.closes_on == date(2024, 3, 8) and panel.window_open
    assert panel.recipients == 17 and panel.read == 0
    async with sessions() as s:
        sent = (await s.scalars(select(OutboxMessage).where(OutboxMessage.ref == "pub:1"))).all()
        notice = await s.scalar(select(Notice).where(Notice.kind == "pub_window"))
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "publication.publish"))
    assert len(sent) == 17 and CHAIR not in {m.chat_id for m in sent}
    assert "Lao động tiên tiến" in sent[0].payload["text"]
    assert "hết ngày <b>08/03/2024</b>" in sent[0].payload["text"]
    labels = [b[0] for row in sent[0].payload["buttons"] for b in row]
    assert labels == ["✅ Đã đọc", "✍️ Gửi kiến nghị"]
    # The reminder: the working day before the window closes, 07:30 in Hà Nội.
    assert notice is not None and notice.due_at == datetime(2024, 3, 7, 7, 30, tzinfo=texts.tz)
    assert audit is not None and audit.details["recipients"] == 17
    with pytest.raises(AlreadyDone):
        await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)


async def test_the_holidays_of_the_school_are_skipped(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    from services.school import SchoolSettings

    await SchoolSettings(env(sessions, texts, clock)).change(
        tg_user_id=CHAIR, key="calendar.holidays", raw="26/02/2024\n27/02/2024"
    )
    rnd = await closed_round(sessions, texts, clock, world)
    panel = await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    assert panel.closes_on == date(2024, 3, 12)


async def test_an_open_round_is_not_published(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    async with sessions() as s:
        await s.execute(update(JudgingRound).values(status=RoundStatus.OPEN))
        await s.commit()
    with pytest.raises(Invalid) as refused:
        await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    assert refused.value.key == "publication.round_not_closed"
    assert (await pub.panel(tg_user_id=CHAIR)).closed is False


async def test_read_receipts_are_counted_once_and_only_from_those_it_reached(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    assert await pub.confirm_read(tg_user_id=TEACHER, publication_id=1) is True
    assert await pub.confirm_read(tg_user_id=TEACHER, publication_id=1) is False
    assert await pub.confirm_read(tg_user_id=VICE, publication_id=1) is True
    with pytest.raises(NotFound):  # the chair did not receive it: she published it
        await pub.confirm_read(tg_user_id=CHAIR, publication_id=1)
    with pytest.raises(NotAllowed):
        await pub.confirm_read(tg_user_id=STRANGER, publication_id=1)
    assert (await pub.panel(tg_user_id=CHAIR)).read == 2


async def test_an_objection_is_numbered_and_the_council_sees_no_name_unless_agreed(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    target = await candidate_of(sessions, world, world.staff[1])
    step = await pub.begin_objection(tg_user_id=TEACHER, publication_id=1)
    assert step.step == "target" and len(step.lines) == 17
    step = await pub.objection_target(tg_user_id=TEACHER, candidate_id=target.id)
    assert step.step == "text" and step.about == "Giáo viên Số 01 (Lao động tiên tiến)"
    with pytest.raises(Invalid):
        await pub.objection_text(tg_user_id=TEACHER, text="   ")
    step = await pub.objection_text(tg_user_id=TEACHER, text="Cô <b>Số 01</b> nghỉ 3 tháng")
    assert step.step == "file"
    with pytest.raises(Invalid) as refused:  # above Telegram's getFile limit: not kept
        await pub.objection_file(
            tg_user_id=TEACHER, kind="document", file_id="big", name="a.pdf", size=21 << 20
        )
    assert refused.value.key == "publication.file_too_large"
    with pytest.raises(Invalid) as refused:  # Telegram no longer serves it
        await pub.objection_file(
            tg_user_id=TEACHER, kind="photo", file_id="gone", name=None, size=1000
        )
    assert refused.value.key == "publication.file_gone"
    kept = await pub.objection_file(
        tg_user_id=TEACHER, kind="photo", file_id="photo-1", name=None, size=1000
    )
    assert kept is not None and kept.step == "name" and kept.attachment == "photo"
    step = await pub.objection_name(tg_user_id=TEACHER, show=False)
    assert step.step == "preview" and not step.show_name
    filed = await pub.file_objection(tg_user_id=TEACHER)
    # Answer deadline: 30 working days from Friday 23/02/2024.
    assert filed.number == 1 and filed.due == date(2024, 4, 5)
    second = await file_one(pub, VICE, 0, "Đề nghị xem lại cả danh sách", show=True)
    group = await outbox_to(sessions, COUNCIL_GROUP)
    assert len(group) == 3  # two cards, and the first one's photo
    assert "Kiến nghị số 1" in group[0] and "Vũ Thị Mai" not in group[0]
    assert "không cho biết tên" in group[0] and "&lt;b&gt;Số 01&lt;/b&gt;" in group[0]
    assert "Kiến nghị số 2" in group[2] and "Lê Minh Tuấn" in group[2]
    async with sessions() as s:
        numbers = (await s.scalars(select(Objection.number).order_by(Objection.id))).all()
        first = await s.get_one(Objection, filed.id)
        stored = await s.get_one(StoredFile, first.stored_file_id)
        assert read_bytes(pub.env, stored) == PHOTO
        reminders = (await s.scalars(select(Notice).where(Notice.kind == "pub_answer"))).all()
    assert numbers == [1, 2] and second == 2
    assert len(reminders) == 2
    assert reminders[0].due_at == datetime(2024, 4, 4, 7, 30, tzinfo=texts.tz)


async def test_objections_wait_for_nothing_after_the_window(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    with pytest.raises(NotFound):
        await pub.begin_objection(tg_user_id=TEACHER)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    await pub.begin_objection(tg_user_id=TEACHER)
    await pub.objection_target(tg_user_id=TEACHER, candidate_id=0)
    await pub.objection_text(tg_user_id=TEACHER, text="Ý kiến")
    await pub.objection_no_file(tg_user_id=TEACHER)
    await pub.objection_name(tg_user_id=TEACHER, show=False)
    clock[0] = datetime(2024, 3, 8, 17, 0, tzinfo=texts.tz) + timedelta(hours=7)  # Sat 00:00
    with pytest.raises(Invalid) as refused:
        await pub.file_objection(tg_user_id=TEACHER)
    assert refused.value.key == "publication.window_closed"
    with pytest.raises(Invalid):
        await pub.begin_objection(tg_user_id=VICE)


async def test_the_chair_answers_and_the_filer_is_told_privately(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    target = await candidate_of(sessions, world, world.staff[2])
    oid = await file_one(pub, TEACHER, target.id, "Chưa đủ thời gian công tác")
    card = await pub.begin_answer(tg_user_id=CHAIR, objection_id=oid)
    assert card.open and card.filer is None
    done = await pub.answer(tg_user_id=CHAIR, text="Đã kiểm tra: đủ 12 tháng công tác.")
    assert not done.open and done.answered_by == "Trần Thị Thu Hà"
    told = await outbox_to(sessions, TEACHER)
    assert "Trả lời kiến nghị số 1" in told[-1] and "đủ 12 tháng" in told[-1]
    async with sessions() as s:
        reminder = await s.scalar(select(Notice).where(Notice.kind == "pub_answer"))
        edits = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == COUNCIL_GROUP))
        ).all()
    assert reminder is not None and reminder.status == NoticeStatus.CANCELLED
    assert "Đã trả lời" in edits[-1].payload["text"]  # the card, rewritten before it was sent
    with pytest.raises(AlreadyDone):
        await pub.begin_answer(tg_user_id=CHAIR, objection_id=oid)


async def test_the_chair_assigns_a_member_who_answers_and_nobody_else_may(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    oid = await file_one(pub, TEACHER, 0, "Xem lại cả danh sách")
    with pytest.raises(NotAllowed):
        await pub.begin_answer(tg_user_id=COUNCIL, objection_id=oid)
    choices = await pub.assign_choices(tg_user_id=CHAIR, objection_id=oid)
    assert world.person[CHAIR] not in {pid for pid, _ in choices.members}
    assert len(choices.members) == 8
    await pub.assign(tg_user_id=CHAIR, objection_id=oid, person_id=world.person[COUNCIL])
    assert "giao Thầy/Cô trả lời" in (await outbox_to(sessions, COUNCIL))[-1]
    with pytest.raises(NotAllowed):
        await pub.begin_answer(tg_user_id=VICE, objection_id=oid)
    await pub.begin_answer(tg_user_id=COUNCIL, objection_id=oid)
    card = await pub.answer(tg_user_id=COUNCIL, text="Danh sách đúng quy định.")
    assert card.answered_by == "Phạm Thị Lan"


async def test_nobody_decides_an_objection_that_names_them(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    herself = await candidate_of(sessions, world, CHAIR)
    oid = await file_one(pub, TEACHER, herself.id, "Chủ tịch chưa đủ điều kiện")
    for call in (
        pub.begin_answer(tg_user_id=CHAIR, objection_id=oid),
        pub.open_revote(tg_user_id=CHAIR, objection_id=oid),
    ):
        with pytest.raises(NotAllowed) as refused:
            await call
        assert refused.value.key == "publication.own_objection"
    # She may still hand it to a member it does not name, who answers it.
    await pub.assign(tg_user_id=CHAIR, objection_id=oid, person_id=world.person[VICE])
    revote = await pub.open_revote(tg_user_id=VICE, objection_id=oid)
    with pytest.raises(NotAllowed):  # she does not vote on herself either
        await pub.cast_revote(tg_user_id=CHAIR, revote_id=revote.id, yes=True)
    # The filer of an objection cannot be assigned to it.
    member_oid = await file_one(pub, COUNCIL, 0, "Ý kiến của tôi")
    with pytest.raises(NotAllowed):
        await pub.assign(tg_user_id=CHAIR, objection_id=member_oid, person_id=world.person[COUNCIL])


async def test_a_re_vote_needs_the_quorum_and_its_count_replaces_the_outcome(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    # About a council member (Ủy viên Số 1): she gets no ballot and cannot vote on herself.
    member = world.council[3]
    target = await candidate_of(sessions, world, member)
    oid = await file_one(pub, TEACHER, target.id, "Ủy viên Số 1 bị kỷ luật khiển trách")
    opened = await pub.open_revote(tg_user_id=CHAIR, objection_id=oid)
    assert opened.voters == 8 and opened.needed == 6 and opened.before == "passed"
    with pytest.raises(Invalid):  # no answer while the re-vote is open
        await pub.begin_answer(tg_user_id=CHAIR, objection_id=oid)
    with pytest.raises(NotAllowed):
        await pub.cast_revote(tg_user_id=member, revote_id=opened.id, yes=True)
    voters = [tg for tg in world.council if tg != member]
    assert not any("Bỏ phiếu lại" in m for m in await outbox_to(sessions, member))
    for tg in voters[:5]:
        await pub.cast_revote(tg_user_id=tg, revote_id=opened.id, yes=False)
    with pytest.raises(Invalid) as refused:
        await pub.close_revote(tg_user_id=CHAIR, revote_id=opened.id)
    assert refused.value.values == {"voted": 5, "needed": 6}
    await pub.cast_revote(tg_user_id=voters[5], revote_id=opened.id, yes=True)
    await pub.cast_revote(tg_user_id=voters[5], revote_id=opened.id, yes=False)  # changed
    await pub.cast_revote(tg_user_id=voters[6], revote_id=opened.id, yes=True)
    closed = await pub.close_revote(tg_user_id=CHAIR, revote_id=opened.id)
    # Open vote (LĐTT), 70 % of the council but the one concerned (8): 1 yes of 8.
    assert (closed.yes, closed.no, closed.after, closed.counted_on) == (1, 6, "failed", 8)
    with pytest.raises(AlreadyDone):
        await pub.cast_revote(tg_user_id=voters[7], revote_id=opened.id, yes=True)
    async with sessions() as s:
        changed = await s.get(Candidate, target.id)
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert changed is not None and changed.outcome == Outcome.FAILED
    assert (changed.yes, changed.no, changed.base) == (1, 6, 8)
    assert "revote.open" in actions and "revote.close" in actions
    changed_notice = (await outbox_to(sessions, member))[-1]
    assert "Kết quả nay: <b>Không đạt</b> (trước: Đạt)" in changed_notice
    await pub.begin_answer(tg_user_id=CHAIR, objection_id=oid)
    await pub.answer(tg_user_id=CHAIR, text="Hội đồng đã bỏ phiếu lại.")
    told = (await outbox_to(sessions, TEACHER))[-1]
    assert "1 đồng ý, 6 không đồng ý" in told and "Không đạt" in told


async def test_a_secret_re_vote_keeps_no_direction_after_the_count(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    from services.school import SchoolSettings

    await SchoolSettings(env(sessions, texts, clock)).change(
        tg_user_id=CHAIR, key="rules.ballot_ldtt", raw="secret"
    )
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    target = await candidate_of(sessions, world, world.staff[3])
    oid = await file_one(pub, TEACHER, target.id, "Đề nghị xem lại")
    opened = await pub.open_revote(tg_user_id=CHAIR, objection_id=oid)
    assert opened.secret
    for tg in world.council:
        await pub.cast_revote(tg_user_id=tg, revote_id=opened.id, yes=True)
    closed = await pub.close_revote(tg_user_id=CHAIR, revote_id=opened.id)
    assert (closed.yes, closed.no, closed.after) == (9, 0, "passed")
    assert not any("Kết quả nay" in m for m in await outbox_to(sessions, world.staff[3]))
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(RevoteBox)) == 0


async def test_the_reminders_reach_every_member_and_whoever_must_answer(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    oid = await file_one(pub, TEACHER, 0, "Xem lại")
    await pub.assign(tg_user_id=CHAIR, objection_id=oid, person_id=world.person[COUNCIL])
    async with sessions() as s:
        window = await s.scalar(select(Notice).where(Notice.kind == "pub_window"))
        answer = await s.scalar(select(Notice).where(Notice.kind == "pub_answer"))
        assert window is not None and answer is not None
        assert await fire(s, window, texts, window.due_at) == 18
        assert await fire(s, answer, texts, answer.due_at) == 1
        closed = await s.scalar(select(Notice).where(Notice.kind == "pub_closed"))
        assert closed is not None and closed.due_at == datetime(2024, 3, 9, 7, 30, tzinfo=texts.tz)
        assert await fire(s, closed, texts, closed.due_at) == 1
        await s.commit()
    told = (await outbox_to(sessions, CHAIR))[-1]
    assert "Đã hết hạn nhận kiến nghị" in told and "0 đã trả lời, 1 chờ trả lời" in told
    assert "Nhắc hạn kiến nghị" in (await outbox_to(sessions, TEACHER))[-1]
    assert "Nhắc hạn trả lời kiến nghị" in (await outbox_to(sessions, COUNCIL))[-1]


async def test_the_dossier_waits_for_the_window_and_every_answer_then_gets_the_record(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    async with sessions() as s:
        blocked = await dossier_blockers(s, rnd.id, now=clock[0])
        assert [b.key for b in blocked] == ["publication.blocked_not_published"]
        assert await dossier_parts(s, rnd.id, now=clock[0]) == []
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    await pub.confirm_read(tg_user_id=TEACHER, publication_id=1)
    await pub.begin_objection(tg_user_id=TEACHER)
    await pub.objection_target(tg_user_id=TEACHER, candidate_id=0)
    await pub.objection_text(tg_user_id=TEACHER, text="Xem lại cả danh sách")
    await pub.objection_file(tg_user_id=TEACHER, kind="photo", file_id="photo-1", name=None, size=9)
    await pub.objection_name(tg_user_id=TEACHER, show=False)
    oid = (await pub.file_objection(tg_user_id=TEACHER)).id
    async with sessions() as s:
        keys = [b.key for b in await dossier_blockers(s, rnd.id, now=clock[0])]
    assert keys == ["publication.blocked_window_open", "publication.blocked_open_objection"]
    await pub.begin_answer(tg_user_id=CHAIR, objection_id=oid)
    await pub.answer(tg_user_id=CHAIR, text="Danh sách đúng quy định.")
    later = datetime(2024, 3, 9, 0, 0, tzinfo=texts.tz)
    async with sessions() as s:
        assert await dossier_blockers(s, rnd.id, now=later) == []
        parts = await dossier_parts(s, rnd.id, now=later, tz=texts.tz, files=pub.env.files)
    assert [p.path for p in parts] == [
        "04-cong-khai/bien-ban-cong-khai-ket-qua.docx",
        "04-cong-khai/kien-nghi-01-tep-kem.jpg",
    ]
    assert parts[1].data == PHOTO
    doc = Document(io.BytesIO(parts[0].data))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "BIÊN BẢN" in text and "Số người xác nhận đã đọc: 1/17." in text
    assert "đến hết ngày 08/03/2024 (đã hết hạn)" in text
    assert "Danh sách được công khai (17 lượt)" in text
    assert text.count("– Lao động tiên tiến") == 17
    assert "Xem lại cả danh sách" in " ".join(cells)
    assert "Danh sách đúng quy định." in " ".join(cells)
    assert "Tổng số kiến nghị: 1; đã trả lời: 1; chưa trả lời: 0." in text


@pytest.mark.one_database
async def test_who_may_do_what(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    """Each action tried by staff, staff of another department, another school's chair and
    council member, a deactivated council member and a stranger: refused, nothing changed."""
    from tests.factories import make_other_school

    rnd = await closed_round(sessions, texts, clock, world)
    await make_other_school(sessions, texts, clock[0], chair=OTHER_CHAIR, council=4002)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    target = await candidate_of(sessions, world, world.staff[4])
    oid = await file_one(pub, TEACHER, target.id, "Đề nghị xem lại")
    opened = await pub.open_revote(tg_user_id=CHAIR, objection_id=oid)
    deactivated = world.council[8]
    async with sessions() as s:
        await s.execute(
            update(Membership)
            .where(Membership.person_id == world.person[deactivated])
            .values(status=MemberStatus.LEFT)
        )
        await s.commit()

    async def snapshot() -> tuple[Any, ...]:
        async with sessions() as s:
            objection = await s.get_one(Objection, oid)
            return (
                await s.scalar(select(func.count()).select_from(OutboxMessage)),
                await s.scalar(select(func.count()).select_from(PublicationReceipt)),
                await s.scalar(select(func.count()).select_from(Objection)),
                objection.status,
                objection.assignee_id,
                await s.scalar(select(func.count()).select_from(AuditEntry)),
            )

    other_dept = world.staff[1]  # a teacher of Tổ 2 (the teacher is in Tổ 1)
    intruders = {
        "staff": TEACHER,
        "staff of another department": other_dept,
        "other school's chair": OTHER_CHAIR,
        "other school's council": 4002,
        "deactivated": deactivated,
        "stranger": STRANGER,
    }
    chair_only = {
        "see the panel": lambda tg: pub.panel(tg_user_id=tg, round_id=rnd.id),
        "publish": lambda tg: pub.publish(tg_user_id=tg, round_id=rnd.id),
        "list who may answer": lambda tg: pub.assign_choices(tg_user_id=tg, objection_id=oid),
        "assign": lambda tg: pub.assign(
            tg_user_id=tg, objection_id=oid, person_id=world.person[COUNCIL]
        ),
        "answer": lambda tg: pub.begin_answer(tg_user_id=tg, objection_id=oid),
        "close the re-vote": lambda tg: pub.close_revote(tg_user_id=tg, revote_id=opened.id),
        "see the re-vote": lambda tg: pub.revote_progress(tg_user_id=tg, revote_id=opened.id),
    }
    council_only = {
        "vote": lambda tg: pub.cast_revote(tg_user_id=tg, revote_id=opened.id, yes=True),
    }
    members = {
        "file": lambda tg: pub.begin_objection(tg_user_id=tg, publication_id=1),
        "read": lambda tg: pub.confirm_read(tg_user_id=tg, publication_id=1),
    }
    before = await snapshot()
    for action, call in {**chair_only, **council_only}.items():
        for who, tg in intruders.items():
            refusal = await _refusal(call(tg))
            assert isinstance(refusal, NotAllowed | NotFound), (action, who, refusal)
            assert await snapshot() == before, (action, who)
    for action, call in chair_only.items():  # a council member votes, but does not run it
        assert isinstance(await _refusal(call(COUNCIL)), NotAllowed), action
    for action, call in members.items():
        for who in ("other school's chair", "other school's council", "deactivated", "stranger"):
            refusal = await _refusal(call(intruders[who]))
            assert isinstance(refusal, NotAllowed | NotFound), (action, who, refusal)
        assert await snapshot() == before, action
    # Any active member files and reads: staff of either department.
    for tg in (TEACHER, other_dept):
        assert (await pub.begin_objection(tg_user_id=tg, publication_id=1)).step == "target"
        assert await pub.confirm_read(tg_user_id=tg, publication_id=1) is True


async def _refusal(call: Any) -> ServiceError | None:
    try:
        await call
    except ServiceError as refusal:
        return refusal
    return None


async def test_a_long_list_is_cut_to_one_message_and_says_how_many_more(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    from services.judging.publication.common import Line
    from services.judging.publication.publish import MESSAGE_BUDGET

    lines = [
        Line(n, LDTT, f"Nguyễn Thị Phương Thảo Số {n:03d}", "Tổ Văn phòng", n, None)
        for n in range(1, 121)
    ]
    text = pub._announcement("vi", "Bình xét", lines, date(2024, 3, 8), 10)
    assert len(text) <= MESSAGE_BUDGET
    shown = text.count("Nguyễn Thị Phương Thảo Số")
    assert 40 < shown < 120
    assert f"… và {120 - shown} người khác" in text
    assert "danh sách đạt (120)" in text
    whole = pub._announcement("vi", "Bình xét", lines[:10], date(2024, 3, 8), 10)
    assert whole.count("Nguyễn Thị Phương Thảo Số") == 10 and "người khác" not in whole


async def test_a_photo_before_the_text_is_politely_refused(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    assert (
        await pub.objection_file(tg_user_id=TEACHER, kind="photo", file_id="x", name=None, size=1)
        is None
    )  # no objection being written: someone else's business
    await pub.begin_objection(tg_user_id=TEACHER)
    with pytest.raises(Invalid) as refused:
        await pub.objection_file(tg_user_id=TEACHER, kind="photo", file_id="x", name=None, size=1)
    assert refused.value.key == "publication.file_after_text"
    with pytest.raises(Invalid) as refused:
        await pub.objection_text(tg_user_id=TEACHER, text="Nội dung")
    assert refused.value.key == "publication.pick_target_first"


async def test_objections_filed_at_the_same_moment_get_different_numbers(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    import asyncio

    rnd = await closed_round(sessions, texts, clock, world)
    await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    filers = [TEACHER, *world.staff[1:6]]
    for tg in filers:
        await pub.begin_objection(tg_user_id=tg)
        await pub.objection_target(tg_user_id=tg, candidate_id=0)
        await pub.objection_text(tg_user_id=tg, text=f"Ý kiến của {tg}")
        await pub.objection_no_file(tg_user_id=tg)
        await pub.objection_name(tg_user_id=tg, show=False)
    filed = await asyncio.gather(*(pub.file_objection(tg_user_id=tg) for tg in filers))
    assert sorted(f.number for f in filed) == list(range(1, len(filers) + 1))
    # One filer pressing "Gửi" twice at once files one objection.
    await pub.begin_objection(tg_user_id=VICE)
    await pub.objection_target(tg_user_id=VICE, candidate_id=0)
    await pub.objection_text(tg_user_id=VICE, text="Một lần thôi")
    await pub.objection_no_file(tg_user_id=VICE)
    await pub.objection_name(tg_user_id=VICE, show=False)
    twice = await asyncio.gather(
        *(pub.file_objection(tg_user_id=VICE) for _ in range(2)), return_exceptions=True
    )
    assert sorted(type(x).__name__ for x in twice) == ["AlreadyDone", "Filed"]
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Objection)) == len(filers) + 1


async def test_an_objection_about_a_departments_title_is_not_decided_by_its_members(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], world: World, pub: Publications
) -> None:
    from storage.models import CandidateSource
    from tests.judging.world import TTLDTT

    rnd = await closed_round(sessions, texts, clock, world)
    async with sessions() as s:
        collective = Candidate(
            round_id=rnd.id,
            title=TTLDTT,
            department_id=world.school.departments["Tổ 1"],
            source=CandidateSource.DEPARTMENT,
            dept_status=DeptStatus.PROPOSED,
            outcome=Outcome.PASSED,
            added_at=clock[0],
            warnings=[],
        )
        s.add(collective)
        await s.commit()
        cid = collective.id
    panel = await pub.publish(tg_user_id=CHAIR, round_id=rnd.id)
    assert any(line.name == "Tổ 1" and line.title == TTLDTT for line in panel.lines)
    oid = await file_one(pub, world.staff[1], cid, "Tổ 1 chưa đủ tỷ lệ")
    card = await pub.begin_answer(
        tg_user_id=CHAIR, objection_id=oid
    )  # the chair is in Tổ Văn phòng
    assert card.about == "Tổ 1"
    with pytest.raises(NotAllowed):  # Phạm Thị Lan is in Tổ 1
        await pub.assign(tg_user_id=CHAIR, objection_id=oid, person_id=world.person[COUNCIL])
    opened = await pub.open_revote(tg_user_id=CHAIR, objection_id=oid)
    with pytest.raises(NotAllowed):
        await pub.cast_revote(tg_user_id=COUNCIL, revote_id=opened.id, yes=True)
