"""The decision comes back (quyết định khen thưởng): the chair records the deciding level's
decision in a durable dialogue (number, date, who signed, then ticks the titles granted among the
closed round's passed candidates, all by default); each person granted is congratulated through
the outbox; the honours list feeds /tally, the export, the reports and next year's checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, outbox
from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotFound
from services.judging.decisions.honours import (
    HonourRow,
    consecutive_years,
    decision_text,
    honours_of,
    year_honours,
    year_label,
)
from services.naming import check_visible, sort_key
from services.people import Actor, require_role
from storage.models import (
    Candidate,
    Conversation,
    Decision,
    Department,
    Honour,
    JudgingRound,
    Membership,
    MemberStatus,
    Outcome,
    Person,
    Role,
    RoundStatus,
)

__all__ = [
    "DecisionStep",
    "Decisions",
    "HonourRow",
    "Recorded",
    "consecutive_years",
    "honours_of",
    "year_honours",
]

DRAFT = Drafts(Kind.DECISION)
_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
NUMBER_MAX, SIGNER_MAX = 60, 160


@dataclass(frozen=True)
class Pending:
    """A passed candidate no decision has granted yet, ticked or not in the draft."""

    id: int
    title: str
    name: str
    ticked: bool


@dataclass(frozen=True)
class DecisionStep:
    """The step of the chair's dialogue: number, date, signer, or the ticks."""

    step: str
    round_name: str
    number: str = ""
    signed_on: date | None = None
    signer: str = ""
    candidates: tuple[Pending, ...] = ()


@dataclass(frozen=True)
class Recorded:
    """A decision recorded: its words and who was granted what."""

    number: str
    signed_on: date
    signer: str
    decision: str  # "Quyết định số … ngày …"
    granted: tuple[tuple[str, str], ...]  # (title, name)
    congratulated: int


def parse_day(text: str, today: date) -> date:
    """ "20/06/2027" (or with - or .), not after today."""
    match = _DATE.match(text)
    if match is None:
        raise Invalid("decisions.bad_date", text=text.strip()[:40])
    try:
        day = date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise Invalid("decisions.bad_date", text=text.strip()[:40]) from None
    if day > today:
        raise Invalid("decisions.future_date")
    return day


async def _chair(session: AsyncSession, tg_user_id: int) -> Actor:
    who = await require_role(session, tg_user_id, {Role.CHAIR}, refusal="decisions.chair_only")
    assert who.person is not None
    return who


async def _final_round(session: AsyncSession, org_id: int) -> JudgingRound:
    rnd = await session.scalar(
        select(JudgingRound)
        .where(JudgingRound.org_id == org_id, JudgingRound.status == RoundStatus.CLOSED)
        .order_by(JudgingRound.id.desc())
        .limit(1)
    )
    if rnd is None:
        raise NotFound("decisions.no_final_round")
    return rnd


async def _pending(session: AsyncSession, round_id: int) -> list[tuple[Candidate, str]]:
    """The round's passed candidates not granted yet, by title then name."""
    granted = select(Honour.candidate_id)
    rows = await session.execute(
        select(Candidate, Person.full_name, Department.name)
        .outerjoin(Person, Person.id == Candidate.person_id)
        .outerjoin(Department, Department.id == Candidate.department_id)
        .where(
            Candidate.round_id == round_id,
            Candidate.outcome == Outcome.PASSED,
            Candidate.id.not_in(granted),
        )
    )
    rnd = await session.get_one(JudgingRound, round_id)
    order = {t: i for i, t in enumerate(rnd.titles)}
    found = [(c, person or dept or "") for c, person, dept in rows.all()]
    return sorted(found, key=lambda x: (order.get(x[0].title, 99), sort_key(x[1])))


