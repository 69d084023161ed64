"""The bot side: PTB's Bot against the emulator gets Telegram's answers and errors."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from tgemu import EmuClient, Emulator

from .conftest import TOKEN

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0" + b"\x00" * 32


def retry(err: RetryAfter) -> float:
    """Seconds of a RetryAfter (a timedelta with PTB_TIMEDELTA=1, set by conftest)."""
    ra = err.retry_after
    return ra.total_seconds() if isinstance(ra, timedelta) else float(ra)


def kb(*data: str) -> InlineKeyboardMarkup:
    """A one-row inline keyboard."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(d or "x", callback_data=d) for d in data]])


async def test_get_me_and_raw_errors(emu: Emulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "thidua_test_bot", True)
    assert me.can_read_all_group_messages is False
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{emu.base_url}123:short/getMe") as r:
            assert (r.status, await r.json()) == (
                401,
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
            )
        async with s.get(f"{emu.base_url}{TOKEN}/sendSomething") as r:
            assert r.status == 404 and (await r.json())["description"] == "Not Found"
        async with s.get(f"{emu.base_url}{TOKEN}/getMe") as r:
            assert (await r.json())["result"]["supports_inline_queries"] is False


async def test_send_message_html(client: EmuClient, bot: Bot) -> None:
    alice = await client.user(1001, "Thu Hà", started=True)
    html = '<b>Chào</b> <i>cô</i> &lt;3 <a href="https://x.vn">link</a> 😀 <code>c</code>'
    sent = await bot.send_message(alice.id, html, parse_mode="HTML", reply_markup=kb("v1:a"))
    assert sent.text == "Chào cô <3 link 😀 c" and sent.from_user and sent.from_user.is_bot
    kinds = [(e.type, e.offset, e.length) for e in sent.entities]
    assert kinds == [("bold", 0, 4), ("italic", 5, 2), ("text_link", 11, 4), ("code", 19, 1)]
    got = await alice.wait_message()
    assert got.text == sent.text and got.buttons == [[("v1:a", "v1:a")]] and got.from_bot


@pytest.mark.parametrize(
    "html", ["<script>x</script>", "<b>bold", "a < b", "x &nbsp; y", "<b>x</i>", "<span>x</span>"]
)
async def test_bad_html_is_refused(client: EmuClient, bot: Bot, html: str) -> None:
    await client.user(1001, "A", started=True)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1001, html, parse_mode="HTML")


