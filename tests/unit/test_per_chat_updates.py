"""Update processing: one chat's updates in order, other chats meanwhile."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.updates import PerChatUpdates


def message(update_id: int, chat_id: int) -> Update:
    """A text message update in a private chat."""
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
                "text": "x",
            },
        },
        None,
    )


async def test_a_chat_waits_for_its_own_earlier_updates_but_not_for_other_chats() -> None:
    processor = PerChatUpdates()
    done: list[str] = []
    slow_started = asyncio.Event()

    async def work(name: str, seconds: float) -> None:
        if name == "a1":
            slow_started.set()
        await asyncio.sleep(seconds)
        done.append(name)

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(message(1, 1), work("a1", 0.2))),
            asyncio.create_task(processor.process_update(message(2, 1), work("a2", 0))),
        ]
        await slow_started.wait()
        tasks.append(asyncio.create_task(processor.process_update(message(3, 2), work("b", 0))))
        await asyncio.gather(*tasks)

    assert done == ["b", "a1", "a2"]
    assert processor.current_concurrent_updates == 0


async def test_a_chat_with_many_updates_queued_holds_one_slot() -> None:
    # Two slots; a teacher's first update hangs (Telegram slow to answer) and they tap four more
    # times: the other chats still get the second slot.
    processor = PerChatUpdates(max_concurrent_updates=2)
    release = asyncio.Event()
    done: list[str] = []

    async def work(name: str) -> None:
        if name == "a1":
            await release.wait()
        done.append(name)

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(message(i, 1), work(f"a{i}")))
            for i in range(1, 6)
        ]
        await asyncio.sleep(0)
        others = [
            asyncio.create_task(processor.process_update(message(10 + i, 2 + i), work(f"o{i}")))
            for i in range(3)
        ]
        await asyncio.wait_for(asyncio.gather(*others), 5)
        assert done == ["o0", "o1", "o2"]
        release.set()
        await asyncio.gather(*tasks)

    assert done[3:] == ["a1", "a2", "a3", "a4", "a5"]
    assert processor.current_concurrent_updates == 0
