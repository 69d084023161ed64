"""Answering an objection: the chair answers or assigns a council member to; the answer is
typed in a durable dialogue; the filer is told privately; nobody decides anything that names
them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations, outbox
from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.common import council_members, council_of
from services.judging.publication.cards import Card, card_of, show_card
from services.judging.publication.common import (
    chair_of,
    names_member,
    objection_of,
    refuse_if_named,
)
from services.people import Actor
from storage.models import (
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Person,
    Revote,
    Role,
)
from ui.buttons.publication import ObjAnswer

ANSWERING = Drafts(Kind.OBJECTION_ANSWER)
ANSWER_MAX = 3000


@dataclass(frozen=True)
class Choices:
    """Council members the chair may assign an objection to."""

    card: Card
    members: tuple[tuple[int, str], ...]  # (person id, name)


async def may_decide(session: AsyncSession, objection: Objection, who: Actor) -> None:
    """The presser answers (or re-votes on) this objection: the chair or the member she
    assigned, and it does not name them."""
    assert who.person is not None
    if objection.status != ObjectionStatus.OPEN:
        raise AlreadyDone("publication.already_answered", number=objection.number)
    if who.role != Role.CHAIR and objection.assignee_id != who.person.id:
        raise NotAllowed("publication.answer_not_yours")
    await refuse_if_named(session, objection, who)


class Answering(UseCases):
    """The chair assigns; the chair or the assignee answers; the filer is told."""

    async def assign_choices(self, *, tg_user_id: int, objection_id: int) -> Choices:
        """The council members the chair may assign (not herself, none the objection names)."""
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            objection = await objection_of(session, who, objection_id)
            if objection.status != ObjectionStatus.OPEN:
                raise AlreadyDone("publication.already_answered", number=objection.number)
            members = []
            for m in await council_members(session, who.org_id):
                if m.role == Role.CHAIR:
                    continue
                if await names_member(session, objection, Actor(m.person, m)):
                    continue
                members.append((m.person_id, m.person.full_name))
            return Choices(await card_of(session, objection), tuple(members))

    async def assign(self, *, tg_user_id: int, objection_id: int, person_id: int) -> Card:
        """The chair assigns a council member to answer; they are told privately with the
        "Trả lời" button; the reminder then goes to them."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await chair_of(session, tg_user_id)
            assert who.person is not None
            objection = await objection_of(session, who, objection_id)
            if objection.status != ObjectionStatus.OPEN:
                raise AlreadyDone("publication.already_answered", number=objection.number)
            member = next(
                (
                    m
                    for m in await council_members(session, who.org_id)
                    if m.person_id == person_id and m.role != Role.CHAIR
                ),
                None,
            )
            if member is None:
                raise NotFound("errors.stale_button")
            if await names_member(session, objection, Actor(member.person, member)):
                raise NotAllowed("publication.assignee_named")
            objection.assignee_id = member.person_id
            await session.flush()
            card = await card_of(session, objection)
            locale = self.texts.locale(member.person.locale)
            outbox.enqueue_message(
                session,
                chat_id=member.person.tg_user_id,
                text=self.texts.render(locale, "publication.assigned_notice", card=card),
                buttons=[
                    [
                        (
                            self.texts.plain(locale, "publication.answer_button"),
                            ObjAnswer(objection.id).pack(),
                        )
                    ]
                ],
                now=now,
                ref=f"obj:{objection.id}:assigned:{member.person_id}",
            )
            await show_card(session, objection, self.texts, now)
            await audit.record(
                session,
                org_id=objection.org_id,
                actor_id=who.person.id,
                action="objection.assign",
                target=f"objection:{objection.id}",
                now=now,
                assignee=member.person_id,
            )
            await session.commit()
            return card

    async def begin_answer(self, *, tg_user_id: int, objection_id: int) -> Card:
        """The chair or the assignee starts the answer; they type it next (privately)."""
        async with self.env.sessions() as session:
            who = await council_of(session, tg_user_id)
            objection = await objection_of(session, who, objection_id)
            await may_decide(session, objection, who)
            if await self._revote_open(session, objection):
                raise Invalid("publication.revote_still_open")
            await ANSWERING.save(
                session, tg_user_id, "text", {"objection_id": objection.id}, self.now()
            )
            return await card_of(session, objection)

    async def _revote_open(self, session: AsyncSession, objection: Objection) -> bool:
        return (
            await session.scalar(
                select(Revote.id).where(
                    Revote.objection_id == objection.id, Revote.status == "open"
                )
            )
        ) is not None

    async def answer(self, *, tg_user_id: int, text: str) -> Card:
        """The answer typed: recorded, the filer told privately (with the re-vote's count, if
        one was held), the council's card updated, the reminder cancelled."""
        now = self.now()
        body = text.strip()
        if not body:
            raise Invalid("publication.text_empty")
        if len(body) > ANSWER_MAX:
            raise Invalid("publication.text_too_long", limit=ANSWER_MAX, length=len(body))
        async with self.env.sessions() as session:
            try:
                convo = await ANSWERING.load(session, tg_user_id)
            except NoDraft:
                raise Invalid("errors.no_dialogue") from None
            who = await council_of(session, tg_user_id)
            assert who.person is not None
            objection = await objection_of(session, who, int(convo.data["objection_id"]))
            await may_decide(session, objection, who)
            if await self._revote_open(session, objection):
                raise Invalid("publication.revote_still_open")
            done = await session.execute(
                update(Objection)
                .where(Objection.id == objection.id, Objection.status == ObjectionStatus.OPEN)
                .values(
                    status=ObjectionStatus.ANSWERED,
                    answer=body,
                    answered_by=who.person.id,
                    answered_at=now,
                )
            )
            if done.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("publication.already_answered", number=objection.number)
            await session.refresh(objection)
            await session.execute(
                update(Notice)
                .where(
                    Notice.key == f"objection:{objection.id}:answer",
                    Notice.status == NoticeStatus.PENDING,
                )
                .values(status=NoticeStatus.CANCELLED)
            )
            filer = await session.get_one(Person, objection.filer_id)
            mine = await card_of(session, objection, with_name=True)
            locale = self.texts.locale(filer.locale)
            outbox.enqueue_message(
                session,
                chat_id=filer.tg_user_id,
                text=self.texts.render(locale, "publication.answer_notice", card=mine),
                now=now,
                ref=f"obj:{objection.id}:answer",
            )
            await show_card(session, objection, self.texts, now)
            await audit.record(
                session,
                org_id=objection.org_id,
                actor_id=who.person.id,
                action="objection.answer",
                target=f"objection:{objection.id}",
                now=now,
                number=objection.number,
            )
            await conversations.end(
                session, chat_id=tg_user_id, user_id=tg_user_id, kind=Kind.OBJECTION_ANSWER
            )
            await session.commit()
            return await card_of(session, objection)
