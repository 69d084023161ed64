"""Department heads (tổ trưởng): the chair sets them in /members; in an open round a head ticks
the department's registrants, confirms with a note, may send again until the council meets; the
ticks wait in a durable draft; nobody else may do it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services import members
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.judging.departments import DeptList, DeptView
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Candidate,
    CandidateSource,
    Conversation,
    DepartmentReview,
    DeptStatus,
    Meeting,
    MeetingStatus,
    Membership,
    OutboxMessage,
)
from tests.factories import (
    CHAIR,
    COUNCIL,
    STRANGER,
    TEACHER,
    VICE,
    School,
    make_other_school,
    membership_of,
)
from tests.judging_heads import (
    BICH,
    HUNG,
    KHOA,
    TITLES,
    YEN,
    heads_service,
    is_head,
    make_head,
    make_round,
    members_service,
    person_id,
    plant_draft,
    statuses,
)
from tests.snapshots import changes, snapshot
from ui.texts import Texts

OTHER_CHAIR, OTHER_COUNCIL = 3004, 3005


async def outbox_to(sessions: SessionFactory, tg: int) -> list[str]:
    """The texts queued for one person."""
    async with sessions() as s:
        rows = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == tg).order_by(OutboxMessage.id)
        )
        return [str(r.payload["text"]) for r in rows]


async def forget_outbox(sessions: SessionFactory) -> None:
    """Drop what was queued so far."""
    from sqlalchemy import delete

    async with sessions() as s:
        await s.execute(delete(OutboxMessage))
        await s.commit()


def lines(view: DeptView) -> dict[str, tuple[str, bool, str]]:
    """{"name · title": (decides, ticked, stored)}."""
    return {
        f"{line.name} · {block.title}": (line.decides, line.proposed, str(line.status))
        for block in view.titles
        for line in block.lines
    }


# ------------------------------------------------------------------------------- /members


async def test_the_chair_makes_a_head_and_a_new_head_replaces_the_old_one(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    service = members_service(sessions, texts, now)
    teacher = await membership_of(sessions, TEACHER)
    council = await membership_of(sessions, COUNCIL)
    assert teacher is not None and council is not None
    made = await service.set_head(tg_user_id=CHAIR, membership_id=teacher.id, heads=True)
    assert made.member.member.heads and made.replaced is None
    assert (await service.member(tg_user_id=CHAIR, membership_id=teacher.id)).heads
    assert any("tổ trưởng Tổ 1" in t for t in await outbox_to(sessions, TEACHER))

    # Phạm Thị Lan, of the same Tổ 1, becomes its head: Vũ Thị Mai no longer is, and is told.
    moved = await service.set_head(tg_user_id=CHAIR, membership_id=council.id, heads=True)
    assert moved.replaced is not None and moved.replaced.member.name == "Vũ Thị Mai"
    assert not moved.replaced.member.heads
    assert await is_head(sessions, COUNCIL) and not await is_head(sessions, TEACHER)
    assert any("không còn là tổ trưởng Tổ 1" in t for t in await outbox_to(sessions, TEACHER))
    roster = await service.roster(CHAIR)
    assert [m.name for m in roster.members if m.heads] == ["Phạm Thị Lan"]
    async with sessions() as s:
        audit = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "members.head"))
        ).all()
    assert [(a.target, a.details["heads"]) for a in audit] == [
        (f"membership:{teacher.id}", True),
        (f"membership:{teacher.id}", False),
        (f"membership:{council.id}", True),
    ]

    unset = await service.set_head(tg_user_id=CHAIR, membership_id=council.id, heads=False)
    assert not unset.member.member.heads and not await is_head(sessions, COUNCIL)
    with pytest.raises(AlreadyDone):
        await service.set_head(tg_user_id=CHAIR, membership_id=council.id, heads=False)


async def test_a_member_without_a_department_cannot_be_made_head(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None
    async with sessions() as s:
        row = await s.get_one(Membership, teacher.id)
        row.department_id = None
        await s.commit()
    before = await snapshot(sessions)
    with pytest.raises(Invalid) as refused:
        await members_service(sessions, texts, now).set_head(
            tg_user_id=CHAIR, membership_id=teacher.id, heads=True
        )
    assert refused.value.key == "members.head_needs_department"
    assert "chưa thuộc tổ nào" in texts.render("vi", refused.value.key, **refused.value.values)
    assert changes(before, await snapshot(sessions)) == {}


async def test_deactivating_a_head_leaves_the_department_without_one(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    await make_head(sessions, texts, now, TEACHER)
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None
    await members_service(sessions, texts, now).deactivate(
        tg_user_id=CHAIR, membership_id=teacher.id
    )
    assert not await is_head(sessions, TEACHER)


@pytest.mark.one_database
@pytest.mark.parametrize("tg", [VICE, COUNCIL, TEACHER, STRANGER])
async def test_only_the_chair_sets_a_head(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School, tg: int
) -> None:
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None
    before = await snapshot(sessions)
    with pytest.raises(NotAllowed):
        await members_service(sessions, texts, now).set_head(
            tg_user_id=tg, membership_id=teacher.id, heads=True
        )
    assert changes(before, await snapshot(sessions)) == {}


# ------------------------------------------------------------------------ the head's list


async def test_a_head_ticks_the_departments_registrants_and_confirms_with_a_note(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    await forget_outbox(sessions)
    heads = heads_service(sessions, texts, now)
    view = await heads.start(tg_user_id=TEACHER)
    assert isinstance(view, DeptView) and view.department == "Tổ 1"
    # Tổ 1 only (not Tổ 2's Yến and Khoa), per title; her own line is the chair's.
    assert lines(view) == {
        "Nguyễn Thị Bích · Lao động tiên tiến": ("me", True, "waiting"),
        "Đặng Văn Hùng · Lao động tiên tiến": ("me", True, "waiting"),
        "Phạm Thị Lan · Lao động tiên tiến": ("me", True, "waiting"),
        "Vũ Thị Mai · Lao động tiên tiến": ("chair", True, "waiting"),
        "Phạm Thị Lan · Chiến sĩ thi đua cơ sở": ("me", True, "waiting"),
    }
    shown = texts.render("vi", "heads.view", v=view)
    assert "Vũ Thị Mai: do Chủ tịch Hội đồng xác nhận" in shown

    hung = rnd.candidates[(HUNG, TITLES[0])]
    view = await heads.toggle(
        tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, candidate_id=hung
    )
    assert lines(view)["Đặng Văn Hùng · Lao động tiên tiến"] == ("me", False, "waiting")
    assert view.changed
    assert set((await statuses(sessions, rnd.id)).values()) == {"waiting"}  # nothing counts yet

    await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    done = await heads.confirm(tg_user_id=TEACHER, note="  Tổ họp ngày 20/5, 5/5 thành viên dự ")
    stored = await statuses(sessions, rnd.id)
    assert stored[hung] == "not_proposed"
    assert stored[rnd.candidates[(BICH, TITLES[0])]] == "proposed"
    assert stored[rnd.candidates[(COUNCIL, TITLES[1])]] == "proposed"
    assert stored[rnd.candidates[(TEACHER, TITLES[0])]] == "waiting"  # hers: the chair's
    assert stored[rnd.candidates[(YEN, TITLES[0])]] == "waiting"  # Tổ 2's
    assert not done.again and done.view.tally(True)[0] == ("Lao động tiên tiến", 2, 4)
    async with sessions() as s:
        review = await s.scalar(select(DepartmentReview))
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "heads.confirm"))
        draft = await s.scalar(select(Conversation).where(Conversation.user_id == TEACHER))
    assert review is not None and review.department_id == rnd.dept1
    assert review.head_id == await person_id(sessions, TEACHER)
    assert review.note == "Tổ họp ngày 20/5, 5/5 thành viên dự"
    assert audit is not None and audit.details["not_proposed"] == [hung]
    assert draft is None
    [notice] = await outbox_to(sessions, CHAIR)
    assert "<b>Tổ 1</b> đã gửi danh sách đề nghị" in notice
    assert "Lao động tiên tiến: đề nghị 2/4 người" in notice
    assert "Chiến sĩ thi đua cơ sở: đề nghị 1/1 người" in notice
    assert "Ghi chú: Tổ họp ngày 20/5, 5/5 thành viên dự" in notice
    assert "Còn chờ xác nhận: Vũ Thị Mai (Lao động tiên tiến)" in notice


async def test_the_ticks_wait_in_the_draft_and_survive_a_restart(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    bich = rnd.candidates[(BICH, TITLES[0])]
    await heads_service(sessions, texts, now).toggle(
        tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, candidate_id=bich
    )
    await heads_service(sessions, texts, now).toggle(
        tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, title_index=2
    )
    # A new process: nothing in memory, the draft in the database.
    again = heads_service(sessions, texts, now + timedelta(hours=3))
    view = await again.start(tg_user_id=TEACHER)
    assert isinstance(view, DeptView)
    assert lines(view)["Nguyễn Thị Bích · Lao động tiên tiến"] == ("me", False, "waiting")
    assert [(c.title, c.on) for c in view.collective] == [(TITLES[2], True)]
    assert (await statuses(sessions, rnd.id))[bich] == "waiting"
    await again.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    await heads_service(sessions, texts, now).confirm(
        tg_user_id=TEACHER, note="", round_id=rnd.id, department_id=rnd.dept1
    )
    assert (await statuses(sessions, rnd.id))[bich] == "not_proposed"


async def test_the_department_stands_for_a_collective_title_and_withdraws(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    heads = heads_service(sessions, texts, now)

    async def send() -> None:
        await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
        await heads.confirm(tg_user_id=TEACHER, note="Tổ họp 20/5")

    async def standing() -> list[tuple[Any, ...]]:
        async with sessions() as s:
            rows = await s.scalars(select(Candidate).where(Candidate.person_id.is_(None)))
            return [(c.title, c.department_id, str(c.source), str(c.dept_status)) for c in rows]

    await heads.toggle(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, title_index=2)
    assert await standing() == []  # a tick, not yet a candidate
    await send()
    assert await standing() == [(TITLES[2], rnd.dept1, "department", "proposed")]
    await heads.toggle(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, title_index=2)
    await send()
    assert await standing() == []
    # Individual titles are no collective toggle.
    with pytest.raises(NotFound):
        await heads.toggle(
            tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, title_index=0
        )


async def test_a_head_sends_again_until_the_council_meeting_opens(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    heads = heads_service(sessions, texts, now)
    bich = rnd.candidates[(BICH, TITLES[0])]
    await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    await heads.confirm(tg_user_id=TEACHER, note="Lần 1")
    await forget_outbox(sessions)
    # A scheduled meeting does not stop it.
    async with sessions() as s:
        meeting = Meeting(
            round_id=rnd.id,
            org_id=school.org_id,
            starts_at=now + timedelta(days=3),
            place="Phòng họp",
            chair_id=await person_id(sessions, CHAIR),
            status=MeetingStatus.SCHEDULED,
            created_at=now,
        )
        s.add(meeting)
        await s.commit()
    await heads.toggle(
        tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, candidate_id=bich
    )
    await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    done = await heads.confirm(tg_user_id=TEACHER, note="Lần 2: tổ họp lại")
    assert done.again and (await statuses(sessions, rnd.id))[bich] == "not_proposed"
    async with sessions() as s:
        reviews = (await s.scalars(select(DepartmentReview))).all()
    assert [r.note for r in reviews] == ["Lần 2: tổ họp lại"]
    [notice] = await outbox_to(sessions, CHAIR)
    assert "đã gửi lại danh sách đề nghị" in notice

    # The meeting opens: the lists are final, a tick or a confirmation is refused politely.
    await heads.toggle(
        tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, candidate_id=bich
    )
    await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    async with sessions() as s:
        (await s.get_one(Meeting, meeting.id)).status = MeetingStatus.OPEN
        await s.commit()
    before = await snapshot(sessions)
    for attempt in (
        heads.toggle(
            tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, candidate_id=bich
        ),
        heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1),
        heads.confirm(tg_user_id=TEACHER, note="Lần 3"),
    ):
        with pytest.raises(AlreadyDone) as refused:
            await attempt
        assert refused.value.key == "heads.meeting_started"
    assert changes(before, await snapshot(sessions)) == {}
    view = await heads.start(tg_user_id=TEACHER)
    assert isinstance(view, DeptView) and view.locked and not view.may_confirm


async def test_the_heads_own_line_is_the_chairs_and_a_department_without_head_the_leaders(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    heads = heads_service(sessions, texts, now)
    mine = rnd.candidates[(TEACHER, TITLES[0])]
    with pytest.raises(NotFound):  # the head cannot tick her own line
        await heads.toggle(
            tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1, candidate_id=mine
        )
    await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    await heads.confirm(tg_user_id=TEACHER, note="Tổ đã họp")

    listed = await heads.start(tg_user_id=CHAIR)
    assert isinstance(listed, DeptList)
    rows = {
        row.name: (row.head, row.reviewed_at is not None, row.waiting) for row in listed.departments
    }
    assert rows["Tổ 1"] == ("Vũ Thị Mai", True, 1)
    assert rows["Tổ 2"] == ("", False, 2)
    # In Tổ 1 the chair decides only the head's own line; the rest is the head's.
    view = await heads.department(tg_user_id=CHAIR, round_id=rnd.id, department_id=rnd.dept1)
    assert {k: v[0] for k, v in lines(view).items() if v[0] == "me"} == {
        "Vũ Thị Mai · Lao động tiên tiến": "me"
    }
    assert all(not c.mine for c in view.collective)
    await heads.ask_note(tg_user_id=CHAIR, round_id=rnd.id, department_id=rnd.dept1)
    done = await heads.confirm(tg_user_id=CHAIR, note="", round_id=rnd.id, department_id=rnd.dept1)
    assert not done.told and not done.again  # she sent it herself; the head's list is the head's
    assert (await statuses(sessions, rnd.id))[mine] == "proposed"
    async with sessions() as s:
        review = await s.scalar(select(DepartmentReview))
    assert review is not None and review.note == "Tổ đã họp"  # still the head's list

    # Tổ 2 has no head: the vice-chair confirms it; the chair is told.
    await forget_outbox(sessions)
    khoa = rnd.candidates[(KHOA, TITLES[0])]
    await heads.toggle(tg_user_id=VICE, round_id=rnd.id, department_id=rnd.dept2, candidate_id=khoa)
    await heads.ask_note(tg_user_id=VICE, round_id=rnd.id, department_id=rnd.dept2)
    await heads.confirm(tg_user_id=VICE, note="Tổ 2 họp ngày 21/5")
    stored = await statuses(sessions, rnd.id)
    assert stored[khoa] == "not_proposed" and stored[rnd.candidates[(YEN, TITLES[0])]] == "proposed"
    [notice] = await outbox_to(sessions, CHAIR)
    assert "<b>Tổ 2</b> đã gửi" in notice and "Người xác nhận: Lê Minh Tuấn" in notice


async def test_a_long_note_is_refused_and_the_list_still_waits_for_one(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    heads = heads_service(sessions, texts, now)
    await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    with pytest.raises(Invalid) as refused:
        await heads.confirm(tg_user_id=TEACHER, note="x" * 501)
    assert refused.value.key == "heads.note_too_long"
    assert set((await statuses(sessions, rnd.id)).values()) == {"waiting"}
    await heads.confirm(tg_user_id=TEACHER, note="Ngắn gọn")
    assert "proposed" in (await statuses(sessions, rnd.id)).values()


async def test_no_round_open_is_said_politely(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    await make_head(sessions, texts, now, TEACHER)
    with pytest.raises(NotFound) as refused:
        await heads_service(sessions, texts, now).start(tg_user_id=TEACHER)
    assert texts.render("vi", refused.value.key) == "Hiện chưa có đợt bình xét nào đang mở."


# ------------------------------------------------------------------------ role × action


EX_HEAD, DEACTIVATED_HEAD = HUNG, BICH
# Who tries Tổ 1's list, and what they are told.
PRESSERS = {
    "staff": (KHOA, "heads.not_head"),  # a teacher of Tổ 2
    "council member": (COUNCIL, "heads.not_head"),  # of Tổ 1, not its head, not a leader
    "head of another department": (YEN, "heads.not_your_department"),
    "council member of another school": (OTHER_COUNCIL, "heads.no_round"),
    "deactivated head": (DEACTIVATED_HEAD, "errors.deactivated"),
    "stranger": (STRANGER, "errors.not_member"),
    "ex-head (the chair moved the role)": (EX_HEAD, "heads.not_head"),
}


@pytest.mark.one_database
@pytest.mark.parametrize("who", list(PRESSERS))
async def test_nobody_else_sees_ticks_or_confirms_a_departments_list(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School, who: str
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    await make_other_school(sessions, texts, now, chair=OTHER_CHAIR, council=OTHER_COUNCIL)
    await make_head(sessions, texts, now, YEN)  # Tổ 2's head
    # Hùng headed Tổ 1 and left a list waiting for its note; then the chair gave it back to Mai.
    await make_head(sessions, texts, now, HUNG)
    await heads_service(sessions, texts, now).ask_note(
        tg_user_id=HUNG, round_id=rnd.id, department_id=rnd.dept1
    )
    await make_head(sessions, texts, now, TEACHER)
    # Bích headed Tổ 1 too, then left the school; Mai heads it again.
    await make_head(sessions, texts, now, BICH)
    bich = await membership_of(sessions, BICH)
    assert bich is not None
    await members_service(sessions, texts, now).deactivate(tg_user_id=CHAIR, membership_id=bich.id)
    await make_head(sessions, texts, now, TEACHER)
    tg, key = PRESSERS[who]
    if who != "ex-head (the chair moved the role)":  # a draft, as if they had reached the note
        data = {"round_id": rnd.id, "department_id": rnd.dept1, "lists": {}}
        await plant_draft(sessions, now, tg, "dept_note", "note", data)
    heads = heads_service(sessions, texts, now)
    target = {"round_id": rnd.id, "department_id": rnd.dept1}
    attempts = {
        "/department": lambda: heads.start(tg_user_id=tg),
        "the round's button": lambda: heads.start(tg_user_id=tg, round_id=rnd.id),
        "open Tổ 1": lambda: heads.department(tg_user_id=tg, **target),
        "tick": lambda: heads.toggle(
            tg_user_id=tg, candidate_id=rnd.candidates[(COUNCIL, TITLES[0])], **target
        ),
        "tick the collective title": lambda: heads.toggle(tg_user_id=tg, title_index=2, **target),
        "confirm": lambda: heads.ask_note(tg_user_id=tg, **target),
        "send with a typed note": lambda: heads.confirm(tg_user_id=tg, note="Tổ đã họp"),
        "send without a note": lambda: heads.confirm(tg_user_id=tg, note="", **target),
    }
    before = await snapshot(sessions)
    for action, attempt in attempts.items():
        own = action.startswith(("/", "the round"))  # about their own department and school
        if who == "head of another department" and own:
            shown = await attempt()  # their own department's list, never Tổ 1's
            assert isinstance(shown, DeptView) and shown.department == "Tổ 2"
            before = await snapshot(sessions)  # (opening it leaves the note step, as "back")
            continue
        # At their own school, the other school's member is neither a head nor a leader.
        expected = "heads.not_head" if who == "council member of another school" and own else key
        with pytest.raises(ServiceError) as refused:
            await attempt()
        assert refused.value.key == expected, (action, refused.value)
    assert changes(before, await snapshot(sessions)) == {}
    assert set((await statuses(sessions, rnd.id)).values()) == {"waiting"}


async def test_a_draft_for_another_department_is_not_sent_by_a_button_for_this_one(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    rnd = await make_round(sessions, texts, now, school)
    heads = heads_service(sessions, texts, now)
    await heads.ask_note(tg_user_id=VICE, round_id=rnd.id, department_id=rnd.dept2)
    before = await snapshot(sessions)
    with pytest.raises(AlreadyDone):
        await heads.confirm(tg_user_id=VICE, note="", round_id=rnd.id, department_id=rnd.dept1)
    assert changes(before, await snapshot(sessions)) == {}


async def test_a_member_who_changes_department_stops_heading_the_old_one(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    await make_head(sessions, texts, now, CHAIR)
    assert await is_head(sessions, CHAIR)
    data = {"org_id": school.org_id, "name": "Trần Thị Thu Hà"}
    await plant_draft(sessions, now, CHAIR, "profile", "department", data)
    async with sessions() as s:
        await members.choose_department(
            s,
            tg_user_id=CHAIR,
            department_id=school.departments["Tổ 3"],
            texts=texts,
            now=now,
        )
    assert not await is_head(sessions, CHAIR)


async def test_waiting_candidates_of_a_round_default_to_proposed_in_the_draft_only(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    """A head who opens the list and confirms at once proposes everyone she decides."""
    rnd = await make_round(sessions, texts, now, school)
    heads = heads_service(sessions, texts, now)
    await heads.ask_note(tg_user_id=TEACHER, round_id=rnd.id, department_id=rnd.dept1)
    await heads.confirm(tg_user_id=TEACHER, note="")
    async with sessions() as s:
        rows = (
            await s.scalars(
                select(Candidate).where(
                    Candidate.round_id == rnd.id, Candidate.source == CandidateSource.REGISTRATION
                )
            )
        ).all()
    mai = await person_id(sessions, TEACHER)
    assert {str(c.dept_status) for c in rows if c.person_id == mai} == {DeptStatus.WAITING}
    dept1_people = {await person_id(sessions, tg) for tg in (COUNCIL, BICH, HUNG)}
    assert {str(c.dept_status) for c in rows if c.person_id in dept1_people} == {
        DeptStatus.PROPOSED
    }
