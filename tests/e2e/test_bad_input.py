"""Unexpected input, end to end: every surprise gets a short, polite answer and changes nothing.

Each test checks both halves: what the user sees, and that the database (people, memberships,
dialogues, organisations, queued messages, audit) is exactly as it was before.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from services import members, orgs
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Conversation,
    Membership,
    MemberStatus,
    Org,
    OutboxMessage,
    Person,
    Role,
)
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import named
from tests.factories import (
    CHAIR,
    STRANGER,
    TEACHER,
    VICE,
    School,
    join,
    membership_of,
)
from tgemu import EmuClient
from tgemu.client import Msg, User
from ui.texts import Texts

BOT = "thidua_test_bot"
NEWCOMER = 2001


async def db_state(sessions: SessionFactory) -> dict[str, Any]:
    """Everything a refused input must leave alone (outbox rows without their delivery status)."""
    async with sessions() as s:
        people = (await s.scalars(select(Person))).all()
        rows = (await s.scalars(select(Membership))).all()
        convos = (await s.scalars(select(Conversation))).all()
        org_rows = (await s.scalars(select(Org))).all()
        outbox = (await s.scalars(select(OutboxMessage))).all()
        audit = await s.scalar(select(func.count()).select_from(AuditEntry))
    return {
        "people": sorted((p.tg_user_id, p.full_name, p.locale, p.current_org_id) for p in people),
        "memberships": sorted(
            (m.id, m.person_id, str(m.role), str(m.status), m.department_id, m.decided_by)
            for m in rows
        ),
        "conversations": sorted(
            (c.chat_id, c.user_id, c.kind, c.step, json.dumps(c.data, sort_keys=True))
            for c in convos
        ),
        "orgs": sorted((o.id, o.invite_code, o.chair_code, o.council_chat_id) for o in org_rows),
        "outbox": sorted((o.id, o.chat_id, o.method, json.dumps(o.payload)) for o in outbox),
        "audit": audit,
    }


async def start_joining(
    sessions: SessionFactory, school: School, tg_user_id: int, now: datetime
) -> None:
    """Put a newcomer where the join dialogue waits for their name (as /start j_… does)."""
    async with sessions() as s:
        await members.begin_join(
            s, code=school.invite_code, tg_user_id=tg_user_id, display_name="Đức", now=now
        )


async def conversation_of(sessions: SessionFactory, tg_user_id: int) -> Conversation | None:
    """The durable dialogue of a user in their private chat."""
    async with sessions() as s:
        return await s.scalar(
            select(Conversation).where(
                Conversation.chat_id == tg_user_id, Conversation.user_id == tg_user_id
            )
        )


async def planted(bot: RunningBot, user: User, *datas: str) -> Msg:
    """A bot message in `user`'s chat whose buttons carry `datas` exactly as a forged client
    (or a message from an older bot version) would send them back.

    The emulator only presses buttons a message really has, so forged data is planted in a
    message the bot sends through its own API; the press that follows is a real callback query.
    """
    marker = f"buttons {len(datas)}: {datas[0][:20]}"
    await bot.app.bot.send_message(
        user.id,
        marker,
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(f"#{i}", callback_data=d)] for i, d in enumerate(datas)]
        ),
    )
    return await user.wait_message(contains=marker)


def data_of(message: Msg, label: str) -> str:
    """The callback data behind the button labelled `label`."""
    return next(data for row in message.buttons for text, data in row if text == label)


def assert_short(message: Msg) -> None:
    """A refusal is a line or two, not a wall of text."""
    assert len(message.text) <= 200, message.text


async def test_stickers_voice_and_documents_get_a_polite_answer_while_the_name_is_awaited(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    sticker, voice, document = [
        await client.user(NEWCOMER + i, f"Người {i}", started=True) for i in range(3)
    ]
    for user in (sticker, voice, document):
        await start_joining(sessions, school, user.id, now)
    before = await db_state(sessions)

    await sticker.send_sticker()
    await voice.send_voice()
    await document.send_document(b"%PDF-1.4 don xin", filename="don.pdf")
    for user in (sticker, voice, document):
        answer = await user.wait_message(contains="bot chỉ nhận tin nhắn chữ")
        assert answer.text.startswith("Xin lỗi Thầy/Cô")
        assert_short(answer)

    assert await db_state(sessions) == before
    convo = await conversation_of(sessions, document.id)
    assert convo is not None and (convo.kind, convo.step) == ("join", "name")


async def test_a_forwarded_text_is_not_taken_as_the_name_the_join_dialogue_waits_for(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    newcomer = await client.user(NEWCOMER, "Đức", started=True)
    someone = await client.user(2999, "Khác")
    await start_joining(sessions, school, NEWCOMER, now)
    before = await db_state(sessions)

    await newcomer.forward("Nguyễn Văn Khác", from_user=someone)
    answer = await newcomer.wait_message(contains="không xử lý tin nhắn chuyển tiếp")
    assert "Thầy/Cô vui lòng tự gõ" in answer.text
    assert_short(answer)

    assert await db_state(sessions) == before
    convo = await conversation_of(sessions, newcomer.id)
    assert convo is not None and convo.step == "name" and "name" not in convo.data
    assert [m.text for m in await client.messages(newcomer) if m.from_bot] == [answer.text]

    # Outside any dialogue too (here from a user who hides their account).
    teacher = await client.user(TEACHER, "Mai", started=True)
    await teacher.forward("/members")
    await teacher.wait_message(contains="không xử lý tin nhắn chuyển tiếp")
    assert await db_state(sessions) == before


async def test_an_unknown_command_in_private_gets_a_polite_answer_and_changes_nothing(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    teacher = await client.user(TEACHER, "Mai", started=True)
    before = await db_state(sessions)
    await teacher.send("/foo bar")
    answer = await teacher.wait_message(contains="bot chưa hiểu lệnh này")
    assert "/help" in answer.text
    assert_short(answer)
    assert await db_state(sessions) == before


async def test_in_a_group_only_an_unknown_command_addressed_to_this_bot_gets_an_answer(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    teacher = await client.user(TEACHER, "Mai", started=True)
    group = await client.group("Tổ 1", members=[chair, teacher])
    hint = await chair.wait_message(group, contains="/bind_council")  # the bot was added
    before = await db_state(sessions)

    await teacher.send("/foo", chat=group)  # may be meant for another bot: silence
    await teacher.send(f"/foo@{BOT}", chat=group)
    answer = await teacher.wait_message(group, contains="bot chưa hiểu lệnh này")

    from_bot = [m for m in await client.messages(group) if m.from_bot]
    assert [m.message_id for m in from_bot] == [hint.message_id, answer.message_id]
    assert await db_state(sessions) == before


async def test_a_command_sent_in_the_wrong_kind_of_chat_gets_told_where_it_works(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    teacher = await client.user(TEACHER, "Mai", started=True)
    group = await client.group("Hội đồng TĐKT", members=[chair, teacher])
    hint = await chair.wait_message(group, contains="/bind_council")  # the bot was added
    before = await db_state(sessions)

    await chair.send("/bind_council")  # as listed in /help, but tapped in the private chat
    answer = await chair.wait_message(contains="Lệnh này cần gửi trong nhóm Hội đồng")
    assert_short(answer)
    await chair.send("/members", chat=group)  # may be meant for another bot: silence
    await chair.send(f"/members@{BOT}", chat=group)
    answer = await chair.wait_message(group, contains="dùng lệnh này trong tin nhắn riêng")
    assert answer.text.startswith("Thầy/Cô vui lòng")

    from_bot = [m.message_id for m in await client.messages(group) if m.from_bot]
    assert from_bot == [hint.message_id, answer.message_id]
    assert await db_state(sessions) == before


async def test_a_join_request_pressed_twice_is_decided_once_and_the_second_press_gets_an_alert(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    newcomer = await client.user(NEWCOMER, "Đức", started=True)
    membership_id = await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=NEWCOMER,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    notice = await chair.wait_message(contains="Yêu cầu sử dụng bot")

    # A double tap: both presses reach the bot before the buttons disappear.
    answers = await asyncio.gather(chair.press(notice, "✅ Duyệt"), chair.press(notice, "✅ Duyệt"))
    toasts = sorted((a.show_alert, a.text) for a in answers if a is not None)
    assert toasts == [
        (False, "Đã duyệt."),
        (True, "Yêu cầu của Bùi Văn Đức đã được xử lý trước đó."),
    ]

    await newcomer.wait_message(contains="đã được duyệt")
    member = await membership_of(sessions, NEWCOMER)
    assert member is not None and member.id == membership_id
    assert member.status == MemberStatus.ACTIVE
    async with sessions() as s:
        decisions = await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.target == f"membership:{membership_id}")
            .where(AuditEntry.action.in_(["member.approve", "member.reject"]))
        )
        told = await s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == NEWCOMER)
        )
    assert (decisions, told) == (1, 1)


async def test_a_department_button_on_an_old_message_after_the_request_was_sent_is_refused(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    newcomer = await client.user(NEWCOMER, "Đức", started=True)
    await start_joining(sessions, school, NEWCOMER, now)
    old = await named(newcomer, "Bùi Văn Đức")
    await newcomer.send("Bùi Văn Đức")  # asked again: a second picker
    picker = await newcomer.wait_message(contains="thuộc tổ nào")
    await newcomer.press(picker, "Tổ 2")
    await newcomer.wait_edit(picker, contains="Đã gửi yêu cầu")
    await chair.wait_message(contains="Yêu cầu sử dụng bot")
    before = await db_state(sessions)

    answer = await newcomer.press(old, "Tổ 3")
    assert answer is not None and answer.show_alert
    assert answer.text == "Nút này đã cũ, không còn dùng được."

    assert await db_state(sessions) == before
    member = await membership_of(sessions, NEWCOMER)
    assert member is not None and member.department_id == school.departments["Tổ 2"]


async def test_tampered_button_data_gets_an_alert_and_changes_nothing(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    forged = {
        "garbage": "Nút không hợp lệ.",
        "v1:ja:999:1": "Nút này đã cũ, không còn dùng được.",  # no such request
        "v1:m:999": "Nút này đã cũ, không còn dùng được.",  # no such member
        "v1:ja:abc:1": "Nút không hợp lệ.",  # a known kind with a malformed id
        "v1:ja:1:2": "Nút không hợp lệ.",
        "v1:lang:fr": "Nút không hợp lệ.",
        "v1:mr:1:king": "Nút không hợp lệ.",
        "v1:ja:99999999999:1": "Nút không hợp lệ.",  # beyond any database id
        "v2:ja:1:1": "Nút không hợp lệ.",
    }
    message = await planted(bot, chair, *forged)
    before = await db_state(sessions)

    for data, expected in forged.items():
        answer = await chair.press(message, callback_data=data)
        assert answer is not None and (answer.show_alert, answer.text) == (True, expected), data

    assert await db_state(sessions) == before
    assert [m.message_id for m in await client.messages(chair) if m.from_bot] == [
        message.message_id
    ]


async def test_dead_deep_links_are_refused_politely_and_create_nothing(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    async with sessions() as s:
        await orgs.invite(s, tg_user_id=CHAIR, rotate=True, now=now)
    rotated, chair_link, junk = [await client.user(NEWCOMER + i, f"Người {i}") for i in range(3)]
    before = await db_state(sessions)

    await rotated.send(f"/start j_{school.invite_code}")
    await chair_link.send("/start c_AAAAAAAAAAAA")
    await junk.send("/start xyz")
    for user in (rotated, junk):
        answer = await user.wait_message(contains="Đường link mời này không còn hiệu lực")
        assert "xin nhà trường đường link mới" in answer.text
    answer = await chair_link.wait_message(contains="nhận vai trò Chủ tịch này không còn hiệu lực")
    assert_short(answer)

    assert await db_state(sessions) == before


async def test_a_stranger_is_told_the_bot_is_for_staff_and_nothing_is_recorded(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chatty = await client.user(STRANGER, "Lạ")
    curious = await client.user(STRANGER + 1, "Tò mò")
    before = await db_state(sessions)

    await chatty.send("Cho tôi xem danh sách khen thưởng")
    await curious.send("/members")
    welcome = await chatty.wait_message(contains="Bot chỉ dành cho cán bộ, giáo viên")
    assert "đường link mời" in welcome.text
    refusal = await curious.wait_message(contains="chưa là thành viên đang hoạt động")
    assert_short(refusal)

    assert await db_state(sessions) == before


async def test_a_deactivated_vice_chair_is_told_so_and_their_old_approve_button_does_nothing(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    await client.user(CHAIR, "Hà", started=True)
    vice = await client.user(VICE, "Tuấn", started=True)
    await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=NEWCOMER,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    notice = await vice.wait_message(contains="Yêu cầu sử dụng bot")
    vice_membership = await membership_of(sessions, VICE)
    assert vice_membership is not None
    async with sessions() as s:
        await members.deactivate(
            s, tg_user_id=CHAIR, membership_id=vice_membership.id, texts=texts, now=now
        )
    await vice.wait_message(contains="đã khóa tài khoản của Thầy/Cô")
    before = await db_state(sessions)

    answer = await vice.press(notice, "✅ Duyệt")
    assert answer is not None and answer.show_alert
    assert "tại trường đã bị khóa" in (answer.text or "")
    await vice.send("/invite")
    refusal = await vice.wait_message(contains="tại trường đã bị khóa")
    assert "liên hệ Chủ tịch Hội đồng" in refusal.text

    assert await db_state(sessions) == before
    newcomer = await membership_of(sessions, NEWCOMER)
    assert newcomer is not None and newcomer.status == MemberStatus.PENDING


async def test_a_teacher_asking_for_the_member_list_is_told_it_is_for_the_chair(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    teacher = await client.user(TEACHER, "Mai", started=True)
    before = await db_state(sessions)
    await teacher.send("/members")
    refusal = await teacher.wait_message(contains="chức năng này chỉ dành cho Chủ tịch")
    assert refusal.text.startswith("Xin lỗi")
    assert_short(refusal)
    assert await db_state(sessions) == before


async def test_a_vice_chair_pressing_a_role_button_copied_from_the_chair_changes_nothing(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    vice = await client.user(VICE, "Tuấn", started=True)
    await client.user(TEACHER, "Mai", started=True)
    await chair.send("/members")
    listing = await chair.wait_message(contains="Thành viên")
    mai = next(label for label in listing.button_texts if label.startswith("Vũ Thị Mai"))
    await chair.press(listing, mai)
    card = await chair.wait_edit(listing, contains="Vũ Thị Mai")
    crafted = await planted(bot, vice, data_of(card, "Ủy viên"))
    menus_before = len(await client.calls(method="setMyCommands"))
    before = await db_state(sessions)

    answer = await vice.press(crafted, callback_data=data_of(card, "Ủy viên"))
    assert answer is not None and answer.show_alert
    assert answer.text == "Xin lỗi, chức năng này chỉ dành cho Chủ tịch."

    assert await db_state(sessions) == before
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None and teacher.role == Role.STAFF
    assert len(await client.calls(method="setMyCommands")) == menus_before


async def test_group_members_who_are_not_the_chair_cannot_bind_the_council_group(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    teacher = await client.user(TEACHER, "Mai", started=True)
    stranger = await client.user(STRANGER, "Lạ")
    group = await client.group("Hội đồng TĐKT", members=[chair, teacher, stranger])
    before = await db_state(sessions)

    await teacher.send("/bind_council", chat=group)
    await chair.wait_message(group, contains="chỉ Chủ tịch Hội đồng mới làm được")
    await stranger.send(f"/bind_council@{BOT}", chat=group)
    await chair.wait_message(group, contains="chỉ Chủ tịch Hội đồng mới làm được")

    assert await db_state(sessions) == before


async def test_cancel_in_the_middle_of_joining_ends_only_the_dialogue(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    newcomer = await client.user(NEWCOMER, "Đức", started=True)
    await start_joining(sessions, school, NEWCOMER, now)
    before = await db_state(sessions)

    await newcomer.send("/cancel")
    answer = await newcomer.wait_message(contains="Đã hủy")
    assert_short(answer)

    after = await db_state(sessions)
    assert after == {**before, "conversations": []}
    assert await membership_of(sessions, NEWCOMER) is None


async def test_cancel_with_nothing_in_progress_says_so_and_changes_nothing(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    teacher = await client.user(TEACHER, "Mai", started=True)
    before = await db_state(sessions)
    await teacher.send("/cancel")
    await teacher.wait_message(contains="Không có thao tác nào đang làm dở")
    assert await db_state(sessions) == before


async def test_a_name_with_html_shows_exactly_as_typed_to_the_chair_in_the_list_and_on_the_card(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    newcomer = await client.user(NEWCOMER, "Đức", started=True)
    name = "Bùi <b>Văn</b> & <script>alert(1)</script> Đức"
    await start_joining(sessions, school, NEWCOMER, now)
    await newcomer.send(name)
    asked = await newcomer.wait_message(contains="là Thầy hay Cô")
    assert f"Bot nên gọi {name} là Thầy hay Cô?" in asked.text
    await newcomer.press(asked, "Thầy")
    picker = await newcomer.wait_edit(asked, contains="thuộc tổ nào")
    assert picker.text.startswith("Cảm ơn thầy Đức.")
    await newcomer.press(picker, "Tổ 2")

    notice = await chair.wait_message(contains="Yêu cầu sử dụng bot")
    assert f"Họ và tên: {name}\n" in notice.text
    await chair.press(notice, "✅ Duyệt")
    await chair.wait_edit(notice, contains=f"của {name} (Tổ 2)")
    await chair.send("/members")
    listing = await chair.wait_message(contains="Thành viên")
    assert f"{name} · CB-GV-NV · Tổ 2" in listing.button_texts
    await chair.press(listing, f"{name} · CB-GV-NV · Tổ 2")
    card = await chair.wait_edit(listing, contains="Vai trò")
    assert card.text.startswith(f"{name}\n")
    toast = await chair.press(card, "Ủy viên")
    assert toast is not None and toast.text == f"Đã cập nhật vai trò của {name}."


async def test_after_lang_en_refusals_come_in_english(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    teacher = await client.user(TEACHER, "Mai", started=True)
    forged = await planted(bot, teacher, "garbage", "v1:m:1")
    await teacher.send("/lang en")
    await teacher.wait_message(contains="Switched to English")
    before = await db_state(sessions)

    answer = await teacher.press(forged, callback_data="garbage")
    assert answer is not None and (answer.show_alert, answer.text) == (True, "Invalid button.")
    answer = await teacher.press(forged, callback_data="v1:m:1")  # the chair's member card
    assert answer is not None and answer.show_alert
    assert answer.text == "Sorry, this is only for the chair."
    await teacher.send_sticker()
    media = await teacher.wait_message(contains="I cannot read this kind of message")
    assert media.text.startswith("Sorry")

    assert await db_state(sessions) == before
