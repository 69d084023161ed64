"""A school with a year of varied stories, registrations and proposals, on both databases."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services import orgs
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Membership,
    MemberStatus,
    NomineeKind,
    Person,
    Proposal,
    ProposalStatus,
    Registration,
    Role,
    Story,
    StoryStatus,
    Title,
)
from tests.factories import CHAIR, make_school
from ui.texts import Texts

GROUP = -1001234567890
RISKY_TEXT = '=HYPERLINK("http://evil.example","Bấm vào đây")'
RISKY_REASON = "-1+1 Lý do có dấu trừ"
RISKY_NAME = "@Lê Văn Bình"
EXTRA = [  # (name, department)
    ("Bùi Văn Đức", "Tổ 2"),
    ("Đặng Thị Thanh Hương", "Tổ 2"),
    ("Ngô Thị Phương", "Tổ 2"),
    ("Dương Thị Yến", "Tổ 3"),
    ("Lý Văn Khánh", "Tổ 3"),
    ("Cao Thị Huyền", "Tổ 5"),
    ("Chu Văn Long", "Tổ Năng khiếu"),
    (RISKY_NAME, "Tổ Năng khiếu"),
    ("Âu Thị Ly", None),
]


@dataclass
class Seeded:
    """What the seed made."""

    org_id: int
    campaign_id: int
    registration_campaign_id: int
    people: list[int]


def _at(day: datetime, rng: random.Random) -> datetime:
    return day + timedelta(minutes=rng.randrange(0, 24 * 60))


@pytest.fixture
async def seeded(sessions: SessionFactory, texts: Texts, now: datetime) -> Seeded:
    """Eighty stories over 2023-2024 in every status, by thirteen people in six departments."""
    school = await make_school(sessions, texts, now)
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=GROUP, now=now)
    rng = random.Random(20240223)
    async with sessions() as s:
        for i, (name, dept) in enumerate(EXTRA):
            person = Person(tg_user_id=3000 + i, full_name=name, created_at=now)
            s.add(person)
            await s.flush()
            s.add(
                Membership(
                    org_id=school.org_id,
                    person_id=person.id,
                    role=Role.STAFF,
                    department_id=school.departments[dept] if dept else None,
                    status=MemberStatus.LEFT if name == "Âu Thị Ly" else MemberStatus.ACTIVE,
                    requested_at=now,
                )
            )
        await s.flush()
        members = (
            await s.execute(
                select(Membership.person_id, Membership.department_id).where(
                    Membership.org_id == school.org_id
                )
            )
        ).all()
        people = [pid for pid, _ in members]
        dept_of = dict(members)
        campaign = Campaign(
            org_id=school.org_id,
            name="Người tốt, việc tốt năm 2024",
            launched_by="Quận",
            kind=CampaignKind.GOOD_DEEDS,
            starts_at=datetime(2024, 2, 25, 17, 0, tzinfo=UTC),
            ends_at=datetime(2024, 12, 15, 10, 0, tzinfo=UTC),
            status=CampaignStatus.OPEN,
            created_at=now,
        )
        registration_campaign = Campaign(
            org_id=school.org_id,
            name="Đăng ký danh hiệu thi đua năm học 2023-2024",
            launched_by="Trường",
            kind=CampaignKind.REGISTRATION,
            starts_at=datetime(2023, 9, 5, 0, 0, tzinfo=UTC),
            ends_at=datetime(2023, 9, 30, 10, 0, tzinfo=UTC),
            status=CampaignStatus.CLOSED,
            created_at=now,
        )
        s.add_all([campaign, registration_campaign])
        await s.flush()
        statuses = [*StoryStatus]
        start = datetime(2023, 8, 20, 17, 0, tzinfo=UTC)  # some fall before the school year
        stories = []
        for i in range(80):
            author = rng.choice(people)
            kind = rng.choice([*NomineeKind])
            nominee = author if kind == NomineeKind.SELF else None
            if kind == NomineeKind.COLLEAGUE:
                nominee = rng.choice([p for p in people if p != author])
            status = statuses[i % len(statuses)] if i % 3 else StoryStatus.APPROVED
            submitted = _at(start + timedelta(days=rng.randrange(0, 330)), rng)
            decided = status not in (StoryStatus.PENDING, StoryStatus.SUPERSEDED)
            story = Story(
                org_id=school.org_id,
                author_id=author,
                author_department_id=dept_of[author],
                text=RISKY_TEXT
                if i == 1
                else f"Việc tốt số {i}: giúp học sinh vượt khó, đến trường an toàn.",
                nominee_kind=kind,
                nominee_person_id=nominee,
                nominee_text={
                    "pupil": f"em Nguyễn Gia Bảo {i}, lớp 1A2",
                    "group": "Tập thể lớp 3A3",
                }.get(str(kind)),
                pupil_consent=kind == NomineeKind.PUPIL and i % 2 == 0,
                status=status,
                submitted_at=submitted,
                decided_by=people[0] if decided else None,
                decided_at=submitted + timedelta(hours=5) if decided else None,
                reason=RISKY_REASON if status == StoryStatus.REJECTED else None,
                council_chat_id=GROUP,
                campaign_id=campaign.id if submitted >= campaign.starts_at else None,
            )
            stories.append(story)
        s.add_all(stories)
        await s.flush()
        titles = dict(
            (
                await s.execute(select(Title.name, Title.id).where(Title.org_id == school.org_id))
            ).all()
        )
        for j, pid in enumerate(people[:7]):
            s.add(
                Registration(
                    campaign_id=registration_campaign.id,
                    person_id=pid,
                    title_id=titles[
                        "Chiến sĩ thi đua cơ sở" if j % 3 == 0 else "Lao động tiên tiến"
                    ],
                    registered_at=datetime(2023, 9, 10 + j, 2, 0, tzinfo=UTC),
                    withdrawn_at=datetime(2023, 9, 25, 2, 0, tzinfo=UTC) if j == 6 else None,
                )
            )
        approved = [st for st in stories if st.status == StoryStatus.APPROVED]
        for k, (story, status) in enumerate(
            zip(approved[:4], [*ProposalStatus, ProposalStatus.CONFIRMED], strict=False)
        ):
            proposal = Proposal(
                org_id=school.org_id,
                story_id=story.id,
                person_id=story.nominee_person_id,
                nominee_text=story.nominee_text if story.nominee_person_id is None else None,
                form="Giấy khen của Hiệu trưởng"
                if k % 2 == 0
                else "Bằng khen của Chủ tịch UBND thành phố",
                level="Trường" if k % 2 == 0 else "Thành phố",
                status=status,
                proposed_by=people[2],
                proposed_at=story.decided_at or now,
                decided_by=people[0] if status != ProposalStatus.PROPOSED else None,
                decided_at=(story.decided_at or now) + timedelta(days=1)
                if status != ProposalStatus.PROPOSED
                else None,
                reason=RISKY_REASON if status == ProposalStatus.DECLINED else None,
            )
            s.add(proposal)
            await s.flush()
            s.add(
                AuditEntry(
                    org_id=school.org_id,
                    actor_id=people[2],
                    action="proposal.create",
                    target=f"proposal:{proposal.id}",
                    details={"form": proposal.form},
                    at=proposal.proposed_at,
                )
            )
        for story in stories:
            if story.decided_at is not None and story.status != StoryStatus.WITHDRAWN:
                verb = {"approved": "approve", "rejected": "reject"}.get(
                    str(story.status), "changes"
                )
                s.add(
                    AuditEntry(
                        org_id=school.org_id,
                        actor_id=story.decided_by,
                        action=f"story.{verb}",
                        target=f"story:{story.id}",
                        details={"reason": story.reason},
                        at=story.decided_at,
                    )
                )
        await s.commit()
    return Seeded(school.org_id, campaign.id, registration_campaign.id, people)
