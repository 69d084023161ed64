"""The council's judging meeting (phiên họp bình xét): scheduled by the chair in a durable dialogue
(when, where, the agenda, the secretary), announced to the council and reminded a day and an hour
before; a member may report an absence with a reason; the chair opens it, members check in, and
the quorum is counted by the school's rule (rules.quorum).

One module per concern: common (views, who may act, attendance, the quorum), panel (the chair's
live panel), schedule (the dialogue, moving, cancelling, reminders), attendance (absence, opening,
checking in, /meeting). The votes and the close belong to the ballots
(services/judging/ballots.py): they read `quorum` and re-render the panel with `refresh_panel`
(both plain session functions).
"""

from __future__ import annotations

from services.base import UseCases
from services.errors import AlreadyDone
from services.judging.meetings.attendance import (
    ask_absence,
    card,
    check_in,
    give_absence,
    open_meeting,
)
from services.judging.meetings.common import (
    OPEN_EARLY,
    Attendee,
    Card,
    CheckedIn,
    MeetingView,
    Opened,
    Quorum,
    Step,
    chair_actor,
    meeting_of,
    quorum,
    refuse_ended,
    view_of,
)
from services.judging.meetings.panel import panel_message, refresh_panel, send_panel
from services.judging.meetings.schedule import (
    answer,
    begin,
    cancel,
    choose_secretary,
    create,
    default_agenda,
    discard,
    parse_start,
    remind,
    use_default_agenda,
)
from storage.models import MeetingStatus

__all__ = [
    "OPEN_EARLY",
    "Attendee",
    "Card",
    "CheckedIn",
    "MeetingView",
    "Meetings",
    "Opened",
    "Quorum",
    "Step",
    "answer",
    "ask_absence",
    "begin",
    "cancel",
    "card",
    "check_in",
    "choose_secretary",
    "create",
    "default_agenda",
    "discard",
    "give_absence",
    "open_meeting",
    "panel_message",
    "parse_start",
    "quorum",
    "refresh_panel",
    "remind",
    "send_panel",
    "use_default_agenda",
    "view_of",
]


class Meetings(UseCases):
    """The judging meeting: scheduled, announced, reminded; members check in; the quorum."""

    async def command(self, *, tg_user_id: int) -> Card | Step:
        """/meeting: schedule one (the chair, none scheduled), or see the round's meeting."""
        async with self.env.sessions() as session:
            return await card(session, tg_user_id=tg_user_id, texts=self.texts, now=self.now())

    async def begin(self, *, tg_user_id: int) -> Step:
        """The chair starts scheduling (or moving) the meeting of the open round."""
        async with self.env.sessions() as session:
            return await begin(session, tg_user_id=tg_user_id, texts=self.texts, now=self.now())

    async def answer(self, *, tg_user_id: int, text: str) -> Step:
        """A typed answer in the scheduling dialogue."""
        async with self.env.sessions() as session:
            return await answer(
                session, tg_user_id=tg_user_id, text=text, texts=self.texts, now=self.now()
            )

    async def use_default_agenda(self, *, tg_user_id: int) -> Step:
        """The default agenda, at the agenda step."""
        async with self.env.sessions() as session:
            return await use_default_agenda(
                session, tg_user_id=tg_user_id, texts=self.texts, now=self.now()
            )

    async def choose_secretary(self, *, tg_user_id: int, person_id: int) -> Step:
        """The secretary, chosen among the council's members."""
        async with self.env.sessions() as session:
            return await choose_secretary(
                session,
                tg_user_id=tg_user_id,
                person_id=person_id,
                texts=self.texts,
                now=self.now(),
            )

    async def discard(self, *, tg_user_id: int) -> bool:
        """Throw the scheduling draft away."""
        async with self.env.sessions() as session:
            return await discard(session, tg_user_id=tg_user_id)

    async def create(self, *, tg_user_id: int) -> MeetingView:
        """Schedule the meeting from the preview (replacing the one scheduled before)."""
        async with self.env.sessions() as session:
            return await create(session, tg_user_id=tg_user_id, texts=self.texts, now=self.now())

    async def cancel(self, *, tg_user_id: int, meeting_id: int) -> MeetingView:
        """The chair cancels the scheduled meeting."""
        async with self.env.sessions() as session:
            return await cancel(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )

    async def cancel_asked(self, *, tg_user_id: int, meeting_id: int) -> MeetingView:
        """The scheduled meeting the chair asks to cancel (the confirmation names it)."""
        async with self.env.sessions() as session:
            who = await chair_actor(session, tg_user_id)
            meeting = await meeting_of(session, who, meeting_id)
            refuse_ended(meeting)
            if meeting.status == MeetingStatus.OPEN:
                raise AlreadyDone("meetings.in_progress")
            return await view_of(session, meeting, self.env.tz)

    async def ask_absence(self, *, tg_user_id: int, meeting_id: int) -> MeetingView:
        """ "Báo vắng": ask the member for the reason."""
        async with self.env.sessions() as session:
            return await ask_absence(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )

    async def give_absence(self, *, tg_user_id: int, text: str) -> MeetingView:
        """The reason typed for an absence."""
        async with self.env.sessions() as session:
            return await give_absence(
                session, tg_user_id=tg_user_id, text=text, texts=self.texts, now=self.now()
            )

    async def open(self, *, tg_user_id: int, meeting_id: int) -> Opened:
        """ "Bắt đầu họp": the chair opens the meeting."""
        async with self.env.sessions() as session:
            return await open_meeting(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )

    async def check_in(self, *, tg_user_id: int, meeting_id: int) -> CheckedIn:
        """ "✋ Điểm danh": a member is present."""
        async with self.env.sessions() as session:
            return await check_in(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )
