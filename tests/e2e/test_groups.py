"""Menus and group set-up (issue 17, items 1-4): every person and group sees the commands that
are theirs, and the way from the private chat to the council group and back is one tap."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from reports import charts
from services import orgs
from storage.db import SessionFactory
from tests.e2e.conftest import RunningBot, running_bot
from tests.e2e.helpers import Council, named
from tests.factories import CHAIR, VICE, make_school
from tgemu import EmuClient, Emulator
from ui.texts import Texts


def scope_of(call: dict[str, Any]) -> dict[str, Any]:
    """The `scope` a setMyCommands call was made with (default when absent)."""
    scope = call["params"].get("scope") or {"type": "default"}
    return json.loads(scope) if isinstance(scope, str) else dict(scope)


def names_of(call: dict[str, Any]) -> list[str]:
    """The command names a setMyCommands call set."""
    commands = call["params"]["commands"]
    commands = json.loads(commands) if isinstance(commands, str) else commands
    return [c["command"] for c in commands]


async def menus_for(client: EmuClient, chat_id: int) -> list[list[str]]:
    """The menus set for one chat's scope, oldest first."""
    return [
        names_of(c)
        for c in await client.calls(method="setMyCommands")
        if c["ok"] and scope_of(c).get("chat_id") == chat_id
    ]