async def test_lengths_in_utf16_and_empty_text(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    await client.user(1001, "A", started=True)
    await bot.send_message(1001, "😀" * 2048)
    await bot.send_message(1001, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1001, "😀" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1001, "<b></b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(1001, PNG, caption="x" * 1025)


async def test_callback_data_limits(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    await client.user(1001, "A", started=True)
    await bot.send_message(1001, "ok", reply_markup=kb("ệ" * 21))  # 63 bytes
    for data in ("ệ" * 22, ""):
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(1001, "x", reply_markup=kb(data))


async def test_edits(client: EmuClient, bot: Bot) -> None:
    alice = await client.user(1001, "A", started=True)
    sent = await bot.send_message(1001, "Đang chờ", reply_markup=kb("v1:x"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Đang chờ", 1001, sent.message_id, reply_markup=kb("v1:x"))
    seen = await alice.wait_message()
    edited = await bot.edit_message_text(
        "<b>Đã duyệt</b>", 1001, sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    after = await alice.wait_edit(seen, contains="Đã duyệt", timeout=2)
    assert after.edited and after.buttons == []  # no reply_markup in the edit removes it
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 1001, 999)
    await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=kb("v1:y"))
    assert (await client.messages(alice))[-1].buttons == [[("v1:y", "v1:y")]]
    assert await bot.delete_message(1001, sent.message_id)
    assert not [m for m in await client.messages(alice) if m.message_id == sent.message_id]


async def test_access_errors(client: EmuClient, bot: Bot) -> None:
    await client.user(1001, "Never started")
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(1001, "x")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "x")
    bob = await client.user(1002, "Bob", started=True)
    await bob.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1002, "x")
    group = await client.group("G", members=[bob])
    await client.kick_bot(group)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the group chat"):
        await bot.send_message(group.id, "x")


async def test_flood_limits(client: EmuClient, bot: Bot) -> None:
    await client.user(1001, "A", started=True)
    await bot.send_message(1001, "1")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "2")
    assert retry(info.value) == 1
    await bot.edit_message_text("edits are not counted", 1001, 1)
    await client.set_flood_limits(per_group_per_minute=2)
    group = await client.group("G", members=[await client.user(1002, "B")])
    await bot.send_message(group.id, "a")
    await bot.send_message(group.id, "b")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(group.id, "c")
    assert 55 <= retry(info.value) <= 60
    stats = await client.stats()
    assert stats["provoked_429"] == 2 and stats["sent"] == 3
    assert await client.delivered_counts() == {1001: 1, group.id: 2}


async def test_media_group_and_photos(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    alice = await client.user(1001, "A", started=True)
    album = await bot.send_media_group(1001, [InputMediaPhoto(PNG), InputMediaPhoto(PNG, "b")])
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert album[0].photo[-1].width == 640 and album[1].caption == "b"
    with pytest.raises(BadRequest, match="2-10"):
        await bot.send_media_group(1001, [InputMediaPhoto(PNG)])
    again = await bot.send_photo(1001, album[0].photo[-1].file_id, caption="by file_id")
    assert again.photo[-1].file_unique_id == album[0].photo[-1].file_unique_id
    msgs = await client.messages(alice)
    assert [m.photo for m in msgs] == [True, True, True] and msgs[0].media_group_id


async def test_document_upload_and_download(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    alice = await client.user(1001, "A", started=True)
    content = "Báo cáo thi đua".encode() * 100
    sent = await bot.send_document(1001, content, filename="bao_cao.pdf", caption="<i>BC</i>",
                                   parse_mode="HTML")  # fmt: skip
    assert sent.document and sent.document.file_name == "bao_cao.pdf"
    assert sent.caption_entities[0].type == "italic"
    file = await bot.get_file(sent.document.file_id)
    assert file.file_size == len(content) and bytes(await file.download_as_bytearray()) == content
    assert await client.download(sent.document.file_id) == content
    up = await alice.send_document(b"%PDF-1.4 minh chung", filename="mc.pdf", caption="Minh chứng")
    assert up.document and up.text == "Minh chứng"
    theirs = await bot.get_file(up.document["file_id"])
    assert bytes(await theirs.download_as_bytearray()) == b"%PDF-1.4 minh chung"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(1001, "no-such-file-id")


async def test_commands_per_scope(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Bắt đầu")])
    group_scope = BotCommandScopeAllGroupChats()
    await bot.set_my_commands([BotCommand("bind_council", "Gắn hội đồng")], scope=group_scope)
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=group_scope)] == ["bind_council"]
    assert (await bot.get_my_commands(language_code="en"))[0].description == "Start"
    await bot.delete_my_commands(scope=group_scope)
    assert await bot.get_my_commands(scope=group_scope) == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])


async def test_chat_info(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    alice = await client.user(1001, "Thu Hà", last_name="Trần", started=True)
    group = await client.group("Hội đồng", members=[alice], bot_is_admin=True)
    info = await bot.get_chat(group.id)
    assert (info.title, info.type) == ("Hội đồng", "group")
    member = await bot.get_chat_member(group.id, alice.id)
    assert member.status == "creator" and member.user.last_name == "Trần"
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {1001, 123456789}
    assert await bot.send_chat_action(1001, "typing")
    hello = await alice.send("Xin chào", chat=group)
    with pytest.raises(BadRequest, match=r"(?i)can't be copied"):
        await bot.copy_message(1001, group.id, 1)  # the new_chat_members service message
    copied = await bot.copy_message(1001, group.id, hello.message_id)
    forwarded = await bot.forward_message(1001, group.id, hello.message_id)
    assert forwarded.forward_origin and forwarded.forward_origin.type == "user"
    texts = [m.text for m in await client.messages(alice)]
    assert copied.message_id and texts == ["Xin chào", "Xin chào"]


async def test_fault_injection(client: EmuClient, bot: Bot) -> None:
    await client.set_flood_limits(enabled=False)
    alice = await client.user(1001, "A", started=True)
    await client.inject(method="sendMessage", kind="500")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")
    await bot.send_message(1001, "x")
    await client.inject(method="sendMessage", kind="429", retry_after=3, chat_id=1001)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "y")
    assert retry(info.value) == 3
    await client.inject(method="*", kind="blocked")
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(1001, "z")
    await client.inject(kind="slow", delay=0.2)
    assert (await bot.send_message(1001, "slow")).text == "slow"
    assert (await client.stats())["injected_faults"] == 4
    calls = await client.calls(method="sendMessage")
    assert [c["ok"] for c in calls] == [False, True, False, False, True]
    assert calls[0]["error_code"] == 500 and calls[1]["params"]["chat_id"] in (1001, "1001")
    await client.inject(method="sendMessage", kind="timeout", delay=0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(1001, "late", read_timeout=0.2)
    assert (await alice.wait_message(contains="late", timeout=2)).text == "late"  # answered late
