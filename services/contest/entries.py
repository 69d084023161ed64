"""A member's entry: a short dialogue kept as a draft (about whom, its title, then its text typed
in as many messages as it takes until "Xong", or a DOCX/PDF file kept by the file store), a
preview, and the entry sent: a code the judges will know it by, never the author's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.reading import Unreadable, docx_text, pdf_text
from services import audit
from services.base import Env
from services.contest.common import ENTRIES, contest_of, phase, staff_names
from services.contest.rules import Names, anonymise
from services.conversations import Drafts, Kind, NoDraft
from services.errors import Invalid, NotAllowed
from services.files import FileTooLarge, keep_telegram_file, read_bytes
from services.people import Actor
from services.reviews.entries import add_file, mark_submitted, register
from storage.models import Contest, ReviewCall, StoredFile

WRITING = Drafts(Kind.CONTEST_ENTRY)
SUBJECT_MAX, TITLE_MAX = 200, 300
TEXT_MAX = 60_000  # characters of an entry (a story is capped at 3,000; an essay is longer)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {".docx": "docx", ".pdf": "pdf", DOCX: "docx", "application/pdf": "pdf"}


@dataclass(frozen=True)
class EntryDraft:
    """The entry being written, as far as its author got."""

    step: str  # subject | title | body | preview
    contest_title: str
    subject: str = ""
    title: str = ""
    parts: int = 0
    length: int = 0
    file_name: str = ""


def _draft(step: str, data: dict[str, Any]) -> EntryDraft:
    parts = [str(p) for p in data.get("parts", [])]
    length = len(str(data.get("file_text", ""))) or sum(len(p) for p in parts)
    return EntryDraft(
        step=step,
        contest_title=str(data.get("contest_title", "")),
        subject=str(data.get("subject", "")),
        title=str(data.get("title", "")),
        parts=len(parts),
        length=length,
        file_name=str(data.get("file_name", "")),
    )


def accepting(contest: Contest, call: ReviewCall, now: datetime) -> None:
    """Refuse an entry once the contest stopped taking them."""
    if phase(contest, call, now) != ENTRIES:
        raise NotAllowed("contest.entries_closed")
    if now < call.opens_at:
        raise NotAllowed("contest.not_open_yet", starts=call.opens_at)


async def begin(session: AsyncSession, who: Actor, contest_id: int, now: datetime) -> EntryDraft:
    """Start writing an entry for the school's contest."""
    assert who.person is not None
    contest, call = await contest_of(session, who.org_id, contest_id)
    accepting(contest, call, now)
    data = {"contest_id": contest.id, "contest_title": call.title, "parts": []}
    await WRITING.save(session, who.person.tg_user_id, "subject", data, now)
    return _draft("subject", data)


async def load(session: AsyncSession, tg_user_id: int) -> tuple[str, dict[str, Any]]:
    """The member's draft (step, data); Invalid when there is none."""
    try:
        convo = await WRITING.load(session, tg_user_id)
    except NoDraft:
        raise Invalid("errors.no_dialogue") from None
    return convo.step, dict(convo.data)


