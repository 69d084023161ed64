"""The stories' use cases: each method one unit of work (see services/base.py)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from services import reasons
from services.base import UseCases
from services.errors import AlreadyDone, NotAllowed
from services.people import actor
from services.reasons import Asked, Given, Owed, Prompt, registered_name
from services.stories import draft, lists, review, submission
from services.stories.common import StoryView
from services.stories.draft import Draft, PhotoAdded
from services.stories.lists import PendingItem
from storage.models import NomineeKind


@dataclass(frozen=True)
class Colleague:
    """A colleague who may be picked as the doer."""

    membership_id: int
    name: str
    department: str


class Stories(UseCases):
    """Good-deed stories: the teacher's draft, the council's review, the lists."""

    # ------------------------------------------------------------------------ the teacher's draft

    async def start(self, *, tg_user_id: int) -> Draft:
        """Begin a new story, or pick up the draft in progress."""
        async with self.env.sessions() as session:
            return await draft.start(session, tg_user_id=tg_user_id, now=self.now())

    async def drafting(self, *, tg_user_id: int) -> Draft | None:
        """The draft in progress, if the user's private dialogue is a story being written."""
        async with self.env.sessions() as session:
            return await draft.drafting(session, tg_user_id=tg_user_id)

    async def current(self, *, tg_user_id: int) -> Draft:
        """The draft in progress (refused when there is none)."""
        async with self.env.sessions() as session:
            return await draft.current(session, tg_user_id=tg_user_id)

    async def take_text(self, *, tg_user_id: int, text: str) -> tuple[str, Draft]:
        """Text sent while writing: the story's text or the nominee's name, by the step; returns
        the step the text came at and the draft after it (unchanged at any other step)."""
        async with self.env.sessions() as session:
            current = await draft.current(session, tg_user_id=tg_user_id)
            now = self.now()
            if current.step == "text":
                after = await draft.add_text(session, tg_user_id=tg_user_id, text=text, now=now)
            elif current.step == "nominee_text":
                after = await draft.name_nominee(session, tg_user_id=tg_user_id, text=text, now=now)
            else:
                after = current
            return current.step, after

    async def add_photo(
        self, *, tg_user_id: int, file_id: str, media_group_id: str | None, caption: str = ""
    ) -> PhotoAdded | None:
        """A photo for the story being written; None when no story is being written."""
        async with self.env.sessions() as session:
            if await draft.drafting(session, tg_user_id=tg_user_id) is None:
                return None
            return await draft.add_photo(
                session,
                tg_user_id=tg_user_id,
                file_id=file_id,
                media_group_id=media_group_id,
                now=self.now(),
                caption=caption,
            )

    async def finish_text(self, *, tg_user_id: int) -> Draft:
        """Move on from the text."""
        async with self.env.sessions() as session:
            return await draft.finish_text(session, tg_user_id=tg_user_id, now=self.now())

    async def finish_photos(self, *, tg_user_id: int) -> Draft:
        """Move on from the photos."""
        async with self.env.sessions() as session:
            return await draft.finish_photos(session, tg_user_id=tg_user_id, now=self.now())

    async def edit_part(self, *, tg_user_id: int, part: str) -> Draft:
        """From the preview, go back to the text, the photos or the doer."""
        async with self.env.sessions() as session:
            return await draft.edit_part(session, tg_user_id=tg_user_id, part=part, now=self.now())

    async def cancel(self, *, tg_user_id: int) -> bool:
        """Throw the draft away; True if there was one."""
        async with self.env.sessions() as session:
            return await draft.cancel(session, tg_user_id=tg_user_id)

    async def colleagues(self, *, tg_user_id: int) -> list[Colleague]:
        """Active colleagues to pick as the doer, sorted by given name."""
        async with self.env.sessions() as session:
            found = await draft.colleagues(session, tg_user_id=tg_user_id)
            return [
                Colleague(m.id, m.person.full_name, m.department.name if m.department else "")
                for m in found
            ]

    async def choose_nominee(
        self, *, tg_user_id: int, kind: NomineeKind, membership_id: int | None = None
    ) -> Draft:
        """Who did it: oneself, a colleague (picked or to pick), a pupil or a group."""
        async with self.env.sessions() as session:
            return await draft.choose_nominee(
                session,
                tg_user_id=tg_user_id,
                kind=kind,
                membership_id=membership_id,
                now=self.now(),
            )

    async def set_pupil_age(self, *, tg_user_id: int, older: bool) -> Draft:
        """Whether the pupil is at or above the school's consent age."""
        async with self.env.sessions() as session:
            return await draft.set_pupil_age(
                session, tg_user_id=tg_user_id, older=older, now=self.now()
            )

    async def set_consent(self, *, tg_user_id: int, consent: bool, child: bool = False) -> Draft:
        """Whether the pupil's parents (`child`: the pupil) agreed to publication."""
        async with self.env.sessions() as session:
            return await draft.set_consent(
                session, tg_user_id=tg_user_id, consent=consent, child=child, now=self.now()
            )

    async def choose_campaign(self, *, tg_user_id: int, campaign_id: int) -> Draft:
        """Attach the story to an open campaign (0: to none)."""
        async with self.env.sessions() as session:
            return await draft.choose_campaign(
                session, tg_user_id=tg_user_id, campaign_id=campaign_id, now=self.now()
            )

    async def submit(self, *, tg_user_id: int) -> StoryView:
        """Send the draft to the council."""
        async with self.env.sessions() as session:
            return await submission.submit(
                session, tg_user_id=tg_user_id, texts=self.texts, now=self.now()
            )

    async def start_resubmit(self, *, tg_user_id: int, story_id: int) -> Draft:
        """Reopen a story the council asked changes for as a draft at its preview."""
        async with self.env.sessions() as session:
            return await submission.start_resubmit(
                session, tg_user_id=tg_user_id, story_id=story_id, now=self.now()
            )

    # ------------------------------------------------------------------------ the author's lists

    async def withdraw(
        self, *, story_id: int, author_tg_id: int
    ) -> tuple[StoryView, list[StoryView]]:
        """The author withdraws a story still waiting; returns it and the author's list after."""
        async with self.env.sessions() as session:
            story = await review.withdraw(
                session,
                story_id=story_id,
                author_tg_id=author_tg_id,
                texts=self.texts,
                now=self.now(),
            )
            return story, await lists.mine(session, tg_user_id=author_tg_id)

    async def mine(self, *, tg_user_id: int) -> list[StoryView]:
        """The author's latest stories, newest first."""
        async with self.env.sessions() as session:
            return await lists.mine(session, tg_user_id=tg_user_id)

    async def pending(self, *, tg_user_id: int, chat_id: int) -> list[PendingItem]:
        """Stories waiting for the council, oldest first, with links to their cards (asked in
        private or in the school's council group)."""
        async with self.env.sessions() as session:
            return await lists.pending(session, tg_user_id=tg_user_id, chat_id=chat_id)

    # ------------------------------------------------------------------------ the council

    async def approve(self, *, story_id: int, reviewer_tg_id: int) -> StoryView:
        """A council member approves a story (no reason needed)."""
        async with self.env.sessions() as session:
            return await review.decide(
                session,
                story_id=story_id,
                reviewer_tg_id=reviewer_tg_id,
                verdict="approve",
                reason=None,
                texts=self.texts,
                now=self.now(),
            )

    async def check_can_decide(self, *, story_id: int, reviewer_tg_id: int) -> StoryView:
        """Refuse early (before asking for a reason) when this person may not decide."""
        async with self.env.sessions() as session:
            return await review.check_can_decide(
                session, story_id=story_id, reviewer_tg_id=reviewer_tg_id
            )

    async def reasons_to_pick(self, *, story_id: int, reviewer_tg_id: int, verdict: str) -> Asked:
        """Refuse early when this person may not decide; else their registered name and the
        school's quick reasons for this verdict (lists.reasons_reject or lists.reasons_changes)."""
        async with self.env.sessions() as session:
            await review.check_can_decide(session, story_id=story_id, reviewer_tg_id=reviewer_tg_id)
            picks = await review.canned_reasons(session, reviewer_tg_id, verdict)
            return Asked(registered_name(await actor(session, reviewer_tg_id)), picks)

    async def check_can_reopen(self, *, story_id: int, chair_tg_id: int) -> str:
        """Refuse early (before asking for a reason) anyone but the chair, or a story that
        cannot be reopened; else the chair's registered name."""
        async with self.env.sessions() as session:
            who = await actor(session, chair_tg_id)
            if str(who.role) != "chair":
                raise NotAllowed("errors.chair_only")
            await review.check_can_reopen(session, story_id=story_id, chair_tg_id=chair_tg_id)
            return registered_name(who)

    async def await_reason(
        self,
        *,
        user_id: int,
        story_id: int,
        verdict: str,
        prompt: Prompt,
        typed: int | None = None,
    ) -> None:
        """Remember that this member owes a reason, asked for by `prompt` (and by `typed`, the
        message whose reply box takes it, when it is another one)."""
        async with self.env.sessions() as session:
            await review.await_reason(
                session,
                user_id=user_id,
                story_id=story_id,
                verdict=verdict,
                prompt_chat=prompt[0],
                prompt_id=prompt[1],
                now=self.now(),
                typed=typed,
            )

    async def owed_reason(self, *, chat_id: int, user_id: int) -> Owed | None:
        """The reason this member owes in this chat, if any."""
        async with self.env.sessions() as session:
            return await review.REASONS.owed(session, chat_id=chat_id, user_id=user_id)

    async def give_reason(
        self,
        *,
        user_id: int,
        story_id: int,
        verdict: str,
        reason: str | None = None,
        canned: int | None = None,
    ) -> Given:
        """Decide (or, for "reopen", reopen) with the reason given (typed, or the school's quick
        reason number `canned`), and stop waiting for it; a story closed meanwhile is not
        refused here but returned as `closed` with the prompts."""
        async with self.env.sessions() as session:
            if reason is None:
                # Who may decide first (a refusal says why), then which quick reason it is.
                # (Already decided: the decision below says so, and closes the prompts.)
                with contextlib.suppress(AlreadyDone):
                    await review.check_can_decide(
                        session, story_id=story_id, reviewer_tg_id=user_id
                    )
                picks = await review.canned_reasons(session, user_id, verdict)
                reason = reasons.canned(picks, canned or 0)
            try:
                if verdict == "reopen":
                    await review.reopen(
                        session,
                        story_id=story_id,
                        chair_tg_id=user_id,
                        reason=reason,
                        texts=self.texts,
                        now=self.now(),
                    )
                else:
                    await review.decide(
                        session,
                        story_id=story_id,
                        reviewer_tg_id=user_id,
                        verdict=verdict,
                        reason=reason,
                        texts=self.texts,
                        now=self.now(),
                    )
            except AlreadyDone as closed:
                prompts = await review.forget_reasons(session, user_id=user_id, story_id=story_id)
                return Given(prompts, closed)
            prompts = await review.forget_reasons(session, user_id=user_id, story_id=story_id)
            return Given(prompts, name=registered_name(await actor(session, user_id)))
