"""The chair's panel of the open meeting: the quorum, who is present and absent, the buttons that
open each title's vote and close the meeting; kept up to date by outbox edits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.judging.meetings.common import PANEL, chat_and_locale, quorum, view_of
from storage.models import (
    JudgingRound,
    Meeting,
    MeetingStatus,
)
from ui.buttons.judging import MeetingClose, VoteOpen
from ui.texts import Texts


async def panel_message(
    session: AsyncSession, meeting: Meeting, texts: Texts, locale: str
) -> tuple[str, outbox.Keyboard]:
    """The chair's panel: the quorum, who is present and absent, a vote button per title of the
    round and the close button (while the meeting is open)."""
    shown = await view_of(session, meeting, texts.tz)
    counted = await quorum(session, meeting)
    text = texts.render(locale, "meetings.panel", meeting=shown, quorum=counted)
    if meeting.status != MeetingStatus.OPEN:
        return text, []
    rnd = await session.get_one(JudgingRound, meeting.round_id)
    rows: list[list[tuple[str, str]]] = [
        [
            (
                texts.plain(locale, "meetings.vote_button", title=title),
                VoteOpen(meeting_id=meeting.id, title=index).pack(),
            )
        ]
        for index, title in enumerate(rnd.titles)
    ]
    rows.append(
        [(texts.plain(locale, "meetings.close_button"), MeetingClose(meeting_id=meeting.id).pack())]
    )
    return text, rows


async def send_panel(session: AsyncSession, meeting: Meeting, texts: Texts, now: datetime) -> None:
    """Queue the panel to the chair (a new message; later edits reach every copy)."""
    chat_id, locale = await chat_and_locale(session, texts, meeting.chair_id)
    text, buttons = await panel_message(session, meeting, texts, locale)
    outbox.enqueue_message(
        session,
        chat_id=chat_id,
        text=text,
        buttons=buttons or None,
        now=now,
        ref=PANEL.format(meeting.id),
    )


async def refresh_panel(
    session: AsyncSession, meeting: Meeting, texts: Texts, now: datetime
) -> int:
    """Re-render the chair's panel (after a check-in, an absence, a vote, the close): queued as
    edits of the panel messages, in the caller's transaction; returns how many."""
    _, locale = await chat_and_locale(session, texts, meeting.chair_id)
    text, buttons = await panel_message(session, meeting, texts, locale)
    return await outbox.enqueue_edits(
        session, ref=PANEL.format(meeting.id), text=text, buttons=buttons or None, now=now
    )
