"""Telegram misbehaving, end to end: the emulator injects the faults Telegram really gives (429
storms, 500s, slow answers, timeouts, blocked users, unknown chats, a group turned supergroup,
the bot removed from the council group). Through all of it nothing committed is lost, each
message arrives once (or, after a timeout, at most once more: see the timeout test), and the
bot keeps answering everyone else.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from services import outbox, stories
from storage.db import SessionFactory
from storage.models import NomineeKind, Org, OutboxMessage, OutboxStatus, Story, StoryStatus
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import Council, report, wait_for
from tests.factories import COUNCIL, TEACHER
from tgemu import EmuClient, User
from ui.texts import Texts

Call = dict[str, Any]


async def queue(bot: RunningBot, chat_id: int, text: str) -> int:
    """A message queued the way services queue them (committed; the sender is woken)."""
    async with bot.deps.sessions() as s:
        row = outbox.enqueue_message(s, chat_id=chat_id, text=text, now=bot.deps.clock())
        await s.commit()
        return row.id


async def rows(sessions: SessionFactory, ids: list[int]) -> list[OutboxMessage]:
    """Outbox rows as stored now."""
    async with sessions() as s:
        return list(
            (
                await s.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )


async def rows_of(sessions: SessionFactory) -> list[OutboxMessage]:
    """Every outbox row."""
    async with sessions() as s:
        return list((await s.scalars(select(OutboxMessage))).all())


async def settled(sessions: SessionFactory, ids: list[int], timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Wait until none of these rows is still waiting to be sent."""

    async def done() -> bool:
        return all(r.status != OutboxStatus.PENDING for r in await rows(sessions, ids))

    await wait_for(done, timeout)


async def received(client: EmuClient, user: User | int, text: str) -> int:
    """How many bot messages in a chat contain `text`."""
    chat = user.id if isinstance(user, User) else user
    return sum(1 for m in await client.messages(chat) if m.from_bot and text in m.text)


def by_chat(calls: list[Call]) -> dict[str, list[Call]]:
    """Calls grouped by their chat id."""
    out: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        out[str((call.get("params") or {}).get("chat_id"))].append(call)
    return out


async def people(client: EmuClient, first: int, count: int) -> list[User]:
    """Users who have started the bot."""
    return [await client.user(first + i, f"Giáo viên {i}", started=True) for i in range(count)]


async def submitted(sessions: SessionFactory, texts: Texts, now: datetime, tg: int) -> int:
    """A story about its author, sent through the services (its card goes through the outbox)."""
    async with sessions() as s:
        await stories.start(s, tg_user_id=tg, now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=tg, text=f"Việc tốt của {tg}.", now=now)
    async with sessions() as s:
        await stories.finish_photos(s, tg_user_id=tg, now=now)
    async with sessions() as s:
        await stories.choose_nominee(s, tg_user_id=tg, kind=NomineeKind.SELF, now=now)
    async with sessions() as s:
        return (await stories.submit(s, tg_user_id=tg, texts=texts, now=now)).id


# ---------------------------------------------------------------------------- 429 and 500


