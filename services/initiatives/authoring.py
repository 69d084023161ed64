"""The authors' use cases: registering an initiative (three typed answers, kept as a draft) and
sending its write-up and photos."""

from __future__ import annotations

from dataclasses import dataclass

from services.base import UseCases
from services.conversations import Drafts, Kind, NoDraft
from services.errors import Invalid, NotFound
from services.initiatives import files
from services.initiatives.common import member, the_call
from services.initiatives.views import EntryLine, entry_line
from services.reviews import calls, entries

REGISTER = Drafts(Kind.INITIATIVE)  # steps: title → field → problem; data: what was typed
SUBMIT = Drafts(Kind.INITIATIVE_FILE)  # data: {"e": entry id}
FIELD_MAX, PROBLEM_MAX = 120, 1500


@dataclass(frozen=True)
class Step:
    """Where a registration dialogue is: the next step asked, or the entry registered."""

    step: str  # title | field | problem | done
    entry: EntryLine | None = None


class Authoring(UseCases):
    """Registering and submitting initiatives (the base of `Initiatives`)."""

    # ------------------------------------------------------------------ registering

    async def begin_register(self, *, tg_user_id: int) -> Step:
        """A member starts registering an initiative (in the registration window)."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            call = await the_call(session, who)
            entries.in_window(call, self.now())
            await REGISTER.save(session, tg_user_id, "title", {}, self.now())
        return Step("title")

    async def typed(self, *, tg_user_id: int, text: str) -> Step:
        """The next answer of the registration dialogue (title, field, the problem it solves)."""
        now = self.now()
        async with self.env.sessions() as session:
            try:
                draft = await REGISTER.load(session, tg_user_id)
            except NoDraft:
                raise NotFound("initiatives.no_draft") from None
            who = await member(session, tg_user_id)
            assert who.person is not None and who.membership is not None
            data = dict(draft.data)
            if draft.step == "title":
                data["title"] = entries.clean(text, entries.TITLE_MAX, "reviews.title")
                await REGISTER.save(session, tg_user_id, "field", data, now)
                return Step("field")
            if draft.step == "field":
                data["field"] = entries.clean(text, FIELD_MAX, "initiatives.field")
                await REGISTER.save(session, tg_user_id, "problem", data, now)
                return Step("problem")
            problem = entries.clean(text, PROBLEM_MAX, "initiatives.problem")
            call = await the_call(session, who)
            entry = await entries.register(
                session,
                call=call,
                author_id=who.person.id,
                department_id=who.membership.department_id,
                title=str(data["title"]),
                field=str(data["field"]),
                summary=problem,
                now=now,
            )
            await REGISTER.discard(session, tg_user_id)  # commits the entry with the draft's end
            await session.refresh(entry, ["author", "department"])
            line = await entry_line(session, entry)
        return Step("done", line)

    # ------------------------------------------------------------------ submitting

    async def begin_submit(self, *, tg_user_id: int, entry_id: int) -> EntryLine:
        """An author starts sending the write-up of their initiative."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            assert who.person is not None
            entry = await entries.own_entry(session, who.person.id, entry_id)
            call = await calls.call_of(session, who.org_id, entry.call_id)
            entries.may_submit(call, entry, self.now())
            await SUBMIT.save(session, tg_user_id, "files", {"e": entry.id}, self.now())
            entry = await entries.entry_of(session, who.org_id, entry.id)
            return await entry_line(session, entry)

    async def receive_file(
        self,
        *,
        tg_user_id: int,
        file_id: str,
        unique_id: str | None,
        name: str,
        mime: str,
        size: int | None,
        photo: bool = False,
    ) -> files.Received:
        """A file the author sent while submitting: checked, downloaded and kept."""
        now = self.now()
        async with self.env.sessions() as session:
            try:
                draft = await SUBMIT.load(session, tg_user_id)
            except NoDraft:
                raise NotFound("initiatives.no_draft") from None
            who = await member(session, tg_user_id)
            assert who.person is not None
            entry = await entries.own_entry(session, who.person.id, int(draft.data["e"]))
            call = await calls.call_of(session, who.org_id, entry.call_id)
            entry = await entries.entry_of(session, who.org_id, entry.id)
            received = await files.receive(
                session,
                self.env,
                call=call,
                entry=entry,
                photo=photo,
                file_id=file_id,
                unique_id=unique_id,
                name=name,
                mime=mime,
                size=size,
                now=now,
            )
            await session.commit()
        return received

    async def end_submit(self, *, tg_user_id: int, entry_id: int) -> EntryLine:
        """The author has sent every file (a write-up is needed)."""
        async with self.env.sessions() as session:
            who = await member(session, tg_user_id)
            assert who.person is not None
            entry = await entries.own_entry(session, who.person.id, entry_id)
            entry = await entries.entry_of(session, who.org_id, entry.id)
            line = await entry_line(session, entry)
            if not line.writeups:
                raise Invalid("initiatives.writeup_needed")
            await SUBMIT.discard(session, tg_user_id)
        return line
