"""Abuse, end to end: council buttons pressed by people without the role, in the council group
and from a private chat, and forged button data of every kind the bot knows.

The full who-may-do-what table is tests/services/test_permissions.py; here are representative
cells through the real bot: each gets exactly one alert (no message in the chat), the database
is unchanged, and no handler raised (the `bot` fixture fails the test on any handler error).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Bot
from telegram.error import BadRequest

from services import proposals, stories
from storage.db import SessionFactory
from storage.models import NomineeKind, OutboxMessage, OutboxStatus
from tests import buttons as samples
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import Council, plant, wait_for
from tests.factories import COUNCIL, TEACHER, join, membership_of
from tests.snapshots import DELIVERY, changes, snapshot
from tgemu import EmuClient, Emulator, Msg, User
from tgemu.client import DEFAULT_TOKEN
from ui.buttons import MAX_INT, BadCallback, parse
from ui.buttons.base import KINDS
from ui.texts import Texts

BAD_BUTTON = "Nút không hợp lệ."
COUNCIL_ONLY = "Xin lỗi, chỉ thành viên Hội đồng Thi đua – Khen thưởng mới xét duyệt được."
CHAIR_ONLY = "Xin lỗi, chỉ Chủ tịch Hội đồng mới làm được việc này."
PROPOSE_ONLY = (
    "Xin lỗi, chỉ thành viên Hội đồng Thi đua – Khen thưởng mới đề nghị khen thưởng được."
)
NEWCOMER = 2001
BUTTONS_PER_MESSAGE = 90  # Telegram allows 100 buttons on one message


async def state(sessions: SessionFactory) -> dict[str, Any]:
    """The database without what the bot changes on its own (deliveries, the scheduler)."""
    return await snapshot(sessions, DELIVERY)


async def refused(user: User, message: Msg, data: str) -> str:
    """Press a planted button that must be refused; the alert's text."""
    answer = await user.press(message, callback_data=data)
    assert answer is not None and answer.show_alert, (data, answer)
    return answer.text or ""


async def submitted(sessions: SessionFactory, texts: Texts, now: datetime, tg: int) -> int:
    """A story about its author, sent through the services (the bot delivers its card)."""
    async with sessions() as s:
        await stories.start(s, tg_user_id=tg, now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=tg, text="Cô Mai kèm 5 em học yếu.", now=now)
    async with sessions() as s:
        await stories.finish_photos(s, tg_user_id=tg, now=now)
    async with sessions() as s:
        await stories.choose_nominee(s, tg_user_id=tg, kind=NomineeKind.SELF, now=now)
    async with sessions() as s:
        return (await stories.submit(s, tg_user_id=tg, texts=texts, now=now)).id


# ---------------------------------------------------------------------------- in the group


