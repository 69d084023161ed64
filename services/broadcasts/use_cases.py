"""The broadcast use cases handlers call: one unit of work each (see services/base.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.base import UseCases
from services.broadcasts import announcement, audience, delivery, draft, receipts
from services.broadcasts.audience import AudienceOptions
from services.broadcasts.common import Buttons
from services.broadcasts.draft import DRAFTS, Draft, MediaAdded
from services.broadcasts.receipts import SeenView
from services.conversations import NoDraft


@dataclass(frozen=True)
class Opened:
    """The draft /broadcast opens or picks up, with the audiences when it is at that step."""

    draft: Draft
    options: AudienceOptions | None


class Broadcasts(UseCases):
    """Announcements to staff: the draft, the delivery, the read receipts."""

    async def start(self, *, tg_user_id: int) -> Opened:
        """Begin an announcement, or pick up the one in progress where it was."""
        async with self.env.sessions() as session:
            opened = await draft.start(
                session, tg_user_id=tg_user_id, texts=self.texts, now=self.now()
            )
            options = None
            if opened.step == "audience":
                options = await audience.audience_options(session, tg_user_id=tg_user_id)
        return Opened(opened, options)

    async def set_text(self, *, tg_user_id: int, html: str, length: int) -> Draft:
        """The announcement's text; it replaces any before."""
        async with self.env.sessions() as session:
            return await draft.set_text(
                session, tg_user_id=tg_user_id, html=html, length=length, now=self.now()
            )

    async def attach(
        self,
        *,
        tg_user_id: int,
        kind: str,
        file_id: str,
        name: str,
        caption_html: str,
        caption_length: int,
        media_group_id: str | None,
    ) -> MediaAdded | None:
        """A photo or file for the announcement; None if no announcement is being written (then
        it is not the broadcast's to take)."""
        async with self.env.sessions() as session:
            try:
                await DRAFTS.load(session, tg_user_id)
            except NoDraft:
                return None
            return await draft.set_media(
                session,
                tg_user_id=tg_user_id,
                kind=kind,
                file_id=file_id,
                name=name,
                caption_html=caption_html,
                caption_length=caption_length,
                media_group_id=media_group_id,
                now=self.now(),
            )

    async def to_audience(self, *, tg_user_id: int) -> AudienceOptions:
        """From the text (or the preview) to choosing who receives it: the audiences to pick."""
        async with self.env.sessions() as session:
            await draft.to_audience(session, tg_user_id=tg_user_id, now=self.now())
            return await audience.audience_options(session, tg_user_id=tg_user_id)

    async def audience_choices(self, *, tg_user_id: int) -> AudienceOptions:
        """The departments and campaigns to pick from, for the draft in progress."""
        async with self.env.sessions() as session:
            await draft.current(session, tg_user_id=tg_user_id)
            return await audience.audience_options(session, tg_user_id=tg_user_id)

    async def choose_audience(self, *, tg_user_id: int, audience_key: str) -> Draft:
        """Pick the audience; the draft moves to its preview."""
        async with self.env.sessions() as session:
            return await audience.choose_audience(
                session, tg_user_id=tg_user_id, audience=audience_key, now=self.now()
            )

    async def to_compose(self, *, tg_user_id: int) -> Draft:
        """Back to the text, which the next message replaces."""
        async with self.env.sessions() as session:
            return await draft.to_compose(session, tg_user_id=tg_user_id, now=self.now())

    async def cancel(self, *, tg_user_id: int) -> bool:
        """Throw the draft away; True if there was one."""
        async with self.env.sessions() as session:
            return await draft.cancel(session, tg_user_id=tg_user_id)

    def preview(self, preview_of: Draft, locale: str) -> tuple[str, dict[str, Any]]:
        """The outbox method and payload of the draft as a recipient in `locale` will see it."""
        return announcement.preview(self.texts, locale, preview_of)

    async def send(
        self, *, tg_user_id: int, progress_chat_id: int, progress_message_id: int
    ) -> tuple[str, Buttons]:
        """Send the draft; the progress message (its text and buttons) to show in its place."""
        async with self.env.sessions() as session:
            state = await delivery.confirm(
                session,
                tg_user_id=tg_user_id,
                progress_chat_id=progress_chat_id,
                progress_message_id=progress_message_id,
                texts=self.texts,
                now=self.now(),
            )
        return delivery.progress_message(self.texts, state)

    async def stop(self, *, broadcast_id: int, tg_user_id: int) -> tuple[str, Buttons]:
        """Stop a running broadcast; its progress message as it now stands."""
        async with self.env.sessions() as session:
            state = await delivery.stop(
                session, broadcast_id=broadcast_id, tg_user_id=tg_user_id, now=self.now()
            )
        return delivery.progress_message(self.texts, state)

    async def confirm_seen(self, *, broadcast_id: int, tg_user_id: int) -> bool:
        """A recipient's "Đã xem"; True the first time."""
        async with self.env.sessions() as session:
            return await receipts.confirm_seen(
                session, broadcast_id=broadcast_id, tg_user_id=tg_user_id, now=self.now()
            )

    async def seen(self, *, broadcast_id: int, tg_user_id: int) -> SeenView:
        """Who confirmed reading it and who not yet."""
        async with self.env.sessions() as session:
            return await receipts.seen(session, broadcast_id=broadcast_id, tg_user_id=tg_user_id)

    async def remind(self, *, broadcast_id: int, tg_user_id: int) -> int:
        """Send it again to those reached who have not confirmed; how many."""
        async with self.env.sessions() as session:
            return await receipts.remind(
                session,
                broadcast_id=broadcast_id,
                tg_user_id=tg_user_id,
                texts=self.texts,
                now=self.now(),
            )
