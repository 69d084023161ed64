"""Commendation proposals at the service level, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services import orgs, proposals
from services.errors import AlreadyDone, Invalid, NotAllowed, ServiceError
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Campaign,
    CampaignKind,
    NomineeKind,
    OutboxMessage,
    Person,
    Proposal,
    ProposalStatus,
    Registration,
    Story,
    StoryStatus,
    Title,
)
from tests.factories import CHAIR, COUNCIL, COUNCIL_GROUP, TEACHER, VICE, School
from ui.texts import Texts

GROUP = COUNCIL_GROUP


@pytest.fixture
async def school(sessions: SessionFactory, council_school: School, now: datetime) -> School:
    """The school, its council group bound, and approved story #1 about the teacher."""
    made = council_school
    async with sessions() as s:
        teacher = await s.scalar(select(Person).where(Person.tg_user_id == TEACHER))
        council = await s.scalar(select(Person).where(Person.tg_user_id == COUNCIL))
        assert teacher is not None and council is not None
        for status in (StoryStatus.APPROVED, StoryStatus.PENDING):
            s.add(
                Story(
                    org_id=made.org_id,
                    author_id=council.id,
                    author_department_id=made.departments["Tổ 1"],
                    text="Cô Mai phụ đạo miễn phí cho 5 học sinh <b>chậm</b> môn Toán.",
                    nominee_kind=NomineeKind.COLLEAGUE,
                    nominee_person_id=teacher.id,
                    status=status,
                    submitted_at=now,
                    council_chat_id=GROUP,
                )
            )
        await s.commit()
    return made


async def _refused(call: object, kind: type[ServiceError], key: str) -> None:
    with pytest.raises(kind) as caught:
        await call  # type: ignore[misc]
    assert caught.value.key == key, caught.value.key


async def test_a_council_member_proposes_and_the_chair_is_asked(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    async with sessions() as s:
        goal = await proposals.target(s, tg_user_id=COUNCIL, source="s", source_id=1)
        assert goal.forms[0].name == "Giấy khen của Hiệu trưởng"
        assert goal.levels[goal.default_level(2)] == "Thành phố"
        assert (goal.nominee, goal.department) == ("Vũ Thị Mai", "Tổ 1")
        made = await proposals.propose(
            s,
            tg_user_id=COUNCIL,
            source="s",
            source_id=1,
            form_index=0,
            level_index=goal.default_level(0),
            texts=texts,
            now=now,
        )
    assert (made.form, made.level, made.status) == (
        "Giấy khen của Hiệu trưởng",
        "Trường",
        "proposed",
    )
    async with sessions() as s:
        notices = (await s.scalars(select(OutboxMessage))).all()
        audit = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.create"))
        ).all()
    assert [n.chat_id for n in notices] == [CHAIR]
    assert "Đề nghị khen thưởng #1" in notices[0].payload["text"]
    assert [b[0] for b in notices[0].payload["buttons"][0]] == ["✅ Đồng ý", "✖️ Không đồng ý"]
    assert len(audit) == 1 and audit[0].details["form"] == "Giấy khen của Hiệu trưởng"


async def test_the_chair_confirms_once_and_the_proposer_is_told(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    async with sessions() as s:
        await proposals.propose(
            s,
            tg_user_id=COUNCIL,
            source="s",
            source_id=1,
            form_index=0,
            level_index=0,
            texts=texts,
            now=now,
        )
    async with sessions() as s:
        await _refused(
            proposals.decide(
                s, proposal_id=1, chair_tg_id=VICE, confirm=True, reason=None, texts=texts, now=now
            ),
            NotAllowed,
            "errors.chair_only",
        )
        done = await proposals.decide(
            s, proposal_id=1, chair_tg_id=CHAIR, confirm=True, reason=None, texts=texts, now=now
        )
        assert (done.status, done.decided_by) == ("confirmed", "Trần Thị Thu Hà")
        await _refused(
            proposals.decide(
                s, proposal_id=1, chair_tg_id=CHAIR, confirm=False, reason="x", texts=texts, now=now
            ),
            AlreadyDone,
            "proposals.already_decided",
        )
    async with sessions() as s:
        told = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == COUNCIL))
        ).all()
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert len(told) == 1 and "đã xác nhận đề nghị #1" in told[0].payload["text"]
    assert actions[-2:] == ["proposal.create", "proposal.confirm"]


async def test_declining_needs_a_reason_and_records_it(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    async with sessions() as s:
        await proposals.propose(
            s,
            tg_user_id=VICE,
            source="s",
            source_id=1,
            form_index=1,
            level_index=0,
            texts=texts,
            now=now,
        )
        assert await proposals.await_reason(s, chair_tg_id=CHAIR, proposal_id=1, now=now)
        assert await proposals.awaited(s, chair_tg_id=CHAIR) == 1
        await _refused(
            proposals.decide(
                s,
                proposal_id=1,
                chair_tg_id=CHAIR,
                confirm=False,
                reason="  ",
                texts=texts,
                now=now,
            ),
            Invalid,
            "stories.reason_needed",
        )
        done = await proposals.decide(
            s,
            proposal_id=1,
            chair_tg_id=CHAIR,
            confirm=False,
            reason="Cần bình xét tại cuộc họp <Hội đồng>",
            texts=texts,
            now=now,
        )
        assert await proposals.awaited(s, chair_tg_id=CHAIR) is None
    assert (done.status, done.reason) == ("declined", "Cần bình xét tại cuộc họp <Hội đồng>")
    async with sessions() as s:
        edit = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == CHAIR))
    assert edit is not None and "&lt;Hội đồng&gt;" in edit.payload["text"]  # escaped


