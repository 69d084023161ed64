"""The council's votes, title by title: open or secret, changed until closed, counted.

Open ballot: each vote is a row with the member and the direction. Secret ballot: the `votes` row
says only that the member voted on the candidate (choice left empty); the direction sits in
`ballot_box` under a keyed hash of (ballot, candidate, member) whose key is kept outside the
database (Settings.ballot_key), with no time and no row number; when the vote closes the box is
counted into the candidate's figures and emptied. So the database never links a member to a
direction without that key, and after the close it holds only counts.

Races: a vote and the close both start by updating the ballot's row (`status` must still be
open), so they are serialised on it: a vote committed first is counted, a vote arriving after the
close is refused, and of two closes at the same moment one counts and the other is told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, outbox
from services.base import UseCases
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.ballots.common import (
    SHEET_SIZE,
    MeetingClosed,
    Progress,
    Result,
    ResultLine,
    Sheet,
    SheetLine,
    ballot_of,
    box_key,
    chair_of,
    conflicted,
    meeting_of,
    present_member,
    present_members,
    progress_buttons,
    progress_of,
    progress_ref,
    proposed_of,
    sheet_buttons,
    sheet_of,
    sheet_ref,
    voted_on,
)
from services.judging.ballots.counting import count_ballot, file_vote
from services.judging.common import (
    council_members,
    council_of,
    school_rules,
    title_family,
    vote_rule,
)
from services.judging.meetings import quorum, refresh_panel
from services.judging.minutes import minutes_buttons, write_version
from services.judging.rounds import warnings_of
from services.judging.rules import Family
from storage.models import Ballot, BallotStatus, JudgingRound, Meeting, MeetingStatus, Org, Outcome

__all__ = [
    "SHEET_SIZE",
    "Ballots",
    "MeetingClosed",
    "Progress",
    "Result",
    "ResultLine",
    "Sheet",
    "SheetLine",
    "box_key",
    "conflicted",
    "count_ballot",
    "present_members",
    "progress_buttons",
    "sheet_buttons",
]


class Ballots(UseCases):
    """The chair opens and closes each title's vote; members vote in their private chat."""

    @property
    def _key(self) -> bytes:
        return self.env.ballot_key

    async def open_vote(self, *, tg_user_id: int, meeting_id: int, title: int) -> Progress:
        """The chair opens the vote on one title of the round, once the quorum is there; each
        member present gets a ballot in the private chat."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            meeting = await meeting_of(session, who, meeting_id)
            if meeting.status != MeetingStatus.OPEN:
                raise Invalid("judging.meeting_not_open")
            rnd = await session.get(JudgingRound, meeting.round_id)
            assert rnd is not None
            if not 0 <= title < len(rnd.titles):
                raise Invalid("errors.stale_button")
            name = rnd.titles[title]
            org = await session.get(Org, meeting.org_id)
            assert org is not None
            settings = await school_rules(session, org)
            present = await present_members(session, meeting)
            counted = await quorum(session, meeting)
            if not counted.ok:
                raise Invalid(
                    "judging.no_quorum",
                    present=counted.present,
                    size=counted.size,
                    needed=counted.needed,
                )
            if await session.scalar(
                select(Ballot.id).where(Ballot.meeting_id == meeting.id, Ballot.title == name)
            ):
                raise AlreadyDone("judging.vote_exists", title=name)
            kind = title_family(settings, name)
            if kind == Family.CSTDCS:
                await self._require_ldtt_closed(session, rnd, meeting, settings)
            secret, threshold, base = vote_rule(settings, name)
            ballot = Ballot(
                meeting_id=meeting.id,
                title=name,
                secret=secret,
                threshold=threshold,
                base=base,
                present=len(present),
                status=BallotStatus.OPEN,
                opened_at=now,
            )
            session.add(ballot)
            await session.flush()
            # The conditions as they stand when the vote opens: kept for the minutes.
            warns, _ = await warnings_of(session, rnd, settings, now.astimezone(self.env.tz).date())
            candidates = await proposed_of(session, ballot, rnd.id)
            if not candidates:
                raise Invalid("judging.no_candidates", title=name)
            for c in candidates:
                c.warnings = [w.as_json() for w in warns.get(c.id, [])]
            await session.flush()
            # The chair's progress first, then each member's ballot (hers too).
            progress = await progress_of(session, ballot, meeting)
            locale = self.texts.locale(who.locale)
            outbox.enqueue_message(
                session,
                chat_id=tg_user_id,
                text=self.texts.render(locale, "judging.progress", p=progress),
                buttons=progress_buttons(progress, self.texts, locale),
                now=now,
                ref=progress_ref(ballot.id),
            )
            for member in present:
                locale = self.texts.locale(member.person.locale)
                first = await sheet_of(session, self._key, ballot, meeting, member, 0)
                for page in range(first.pages):
                    sheet = (
                        first
                        if page == 0
                        else await sheet_of(session, self._key, ballot, meeting, member, page)
                    )
                    outbox.enqueue_message(
                        session,
                        chat_id=member.person.tg_user_id,
                        text=self.texts.render(locale, "judging.sheet", sheet=sheet),
                        buttons=sheet_buttons(sheet, self.texts, locale),
                        now=now,
                        ref=sheet_ref(ballot.id, member.person_id, page),
                    )
            assert who.person is not None
            await audit.record(
                session,
                org_id=org.id,
                actor_id=who.person.id,
                action="vote.open",
                target=f"ballot:{ballot.id}",
                now=now,
                title=name,
                secret=secret,
                present=len(present),
                candidates=len(candidates),
            )
            await session.commit()
            return progress

    async def _require_ldtt_closed(
        self, session: AsyncSession, rnd: JudgingRound, meeting: Meeting, settings: dict[str, Any]
    ) -> None:
        """CSTĐCS needs LĐTT and a cap on its share of LĐTT: LĐTT is voted first."""
        ldtt = [t for t in rnd.titles if title_family(settings, t) == Family.LDTT]
        if not ldtt:
            return
        closed = set(
            await session.scalars(
                select(Ballot.title).where(
                    Ballot.meeting_id == meeting.id, Ballot.status == BallotStatus.CLOSED
                )
            )
        )
        if not set(ldtt) <= closed:
            raise Invalid("judging.ldtt_first", title=ldtt[0])

    async def cast(self, *, tg_user_id: int, ballot_id: int, candidate_id: int, yes: bool) -> Sheet:
        """A member present at the meeting votes on a candidate (or changes the vote) while the
        vote is open; nobody votes on themselves or their own department."""
        return await self._record(tg_user_id, ballot_id, yes, candidate_id=candidate_id)

    async def cast_rest(self, *, tg_user_id: int, ballot_id: int, page: int) -> Sheet:
        """A member agrees with every candidate of a ballot page not voted on yet (a long list is
        mostly agreed: the few "Không đồng ý" first, then this)."""
        return await self._record(tg_user_id, ballot_id, True, page=page)

    async def _record(
        self,
        tg_user_id: int,
        ballot_id: int,
        yes: bool,
        *,
        candidate_id: int | None = None,
        page: int = 0,
    ) -> Sheet:
        now = self.now()
        async with self.env.sessions() as session:
            who = await council_of(session, tg_user_id)
            ballot, meeting = await ballot_of(session, who, ballot_id)
            # Serialises with the close (and other votes) on the ballot's row; see the module.
            still_open = await session.execute(
                update(Ballot)
                .where(Ballot.id == ballot.id, Ballot.status == BallotStatus.OPEN)
                .values(status=BallotStatus.OPEN)
            )
            if still_open.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("judging.vote_closed", title=ballot.title)
            member = await present_member(session, meeting, who)
            candidates = list(await proposed_of(session, ballot, meeting.round_id))
            owed = {c.id for c in candidates if not conflicted(c, member)}
            voted = await voted_on(session, ballot.id, member.person_id)
            if candidate_id is not None:
                candidate = next((c for c in candidates if c.id == candidate_id), None)
                if candidate is None:
                    raise NotFound("errors.stale_button")
                if conflicted(candidate, member):
                    raise NotAllowed("judging.own_vote")
                chosen = [candidate]
                page = candidates.index(candidate) // SHEET_SIZE
            else:
                on_page = candidates[page * SHEET_SIZE : (page + 1) * SHEET_SIZE]
                chosen = [c for c in on_page if c.id in owed and c.id not in voted]
            for candidate in chosen:
                await file_vote(session, self._key, ballot, candidate, member, yes, now)
            await session.flush()
            if not owed <= voted and owed <= await voted_on(session, ballot.id, member.person_id):
                # One more member has voted on everyone: the chair's "đã bỏ phiếu" moves.
                progress = await progress_of(session, ballot, meeting)
                await self._show_progress(session, ballot, meeting, progress, now)
            sheet = await sheet_of(session, self._key, ballot, meeting, member, page)
            await session.commit()
            return sheet

    async def _show_progress(
        self, session: AsyncSession, ballot: Ballot, meeting: Meeting, p: Progress, now: datetime
    ) -> None:
        chair = next(
            (
                m
                for m in await council_members(session, meeting.org_id)
                if m.person_id == meeting.chair_id
            ),
            None,
        )
        locale = self.texts.locale(chair.person.locale if chair else None)
        await outbox.enqueue_edits(
            session,
            ref=progress_ref(ballot.id),
            text=self.texts.render(locale, "judging.progress", p=p),
            buttons=progress_buttons(p, self.texts, locale),
            now=now,
        )

    async def sheet(self, *, tg_user_id: int, ballot_id: int, page: int = 0) -> Sheet:
        """A member's ballot again (their own choices; in a secret ballot, only they see them)."""
        async with self.env.sessions() as session:
            who = await council_of(session, tg_user_id)
            ballot, meeting = await ballot_of(session, who, ballot_id)
            member = await present_member(session, meeting, who)
            return await sheet_of(session, self._key, ballot, meeting, member, page)

    async def progress(self, *, tg_user_id: int, ballot_id: int) -> Progress:
        """How far a vote is ("đã bỏ phiếu 7/9"), never which way in a secret ballot."""
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            ballot, meeting = await ballot_of(session, who, ballot_id)
            return await progress_of(session, ballot, meeting)

    async def close_vote(self, *, tg_user_id: int, ballot_id: int) -> Result:
        """The chair closes a title's vote: each candidate counted on the rule's base, đạt or
        không đạt by the threshold (a tie never passes), the CSTĐCS cap applied; the secret box
        counted and emptied; members told."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            ballot, meeting = await ballot_of(session, who, ballot_id)
            closing = await session.execute(
                update(Ballot)
                .where(Ballot.id == ballot.id, Ballot.status == BallotStatus.OPEN)
                .values(status=BallotStatus.CLOSED, closed_at=now)
            )
            if closing.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("judging.vote_closed", title=ballot.title)
            await session.refresh(ballot)
            result = await count_ballot(session, ballot, meeting)
            assert who.person is not None
            await audit.record(
                session,
                org_id=meeting.org_id,
                actor_id=who.person.id,
                action="vote.close",
                target=f"ballot:{ballot.id}",
                now=now,
                title=ballot.title,
                passed=result.passed,
                candidates=len(result.lines),
            )
            # Ballots end: the members' sheets lose their buttons; the chair's progress too.
            present = await present_members(session, meeting)
            for member in present:
                locale = self.texts.locale(member.person.locale)
                closed_text = self.texts.render(locale, "judging.sheet_closed", result=result)
                pages = -(-len(result.lines) // SHEET_SIZE) or 1
                for page in range(pages):
                    await outbox.enqueue_edits(
                        session,
                        ref=sheet_ref(ballot.id, member.person_id, page),
                        text=closed_text,
                        now=now,
                    )
            p = await progress_of(session, ballot, meeting)
            await self._show_progress(session, ballot, meeting, p, now)
            await refresh_panel(session, meeting, self.texts, now)
            await session.commit()
            return result

    async def close_meeting(self, *, tg_user_id: int, meeting_id: int) -> MeetingClosed:
        """The chair ends the meeting once no vote is open; the minutes are written."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            meeting = await meeting_of(session, who, meeting_id)
            if await session.scalar(
                select(Ballot.title).where(
                    Ballot.meeting_id == meeting.id, Ballot.status == BallotStatus.OPEN
                )
            ):
                raise Invalid("judging.votes_open")
            closing = await session.execute(
                update(Meeting)
                .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.OPEN)
                .values(status=MeetingStatus.CLOSED, closed_at=now)
            )
            if closing.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("judging.meeting_closed")
            results = []
            for ballot in await session.scalars(
                select(Ballot).where(Ballot.meeting_id == meeting.id).order_by(Ballot.id)
            ):
                cands = await proposed_of(session, ballot, meeting.round_id)
                passed = sum(1 for c in cands if c.outcome == Outcome.PASSED)
                results.append((ballot.title, passed, len(cands)))
            assert who.person is not None
            await audit.record(
                session,
                org_id=meeting.org_id,
                actor_id=who.person.id,
                action="meeting.close",
                target=f"meeting:{meeting.id}",
                now=now,
            )
            await session.refresh(meeting)
            await write_version(
                session,
                meeting=meeting,
                texts=self.texts,
                tz=self.env.tz,
                actor_id=who.person.id,
                now=now,
            )
            closed = MeetingClosed(meeting.id, meeting.round_id, tuple(results))
            await refresh_panel(session, meeting, self.texts, now)
            # Every council member is told, with the minutes; the secretary and the chair may
            # add remarks and make them final (the chair who pressed gets the reply itself).
            for member in await council_members(session, meeting.org_id):
                if member.person_id == who.person.id:
                    continue
                locale = self.texts.locale(member.person.locale)
                editor = member.person_id in (meeting.secretary_id, meeting.chair_id)
                outbox.enqueue_message(
                    session,
                    chat_id=member.person.tg_user_id,
                    text=self.texts.render(locale, "judging.meeting_ended", closed=closed),
                    buttons=minutes_buttons(self.texts, meeting.id, may_edit=editor, locale=locale),
                    now=now,
                    ref=f"meeting:{meeting.id}:closed",
                )
            await session.commit()
            return closed
