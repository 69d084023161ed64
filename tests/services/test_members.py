"""Joining, approval, roles and departments, against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from services import members, orgs
from services.base import Env
from services.conversations import Conversations, Kind
from services.errors import AlreadyDone, Invalid, NotAllowed
from services.members import Members
from storage.db import SessionFactory
from storage.models import Address, AuditEntry, MemberStatus, OutboxMessage, Person, Role
from tests.factories import (
    CHAIR,
    COUNCIL,
    STRANGER,
    TEACHER,
    VICE,
    join,
    make_school,
    membership_of,
)
from ui.texts import Texts


async def test_new_school_has_the_default_departments_and_a_one_time_chair_code(
    sessions: SessionFactory, now: datetime
) -> None:
    async with sessions() as s:
        created = await orgs.create_org(s, name="  Trường   Tiểu học A ", now=now)
    async with sessions() as s:
        names = [d.name for d in await members.list_departments(s, org_id=created.org_id)]
        org = await orgs.claim_chair(
            s, code=created.chair_code or "", tg_user_id=CHAIR, display_name="Hà", now=now
        )
    assert names == list(orgs.DEFAULT_DEPARTMENTS)
    assert org.name == "Trường Tiểu học A"
    async with sessions() as s:
        with pytest.raises(Invalid):
            await orgs.claim_chair(
                s, code=created.chair_code or "", tg_user_id=STRANGER, display_name="X", now=now
            )
    chair = await membership_of(sessions, CHAIR)
    assert chair is not None and chair.role == Role.CHAIR and chair.status == MemberStatus.ACTIVE
    assert await membership_of(sessions, STRANGER) is None


async def test_a_join_request_waits_for_a_leader_and_notifies_chair_and_vice_chair(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    mid = await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=2001,
        name="Bùi <b>Văn</b> & Đức",
        department_id=school.departments["Tổ 2"],
    )
    async with sessions() as s:
        notices = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.ref == f"join:{mid}"))
        ).all()
    assert sorted(n.chat_id for n in notices) == [CHAIR, VICE]
    assert "Bùi &lt;b&gt;Văn&lt;/b&gt; &amp; Đức" in notices[0].payload["text"]
    # A leader taps through to the person's Telegram profile to check who it is (issue 17, 33),
    # and is told where the request goes: the council's chair and vice-chair (issue 17, 25).
    assert '<a href="tg://user?id=2001">xem hồ sơ</a>' in notices[0].payload["text"]
    assert "Yêu cầu sử dụng bot" in notices[0].payload["text"]
    pending = await membership_of(sessions, 2001)
    assert pending is not None and pending.status == MemberStatus.PENDING


async def test_approval_activates_the_teacher_tells_them_and_is_audited(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    mid = await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=2001,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    async with sessions() as s:
        decision = await members.decide_join(
            s, membership_id=mid, approver_tg_id=VICE, approve=True, texts=texts, now=now
        )
    assert decision.approved and decision.name == "Bùi Văn Đức"
    async with sessions() as s:
        told = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 2001))
        audit = await s.scalar(
            select(AuditEntry).where(
                AuditEntry.target == f"membership:{mid}", AuditEntry.action == "member.approve"
            )
        )
    assert told is not None and "đã được duyệt" in told.payload["text"]
    assert audit is not None
    member = await membership_of(sessions, 2001)
    assert member is not None and member.status == MemberStatus.ACTIVE


async def test_second_decision_on_a_join_request_is_refused(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    mid = await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=2001,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    async with sessions() as s:
        await members.decide_join(
            s, membership_id=mid, approver_tg_id=CHAIR, approve=False, texts=texts, now=now
        )
    async with sessions() as s:
        with pytest.raises(AlreadyDone):
            await members.decide_join(
                s, membership_id=mid, approver_tg_id=VICE, approve=True, texts=texts, now=now
            )
    member = await membership_of(sessions, 2001)
    assert member is not None and member.status == MemberStatus.REJECTED


@pytest.mark.parametrize("who", [COUNCIL, TEACHER, STRANGER, 2001])
async def test_only_chair_and_vice_chair_may_approve_a_join(
    sessions: SessionFactory, texts: Texts, now: datetime, who: int
) -> None:
    school = await make_school(sessions, texts, now)
    mid = await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=2001,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await members.decide_join(
                s, membership_id=mid, approver_tg_id=who, approve=True, texts=texts, now=now
            )
    member = await membership_of(sessions, 2001)
    assert member is not None and member.status == MemberStatus.PENDING


async def test_concurrent_approve_and_reject_exactly_one_wins(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    for i in range(5):
        mid = await join(
            sessions,
            texts,
            now,
            code=school.invite_code,
            tg_user_id=3000 + i,
            name="Ngô Thị Phương",
            department_id=school.departments["Tổ 2"],
        )

        async def decide(who: int, approve: bool, membership_id: int = mid) -> bool:
            async with sessions() as s:
                try:
                    await members.decide_join(
                        s,
                        membership_id=membership_id,
                        approver_tg_id=who,
                        approve=approve,
                        texts=texts,
                        now=now,
                    )
                except AlreadyDone:
                    return False
                return True

        results = await asyncio.gather(decide(CHAIR, True), decide(VICE, False))
        assert sorted(results) == [False, True]
        async with sessions() as s:
            decided = await s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.target == f"membership:{mid}",
                    AuditEntry.action.in_(["member.approve", "member.reject"]),
                )
            )
        assert decided == 1


async def test_a_rotated_invite_code_no_longer_opens_the_dialogue(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now, staff=False)
    async with sessions() as s:
        org = await orgs.invite(s, tg_user_id=CHAIR, rotate=True, now=now)
    assert org.invite_code != school.invite_code
    async with sessions() as s:
        with pytest.raises(Invalid):
            await members.begin_join(
                s, code=school.invite_code, tg_user_id=2001, display_name="x", now=now
            )


async def test_a_name_without_letters_is_refused_and_the_step_is_kept(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now, staff=False)
    async with sessions() as s:
        await members.begin_join(
            s, code=school.invite_code, tg_user_id=2001, display_name="x", now=now
        )
    async with sessions() as s:
        with pytest.raises(Invalid):
            await members.give_name(s, tg_user_id=2001, raw="12345", now=now)
    async with sessions() as s:
        assert await members.give_name(s, tg_user_id=2001, raw="Đinh  Thị Hạnh", now=now) == (
            "Đinh Thị Hạnh"
        )
    async with sessions() as s:
        chosen = await members.choose_address(s, tg_user_id=2001, address=Address.CO, now=now)
    assert len(chosen.departments) == 7


async def test_members_are_listed_by_given_name_and_roles_changes_are_audited(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    async with sessions() as s:
        listed = [m.person.full_name for m in await members.list_members(s, org_id=school.org_id)]
    assert listed == ["Trần Thị Thu Hà", "Phạm Thị Lan", "Vũ Thị Mai", "Lê Minh Tuấn"]
    async with sessions() as s:
        roles = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "member.role"))
        ).all()
    assert {(a.details["before"], a.details["after"]) for a in roles} == {
        ("staff", "vice_chair"),
        ("staff", "council"),
    }


async def test_only_the_chair_changes_roles_and_not_their_own(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    teacher = await membership_of(sessions, TEACHER)
    chair = await membership_of(sessions, CHAIR)
    assert teacher is not None and chair is not None
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await members.set_role(
                s,
                tg_user_id=VICE,
                membership_id=teacher.id,
                role=Role.COUNCIL,
                texts=texts,
                now=now,
            )
    async with sessions() as s:
        with pytest.raises(Invalid):
            await members.set_role(
                s, tg_user_id=CHAIR, membership_id=chair.id, role=Role.STAFF, texts=texts, now=now
            )


async def test_a_deactivated_member_loses_their_role_but_keeps_history(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None
    async with sessions() as s:
        await members.deactivate(
            s, tg_user_id=CHAIR, membership_id=teacher.id, texts=texts, now=now
        )
    after = await membership_of(sessions, TEACHER)
    assert after is not None and after.status == MemberStatus.LEFT
    async with sessions() as s:
        with pytest.raises(AlreadyDone):
            await members.deactivate(
                s, tg_user_id=CHAIR, membership_id=teacher.id, texts=texts, now=now
            )


async def test_departments_can_be_added_renamed_and_only_empty_ones_removed(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    async with sessions() as s:
        added = await members.add_department(s, tg_user_id=CHAIR, name=" Tổ  Tiếng Anh ", now=now)
    assert added.name == "Tổ Tiếng Anh"
    async with sessions() as s:
        with pytest.raises(Invalid):
            await members.add_department(s, tg_user_id=CHAIR, name="Tổ 1", now=now)
    async with sessions() as s:
        with pytest.raises(Invalid):
            await members.add_department(s, tg_user_id=CHAIR, name="x" * 61, now=now)
    async with sessions() as s:
        renamed = await members.rename_department(
            s, tg_user_id=CHAIR, department_id=added.id, name="Tổ Ngoại ngữ", now=now
        )
    assert renamed.name == "Tổ Ngoại ngữ"
    async with sessions() as s:
        with pytest.raises(Invalid):
            await members.remove_department(
                s, tg_user_id=CHAIR, department_id=school.departments["Tổ 1"], now=now
            )
    async with sessions() as s:
        assert (
            await members.remove_department(s, tg_user_id=CHAIR, department_id=added.id, now=now)
            == "Tổ Ngoại ngữ"
        )
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await members.add_department(s, tg_user_id=VICE, name="Tổ mới", now=now)


async def test_only_the_chair_binds_the_council_and_a_migrated_group_stays_bound(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await orgs.bind_council(s, tg_user_id=VICE, chat_id=-100, now=now)
    async with sessions() as s:
        org = await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=-100, now=now)
    assert org.council_chat_id == -100
    async with sessions() as s:
        assert await orgs.migrate_chat(s, old_chat_id=-100, new_chat_id=-1009999)
    async with sessions() as s:
        bound = await orgs.council_org(s, -1009999)
    assert bound is not None and bound.id == org.id


# ---------------------------------------------------------------------------- use cases


def _env(sessions: SessionFactory, texts: Texts, now: datetime) -> Env:
    return Env(sessions=sessions, texts=texts, clock=lambda: now, tz=ZoneInfo("Asia/Ho_Chi_Minh"))


async def test_the_join_use_cases_walk_the_dialogue_and_answer_with_plain_views(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now, staff=False)
    env = _env(sessions, texts, now)
    cases, talk = Members(env), Conversations(env)
    stranger = await talk.where(2001)
    assert stranger.kind is None and stranger.standing is not None
    assert stranger.standing.role is None and not stranger.standing.deactivated
    org = await cases.begin_join(code=school.invite_code, tg_user_id=2001, display_name="Đức")
    assert org == "Trường Tiểu học Thượng Thanh"
    asked = await talk.where(2001)
    assert (asked.kind, asked.step, asked.standing) == (Kind.JOIN, "name", None)
    assert await cases.give_name(tg_user_id=2001, text="  Bùi  Văn Đức ") == "Bùi Văn Đức"
    addressed = await cases.choose_address(tg_user_id=2001, address=Address.THAY)
    assert (addressed.name, addressed.address) == ("Bùi Văn Đức", "thay")
    offered = addressed.departments
    assert [d.name for d in offered] == list(orgs.DEFAULT_DEPARTMENTS)
    again = await cases.departments_to_pick(org_id=school.org_id)
    assert again == offered
    joined = await cases.choose_department(
        tg_user_id=2001, department_id=school.departments["Tổ 2"]
    )
    assert (joined.profile, joined.org, joined.department) == (False, org, "Tổ 2")
    assert joined.invite_code == school.invite_code
    assert (await talk.where(2001)).kind is None  # the dialogue ended
    pending = await membership_of(sessions, 2001)
    assert pending is not None
    decision = await cases.decide_join(tg_user_id=CHAIR, membership_id=pending.id, approve=True)
    assert decision.approved and decision.name == "Bùi Văn Đức"
    member = await talk.where(2001)
    assert member.standing is not None and member.standing.role == Role.STAFF


async def test_deactivating_answers_with_the_roster_without_them_in_one_unit_of_work(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    cases = Members(_env(sessions, texts, now))
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None
    before = await cases.roster(CHAIR)
    changed = await cases.set_role(tg_user_id=CHAIR, membership_id=teacher.id, role=Role.COUNCIL)
    assert changed.member.role == Role.COUNCIL and changed.tg_user_id == TEACHER
    assert (await cases.member(tg_user_id=CHAIR, membership_id=teacher.id)).role == Role.COUNCIL
    done = await cases.deactivate(tg_user_id=CHAIR, membership_id=teacher.id)
    assert done.member.member.name == "Vũ Thị Mai"
    assert [m.id for m in done.roster.members] == [
        m.id for m in before.members if m.id != teacher.id
    ]
    assert done.roster.org == before.org


async def test_naming_a_department_ends_the_dialogue_in_the_same_commit(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now, staff=False)
    env = _env(sessions, texts, now)
    cases, talk = Members(env), Conversations(env)
    assert await cases.ask_department_name(tg_user_id=CHAIR, department_id=None) is None
    assert (await talk.where(CHAIR)).kind == Kind.DEPARTMENT
    assert await cases.name_department(tg_user_id=CHAIR, text=" Tổ  6 ", department_id=None) == (
        "Tổ 6"
    )
    assert (await talk.where(CHAIR)).kind is None
    tổ5 = school.departments["Tổ 5"]
    assert await cases.ask_department_name(tg_user_id=CHAIR, department_id=tổ5) == "Tổ 5"
    where = await talk.where(CHAIR)
    assert (where.step, where.data) == ("rename", {"department_id": tổ5})
    renamed = await cases.name_department(tg_user_id=CHAIR, text="Tổ Năm", department_id=tổ5)
    assert renamed == "Tổ Năm" and await cases.department(tg_user_id=CHAIR, department_id=tổ5) == (
        "Tổ Năm"
    )
    assert not await talk.cancel(chat_id=CHAIR, user_id=CHAIR)  # nothing left to cancel
    with pytest.raises(NotAllowed):
        await cases.departments(TEACHER)


async def test_turned_down_at_one_school_and_approved_at_another_acts_for_the_other(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    from services import stories
    from services.people import actor
    from storage.models import Department

    first = await make_school(sessions, texts, now, staff=False)
    turned_down = await join(
        sessions,
        texts,
        now,
        code=first.invite_code,
        tg_user_id=2001,
        name="Bùi Văn Đức",
        department_id=first.departments["Tổ 2"],
    )
    async with sessions() as s:
        await members.decide_join(
            s, membership_id=turned_down, approver_tg_id=CHAIR, approve=False, texts=texts, now=now
        )
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường Tiểu học Gia Thụy", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=other.chair_code or "", tg_user_id=3001, display_name="Nga", now=now
        )
    async with sessions() as s:
        department = await s.scalar(
            select(Department.id).where(
                Department.org_id == other.org_id, Department.name == "Tổ 2"
            )
        )
    assert department is not None
    approved = await join(
        sessions,
        texts,
        now,
        code=other.invite_code,
        tg_user_id=2001,
        name="Bùi Văn Đức",
        department_id=department,
    )
    async with sessions() as s:
        await members.decide_join(
            s, membership_id=approved, approver_tg_id=3001, approve=True, texts=texts, now=now
        )
    async with sessions() as s:
        who = await actor(s, 2001)
        assert who.membership is not None
        assert (who.org_id, who.role) == (other.org_id, Role.STAFF)
        draft = await stories.start(s, tg_user_id=2001, now=now)  # not "not a member"
    assert draft.step == "text"


async def test_issue17_item32_people_are_asked_thay_or_co_and_greeted_as_the_school_does(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now, staff=False)
    env = _env(sessions, texts, now)
    cases, talk = Members(env), Conversations(env)
    await cases.begin_join(code=school.invite_code, tg_user_id=2001, display_name="Hà")
    name = await cases.give_name(tg_user_id=2001, text="Trần Thị Thu Hà")
    # Asked at joining, with two buttons, before the department.
    assert (await talk.where(2001)).step == "address"
    asked = texts.plain("vi", "join.ask_address", name=name)
    assert "Bot nên gọi Trần Thị Thu Hà là Thầy hay Cô?" in asked
    with pytest.raises(AlreadyDone):  # the department comes after, not instead
        await cases.choose_department(tg_user_id=2001, department_id=school.departments["Tổ 2"])
    addressed = await cases.choose_address(tg_user_id=2001, address=Address.CO)
    shown = texts.plain("vi", "join.ask_department", name=addressed.name, address=addressed.address)
    assert shown == "Cảm ơn cô Hà. Cô thuộc tổ nào?"
    with pytest.raises(AlreadyDone):  # pressed again: the question was answered
        await cases.choose_address(tg_user_id=2001, address=Address.THAY)
    await cases.choose_department(tg_user_id=2001, department_id=school.departments["Tổ 2"])
    pending = await membership_of(sessions, 2001)
    assert pending is not None
    await cases.decide_join(tg_user_id=CHAIR, membership_id=pending.id, approve=True)
    async with sessions() as s:
        told = await s.scalar(select(OutboxMessage.payload).where(OutboxMessage.chat_id == 2001))
    assert told is not None and told["text"].startswith("Chúc mừng cô Hà! ")
    standing = (await talk.where(2001)).standing
    assert standing is not None and standing.address == "co"
    greeting = texts.plain(
        "vi",
        "common.welcome_member",
        name=standing.name,
        org=standing.org,
        role=str(standing.role),
        address=standing.address,
    )
    assert greeting.startswith("Kính chào cô Hà! Cô đang là Cán bộ, giáo viên, nhân viên")
    # Someone who joined before the question existed is greeted neutrally, by full name.
    async with sessions() as s:
        person = await s.scalar(select(Person).where(Person.tg_user_id == 2001))
        assert person is not None
        person.address = None
        await s.commit()
    standing = (await talk.where(2001)).standing
    assert standing is not None and standing.address is None
    neutral = texts.plain(
        "vi",
        "common.welcome_member",
        name=standing.name,
        org=standing.org,
        role=str(standing.role),
        address=standing.address,
    )
    assert neutral.startswith("Kính chào Thầy/Cô Trần Thị Thu Hà! Thầy/Cô đang là")