async def test_a_429_storm_is_waited_out_as_asked_and_every_message_arrives_once(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    users = await people(client, 7100, 5)
    since = len(await client.calls())
    await client.inject(method="sendMessage", kind="429", count=10, retry_after=1)
    ids = [await queue(bot, u.id, f"Thông báo số {u.id}") for u in users]

    await settled(sessions, ids)
    assert [r.status for r in await rows(sessions, ids)] == [OutboxStatus.SENT] * len(ids)
    for user in users:
        assert await received(client, user, f"Thông báo số {user.id}") == 1
    # Each chat waited at least retry_after after each 429 before trying again.
    for chat, calls in by_chat(await client.calls("sendMessage", since=since)).items():
        for refused, after in itertools.pairwise(calls):
            if refused.get("error_code") == 429:
                assert after["ts"] - refused["ts"] >= 0.95, (chat, refused, after)
    stats = await client.stats()
    assert stats["injected_faults"] == 10
    assert stats["provoked_429"] == 0  # the limiter itself never overran Telegram's limits


async def test_a_429_storm_on_one_chat_holds_up_nobody_else(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    teacher, stormed = await people(client, 7200, 2)
    group = await client.group("Hội đồng TĐKT", members=[stormed])
    await stormed.wait_message(group, contains="/bind_council")  # the bot, added, says how to bind
    await client.inject(method="sendMessage", kind="429", count=1, retry_after=3, chat_id=group.id)
    held = await queue(bot, group.id, "Thẻ câu chuyện cho Hội đồng")

    async def stormed_once() -> bool:
        return any(c.get("error_code") == 429 for c in await client.calls("sendMessage"))

    await wait_for(stormed_once)
    loop = asyncio.get_running_loop()
    asked = loop.time()
    await teacher.send("/help")
    await teacher.wait_message(contains="/help", timeout=1.5)  # a handler's own answer
    notice = await queue(bot, teacher.id, "Câu chuyện #7 đã được duyệt")
    await teacher.wait_message(contains="đã được duyệt", timeout=1.5)  # through the outbox
    assert loop.time() - asked < 2.5
    assert (await rows(sessions, [held]))[0].status == OutboxStatus.PENDING  # waits 3 s, alone

    await settled(sessions, [held, notice], timeout=20)
    assert await received(client, group.id, "Thẻ câu chuyện") == 1


async def test_an_answer_waiting_out_a_429_in_the_council_group_holds_up_nobody_else(
    bot: RunningBot, client: EmuClient
) -> None:
    teacher, member = await people(client, 7250, 2)
    group = await client.group("Hội đồng TĐKT", members=[member])
    hint = await member.wait_message(group, contains="/bind_council")  # the bot was added
    await client.inject(method="sendMessage", kind="429", count=1, retry_after=3, chat_id=group.id)
    await member.send("/help@thidua_test_bot", chat=group)  # its answer must wait 3 s

    async def stormed_once() -> bool:
        return any(c.get("error_code") == 429 for c in await client.calls("sendMessage"))

    await wait_for(stormed_once)
    await teacher.send("/help")
    await teacher.wait_message(contains="/help", timeout=1.5)  # not after the group's 3 s
    assert [m for m in await client.messages(group) if m.from_bot] == [hint]  # still waiting
    await member.wait_message(group, contains="/help", timeout=5)  # and then it is answered


async def test_500s_then_success_deliver_each_message_once(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    users = await people(client, 7300, 3)
    await client.inject(method="sendMessage", kind="500", count=3)
    ids = [await queue(bot, u.id, f"Lịch họp {u.id}") for u in users]

    await settled(sessions, ids)
    stored = await rows(sessions, ids)
    assert [r.status for r in stored] == [OutboxStatus.SENT] * 3
    assert sum(r.attempts for r in stored) == 3  # each failure counted, then sent
    for user in users:
        assert await received(client, user, f"Lịch họp {user.id}") == 1


# ---------------------------------------------------------------------------- slow and lost


async def test_slow_answers_arrive_once_and_a_timed_out_send_at_most_twice(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    """A slow answer (1 s) is just waited for. A timeout is different: the request reached
    Telegram, which sends the message, but its answer never came back (PTB gives up after its
    5 s read timeout). The outbox cannot know whether Telegram took it, and losing a committed
    message is worse than repeating it, so it sends again after a back-off: delivery is
    at-least-once, and each timed-out attempt can add at most one copy. (While a send hangs,
    only its own chat waits: see the next test.)"""
    slow, lost, other = await people(client, 7400, 3)
    await client.inject(method="sendMessage", kind="slow", delay=1.0, chat_id=slow.id)
    await client.inject(method="sendMessage", kind="timeout", delay=5.5, chat_id=lost.id)
    ids = [await queue(bot, u.id, f"Nhắc việc {u.id}") for u in (slow, lost, other)]

    await settled(sessions, ids, timeout=20)
    stored = {r.chat_id: r for r in await rows(sessions, ids)}
    assert all(r.status == OutboxStatus.SENT for r in stored.values())
    assert await received(client, slow, "Nhắc việc") == 1 and stored[slow.id].attempts == 0
    assert await received(client, other, "Nhắc việc") == 1
    copies = await received(client, lost, "Nhắc việc")
    assert 1 <= copies <= 1 + stored[lost.id].attempts, copies
    assert stored[lost.id].attempts == 1


async def test_a_hanging_send_holds_up_only_its_own_chat(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    """Telegram does not answer one send (until PTB's 5 s read timeout): messages queued for
    other people meanwhile are delivered at once, not after it."""
    stuck, *others = await people(client, 7450, 6)
    await client.inject(method="sendMessage", kind="timeout", delay=5.5, chat_id=stuck.id)
    first = await queue(bot, stuck.id, "Thông báo họp")

    async def on_its_way() -> bool:  # the stuck send is in flight (claimed, not answered)
        return any(
            c["method"] == "sendMessage" and str(c["params"].get("chat_id")) == str(stuck.id)
            for c in await client.calls()
        ) or bool((await rows(sessions, [first]))[0].claimed_by)

    await wait_for(on_its_way, timeout=5)
    loop = asyncio.get_running_loop()
    queued_at = loop.time()
    ids = [await queue(bot, u.id, f"Lịch trực {u.id}") for u in others]

    async def others_delivered() -> bool:
        return all(r.status == OutboxStatus.SENT for r in await rows(sessions, ids))

    await wait_for(others_delivered, timeout=4)  # before the stuck send even times out
    assert loop.time() - queued_at < 4
    assert (await rows(sessions, [first]))[0].status == OutboxStatus.PENDING  # still hanging
    for user in others:
        assert await received(client, user, "Lịch trực") == 1
    await settled(sessions, [first], timeout=20)  # and it is retried in the end


# ---------------------------------------------------------------------------- unreachable


async def test_blocked_and_unknown_chats_are_marked_unreachable_once_and_others_are_served(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    blocker, vanished, fine = await people(client, 7500, 3)
    await blocker.block_bot()
    await client.inject(method="sendMessage", kind="chat_not_found", count=1, chat_id=vanished.id)
    since = len(await client.calls())
    ids = [await queue(bot, u.id, f"Kết quả {u.id}") for u in (blocker, vanished, fine)]
    ids.append(await queue(bot, blocker.id, "Một tin nữa"))

    await settled(sessions, ids)
    stored = {r.id: r for r in await rows(sessions, ids)}
    assert [stored[i].status for i in ids] == [
        OutboxStatus.UNREACHABLE,
        OutboxStatus.UNREACHABLE,
        OutboxStatus.SENT,
        OutboxStatus.UNREACHABLE,
    ]
    assert "blocked" in (stored[ids[0]].error or "")
    assert "chat not found" in (stored[ids[1]].error or "").lower()
    assert await received(client, fine, f"Kết quả {fine.id}") == 1
    await asyncio.sleep(2.2)  # longer than a first back-off: nothing is tried again
    calls = by_chat(await client.calls("sendMessage", since=since))
    assert len(calls[str(blocker.id)]) == 2  # one try per message, none repeated
    assert len(calls[str(vanished.id)]) == 1


# ---------------------------------------------------------------------------- the council group


async def test_a_council_group_migrated_mid_stream_gets_its_cards_in_the_supergroup(
    bot: RunningBot, council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    texts, now = bot.deps.texts, bot.deps.clock()
    first = await submitted(sessions, texts, now, TEACHER)
    await council.member.wait_message(council.group, contains=f"#{first}")

    supergroup = await client.migrate(council.group)
    second = await submitted(sessions, texts, now, TEACHER)  # queued for the old group id
    async with sessions() as s:  # and the first card, sent to the old group, is decided now
        await stories.decide(
            s,
            story_id=first,
            reviewer_tg_id=COUNCIL,
            verdict="approve",
            reason=None,
            texts=texts,
            now=now,
        )

    card = await council.member.wait_message(supergroup, contains=f"#{second}")
    assert card.button_texts == ["✅ Duyệt", "✖️ Từ chối", "✏️ Yêu cầu bổ sung"]
    # The decided card cannot be edited in the old group (it is read-only now): it is shown
    # again, decided, in the supergroup, and later edits follow it there.
    decided = await council.member.wait_message(supergroup, contains="Phạm Thị Lan đã duyệt")
    assert f"#{first}" in decided.text
    async with sessions() as s:
        org = await s.scalar(select(Org))
    assert org is not None and org.council_chat_id == supergroup.id
    await settled(sessions, [r.id for r in await rows_of(sessions)])
    await asyncio.sleep(1)  # nothing keeps knocking at the old group
    refused = by_chat([c for c in await client.calls() if not c["ok"]])[str(council.group.id)]
    assert len(refused) <= 2, refused  # the decision's edit once, and maybe a card queued there


async def test_with_the_bot_removed_from_the_council_group_stories_wait_and_the_chair_is_told(
    bot: RunningBot, council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    """What people expect when someone removes the bot from the council group (or deletes it):
    teachers can still send stories (their work is kept), the chair is told privately what
    happened and what to do, and once the bot is back in a council group and it is bound, the
    cards that could not be delivered arrive there. Nobody else is held up meanwhile."""
    await client.kick_bot(council.group)
    told = await council.chair.wait_message(contains="không còn ở trong nhóm Hội đồng")
    assert "/bind_council" in told.text

    done = await report(council.teacher)
    assert "#1" in done.text
    async with sessions() as s:
        story = await s.scalar(select(Story))
    assert story is not None and story.status == StoryStatus.PENDING
    await council.member.send("/pending")
    await council.member.wait_message(contains="#1")  # the council can still see it

    await client.set_bot_status(council.group, "member")
    await council.chair.send("/bind_council", chat=council.group)
    card = await council.member.wait_message(council.group, contains="Người tốt, việc tốt #1")
    assert card.button_texts == ["✅ Duyệt", "✖️ Từ chối", "✏️ Yêu cầu bổ sung"]
    await council.member.press(card, "✅ Duyệt")
    await council.member.wait_edit(card, contains="Phạm Thị Lan đã duyệt")
