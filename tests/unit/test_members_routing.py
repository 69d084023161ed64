"""The members and publishing buttons: the data of the old buttons, routed to their handlers."""

from __future__ import annotations

import pytest
from telegram.ext import Application, CallbackQueryHandler

from handlers import admin, common, join, publishing, register
from handlers.base import Handler
from storage.models import Role
from ui.buttons import Button
from ui.buttons.members import (
    DepartmentAdd,
    DepartmentCard,
    DepartmentList,
    DepartmentPicked,
    DepartmentRemove,
    DepartmentRename,
    InviteRotate,
    JoinDecided,
    MemberCard,
    MemberDeactivate,
    MemberRole,
    MembersPage,
)
from ui.buttons.publishing import PublishStory

# (button, the data the untyped kinds packed: buttons already in chats must keep working, handler)
CASES: list[tuple[Button, str, Handler]] = [
    (DepartmentPicked(7), "v1:jd:7", join.on_department_pick),
    (JoinDecided(12, approve=True), "v1:ja:12:1", join.on_join_decision),
    (JoinDecided(12, approve=False), "v1:ja:12:0", join.on_join_decision),
    (MembersPage(2), "v1:ml:2", admin.on_members_page),
    (MemberCard(5), "v1:m:5", admin.on_member),
    (MemberRole(5, Role.VICE_CHAIR), "v1:mr:5:vice_chair", admin.on_member_role),
    (MemberDeactivate(5), "v1:mx:5", admin.on_member_deactivate),
    (DepartmentList(), "v1:dl", admin.on_departments),
    (DepartmentCard(3), "v1:d:3", admin.on_department),
    (DepartmentAdd(), "v1:da", admin.on_department_add),
    (DepartmentRename(3), "v1:dr:3", admin.on_department_rename),
    (DepartmentRemove(3), "v1:dx:3", admin.on_department_remove),
    (InviteRotate(), "v1:ir", admin.on_invite_rotate),
    (PublishStory(9), "v1:sp:9", publishing.on_publish),
]


def _routed(data: str) -> object:
    app = Application.builder().token("1:x").build()
    register(app)
    for handler in app.handlers[0]:
        if isinstance(handler, CallbackQueryHandler):
            pattern = handler.pattern
            if pattern is None or (callable(pattern) and pattern(data)):
                return handler.callback
    raise AssertionError(data)


@pytest.mark.parametrize(("button", "data", "handler"), CASES, ids=[c[1] for c in CASES])
def test_each_kind_packs_as_before_and_reaches_its_handler(
    button: Button, data: str, handler: Handler
) -> None:
    assert button.pack() == data
    assert _routed(data) is handler


@pytest.mark.parametrize("data", ["v1:m:x", "v1:mr:5:king", "v1:dl:1", "v1:ja:1", "v1:ir:"])
def test_malformed_data_of_these_kinds_falls_through_to_the_refusal(data: str) -> None:
    assert _routed(data) is common.bad_button
