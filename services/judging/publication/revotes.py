"""A recorded re-vote on the candidate an objection is about: the only way a published result
changes. It follows the title's rule (secret or open, threshold, base) from the school's
settings, like the meeting's ballot; every active council member may vote except on themselves
(or their own department); the count needs the council's quorum to have voted; its result
replaces the candidate's outcome (the CSTĐCS cap still applies), and the objection's answer
records it.

Races: a vote and the close both start by updating the re-vote's row while it is open, so they
are serialised on it (as ballots are)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, outbox
from services.base import UseCases
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.ballots.common import box_key, conflicted
from services.judging.common import (
    council_members,
    council_of,
    cstdcs_limit,
    school_rules,
    title_family,
    vote_rule,
)
from services.judging.publication.answers import may_decide
from services.judging.publication.cards import card_of, show_card
from services.judging.publication.common import candidate_name, objection_of, sheet_ref
from services.judging.rules import Family, count, quorum_needed
from services.people import Actor
from storage.models import (
    Candidate,
    JudgingRound,
    Objection,
    Org,
    Outcome,
    Person,
    Revote,
    RevoteBox,
    RevoteVote,
)
from ui.buttons.publication import RevoteCast, RevoteClose
from ui.texts import Texts


@dataclass(frozen=True)
class RevoteView:
    """A re-vote as the chair and the members see it."""

    id: int
    objection_number: int
    name: str
    title: str
    secret: bool
    threshold: int
    base: str
    open: bool
    voted: int
    voters: int  # members who may vote (the council but the conflicted)
    needed: int
    before: str | None
    after: str | None = None
    yes: int | None = None
    no: int | None = None
    counted_on: int | None = None
    choice: bool | None = None  # the viewer's own vote (None: none, or secret and not theirs)


async def _view(session: AsyncSession, revote: Revote, *, choice: bool | None = None) -> RevoteView:
    objection = await session.get_one(Objection, revote.objection_id)
    candidate = await session.get_one(Candidate, revote.candidate_id)
    council = await council_members(session, objection.org_id)
    voted = await session.scalar(
        select(func.count()).select_from(RevoteVote).where(RevoteVote.revote_id == revote.id)
    )
    return RevoteView(
        id=revote.id,
        objection_number=objection.number,
        name=await candidate_name(session, candidate),
        title=candidate.title,
        secret=revote.secret,
        threshold=revote.threshold,
        base=revote.base,
        open=revote.status == "open",
        voted=int(voted or 0),
        voters=sum(1 for m in council if not conflicted(candidate, m)),
        needed=revote.needed,
        before=revote.outcome_before,
        after=revote.outcome_after,
        yes=revote.yes,
        no=revote.no,
        counted_on=candidate.base if revote.status != "open" else None,
        choice=choice,
    )


def ballot_buttons(texts: Texts, locale: str, view: RevoteView) -> list[list[tuple[str, str]]]:
    """A member's two buttons, the chosen one ticked."""
    if not view.open:
        return []
    yes = texts.plain(locale, "publication.revote_yes", chosen=view.choice is True)
    no = texts.plain(locale, "publication.revote_no", chosen=view.choice is False)
    return [[(yes, RevoteCast(view.id, True).pack()), (no, RevoteCast(view.id, False).pack())]]


def progress_buttons(texts: Texts, locale: str, view: RevoteView) -> list[list[tuple[str, str]]]:
    """The chair's refresh and close."""
    if not view.open:
        return []
    return [
        [
            (texts.plain(locale, "publication.revote_refresh"), RevoteClose(view.id, False).pack()),
            (texts.plain(locale, "publication.revote_close"), RevoteClose(view.id, True).pack()),
        ]
    ]


async def _revote_of(session: AsyncSession, who: Actor, revote_id: int) -> tuple[Revote, Objection]:
    revote = await session.get(Revote, revote_id, populate_existing=True)
    objection = await session.get(Objection, revote.objection_id) if revote else None
    if revote is None or objection is None or objection.org_id != who.org_id:
        raise NotFound("errors.stale_button")
    return revote, objection