def _line(raw: str, limit: int, key: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise Invalid(f"contest.{key}_empty")
    if len(text) > limit:
        raise Invalid(f"contest.{key}_too_long", limit=limit)
    return text


async def typed(session: AsyncSession, who: Actor, text: str, now: datetime) -> EntryDraft:
    """What the member typed at the step they are at: whom the entry is about, its title, or a
    part of its text (kept at once)."""
    assert who.person is not None
    tg = who.person.tg_user_id
    step, data = await load(session, tg)
    if step == "subject":
        subject = _line(text, SUBJECT_MAX, "subject")
        if subject.casefold() == " ".join(who.person.full_name.split()).casefold():
            raise Invalid("contest.not_yourself")
        data["subject"], step = subject, "title"
    elif step == "title":
        data["title"], step = _line(text, TITLE_MAX, "title"), "body"
    elif step == "body":
        if data.get("file_text"):
            raise Invalid("contest.file_already")
        parts = [str(p) for p in data.get("parts", [])]
        if sum(len(p) for p in parts) + len(text) > TEXT_MAX:
            raise Invalid("contest.text_too_long", limit=TEXT_MAX)
        data["parts"] = [*parts, text]
    else:
        raise Invalid("contest.press_a_button")
    await WRITING.save(session, tg, step, data, now)
    return _draft(step, data)


async def done(session: AsyncSession, who: Actor, now: datetime) -> EntryDraft:
    """ "Xong": the text is complete; the preview."""
    assert who.person is not None
    step, data = await load(session, who.person.tg_user_id)
    if step != "body":
        raise Invalid("contest.press_a_button")
    if not data.get("parts") and not data.get("file_text"):
        raise Invalid("contest.no_text")
    await WRITING.save(session, who.person.tg_user_id, "preview", data, now)
    return _draft("preview", data)


async def attach(
    session: AsyncSession,
    env: Env,
    who: Actor,
    *,
    file_id: str,
    unique_id: str | None,
    name: str,
    mime: str,
    size: int | None,
    now: datetime,
) -> EntryDraft | None:
    """A DOCX or PDF sent as the entry (None: the member is not at that step, the file is not
    theirs to take); the file is kept, its text read for the judges."""
    assert who.person is not None
    try:
        step, data = await load(session, who.person.tg_user_id)
    except Invalid:
        return None
    if step != "body":
        raise Invalid("contest.file_not_now")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = KINDS.get(suffix) or KINDS.get(mime)
    if kind is None:
        raise Invalid("contest.bad_file")
    if data.get("parts"):
        raise Invalid("contest.text_already")
    try:
        stored = await keep_telegram_file(
            session, env, file_id=file_id, unique_id=unique_id, name=name, mime=mime, size=size
        )
    except FileTooLarge as too_big:
        raise Invalid("contest.file_too_large", limit=too_big.limit_mb) from None
    content = read_bytes(env, stored)
    try:
        text = docx_text(content) if kind == "docx" else pdf_text(content)
    except Unreadable:
        raise Invalid("contest.unreadable") from None
    if len(text) > TEXT_MAX:
        raise Invalid("contest.text_too_long", limit=TEXT_MAX)
    data.update(
        file_text=text,
        file_name=name,
        file_id=file_id,
        stored_id=stored.id,
        file_mime=mime,
        file_size=stored.size,
    )
    await WRITING.save(session, who.person.tg_user_id, "preview", data, now)
    return _draft("preview", data)


@dataclass(frozen=True)
class EntrySent:
    """The entry as its author is told it was received."""

    code: str
    title: str
    subject: str
    contest_title: str


async def send(session: AsyncSession, who: Actor, now: datetime) -> EntrySent:
    """Send the entry: registered and submitted on the engine, with its code. Its title is kept
    with the author's (and colleagues') names hidden: judges see it on their score sheets."""
    assert who.person is not None and who.membership is not None
    step, data = await load(session, who.person.tg_user_id)
    if step != "preview":
        raise Invalid("contest.press_a_button")
    contest, call = await contest_of(session, who.org_id, int(data["contest_id"]))
    accepting(contest, call, now)
    department = who.membership.department
    names = Names(
        who.person.full_name,
        tuple(await staff_names(session, who.org_id)),
        (str(data["subject"]),),
        department.name if department else "",
    )
    body = str(data.get("file_text") or "\n\n".join(str(p) for p in data.get("parts", [])))
    entry = await register(
        session,
        call=call,
        author_id=who.person.id,
        department_id=who.membership.department_id,
        title=anonymise(str(data["title"]), names),
        now=now,
        subject=str(data["subject"]),
    )
    entry.text = body
    mark_submitted(entry, now)
    if data.get("file_id"):
        stored = await session.get(StoredFile, int(data["stored_id"]))
        await add_file(
            session,
            call=call,
            entry=entry,
            role="writeup",
            tg_file_id=str(data["file_id"]),
            now=now,
            stored_file_id=stored.id if stored else None,
            name=str(data.get("file_name") or ""),
            mime=str(data.get("file_mime") or ""),
            size=int(data.get("file_size") or 0),
        )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="contest.entry",
        target=f"entry:{entry.id}",
        now=now,
        contest_id=contest.id,
        code=entry.code,
    )
    await WRITING.discard(session, who.person.tg_user_id)  # commits the entry with it
    return EntrySent(entry.code, entry.title, entry.subject or "", call.title)


async def discard(session: AsyncSession, who: Actor) -> bool:
    """Throw the draft away."""
    assert who.person is not None
    return await WRITING.discard(session, who.person.tg_user_id)
