"""The members area's use cases: one method per thing a user does (see services/base.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services import conversations
from services.base import UseCases
from services.conversations import Kind
from services.errors import NotFound
from services.members import departments, joining, roster
from services.members.joining import JoinDecision
from storage.models import Address, Department, Membership, Role


@dataclass(frozen=True)
class MemberRow:
    """One member, as the chair's list and card show them."""

    id: int
    name: str
    role: Role
    department: str
    heads: bool = False  # the head (tổ trưởng) of their department


def _row(membership: Membership) -> MemberRow:
    return MemberRow(
        id=membership.id,
        name=membership.person.full_name,
        role=Role(membership.role),
        department=membership.department.name if membership.department else "",
        heads=membership.heads_department,
    )


@dataclass(frozen=True)
class Roster:
    """The chair's organisation and its active members, sorted by given name."""

    org: str
    members: list[MemberRow]


@dataclass(frozen=True)
class MemberChanged:
    """A member whose role or status changed: their menu follows (in their language)."""

    member: MemberRow
    tg_user_id: int
    locale: str


@dataclass(frozen=True)
class HeadChanged:
    """A department head set or unset: the member, and the head they replaced (menus follow)."""

    member: MemberChanged
    replaced: MemberChanged | None


@dataclass(frozen=True)
class Deactivated:
    """A member deactivated, and the roster without them."""

    member: MemberChanged
    roster: Roster


@dataclass(frozen=True)
class DepartmentRow:
    """A department to show or pick."""

    id: int
    name: str


def _rows(found: list[Department]) -> list[DepartmentRow]:
    return [DepartmentRow(d.id, d.name) for d in found]


@dataclass(frozen=True)
class DepartmentList:
    """The chair's organisation and its departments, in display order."""

    org: str
    departments: list[DepartmentRow]


@dataclass(frozen=True)
class Addressed:
    """The newcomer's name and address ("thay" / "co"), and the departments to pick from."""

    name: str
    address: str
    departments: list[DepartmentRow]


@dataclass(frozen=True)
class Joined:
    """The end of a join dialogue (a request sent) or of the chair's profile."""

    profile: bool
    org: str
    invite_code: str
    department: str


