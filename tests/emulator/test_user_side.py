"""The user side: long polling, privacy mode, buttons, migration, waiting helpers."""

from __future__ import annotations

import asyncio
import time
from unittest.mock import ANY

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, ChatMigrated, Conflict
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tgemu import CallbackAnswer, EmuClient, EmuError, Emulator

from .conftest import TOKEN


async def texts_of(updates: tuple[Update, ...]) -> list[str | None]:
    """The message texts in a batch of updates."""
    return [u.message.text if u.message else None for u in updates]


async def test_long_polling_and_offset(client: EmuClient, bot: Bot) -> None:
    alice = await client.user(1001, "Thu Hà", last_name="Trần", language_code="vi")
    assert await bot.get_updates(timeout=0) == ()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await alice.send("/start c_abc123")
    updates = await poll
    assert time.monotonic() - started < 1
    msg = updates[0].message
    assert msg and msg.text == "/start c_abc123" and msg.chat.type == "private"
    assert msg.from_user and msg.from_user.language_code == "vi"
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [("bot_command", 0, 6)]
    again = await bot.get_updates(timeout=0)  # not confirmed yet: still there
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    await bot.send_message(alice.id, "Chào cô")  # the user started the bot by writing


async def test_privacy_mode(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    alice, bob = await client.user(1001, "Alice"), await client.user(1002, "Bob")
    group = await client.group("Hội đồng TĐKT", members=[alice, bob], bot_is_admin=False)
    joined = await bot.get_updates(timeout=0)
    assert joined[0].my_chat_member and joined[0].my_chat_member.new_chat_member.status == "member"
    assert joined[1].message and joined[1].message.new_chat_members[0].id == bot.id
    offset = joined[-1].update_id + 1
    await bob.send("xin chào mọi người", chat=group)
    await bob.send("/bind_council@other_bot", chat=group)
    await bob.send("/bind_council@thidua_test_bot", chat=group)
    await bob.send("/help", chat=group)
    await alice.send("nhờ @thidua_test_bot xem giúp", chat=group)
    bot_msg = await bot.send_message(group.id, "Chọn tổ")
    plain = await alice.send("trả lời thường", chat=group)
    await alice.send("lý do: thiếu minh chứng", chat=group, reply_to=bot_msg.message_id)
    await alice.send("trả lời người", chat=group, reply_to=plain)
    got = await texts_of(await bot.get_updates(offset=offset, timeout=0))
    assert got == [
        "/bind_council@thidua_test_bot",
        "/help",
        "nhờ @thidua_test_bot xem giúp",
        "lý do: thiếu minh chứng",
    ]
    assert len(await group.messages()) == 10  # everyone sees every message
    admin_group = await client.group("BGH", members=[alice], bot_is_admin=True)
    last = (await bot.get_updates(offset=offset, timeout=0))[-1].update_id
    await alice.send("tin thường", chat=admin_group)
    assert await texts_of(await bot.get_updates(offset=last + 1, timeout=0)) == ["tin thường"]


async def test_press_button(client: EmuClient, bot: Bot) -> None:
    alice = await client.user(1001, "Alice")
    await alice.send("/start")
    first = (await bot.get_updates(timeout=0))[-1].update_id
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tổ 1", callback_data="v1:team:1")]])
    await bot.send_message(alice.id, "Bạn thuộc tổ nào?", reply_markup=markup)
    question = await alice.wait_message(contains="tổ nào", timeout=2)
    press = asyncio.create_task(alice.press(question, "Tổ 1", timeout=3))
    updates = await bot.get_updates(offset=first + 1, timeout=3)
    query = updates[0].callback_query
    assert query and query.data == "v1:team:1" and query.chat_instance
    assert query.message and query.message.message_id == question.message_id
    assert query.from_user.id == alice.id
    await bot.answer_callback_query(query.id, text="Đã chọn Tổ 1", show_alert=True)
    answer = await press
    assert answer and (answer.text, answer.show_alert) == ("Đã chọn Tổ 1", True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(EmuError, match="no button"):
        await alice.press(question, "Tổ 9")
    with pytest.raises(TimeoutError, match="did not answer"):
        await alice.press(question, callback_data="v1:team:1", timeout=0.2)


async def test_wait_message_cursor_and_timeout(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    alice = await client.user(1001, "Alice", started=True)
    for text in ("một", "hai", "ba"):
        await bot.send_message(alice.id, text)
    assert (await alice.wait_message()).text == "một"
    assert (await alice.wait_message(contains="ba")).text == "ba"
    with pytest.raises(TimeoutError, match="no bot message") as info:
        await alice.wait_message(timeout=0.2)
    assert "nothing" in str(info.value)
    later = asyncio.create_task(alice.wait_message(contains="bốn", timeout=3))
    await asyncio.sleep(0.05)
    await bot.send_message(alice.id, "bốn")
    assert (await later).text == "bốn"


async def test_user_media_and_forward(client: EmuClient, bot: Bot) -> None:
    alice, carol = await client.user(1001, "Alice"), await client.user(1003, "Carol")
    album = await alice.send_album([b"img1", b"img2"], caption="Hoạt động")
    assert album[0].media_group_id == album[1].media_group_id and album[0].text == "Hoạt động"
    await alice.send_sticker()
    await alice.send_voice()
    await alice.forward("tin chuyển tiếp", from_user=carol)
    updates = await bot.get_updates(timeout=0)
    photos = [u.message.photo for u in updates if u.message and u.message.photo]
    assert len(photos) == 2 and updates[0].message and updates[0].message.caption == "Hoạt động"
    assert updates[2].message and updates[2].message.sticker
    assert updates[3].message and updates[3].message.voice
    fwd = updates[4].message
    assert fwd and fwd.forward_origin and fwd.forward_origin.sender_user.id == carol.id  # type: ignore[attr-defined]
    photo = await bot.get_file(photos[0][-1].file_id)
    assert bytes(await photo.download_as_bytearray()) == b"img1"


async def test_migrate_group(client: EmuClient, bot: Bot) -> None:
    alice = await client.user(1001, "Alice")
    group = await client.group("Tổ Toán", members=[alice])
    seen = (await bot.get_updates(timeout=0))[-1].update_id
    supergroup = await client.migrate(group)
    assert supergroup.type == "supergroup" and str(supergroup.id).startswith("-100")
    updates = await bot.get_updates(offset=seen + 1, timeout=0)
    service = [u.message for u in updates if u.message]
    assert service[0].chat.id == group.id and service[0].migrate_to_chat_id == supergroup.id
    assert service[1].chat.id == supergroup.id and service[1].migrate_from_chat_id == group.id
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(group.id, "x")
    assert info.value.new_chat_id == supergroup.id
    assert (await bot.send_message(supergroup.id, "ok")).chat.type == "supergroup"


async def test_blocking_and_bulk_users(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    users = await client.create_users(50_000, 300)
    for u in users[:5]:
        await bot.send_message(u.id, "Thông báo")
    await users[0].block_bot()
    status = (await bot.get_updates(timeout=0))[-1].my_chat_member
    assert status and status.new_chat_member.status == "kicked"
    counts = await client.delivered_counts()
    assert counts == {u.id: 1 for u in users[:5]}
    assert (await client.stats())["users"] == 300
    await client.reset()
    assert await client.delivered_counts() == {} and await client.calls() == []


async def test_webhook_conflict(bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates(timeout=0)
    assert (await bot.get_webhook_info()).url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_ptb_application_polling(emu: Emulator, client: EmuClient) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tổ 1", callback_data="v1:t:1")]])
        await update.effective_message.reply_html("<b>Chọn tổ</b>", reply_markup=markup)

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query
        await query.answer("OK")
        await query.edit_message_text(f"Đã chọn {query.data}")

    app = Application.builder().token(TOKEN).base_url(emu.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(chosen))
    alice = await client.user(1001, "Alice")
    async with app:
        await app.start()
        assert app.updater
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await alice.send("/start")
            menu = await alice.wait_message(contains="Chọn tổ", timeout=3)
            assert menu.entities[0]["type"] == "bold"
            assert await alice.press(menu, "Tổ 1") == CallbackAnswer(ANY, "OK", False, None)
            assert (await alice.wait_edit(menu, timeout=3)).text == "Đã chọn v1:t:1"
        finally:
            await app.updater.stop()
            await app.stop()
