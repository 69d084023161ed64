"""The foundation journey, end to end: the real bot over HTTP against the Bot API emulator."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from services import orgs
from storage.db import SessionFactory
from storage.models import AuditEntry, MemberStatus, Org, Role
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import named
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, make_school, membership_of
from tgemu import EmuClient
from ui.texts import Texts


def scope_of(call: dict[str, Any]) -> dict[str, Any]:
    """The `scope` a setMyCommands call was made with (default when absent)."""
    scope = call["params"].get("scope") or {"type": "default"}
    return json.loads(scope) if isinstance(scope, str) else dict(scope)


async def test_the_chair_claims_the_school_through_the_one_time_link(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, now: datetime
) -> None:
    async with sessions() as s:
        created = await orgs.create_org(s, name="Trường Tiểu học Thượng Thanh", now=now)
    chair = await client.user(CHAIR, "Hà", last_name="Trần")
    await chair.send(f"/start c_{created.chair_code}")
    await chair.wait_message(contains="Chủ tịch Hội đồng Thi đua – Khen thưởng")
    await chair.send("Trần Thị Thu Hà")
    asked = await chair.wait_message(contains="Bot nên gọi Trần Thị Thu Hà là Thầy hay Cô?")
    assert asked.button_texts == ["Thầy", "Cô"]  # issue 17, item 32: asked at joining
    await chair.press(asked, "Cô")
    pick = await chair.wait_edit(asked, contains="Cảm ơn cô Hà. Cô thuộc tổ nào?")
    assert "Tổ Văn phòng" in pick.button_texts and "Tổ 1" in pick.button_texts
    await chair.press(pick, "Tổ Văn phòng")
    done = await chair.wait_edit(pick, contains="Đã cập nhật thông tin")
    assert f"https://t.me/thidua_test_bot?start=j_{created.invite_code}" in done.text

    # The link was spent: someone else opening it gets a polite refusal and no role.
    other = await client.user(5555, "Lạ")
    await other.send(f"/start c_{created.chair_code}")
    await other.wait_message(contains="không còn hiệu lực")
    assert await membership_of(sessions, 5555) is None
    member = await membership_of(sessions, CHAIR)
    assert member is not None and member.role == Role.CHAIR


async def test_a_teacher_joins_and_a_leader_approves_with_one_tap(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    vice = await client.user(VICE, "Tuấn", started=True)
    teacher = await client.user(2001, "Đức")

    await teacher.send(f"/start j_{school.invite_code}")
    await teacher.wait_message(contains="họ và tên đầy đủ")
    await teacher.send("Bùi <b>Văn</b> & Đức")
    asked = await teacher.wait_message(contains="Bùi <b>Văn</b> & Đức")
    await teacher.press(asked, "Thầy")
    pick = await teacher.wait_edit(asked, contains="Cảm ơn thầy Đức. Thầy thuộc tổ nào?")
    await teacher.press(pick, "Tổ 2")
    await teacher.wait_edit(pick, contains="Đã gửi yêu cầu")

    notice = await chair.wait_message(contains="Yêu cầu sử dụng bot")
    assert "Họ và tên: Bùi <b>Văn</b> & Đức" in notice.text  # shown exactly as typed
    assert notice.button_texts == ["✅ Duyệt", "✖️ Từ chối"]
    vice_notice = await vice.wait_message(contains="Yêu cầu sử dụng bot")

    answer = await chair.press(notice, "✅ Duyệt")
    assert answer is not None and answer.text == "Đã duyệt."
    await teacher.wait_message(contains="đã được duyệt")
    # Both leaders' copies now show the outcome and no buttons.
    decided = await vice.wait_edit(vice_notice, contains="Trần Thị Thu Hà đã duyệt")
    assert decided.buttons == []
    await chair.wait_edit(notice, contains="đã duyệt")
    member = await membership_of(sessions, 2001)
    assert member is not None and member.status == MemberStatus.ACTIVE
    async with sessions() as s:
        audit = await s.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "member.approve",
                AuditEntry.target == f"membership:{member.id}",
            )
        )
    assert audit is not None


async def test_a_forwarded_invite_does_not_make_a_stranger_staff(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    parent = await client.user(7001, "Phụ huynh")
    await parent.send(f"/start j_{school.invite_code}")
    pick = await named(parent, "Nguyễn Văn Phụ Huynh")
    await parent.press(pick, "Tổ 3")
    notice = await chair.wait_message(contains="Nguyễn Văn Phụ Huynh")
    await parent.send("/members")
    await parent.wait_message(contains="chưa là thành viên đang hoạt động")
    await chair.press(notice, "✖️ Từ chối")
    await parent.wait_message(contains="chưa được duyệt")
    member = await membership_of(sessions, 7001)
    assert member is not None and member.status == MemberStatus.REJECTED


async def test_only_the_chair_binds_the_council_group_and_it_survives_a_supergroup_upgrade(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    council = await client.user(COUNCIL, "Lan", started=True)
    group = await client.group("Hội đồng TĐKT", members=[chair, council])
    await council.send("/bind_council", chat=group)
    await council.wait_message(group, contains="chỉ Chủ tịch Hội đồng")
    await chair.send("/bind_council", chat=group)
    await chair.wait_message(group, contains="đã được gắn làm nhóm")
    supergroup = await client.migrate(group)
    await chair.send("/help", chat=supergroup)
    await chair.wait_message(supergroup, contains="Nhóm này là nhóm")
    async with sessions() as s:
        org = await s.scalar(select(Org))
    assert org is not None and org.council_chat_id == supergroup.id


async def test_the_chair_sets_roles_and_deactivates_someone_who_left(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    teacher = await client.user(TEACHER, "Mai", started=True)
    await chair.send("/members")
    listing = await chair.wait_message(contains="Thành viên Trường Tiểu học Thượng Thanh")
    assert [b.split(" · ")[0] for b in listing.button_texts] == [
        "Trần Thị Thu Hà",
        "Phạm Thị Lan",
        "Vũ Thị Mai",
        "Lê Minh Tuấn",
    ]
    mai = next(b for b in listing.button_texts if b.startswith("Vũ Thị Mai"))
    await chair.press(listing, mai)
    card = await chair.wait_edit(listing, contains="Vai trò: Cán bộ, giáo viên")
    await chair.press(card, "Ủy viên")
    await chair.wait_edit(card, contains="Vai trò: Ủy viên Hội đồng")
    await teacher.wait_message(contains="Ủy viên Hội đồng")
    menus = await client.calls(method="setMyCommands")
    assert any(scope_of(c).get("chat_id") == TEACHER for c in menus)

    card = (await client.messages(chair))[-1]
    await chair.press(card, "Khóa tài khoản")
    await teacher.wait_message(contains="đã khóa tài khoản của Thầy/Cô")
    await teacher.send("xin chào")
    await teacher.wait_message(contains="tại trường đã bị khóa")
    member = await membership_of(sessions, TEACHER)
    assert member is not None and member.status == MemberStatus.LEFT


async def test_the_chair_edits_departments(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now, staff=False)
    chair = await client.user(CHAIR, "Hà", started=True)
    await chair.send("/departments")
    listing = await chair.wait_message(contains="Các tổ của")
    await chair.press(listing, "➕ Thêm tổ")
    await chair.wait_edit(listing, contains="gửi tên tổ mới")
    await chair.send("Tổ <i>Tiếng Anh</i>")
    await chair.wait_message(contains="Đã thêm tổ Tổ <i>Tiếng Anh</i>")
    await chair.send("/departments")
    listing = await chair.wait_message(contains="Tổ <i>Tiếng Anh</i>")
    await chair.press(listing, "Tổ <i>Tiếng Anh</i>")
    card = await chair.wait_edit(listing, contains="Chọn việc cần làm")
    await chair.press(card, "Xóa")
    await chair.wait_edit(card, contains="Đã xóa tổ")
    await chair.send("/departments")
    listing = await chair.wait_message(contains="Các tổ của")
    await chair.press(listing, "Tổ Văn phòng")
    card = await chair.wait_edit(listing, contains="Chọn việc cần làm")
    answer = await chair.press(card, "Xóa")
    assert answer is not None and answer.show_alert and "chưa thể xóa" in (answer.text or "")


async def test_help_and_menus_follow_the_role_and_language(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    teacher = await client.user(TEACHER, "Mai", started=True)
    await chair.send("/help")
    chair_help = await chair.wait_message(contains="/members")
    assert "/invite" in chair_help.text
    await teacher.send("/help")
    teacher_help = await teacher.wait_message(contains="/help")
    assert "/members" not in teacher_help.text

    async def teacher_menus() -> list[str]:
        calls = await client.calls(method="setMyCommands")
        return [
            str(c["params"]["commands"])
            for c in calls
            if c["ok"] and scope_of(c).get("chat_id") == TEACHER
        ]

    menus_before = await teacher_menus()
    # Choosing Vietnamese, the language already in effect, leaves the menu as it is.
    await teacher.send("/lang vi")
    await teacher.wait_message(contains="Đã chuyển sang Tiếng Việt")
    assert await teacher_menus() == menus_before
    await teacher.send("/lang en")
    await teacher.wait_message(contains="Switched to English")
    menus = await teacher_menus()
    assert len(menus) == len(menus_before) + 1 and "My stories" in menus[-1]
    await teacher.send("/help")
    await teacher.wait_message(contains="Emulation & Commendation bot")
    default_menus = [c for c in await client.calls(method="setMyCommands") if c["ok"]]
    scopes = {scope_of(c)["type"] for c in default_menus}
    assert {"default", "all_group_chats", "chat"} <= scopes


async def test_the_chair_rotates_the_invite_code_and_the_old_link_stops_working(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    vice = await client.user(VICE, "Tuấn", started=True)
    await vice.send("/invite")
    link = await vice.wait_message(contains=f"j_{school.invite_code}")
    refused = await vice.press(link, "🔄 Đổi mã mời")
    assert refused is not None and refused.show_alert and "Chủ tịch" in (refused.text or "")
    await chair.send("/invite")
    link = await chair.wait_message(contains=f"j_{school.invite_code}")
    await chair.press(link, "🔄 Đổi mã mời")
    rotated = await chair.wait_edit(link, contains="j_")
    assert f"j_{school.invite_code}" not in rotated.text
    latecomer = await client.user(2002, "Muộn")
    await latecomer.send(f"/start j_{school.invite_code}")
    await latecomer.wait_message(contains="không còn hiệu lực")
