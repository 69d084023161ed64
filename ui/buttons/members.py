"""Joining, members, departments and the invite link."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Address, Role
from ui.buttons.base import Button


@dataclass(frozen=True)
class AddressPicked(Button, kind="jt"):
    """Join (or the chair's profile): how the school addresses the newcomer, Thầy or Cô."""

    address: Address


@dataclass(frozen=True)
class DepartmentPicked(Button, kind="jd"):
    """Join (or the chair's profile): the newcomer's department picked."""

    department_id: int


@dataclass(frozen=True)
class JoinDecided(Button, kind="ja"):
    """A join request approved (True) or rejected (False) by a leader."""

    membership_id: int
    approve: bool


@dataclass(frozen=True)
class MembersPage(Button, kind="ml"):
    """A page of the chair's member list."""

    page: int


@dataclass(frozen=True)
class MemberCard(Button, kind="m"):
    """One member's card."""

    membership_id: int


@dataclass(frozen=True)
class MemberRole(Button, kind="mr"):
    """Give a member another role."""

    membership_id: int
    role: Role


@dataclass(frozen=True)
class MemberHead(Button, kind="hm"):
    """Make a member the head (tổ trưởng) of their department (True), or no longer (False)."""

    membership_id: int
    heads: bool


@dataclass(frozen=True)
class MemberDeactivate(Button, kind="mx"):
    """Deactivate a member who left."""

    membership_id: int


@dataclass(frozen=True)
class DepartmentList(Button, kind="dl"):
    """Back to the department list."""


@dataclass(frozen=True)
class DepartmentCard(Button, kind="d"):
    """One department's card: rename or remove."""

    department_id: int


@dataclass(frozen=True)
class DepartmentAdd(Button, kind="da"):
    """Add a department (asks its name)."""


@dataclass(frozen=True)
class DepartmentRename(Button, kind="dr"):
    """Rename a department (asks the new name)."""

    department_id: int


@dataclass(frozen=True)
class DepartmentRemove(Button, kind="dx"):
    """Remove an empty department."""

    department_id: int


@dataclass(frozen=True)
class InviteRotate(Button, kind="ir"):
    """The chair replaces the staff invite code."""
