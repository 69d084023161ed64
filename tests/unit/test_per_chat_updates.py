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
