"""Entries of a call: registered (title, field, what it is about), then submitted (a text, or
files kept by the file store), each with a code an anonymous jury sees instead of the author."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services import audit
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.naming import check_visible
from storage.models import (
    CallKind,
    CallStatus,
    EntryFile,
    EntryStatus,
    ReviewCall,
    ReviewEntry,
)

CODE_PREFIX = {CallKind.INITIATIVE: "SK", CallKind.CONTEST: "BV"}
TITLE_MAX, FIELD_MAX, SUMMARY_MAX = 300, 120, 1500
# An entry can still change (files, text) until it is given to reviewers.
EDITABLE = (EntryStatus.REGISTERED, EntryStatus.SUBMITTED)


async def _new_code(session: AsyncSession, call: ReviewCall) -> str:
    """A code not yet used in this call: a prefix and three random digits (random, so the code
    says nothing about who registered when)."""
    taken = set(
        await session.scalars(select(ReviewEntry.code).where(ReviewEntry.call_id == call.id))
    )
    prefix = CODE_PREFIX.get(CallKind(call.kind), "RV")
    width = 3 if len(taken) < 500 else 4
    while True:
        code = f"{prefix}-{secrets.randbelow(10**width):0{width}d}"
        if code not in taken:
            return code


def clean(raw: str, limit: int, key: str) -> str:
    """Text typed by a person: spaces tidied, not empty, not over `limit` (Invalid `key`)."""
    text = " ".join(raw.split()) if "\n" not in raw else raw.strip()
    check_visible(text)  # no hidden characters in what the jury and documents show
    if not text:
        raise Invalid(f"{key}_empty")
    if len(text) > limit:
        raise Invalid(f"{key}_too_long", limit=limit)
    return text


def in_window(call: ReviewCall, now: datetime) -> None:
    """Refuse a registration outside the call's window."""
    if call.status != CallStatus.OPEN:
        raise AlreadyDone("reviews.call_closed")
    if now < call.opens_at:
        raise NotAllowed("reviews.not_open_yet", opens_at=call.opens_at)
    if now >= call.closes_at:
        raise NotAllowed("reviews.registration_closed", closes_at=call.closes_at)


async def register(
    session: AsyncSession,
    *,
    call: ReviewCall,
    author_id: int,
    department_id: int | None,
    title: str,
    now: datetime,
    field: str = "",
    summary: str = "",
    subject: str | None = None,
    coauthor_ids: Sequence[int] = (),
) -> ReviewEntry:
    """Register an entry in the call's window."""
    in_window(call, now)
    entry = ReviewEntry(
        call_id=call.id,
        org_id=call.org_id,
        code=await _new_code(session, call),
        author_id=author_id,
        coauthor_ids=[int(p) for p in coauthor_ids if p != author_id],
        department_id=department_id,
        title=clean(title, TITLE_MAX, "reviews.title"),
        field=" ".join(field.split())[:FIELD_MAX],
        summary=summary.strip()[:SUMMARY_MAX],
        subject=subject,
        status=EntryStatus.REGISTERED,
        stage=call.stage,
        registered_at=now,
    )
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=author_id,
        action="review.register",
        target=f"entry:{entry.id}",
        now=now,
        call_id=call.id,
    )
    return entry


def authors(entry: ReviewEntry) -> set[int]:
    """The entry's author and co-authors (person ids)."""
    return {entry.author_id, *(int(p) for p in entry.coauthor_ids)}


async def entry_of(session: AsyncSession, org_id: int, entry_id: int) -> ReviewEntry:
    """An entry of this school (another school's is not found)."""
    entry = await session.get(
        ReviewEntry,
        entry_id,
        options=[joinedload(ReviewEntry.author), joinedload(ReviewEntry.department)],
    )
    if entry is None or entry.org_id != org_id:
        raise NotFound("reviews.no_entry")
    loaded = inspect(entry).unloaded
    if "author" in loaded or "department" in loaded:  # it was in the session already
        await session.refresh(entry, ["author", "department"])
    return entry


async def own_entry(session: AsyncSession, person_id: int, entry_id: int) -> ReviewEntry:
    """An entry this person wrote (anyone else's is not found)."""
    entry = await session.get(ReviewEntry, entry_id)
    if entry is None or person_id not in authors(entry):
        raise NotFound("reviews.no_entry")
    return entry


async def entries_of(
    session: AsyncSession, call_id: int, *, author_id: int | None = None
) -> Sequence[ReviewEntry]:
    """The call's entries (withdrawn ones left out), oldest first; or one author's."""
    query = (
        select(ReviewEntry)
        .options(joinedload(ReviewEntry.author), joinedload(ReviewEntry.department))
        .where(ReviewEntry.call_id == call_id, ReviewEntry.status != EntryStatus.WITHDRAWN)
        .order_by(ReviewEntry.id)
    )
    if author_id is not None:
        query = query.where(ReviewEntry.author_id == author_id)
    return (await session.scalars(query)).all()


def may_submit(call: ReviewCall, entry: ReviewEntry, now: datetime) -> None:
    """Refuse a write-up after the deadline or once reviewers have it."""
    if call.status != CallStatus.OPEN:
        raise AlreadyDone("reviews.call_closed")
    if entry.status not in EDITABLE:
        raise AlreadyDone("reviews.already_in_review")
    if now >= call.submit_by:
        raise NotAllowed("reviews.submission_closed", submit_by=call.submit_by)


async def add_file(
    session: AsyncSession,
    *,
    call: ReviewCall,
    entry: ReviewEntry,
    role: str,
    tg_file_id: str,
    now: datetime,
    stored_file_id: int | None = None,
    name: str | None = None,
    mime: str | None = None,
    size: int | None = None,
    replace: bool = True,
) -> EntryFile:
    """Attach a file (role "writeup" replaces the earlier write-up unless `replace` is False;
    "photo" adds one); a write-up makes the entry submitted."""
    may_submit(call, entry, now)
    if role == "writeup" and replace:
        for old in await files_of(session, entry.id, role="writeup"):
            await session.delete(old)
    row = EntryFile(
        entry_id=entry.id,
        role=role,
        stored_file_id=stored_file_id,
        tg_file_id=tg_file_id,
        name=name,
        mime=mime,
        size=size,
        added_at=now,
    )
    session.add(row)
    if role == "writeup":
        mark_submitted(entry, now)
    await session.flush()
    return row


def mark_submitted(entry: ReviewEntry, now: datetime) -> None:
    """The entry's write-up (or text) is in."""
    entry.status = EntryStatus.SUBMITTED
    entry.submitted_at = now


async def files_of(
    session: AsyncSession, entry_id: int, *, role: str | None = None
) -> Sequence[EntryFile]:
    """An entry's files, oldest first."""
    query = select(EntryFile).where(EntryFile.entry_id == entry_id).order_by(EntryFile.id)
    if role is not None:
        query = query.where(EntryFile.role == role)
    return (await session.scalars(query)).all()


async def count_photos(session: AsyncSession, entry_id: int) -> int:
    """How many photos an entry has."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(EntryFile)
            .where(EntryFile.entry_id == entry_id, EntryFile.role == "photo")
        )
        or 0
    )
