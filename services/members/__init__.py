"""Staff joining, approval, roles and departments.

joining (a newcomer's name and department, the leaders' approval), roster (roles,
deactivation), departments, and cases (the use cases handlers call).
"""

from __future__ import annotations

from services.members.cases import Members
from services.members.departments import (
    DEPT_NAME_MAX,
    add_department,
    clean_department_name,
    list_departments,
    remove_department,
    rename_department,
)
from services.members.joining import (
    DepartmentChosen,
    JoinDecision,
    begin_join,
    choose_address,
    choose_department,
    decide_join,
    give_name,
    join_ref,
)
from services.members.roster import (
    deactivate,
    list_members,
    member_of_chair,
    require_chair,
    set_head,
    set_role,
)

__all__ = [
    "DEPT_NAME_MAX",
    "DepartmentChosen",
    "JoinDecision",
    "Members",
    "add_department",
    "begin_join",
    "choose_address",
    "choose_department",
    "clean_department_name",
    "deactivate",
    "decide_join",
    "give_name",
    "join_ref",
    "list_departments",
    "list_members",
    "member_of_chair",
    "remove_department",
    "rename_department",
    "require_chair",
    "set_head",
    "set_role",
]