async def test_a_group_member_not_on_the_council_gets_an_alert_for_every_council_button(
    bot: RunningBot, council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    await client.add_members(council.group, [council.teacher])
    story_id = await submitted(sessions, bot.deps.texts, bot.deps.clock(), TEACHER)
    card = await council.member.wait_message(council.group, contains=f"#{story_id}")
    before = await state(sessions)

    for user in (council.outsider, council.teacher):  # a guest, and staff not on the council
        for label in ("✅ Duyệt", "✖️ Từ chối", "✏️ Yêu cầu bổ sung"):
            answer = await user.press(card, label)
            assert answer is not None and (answer.show_alert, answer.text) == (
                True,
                COUNCIL_ONLY,
            ), (user.id, label)
    assert changes(before, await state(sessions)) == {}

    await council.member.press(card, "✅ Duyệt")
    decided = await council.member.wait_edit(card, contains="Phạm Thị Lan đã duyệt")
    before = await state(sessions)
    expected = {
        "↩️ Mở lại (Chủ tịch)": CHAIR_ONLY,
        "📢 Đăng lên kênh": COUNCIL_ONLY,
        "🏅 Đề nghị khen thưởng": PROPOSE_ONLY,
    }
    assert set(decided.button_texts) == set(expected), decided.button_texts
    for user in (council.outsider, council.teacher):
        for label, alert in expected.items():
            answer = await user.press(decided, label)
            assert answer is not None and (answer.show_alert, answer.text) == (True, alert), label
    assert changes(before, await state(sessions)) == {}
    # Alerts only: nothing was said in the group after the card was decided.
    last = max(m.message_id for m in await council.group.messages() if m.from_bot)
    assert last == card.message_id


# ---------------------------------------------------------------------------- in private


async def test_council_buttons_planted_in_a_private_chat_are_refused_to_those_without_the_role(
    bot: RunningBot, council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    texts, now = bot.deps.texts, bot.deps.clock()
    pending = await submitted(sessions, texts, now, TEACHER)
    approved = await submitted(sessions, texts, now, COUNCIL)
    async with sessions() as s:
        await stories.decide(
            s,
            story_id=approved,
            reviewer_tg_id=council.vice.id,
            verdict="approve",
            reason=None,
            texts=texts,
            now=now,
        )
    async with sessions() as s:
        proposal = await proposals.propose(
            s,
            tg_user_id=council.vice.id,
            source="s",
            source_id=approved,
            form_index=0,
            level_index=0,
            texts=texts,
            now=now,
        )
    request = await join(
        sessions,
        texts,
        now,
        code=council.school.invite_code,
        tg_user_id=NEWCOMER,
        name="Bùi Văn Đức",
        department_id=council.school.departments["Tổ 2"],
    )
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None

    async def notices_delivered() -> bool:  # the join request's notice to the leaders, first
        async with sessions() as s:
            pending = OutboxMessage.status == OutboxStatus.PENDING
            return not await s.scalar(select(func.count()).where(pending))

    await wait_for(notices_delivered, timeout=30)
    # Written out as the bot writes them (the same data every version of the bot produced).
    buttons = {
        "story: approve": f"v1:sd:{pending}:approve",
        "story: reject": f"v1:sd:{pending}:reject",
        "story: canned reason": f"v1:sr:{pending}:reject:0",
        "story: reopen": f"v1:so:{approved}",
        "story: publish": f"v1:sp:{approved}",
        "story: propose": f"v1:pp:s:{approved}",
        "story: propose level": f"v1:pl:s:{approved}:0:0",
        "proposal: confirm": f"v1:pc:{proposal.id}:1",
        "proposal: decline reason": f"v1:pr:{proposal.id}:0",
        "join: approve": f"v1:ja:{request}:1",
        "member: make council": f"v1:mr:{teacher.id}:council",
        "member: deactivate": f"v1:mx:{teacher.id}",
        "department: remove": f"v1:dx:{council.school.departments['Tổ 5']}",
        "invite: rotate": "v1:ir",
        "campaign: close": "v1:cy:1",
        "broadcast: stop": "v1:bx:1",
    }
    # The chair's buttons, tried by the vice-chair too.
    chair_only = {"story: reopen", "proposal: confirm", "proposal: decline reason"} | {
        k for k in buttons if k.split(":")[0] in ("member", "department", "invite")
    }
    planted = {
        user.id: await plant(bot.app.bot, user.id, user, *buttons.values())
        for user in (council.teacher, council.outsider, council.vice)
    }
    before = await state(sessions)

    async def press_all(user: User, names: set[str]) -> dict[str, str]:
        return {
            name: await refused(user, planted[user.id], buttons[name]) for name in sorted(names)
        }

    said = await asyncio.gather(
        press_all(council.teacher, set(buttons)),
        press_all(council.outsider, set(buttons)),
        press_all(council.vice, chair_only),
    )
    for answers in said:  # well-formed: refused for who pressed it, not for how it looks
        assert BAD_BUTTON not in answers.values(), answers
    assert changes(before, await state(sessions)) == {}
    # Only the planted messages: every refusal was an alert.
    for user in (council.teacher, council.outsider, council.vice):
        from_bot = [m for m in await client.messages(user) if m.from_bot]
        assert from_bot[-1].message_id == planted[user.id].message_id


# ---------------------------------------------------------------------------- forged data


def forgeries() -> list[str]:
    """Forged data of every kind (tests/buttons.py), each refused by the parser first."""
    out = samples.forgeries()
    for data in out:
        with pytest.raises(BadCallback):
            parse(data)
    return out


async def test_forged_data_of_every_kind_gets_one_alert_and_changes_nothing(
    bot: RunningBot, council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    forged = forgeries()
    kinds = {d.split(":")[1] for d in forged if d.count(":") > 1}
    assert kinds >= set(KINDS)
    chunks = [
        forged[i : i + BUTTONS_PER_MESSAGE] for i in range(0, len(forged), BUTTONS_PER_MESSAGE)
    ]
    private = [await plant(bot.app.bot, council.chair.id, council.chair, *c) for c in chunks]
    in_group = await plant(bot.app.bot, council.group.id, council.member, *chunks[0])
    before = await state(sessions)
    messages_before = len(await client.calls(method="sendMessage"))

    presses = [
        (council.chair, message, d) for message, c in zip(private, chunks, strict=True) for d in c
    ]
    presses += [(council.member, in_group, d) for d in chunks[0]]
    answers = await asyncio.gather(*(refused(u, m, d) for u, m, d in presses))

    wrong = {
        d: text for (_, _, d), text in zip(presses, answers, strict=True) if text != BAD_BUTTON
    }
    assert wrong == {}
    assert changes(before, await state(sessions)) == {}
    assert len(await client.calls(method="sendMessage")) == messages_before
    answered = await client.calls(method="answerCallbackQuery")
    assert sum(1 for c in answered if c["ok"]) >= len(presses)
    assert all(c["ok"] for c in answered), [c for c in answered if not c["ok"]]


async def test_telegram_never_delivers_button_data_over_64_bytes_so_none_can_be_pressed(
    emu: Emulator, client: EmuClient
) -> None:
    user = await client.user(COUNCIL, "Lan", started=True)
    too_long = f"v1:sd:{MAX_INT}:approve:" + "0" * 40
    async with Bot(DEFAULT_TOKEN, base_url=f"{emu.url}/bot") as bot:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await plant(bot, user.id, user, too_long)
    with pytest.raises(BadCallback):  # had it come anyway, the parser refuses it
        parse(too_long)