async def test_an_approved_teacher_gets_the_menu_of_their_role_at_once(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    teacher = await client.user(2001, "Đức")
    await teacher.send(f"/start j_{school.invite_code}")
    pick = await named(teacher, "Bùi Văn Đức")
    await teacher.press(pick, "Tổ 2")
    notice = await chair.wait_message(contains="Bùi Văn Đức")
    assert await menus_for(client, 2001) == []
    await chair.press(notice, "✅ Duyệt")
    await teacher.wait_message(contains="đã được duyệt")
    menus = await menus_for(client, 2001)
    assert menus and "report" in menus[-1] and "mine" in menus[-1] and "campaigns" in menus[-1]
    assert "members" not in menus[-1]
    # The presser's own menu was not touched.
    assert all("report" not in m or "members" in m for m in await menus_for(client, CHAIR))


async def test_a_rejected_request_sets_no_menu(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    teacher = await client.user(2001, "Đức")
    await teacher.send(f"/start j_{school.invite_code}")
    pick = await named(teacher, "Bùi Văn Đức")
    await teacher.press(pick, "Tổ 2")
    notice = await chair.wait_message(contains="Bùi Văn Đức")
    await chair.press(notice, "✖️ Từ chối")
    await teacher.wait_message(contains="chưa được duyệt")
    assert await menus_for(client, 2001) == []


async def test_the_bound_council_group_has_its_own_menu_and_other_groups_only_help(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    group = await client.group("Hội đồng TĐKT", members=[chair])
    every_group = [
        names_of(c)
        for c in await client.calls(method="setMyCommands")
        if c["ok"] and scope_of(c)["type"] == "all_group_chats"
    ]
    assert every_group and all(names == ["help"] for names in every_group)
    assert await menus_for(client, group.id) == []
    await chair.send("/bind_council", chat=group)
    await chair.wait_message(group, contains="đã được gắn làm nhóm")
    menus = await menus_for(client, group.id)
    assert menus and all(m == ["help", "pending", "tally", "export", "stats"] for m in menus)
    # Both locales: the English one too.
    english = [
        c
        for c in await client.calls(method="setMyCommands")
        if c["ok"]
        and scope_of(c).get("chat_id") == group.id
        and c["params"].get("language_code") == "en"
    ]
    assert english
    # A group that becomes a supergroup keeps its menu.
    supergroup = await client.migrate(group)
    await chair.send("/help", chat=supergroup)
    await chair.wait_message(supergroup, contains="Nhóm này là nhóm")
    assert (
        await menus_for(client, supergroup.id)
        == [["help", "pending", "tally", "export", "stats"]] * 2
    )


async def test_a_council_group_bound_before_a_restart_gets_its_menu_at_start_up(
    emu: Emulator,
    client: EmuClient,
    db_url: str,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    await make_school(sessions, texts, now)
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=-100777, now=now)
    async with running_bot(emu, db_url):
        # The fixture hands the bot over once its sender exists; the menus follow at once.
        for _ in range(100):
            if len(menus := await menus_for(client, -100777)) >= 2:  # Vietnamese, English
                break
            await asyncio.sleep(0.05)
        assert menus == [["help", "pending", "tally", "export", "stats"]] * 2


async def test_the_chair_adds_the_bot_to_the_council_group_with_one_tap_and_is_told_how_to_bind(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, now: datetime
) -> None:
    async with sessions() as s:
        created = await orgs.create_org(s, name="Trường Tiểu học Thượng Thanh", now=now)
    chair = await client.user(CHAIR, "Hà", last_name="Trần")
    await chair.send(f"/start c_{created.chair_code}")
    await chair.wait_message(contains="Chủ tịch Hội đồng Thi đua – Khen thưởng")
    pick = await named(chair, "Trần Thị Thu Hà", "Cô")
    await chair.press(pick, "Tổ Văn phòng")
    done = await chair.wait_edit(pick, contains="/bind_council")
    assert done.buttons == [
        [("➕ Thêm bot vào nhóm Hội đồng", "https://t.me/thidua_test_bot?startgroup=council")]
    ]
    # The link adds the bot to a group; it says there how to bind it, once.
    group = await client.group("Hội đồng TĐKT", members=[chair])
    hint = await chair.wait_message(group, contains="/bind_council")
    assert "Chủ tịch Hội đồng" in hint.text
    await chair.send("/start@thidua_test_bot council", chat=group)
    await chair.send("/bind_council", chat=group)
    await chair.wait_message(group, contains="đã được gắn làm nhóm")
    texts = [m.text for m in await client.messages(group) if m.from_bot]
    assert len([t for t in texts if "gửi /bind_council" in t]) == 1
    assert not any("tin nhắn riêng" in t for t in texts)
    # Promoted to admin, the bot says nothing more; removed and added again, it says it again.
    await client.set_bot_status(group, "administrator")
    await client.kick_bot(group)
    await client.set_bot_status(group, "member")
    await chair.wait_message(group, contains="gửi /bind_council")
    texts = [m.text for m in await client.messages(group) if m.from_bot]
    assert len([t for t in texts if "gửi /bind_council" in t]) == 2


async def test_a_private_only_command_in_a_group_offers_a_button_to_the_private_chat(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    group = await client.group("Hội đồng TĐKT", members=[chair])
    for command in ("/start@thidua_test_bot", "/report@thidua_test_bot"):
        await chair.send(command, chat=group)
        answer = await chair.wait_message(group, contains="dùng lệnh này trong tin nhắn riêng")
        assert answer.buttons == [
            [("💬 Mở tin nhắn riêng với bot", "https://t.me/thidua_test_bot")]
        ]


async def test_stats_says_a_photo_is_coming_and_charts_the_school_year_so_far(
    council: Council, client: EmuClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[dict[str, Any]] = []
    original = charts.chart_png

    def spy(departments: Any, months: Any, **texts: str) -> bytes:
        drawn.append({"months": [m.label for m in months], **texts})
        return original(departments, months, **texts)

    monkeypatch.setattr(charts, "chart_png", spy)
    await council.member.send("/stats")
    chart = await council.member.wait_message(contains="Câu chuyện đã duyệt")
    assert chart.photo
    actions = [
        c["params"].get("action")
        for c in await client.calls(method="sendChatAction")
        if int(c["params"]["chat_id"]) == council.member.id
    ]
    assert actions == ["upload_photo"]
    [shown] = drawn
    assert shown["title"].startswith("Trường Tiểu học Thượng Thanh\nThi đua – năm học")
    assert (shown["stories"], shown["month"], shown["department"]) == (
        "Số câu chuyện",
        "Tháng",
        "Tổ",
    )
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert shown["months"][0] == "09/" + str(today.year if today.month >= 9 else today.year - 1)
    assert shown["months"][-1] == f"{today:%m/%Y}"  # no month to come