class Decisions(UseCases):
    """The chair records the decision; the honours list is read everywhere."""

    async def _view(self, session: AsyncSession, step: str, data: dict[str, Any]) -> DecisionStep:
        rnd = await session.get_one(JudgingRound, int(data["round_id"]))
        skip = {int(x) for x in data.get("skip", [])}
        pending = await _pending(session, rnd.id) if step == "ticks" else []
        return DecisionStep(
            step=step,
            round_name=rnd.name,
            number=str(data.get("number", "")),
            signed_on=date.fromisoformat(data["signed_on"]) if data.get("signed_on") else None,
            signer=str(data.get("signer", "")),
            candidates=tuple(Pending(c.id, c.title, name, c.id not in skip) for c, name in pending),
        )

    async def _save(
        self, session: AsyncSession, tg_user_id: int, step: str, data: dict[str, Any]
    ) -> DecisionStep:
        await DRAFT.save(session, tg_user_id, step, data, self.now())
        return await self._view(session, step, data)

    async def _draft(self, session: AsyncSession, tg_user_id: int) -> tuple[Actor, Conversation]:
        who = await _chair(session, tg_user_id)
        try:
            convo = await DRAFT.load(session, tg_user_id)
        except NoDraft:
            raise Invalid("errors.no_dialogue") from None
        rnd = await session.get(JudgingRound, int(convo.data["round_id"]))
        if rnd is None or rnd.org_id != who.org_id:  # the chair moved to another school
            raise NotFound("decisions.no_final_round")
        return who, convo

    async def begin(self, *, tg_user_id: int) -> DecisionStep:
        """/decision: the chair starts recording a decision on the closed round's result."""
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            rnd = await _final_round(session, who.org_id)
            if not await _pending(session, rnd.id):
                raise AlreadyDone("decisions.nothing_to_decide")
            return await self._save(session, tg_user_id, "number", {"round_id": rnd.id})

    async def answer(self, *, tg_user_id: int, text: str) -> DecisionStep:
        """A typed answer: the number, the date, who signed."""
        async with self.env.sessions() as session:
            _, convo = await self._draft(session, tg_user_id)
            data, typed = dict(convo.data), " ".join(text.split())
            if convo.step == "number":
                if not typed or len(typed) > NUMBER_MAX:
                    raise Invalid("decisions.bad_number", limit=NUMBER_MAX)
                check_visible(typed)
                return await self._save(session, tg_user_id, "date", {**data, "number": typed})
            if convo.step == "date":
                day = parse_day(typed, self.today())
                data["signed_on"] = day.isoformat()
                return await self._save(session, tg_user_id, "signer", data)
            if convo.step == "signer":
                if not typed or len(typed) > SIGNER_MAX:
                    raise Invalid("decisions.bad_signer", limit=SIGNER_MAX)
                check_visible(typed)
                return await self._save(
                    session, tg_user_id, "ticks", {**data, "signer": typed, "skip": []}
                )
            raise Invalid("decisions.use_buttons")

    async def tick(self, *, tg_user_id: int, candidate_id: int) -> DecisionStep:
        """Tick or untick a candidate as granted by this decision."""
        async with self.env.sessions() as session:
            _, convo = await self._draft(session, tg_user_id)
            if convo.step != "ticks":
                raise Invalid("decisions.use_buttons")
            data = dict(convo.data)
            ids = {c.id for c, _ in await _pending(session, int(data["round_id"]))}
            if candidate_id not in ids:
                raise NotFound("decisions.not_a_candidate")
            skip = {int(x) for x in data.get("skip", [])} ^ {candidate_id}
            data["skip"] = sorted(skip)
            return await self._save(session, tg_user_id, "ticks", data)

    async def cancel(self, *, tg_user_id: int) -> bool:
        """Throw the draft away."""
        async with self.env.sessions() as session:
            await _chair(session, tg_user_id)
            return await DRAFT.discard(session, tg_user_id)

    async def save(self, *, tg_user_id: int) -> Recorded:
        """Record the decision with the ticked candidates; each person granted (a department's
        head for a collective title) is congratulated privately."""
        now = self.now()
        async with self.env.sessions() as session:
            who, convo = await self._draft(session, tg_user_id)
            if convo.step != "ticks":
                raise Invalid("decisions.use_buttons")
            data = dict(convo.data)
            skip = {int(x) for x in data.get("skip", [])}
            rnd = await session.get_one(JudgingRound, int(data["round_id"]))
            chosen = [(c, n) for c, n in await _pending(session, rnd.id) if c.id not in skip]
            if not chosen:
                raise Invalid("decisions.none_ticked")
            assert who.person is not None
            decision = Decision(
                org_id=rnd.org_id,
                round_id=rnd.id,
                number=str(data["number"]),
                signed_on=date.fromisoformat(data["signed_on"]),
                signer=str(data["signer"]),
                created_by=who.person.id,
                created_at=now,
            )
            session.add(decision)
            await session.flush()
            words = decision_text(decision.number, decision.signed_on)
            told = 0
            for candidate, name in chosen:
                session.add(
                    Honour(
                        org_id=rnd.org_id,
                        decision_id=decision.id,
                        candidate_id=candidate.id,
                        person_id=candidate.person_id,
                        department_id=candidate.department_id
                        if candidate.person_id is None
                        else None,
                        title=candidate.title,
                        year=rnd.year,
                    )
                )
                told += await self._congratulate(session, rnd, candidate, name, words)
            await audit.record(
                session,
                org_id=rnd.org_id,
                actor_id=who.person.id,
                action="decision.record",
                target=f"decision:{decision.id}",
                now=now,
                number=decision.number,
                signed_on=data["signed_on"],
                signer=decision.signer,
                candidates=[c.id for c, _ in chosen],
            )
            try:
                await DRAFT.discard(session, tg_user_id)  # commits
            except IntegrityError:  # a second press recorded the same candidates first
                await session.rollback()
                raise AlreadyDone("decisions.already_recorded") from None
            return Recorded(
                number=decision.number,
                signed_on=decision.signed_on,
                signer=decision.signer,
                decision=words,
                granted=tuple((c.title, n) for c, n in chosen),
                congratulated=told,
            )

    async def _congratulate(
        self,
        session: AsyncSession,
        rnd: JudgingRound,
        candidate: Candidate,
        name: str,
        words: str,
    ) -> int:
        if candidate.person_id is not None:
            people = [await session.get_one(Person, candidate.person_id)]
        else:
            people = list(
                (
                    await session.scalars(
                        select(Person)
                        .join(Membership, Membership.person_id == Person.id)
                        .where(
                            Membership.org_id == rnd.org_id,
                            Membership.status == MemberStatus.ACTIVE,
                            Membership.department_id == candidate.department_id,
                            Membership.heads_department.is_(True),
                        )
                    )
                ).all()
            )
        for person in people:
            locale = self.texts.locale(person.locale)
            outbox.enqueue_message(
                session,
                chat_id=person.tg_user_id,
                text=self.texts.render(
                    locale,
                    "decisions.congratulations",
                    name=name,
                    title=candidate.title,
                    year=year_label(rnd.year),
                    decision=words,
                    collective=candidate.person_id is None,
                ),
                now=self.now(),
                ref=f"decision:{rnd.id}",
            )
        return len(people)
