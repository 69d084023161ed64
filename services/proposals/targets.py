"""Who would be commended, for what, and the forms and levels offered; who may propose and
decide."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services import school
from services.errors import Invalid, NotAllowed, NotFound
from services.people import COUNCIL_ROLES, Actor, in_council_place, require_role
from storage.models import (
    DEFAULT_LEVELS,
    Campaign,
    Department,
    Membership,
    NomineeKind,
    Org,
    Person,
    Registration,
    Role,
    Story,
    StoryStatus,
    Title,
)

SOURCES = ("s", "r")  # a story, a registration


@dataclass(frozen=True)
class FormChoice:
    """A form of commendation and the level that usually awards it."""

    name: str
    level: str


@dataclass(frozen=True)
class Target:
    """Who would be commended, for what, and the choices offered."""

    source: str
    source_id: int
    org_id: int
    person_id: int | None
    nominee: str
    nominee_text: str | None
    department: str
    achievement: str
    forms: list[FormChoice]
    levels: list[str]
    presser: str = ""  # the council member asking, by their registered name

    def default_level(self, form_index: int) -> int:
        """The index of the form's usual level among the levels."""
        level = self.forms[form_index].level
        return self.levels.index(level) if level in self.levels else 0


async def council(session: AsyncSession, tg_user_id: int) -> Actor:
    """An active council member (anyone else is refused in the proposals' words)."""
    try:
        who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("proposals.council_only") from None
        raise
    return who


async def check_council(
    session: AsyncSession, *, tg_user_id: int, chat_id: int | None = None
) -> str:
    """Refuse anyone but an active council member of the school whose picker this is (in
    their private chat, or in their school's council group: never another school's); else
    their registered name."""
    who = await council(session, tg_user_id)
    assert who.membership is not None and who.person is not None
    if not in_council_place(who, tg_user_id, chat_id):
        raise NotAllowed("proposals.council_only")
    return who.person.full_name


async def chair(session: AsyncSession, tg_user_id: int) -> Actor:
    """The chair (anyone else is refused)."""
    try:
        return await require_role(session, tg_user_id, {Role.CHAIR})
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("errors.chair_only") from None
        raise


# Whose forms of commendation a nominee gets (the school's lists, services/school).
FORMS_FOR: dict[str, str] = {
    NomineeKind.PUPIL: "lists.forms_pupil",
    NomineeKind.GROUP: "lists.forms_collective",
}


async def _choices(
    session: AsyncSession, org: Org, nominee: str | None = None
) -> tuple[list[FormChoice], list[str]]:
    """The forms a nominee of this kind may be proposed for, and the levels to choose from."""
    listed = await school.value(session, org, FORMS_FOR.get(nominee or "", "lists.forms"))
    forms = [
        FormChoice(name.strip(), level.strip())
        for name, _, level in (str(line).partition("|") for line in listed)
        if name.strip()
    ]
    levels = list(org.levels or DEFAULT_LEVELS)
    for form in forms:
        if form.level and form.level not in levels:
            levels.append(form.level)
    return forms, levels


async def department_of(session: AsyncSession, org_id: int, person_id: int | None) -> str:
    """The department of a member of the school ("" for none)."""
    if person_id is None:
        return ""
    name = await session.scalar(
        select(Department.name)
        .join(Membership, Membership.department_id == Department.id)
        .where(Membership.org_id == org_id, Membership.person_id == person_id)
    )
    return name or ""


async def target(session: AsyncSession, *, tg_user_id: int, source: str, source_id: int) -> Target:
    """What a council member may propose for this story or registration (checked, not saved)."""
    who = await council(session, tg_user_id)
    assert who.membership is not None and who.person is not None
    org = who.membership.org
    if source == "s":
        nominee_person = aliased(Person)
        row = (
            await session.execute(
                select(Story, nominee_person.full_name)
                .outerjoin(nominee_person, nominee_person.id == Story.nominee_person_id)
                .where(Story.id == source_id)
            )
        ).first()
        if row is None or row[0].org_id != org.id:
            raise NotFound("errors.stale_button")
        story, person_name = row
        if story.status != StoryStatus.APPROVED:
            raise Invalid("proposals.story_not_approved", story_id=story.id)
        forms, levels = await _choices(session, org, story.nominee_kind)
        person_id = story.nominee_person_id
        # A colleague's department; a pupil or a class is not of the author's department.
        department = await department_of(session, org.id, person_id) if person_id else ""
        result = Target(
            source,
            source_id,
            org.id,
            person_id,
            person_name or story.nominee_text or "",
            None if person_id else story.nominee_text,
            department,
            f"câu chuyện #{story.id}",
            forms,
            levels,
            who.person.full_name,
        )
    elif source == "r":
        found = (
            await session.execute(
                select(Registration, Person.full_name, Title.name, Campaign.org_id)
                .join(Person, Person.id == Registration.person_id)
                .join(Title, Title.id == Registration.title_id)
                .join(Campaign, Campaign.id == Registration.campaign_id)
                .where(Registration.id == source_id)
            )
        ).first()
        if found is None or found[3] != org.id:
            raise NotFound("errors.stale_button")
        registration, person_name, title, _ = found
        if registration.withdrawn_at is not None:
            raise Invalid("proposals.registration_withdrawn")
        # Who awards the title is the school's setting (Luật Thi đua, khen thưởng 2022, Điều 80;
        # the defaults and their sources: services/school/defaults.toml).
        level = school.title_authority(await school.values(session, org), title)
        forms, levels = await _choices(session, org)
        result = Target(
            source,
            source_id,
            org.id,
            registration.person_id,
            person_name,
            None,
            await department_of(session, org.id, registration.person_id),
            f"đăng ký danh hiệu {title}",
            [FormChoice(title, level), *forms],
            levels if level in levels else [*levels, level],
            who.person.full_name,
        )
    else:
        raise Invalid("errors.bad_button")
    if result.person_id is not None and result.person_id == who.person.id:
        raise NotAllowed("proposals.own")
    return result