async def test_who_may_propose_what(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    async with sessions() as s:
        await _refused(
            proposals.target(s, tg_user_id=TEACHER, source="s", source_id=1),
            NotAllowed,
            "proposals.council_only",
        )
        await _refused(
            proposals.target(s, tg_user_id=COUNCIL, source="s", source_id=2),
            Invalid,
            "proposals.story_not_approved",
        )
        await proposals.propose(
            s,
            tg_user_id=COUNCIL,
            source="s",
            source_id=1,
            form_index=0,
            level_index=0,
            texts=texts,
            now=now,
        )
        await _refused(
            proposals.propose(
                s,
                tg_user_id=CHAIR,
                source="s",
                source_id=1,
                form_index=0,
                level_index=3,
                texts=texts,
                now=now,
            ),
            AlreadyDone,
            "proposals.duplicate",
        )
        await _refused(
            proposals.propose(
                s,
                tg_user_id=CHAIR,
                source="s",
                source_id=1,
                form_index=9,
                level_index=0,
                texts=texts,
                now=now,
            ),
            Invalid,
            "errors.stale_button",
        )


async def _registration(
    sessions: SessionFactory, school: School, now: datetime, tg: int = COUNCIL
) -> None:
    """This member (the council member) registered for Lao động tiên tiến (registration #1)."""
    async with sessions() as s:
        council = await s.scalar(select(Person).where(Person.tg_user_id == tg))
        title = await s.scalar(select(Title).where(Title.name == "Lao động tiên tiến"))
        assert council is not None and title is not None
        campaign = Campaign(
            org_id=school.org_id,
            name="Đăng ký danh hiệu thi đua năm học 2024-2025",
            launched_by="Trường",
            kind=CampaignKind.REGISTRATION,
            starts_at=now,
            ends_at=datetime(2024, 9, 30, tzinfo=UTC),
            created_at=now,
        )
        s.add(campaign)
        await s.flush()
        s.add(
            Registration(
                campaign_id=campaign.id, person_id=council.id, title_id=title.id, registered_at=now
            )
        )
        await s.commit()


async def _propose_title(sessions: SessionFactory, texts: Texts, now: datetime) -> Proposal:
    async with sessions() as s:
        goal = await proposals.target(s, tg_user_id=VICE, source="r", source_id=1)
        assert goal.forms[0].name == "Lao động tiên tiến" and goal.achievement.endswith(
            "Lao động tiên tiến"
        )
        await proposals.propose(
            s,
            tg_user_id=VICE,
            source="r",
            source_id=1,
            form_index=0,
            level_index=goal.default_level(0),
            texts=texts,
            now=now,
        )
        row = await s.scalar(select(Proposal).order_by(Proposal.id.desc()))
    assert row is not None
    return row


async def test_a_registrant_is_proposed_for_the_title_to_the_level_that_awards_it(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    await _registration(sessions, school, now)
    async with sessions() as s:
        await _refused(
            proposals.target(s, tg_user_id=COUNCIL, source="r", source_id=1),
            NotAllowed,
            "proposals.own",
        )
    row = await _propose_title(sessions, texts, now)
    # The default: the ward's People's Committee awards LĐTT to a public primary school's staff
    # (Luật Thi đua, khen thưởng 2022, Điều 80; services/school/defaults.toml).
    assert (row.registration_id, row.level, row.status) == (
        1,
        "Phường/Xã",
        ProposalStatus.PROPOSED,
    )


async def test_who_awards_a_title_is_the_schools_setting_in_the_next_proposal_and_the_report(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    from reports.model import Scope
    from services import school as settings
    from services.tallies import report_info
    from storage.models import Org

    await _registration(sessions, school, now)
    async with sessions() as s:
        org = await s.get_one(Org, school.org_id)
        await settings.change(
            s, org=org, key="rules.authority_ldtt", raw="UBND phường Bồ Đề", actor_id=None, now=now
        )
        await s.commit()
    row = await _propose_title(sessions, texts, now)
    assert row.level == "UBND phường Bồ Đề"
    async with sessions() as s:
        await proposals.decide(
            s,
            proposal_id=row.id,
            chair_tg_id=CHAIR,
            confirm=True,
            reason=None,
            texts=texts,
            now=now,
        )
        org = await s.get_one(Org, school.org_id)
        scope = Scope("r", "range", date(2000, 1, 1), date(2100, 1, 1))
        info = await report_info(s, org, scope, texts.tz, now)
    assert [(p.nominee, p.form, p.level) for p in info.proposals] == [
        ("Phạm Thị Lan", "Lao động tiên tiến", "UBND phường Bồ Đề")
    ]


@pytest.mark.parametrize(
    ("kind", "forms"),
    [
        (NomineeKind.PUPIL, ["Giấy khen của Hiệu trưởng"]),
        (
            NomineeKind.GROUP,
            ["Giấy khen của Hiệu trưởng", "Giấy khen của Chủ tịch UBND phường/xã"],
        ),
    ],
)
async def test_a_pupil_or_a_class_is_offered_their_own_forms_and_no_department(
    sessions: SessionFactory, school: School, now: datetime, kind: NomineeKind, forms: list[str]
) -> None:
    async with sessions() as s:
        council = await s.scalar(select(Person).where(Person.tg_user_id == COUNCIL))
        assert council is not None
        story = Story(
            org_id=school.org_id,
            author_id=council.id,
            author_department_id=school.departments["Tổ 1"],
            text="Em Gia Bảo nhặt được ví và trả lại ngay.",
            nominee_kind=kind,
            nominee_text="Nguyễn Gia Bảo (lớp 1A2)" if kind == NomineeKind.PUPIL else "Lớp 1A2",
            pupil_consent=True,
            status=StoryStatus.APPROVED,
            submitted_at=now,
            council_chat_id=GROUP,
        )
        s.add(story)
        await s.commit()
        goal = await proposals.target(s, tg_user_id=COUNCIL, source="s", source_id=story.id)
    assert [f.name for f in goal.forms] == forms  # the school's lists (lists.forms_*)
    assert goal.department == ""  # not the author's department


async def test_a_proposal_naming_the_chair_is_decided_by_the_vice_chair_not_by_her(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    await _registration(sessions, school, now, tg=CHAIR)
    async with sessions() as s:
        goal = await proposals.target(s, tg_user_id=COUNCIL, source="r", source_id=1)
        made = await proposals.propose(
            s,
            tg_user_id=COUNCIL,
            source="r",
            source_id=1,
            form_index=0,
            level_index=goal.default_level(0),
            texts=texts,
            now=now,
        )
        asked = (await s.scalars(select(OutboxMessage))).all()
    assert [m.chat_id for m in asked] == [VICE]  # not the chair: it names her
    async with sessions() as s:
        await _refused(
            proposals.decide(
                s,
                proposal_id=made.id,
                chair_tg_id=CHAIR,
                confirm=True,
                reason=None,
                texts=texts,
                now=now,
            ),
            NotAllowed,
            "proposals.own_decision",
        )
        done = await proposals.decide(
            s,
            proposal_id=made.id,
            chair_tg_id=VICE,
            confirm=True,
            reason=None,
            texts=texts,
            now=now,
        )
    assert (done.status, done.decided_by) == ("confirmed", "Lê Minh Tuấn")
    # Any other proposal stays the chair's to decide: the vice-chair is refused there.
    async with sessions() as s:
        other = await proposals.propose(
            s,
            tg_user_id=COUNCIL,
            source="s",
            source_id=1,
            form_index=0,
            level_index=0,
            texts=texts,
            now=now,
        )
        await _refused(
            proposals.decide(
                s,
                proposal_id=other.id,
                chair_tg_id=VICE,
                confirm=True,
                reason=None,
                texts=texts,
                now=now,
            ),
            NotAllowed,
            "errors.chair_only",
        )


async def test_a_picker_is_dismissed_only_by_the_council_of_its_school(
    sessions: SessionFactory, school: School, now: datetime
) -> None:
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường Tiểu học Gia Thụy", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=other.chair_code or "", tg_user_id=2001, display_name="Nga", now=now
        )
    async with sessions() as s:
        await proposals.check_council(s, tg_user_id=COUNCIL, chat_id=GROUP)  # its own group
        await proposals.check_council(s, tg_user_id=COUNCIL, chat_id=COUNCIL)  # privately
        # The other school's chair, in this school's council group, dismisses nothing.
        await _refused(
            proposals.check_council(s, tg_user_id=2001, chat_id=GROUP),
            NotAllowed,
            "proposals.council_only",
        )
        await _refused(
            proposals.check_council(s, tg_user_id=TEACHER, chat_id=GROUP),
            NotAllowed,
            "proposals.council_only",
        )
