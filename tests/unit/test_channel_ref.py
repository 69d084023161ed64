"""/bind_channel: what the chair may type or forward to name the school's channel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Chat, Message, MessageOriginChannel, MessageOriginUser, Update, User

from handlers.publishing import FROM_CHANNEL, channel_ref
from services.errors import Invalid


def test_a_name_a_link_or_an_id_names_a_channel() -> None:
    assert channel_ref(" @GuongNguoiTot ") == "@GuongNguoiTot"
    assert channel_ref("https://t.me/guong_nguoi_tot") == "@guong_nguoi_tot"
    assert channel_ref("-1002000000099") == -1002000000099
    for wrong in ("guong", "@ab", "12345", "https://example.com/x", "-100abc"):
        with pytest.raises(Invalid):
            channel_ref(wrong)


def test_only_a_post_forwarded_from_a_channel_passes_the_filter() -> None:
    when = datetime(2024, 2, 23, tzinfo=UTC)
    chat = Chat(1001, Chat.PRIVATE)
    channel = Chat(-1002000000099, Chat.CHANNEL, title="Gương người tốt")
    person = User(1002, "Tuấn", is_bot=False)
    from_channel = Message(
        1, when, chat, text="x", forward_origin=MessageOriginChannel(when, channel, 7)
    )
    from_user = Message(2, when, chat, text="x", forward_origin=MessageOriginUser(when, person))
    assert FROM_CHANNEL.check_update(Update(1, message=from_channel))
    assert not FROM_CHANNEL.check_update(Update(2, message=from_user))