class Members(UseCases):
    """Joining, roles and departments."""

    async def begin_join(self, *, code: str, tg_user_id: int, display_name: str) -> str:
        """Open the joining dialogue for a staff invite code; the organisation's name."""
        async with self.env.sessions() as session:
            org = await joining.begin_join(
                session, code=code, tg_user_id=tg_user_id, display_name=display_name, now=self.now()
            )
            return org.name

    async def give_name(self, *, tg_user_id: int, text: str) -> str:
        """The full name typed in a join/profile dialogue, as kept (next: Thầy or Cô?)."""
        async with self.env.sessions() as session:
            return await joining.give_name(session, tg_user_id=tg_user_id, raw=text, now=self.now())

    async def choose_address(self, *, tg_user_id: int, address: Address) -> Addressed:
        """How the newcomer is addressed (Thầy / Cô); the departments to pick from next."""
        async with self.env.sessions() as session:
            chosen = await joining.choose_address(
                session, tg_user_id=tg_user_id, address=address, now=self.now()
            )
            return Addressed(chosen.name, str(chosen.address), _rows(chosen.departments))

    async def departments_to_pick(self, *, org_id: int) -> list[DepartmentRow]:
        """The departments a newcomer picks from (asked again when they type instead)."""
        async with self.env.sessions() as session:
            return _rows(await departments.list_departments(session, org_id=org_id))

    async def choose_department(self, *, tg_user_id: int, department_id: int) -> Joined:
        """Finish a join (the request goes to the leaders) or the chair's profile."""
        async with self.env.sessions() as session:
            chosen = await joining.choose_department(
                session,
                tg_user_id=tg_user_id,
                department_id=department_id,
                texts=self.texts,
                now=self.now(),
            )
            return Joined(
                profile=chosen.kind == Kind.PROFILE,
                org=chosen.org.name,
                invite_code=chosen.org.invite_code,
                department=chosen.department.name,
            )

    async def decide_join(
        self, *, tg_user_id: int, membership_id: int, approve: bool
    ) -> JoinDecision:
        """A leader approves or rejects a join request (the first decision wins)."""
        async with self.env.sessions() as session:
            return await joining.decide_join(
                session,
                membership_id=membership_id,
                approver_tg_id=tg_user_id,
                approve=approve,
                texts=self.texts,
                now=self.now(),
            )

    async def roster(self, tg_user_id: int) -> Roster:
        """The chair's list of active members."""
        async with self.env.sessions() as session:
            return await _roster(session, tg_user_id)

    async def member(self, *, tg_user_id: int, membership_id: int) -> MemberRow:
        """One member of the chair's organisation."""
        async with self.env.sessions() as session:
            return _row(
                await roster.member_of_chair(
                    session, tg_user_id=tg_user_id, membership_id=membership_id
                )
            )

    async def set_role(self, *, tg_user_id: int, membership_id: int, role: Role) -> MemberChanged:
        """The chair gives a member another role; they are told."""
        async with self.env.sessions() as session:
            m = await roster.set_role(
                session,
                tg_user_id=tg_user_id,
                membership_id=membership_id,
                role=role,
                texts=self.texts,
                now=self.now(),
            )
            return self._changed(m)

    async def set_head(self, *, tg_user_id: int, membership_id: int, heads: bool) -> HeadChanged:
        """The chair makes a member the head of their department (replacing the one it had), or
        no longer; they are told."""
        async with self.env.sessions() as session:
            m, replaced = await roster.set_head(
                session,
                tg_user_id=tg_user_id,
                membership_id=membership_id,
                heads=heads,
                texts=self.texts,
                now=self.now(),
            )
            return HeadChanged(self._changed(m), self._changed(replaced) if replaced else None)

    async def deactivate(self, *, tg_user_id: int, membership_id: int) -> Deactivated:
        """The chair deactivates someone who left; they are told."""
        async with self.env.sessions() as session:
            m = await roster.deactivate(
                session,
                tg_user_id=tg_user_id,
                membership_id=membership_id,
                texts=self.texts,
                now=self.now(),
            )
            changed = self._changed(m)
            return Deactivated(changed, await _roster(session, tg_user_id))

    def _changed(self, m: Membership) -> MemberChanged:
        return MemberChanged(_row(m), m.person.tg_user_id, self.texts.locale(m.person.locale))

    async def departments(self, tg_user_id: int) -> DepartmentList:
        """The chair's list of departments."""
        async with self.env.sessions() as session:
            who = await roster.require_chair(session, tg_user_id)
            found = await departments.list_departments(session, org_id=who.org_id)
            assert who.membership is not None
            return DepartmentList(who.membership.org.name, _rows(found))

    async def department(self, *, tg_user_id: int, department_id: int) -> str:
        """The name of one department of the chair's organisation."""
        async with self.env.sessions() as session:
            names = await _department_names(session, tg_user_id)
        if department_id not in names:
            raise NotFound("errors.stale_button")
        return names[department_id]

    async def ask_department_name(
        self, *, tg_user_id: int, department_id: int | None
    ) -> str | None:
        """Wait for a new department's name (None) or a department's new name; its old name."""
        async with self.env.sessions() as session:
            names = await _department_names(session, tg_user_id)
            if department_id is not None and department_id not in names:
                raise NotFound("errors.stale_button")
            await conversations.put(
                session,
                chat_id=tg_user_id,
                user_id=tg_user_id,
                kind=Kind.DEPARTMENT,
                step="add" if department_id is None else "rename",
                data={"department_id": department_id} if department_id else {},
                now=self.now(),
            )
            await session.commit()
        return None if department_id is None else names[department_id]

    async def name_department(
        self, *, tg_user_id: int, text: str, department_id: int | None
    ) -> str:
        """The name the chair typed: a new department (None), or one renamed; ends the dialogue."""
        now = self.now()
        async with self.env.sessions() as session:
            if department_id is None:
                dept = await departments.add_department(
                    session, tg_user_id=tg_user_id, name=text, now=now
                )
            else:
                dept = await departments.rename_department(
                    session, tg_user_id=tg_user_id, department_id=department_id, name=text, now=now
                )
            await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id)
            await session.commit()
            return dept.name

    async def remove_department(self, *, tg_user_id: int, department_id: int) -> str:
        """Remove an empty department; its name."""
        async with self.env.sessions() as session:
            return await departments.remove_department(
                session, tg_user_id=tg_user_id, department_id=department_id, now=self.now()
            )


async def _roster(session: AsyncSession, tg_user_id: int) -> Roster:
    who = await roster.require_chair(session, tg_user_id)
    assert who.membership is not None
    everyone = await roster.list_members(session, org_id=who.membership.org_id)
    return Roster(who.membership.org.name, [_row(m) for m in everyone])


async def _department_names(session: AsyncSession, tg_user_id: int) -> dict[int, str]:
    who = await roster.require_chair(session, tg_user_id)
    return {d.id: d.name for d in await departments.list_departments(session, org_id=who.org_id)}