class Revoting(UseCases):
    """The chair (or the assignee) opens and closes a re-vote; council members vote."""

    async def open_revote(self, *, tg_user_id: int, objection_id: int) -> RevoteView:
        """Open a re-vote on the objection's candidate: each council member who may vote gets
        a ballot privately; the opener gets the progress."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await council_of(session, tg_user_id)
            assert who.person is not None
            objection = await objection_of(session, who, objection_id)
            await may_decide(session, objection, who)
            if objection.candidate_id is None:
                raise Invalid("publication.revote_needs_candidate")
            if await session.scalar(
                select(Revote.id).where(
                    Revote.objection_id == objection.id, Revote.status == "open"
                )
            ):
                raise AlreadyDone("publication.revote_exists")
            candidate = await session.get_one(Candidate, objection.candidate_id)
            org = await session.get_one(Org, objection.org_id)
            settings = await school_rules(session, org)
            secret, threshold, base = vote_rule(settings, candidate.title)
            council = await council_members(session, org.id)
            revote = Revote(
                objection_id=objection.id,
                candidate_id=candidate.id,
                secret=secret,
                threshold=threshold,
                base=base,
                council_size=len(council),
                needed=quorum_needed(len(council), str(settings["rules.quorum"])),
                status="open",
                opened_by=who.person.id,
                opened_at=now,
                outcome_before=str(candidate.outcome) if candidate.outcome else None,
            )
            session.add(revote)
            await session.flush()
            view = await _view(session, revote)
            for member in council:
                if conflicted(candidate, member):
                    continue
                locale = self.texts.locale(member.person.locale)
                outbox.enqueue_message(
                    session,
                    chat_id=member.person.tg_user_id,
                    text=self.texts.render(locale, "publication.revote_sheet", v=view),
                    buttons=ballot_buttons(self.texts, locale, view),
                    now=now,
                    ref=sheet_ref(revote.id, member.person_id),
                )
            await show_card(session, objection, self.texts, now)
            await audit.record(
                session,
                org_id=org.id,
                actor_id=who.person.id,
                action="revote.open",
                target=f"revote:{revote.id}",
                now=now,
                objection=objection.number,
                candidate_id=candidate.id,
                secret=secret,
            )
            await session.commit()
            return view

    async def cast_revote(self, *, tg_user_id: int, revote_id: int, yes: bool) -> RevoteView:
        """A council member votes (or changes the vote) while the re-vote is open; nobody votes
        on themselves or their own department."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await council_of(session, tg_user_id)
            assert who.person is not None and who.membership is not None
            revote, _ = await _revote_of(session, who, revote_id)
            still_open = await session.execute(
                update(Revote)
                .where(Revote.id == revote.id, Revote.status == "open")
                .values(status="open")
            )
            if still_open.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("publication.revote_closed")
            candidate = await session.get_one(Candidate, revote.candidate_id)
            if conflicted(candidate, who.membership):
                raise NotAllowed("publication.own_vote")
            choice = "yes" if yes else "no"
            row = await session.scalar(
                select(RevoteVote).where(
                    RevoteVote.revote_id == revote.id, RevoteVote.person_id == who.person.id
                )
            )
            if row is None:
                row = RevoteVote(revote_id=revote.id, person_id=who.person.id, at=now)
                session.add(row)
            row.at = now
            if revote.secret:
                key = box_key(self.env.ballot_key, revote.id, candidate.id, who.person.id)
                entry = await session.get(RevoteBox, key)
                if entry is None:
                    session.add(RevoteBox(key=key, revote_id=revote.id, choice=choice))
                else:
                    entry.choice = choice
                row.choice = None
            else:
                row.choice = choice
            await session.flush()
            view = await _view(session, revote, choice=yes)
            await session.commit()
            return view

    async def revote_progress(self, *, tg_user_id: int, revote_id: int) -> RevoteView:
        """How many have voted (never which way in a secret re-vote)."""
        async with self.env.sessions() as session:
            who = await council_of(session, tg_user_id)
            revote, objection = await _revote_of(session, who, revote_id)
            await may_decide(session, objection, who)
            return await _view(session, revote)

    async def close_revote(self, *, tg_user_id: int, revote_id: int) -> RevoteView:
        """Close and count, once the quorum has voted: the result replaces the candidate's
        outcome; the members' ballots and the council's card say so."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await council_of(session, tg_user_id)
            assert who.person is not None
            revote, objection = await _revote_of(session, who, revote_id)
            await may_decide(session, objection, who)
            closing = await session.execute(
                update(Revote)
                .where(Revote.id == revote.id, Revote.status == "open")
                .values(status="closed", closed_at=now)
            )
            if closing.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("publication.revote_closed")
            voted = int(
                await session.scalar(
                    select(func.count())
                    .select_from(RevoteVote)
                    .where(RevoteVote.revote_id == revote.id)
                )
                or 0
            )
            needed = revote.needed
            if voted < needed:
                await session.rollback()  # still open
                raise Invalid("publication.revote_no_quorum", voted=voted, needed=needed)
            await session.refresh(revote)
            candidate = await session.get_one(Candidate, revote.candidate_id)
            await self._count(session, revote, candidate, voted, now)
            view = await _view(session, revote)
            council = await council_members(session, objection.org_id)
            for member in council:
                if conflicted(candidate, member):
                    continue
                locale = self.texts.locale(member.person.locale)
                await outbox.enqueue_edits(
                    session,
                    ref=sheet_ref(revote.id, member.person_id),
                    text=self.texts.render(locale, "publication.revote_sheet", v=view),
                    now=now,
                )
            await show_card(session, objection, self.texts, now)
            if candidate.person_id is not None and revote.outcome_after != revote.outcome_before:
                # The person whose result changed hears it from the bot, not from the corridor.
                person = await session.get_one(Person, candidate.person_id)
                outbox.enqueue_message(
                    session,
                    chat_id=person.tg_user_id,
                    text=self.texts.render(
                        self.texts.locale(person.locale), "publication.result_changed", v=view
                    ),
                    now=now,
                    ref=f"revote:{revote.id}:changed",
                )
            await audit.record(
                session,
                org_id=objection.org_id,
                actor_id=who.person.id,
                action="revote.close",
                target=f"revote:{revote.id}",
                now=now,
                objection=objection.number,
                before=revote.outcome_before,
                after=revote.outcome_after,
                yes=revote.yes,
                no=revote.no,
                voters=voted,
            )
            await session.commit()
            return view

    async def _count(
        self,
        session: AsyncSession,
        revote: Revote,
        candidate: Candidate,
        voted: int,
        now: datetime,
    ) -> None:
        if revote.secret:
            rows = await session.execute(
                select(RevoteBox.choice, func.count())
                .where(RevoteBox.revote_id == revote.id)
                .group_by(RevoteBox.choice)
            )
            await session.execute(delete(RevoteBox).where(RevoteBox.revote_id == revote.id))
        else:
            rows = await session.execute(
                select(RevoteVote.choice, func.count())
                .where(RevoteVote.revote_id == revote.id)
                .group_by(RevoteVote.choice)
            )
        tally = {str(choice): int(n) for choice, n in rows}
        objection = await session.get_one(Objection, revote.objection_id)
        council = await council_members(session, objection.org_id)
        if revote.base == "present":
            base = voted
        else:
            base = revote.council_size - sum(1 for m in council if conflicted(candidate, m))
        figures = count(
            tally.get("yes", 0), tally.get("no", 0), base=base, threshold=revote.threshold
        )
        outcome = Outcome.PASSED if figures.passed else Outcome.FAILED
        org = await session.get_one(Org, objection.org_id)
        settings = await school_rules(session, org)
        if figures.passed and title_family(settings, candidate.title) == Family.CSTDCS:
            rnd = await session.get_one(JudgingRound, candidate.round_id)
            others = await session.scalar(
                select(func.count(Candidate.id)).where(
                    Candidate.round_id == rnd.id,
                    Candidate.title == candidate.title,
                    Candidate.outcome == Outcome.PASSED,
                    Candidate.id != candidate.id,
                )
            )
            if int(others or 0) >= await cstdcs_limit(session, rnd, settings):
                outcome = Outcome.OVER_CAP
        candidate.yes, candidate.no, candidate.base = figures.yes, figures.no, figures.base
        candidate.outcome = outcome
        revote.yes, revote.no, revote.voters = figures.yes, figures.no, voted
        revote.outcome_after = str(outcome)
        await session.flush()


__all__ = ["RevoteView", "Revoting", "ballot_buttons", "card_of", "progress_buttons"]
