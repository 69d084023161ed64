"""The bot downloads what a user sent through the Bot API (getFile), and keeps the same bytes."""

from __future__ import annotations

import pytest

from services.files import FileGone, keep_telegram_file, read_bytes
from tests.e2e.conftest import RunningBot
from tgemu import EmuClient

pytestmark = pytest.mark.one_database  # the download is what is tested; the row is plain


async def test_a_sent_document_is_downloaded_byte_for_byte_and_a_bad_id_is_reported(
    bot: RunningBot, client: EmuClient
) -> None:
    teacher = await client.user(5001, "Lan", started=True)
    write_up = bytes(range(256)) * 300  # not text: the bytes must survive the trip untouched
    sent = await teacher.send_document(write_up, filename="sang-kien.docx")
    assert sent.document is not None
    env = bot.deps.services.env
    async with bot.deps.sessions() as s:
        kept = await keep_telegram_file(
            s,
            env,
            file_id=sent.document["file_id"],
            unique_id=sent.document["file_unique_id"],
            name="sang-kien.docx",
        )
        await s.commit()
        assert read_bytes(env, kept) == write_up
        with pytest.raises(FileGone):
            await keep_telegram_file(s, env, file_id="no-such-file")
