"""An initiative's write-up and photos: the kind of file checked (DOCX or PDF; photos), its size
checked against what the bot can download before downloading, the bytes kept by the file store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.base import Env
from services.errors import Invalid
from services.files import FileGone, FileTooLarge, keep_telegram_file
from services.initiatives.views import PHOTOS_MAX, EntryLine, entry_line
from services.reviews import entries
from storage.models import ReviewCall, ReviewEntry

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
WRITEUP_TYPES = {".docx": DOCX, ".pdf": PDF}


@dataclass(frozen=True)
class Received:
    """A file taken for an initiative: what it was and the entry now."""

    role: str  # writeup | photo
    name: str
    entry: EntryLine


def writeup_kind(name: str, mime: str) -> str | None:
    """ ".docx" or ".pdf" when the file is one (by its name, else its type); None otherwise."""
    lowered = name.lower()
    for ext, wanted in WRITEUP_TYPES.items():
        if lowered.endswith(ext) or (not lowered and mime == wanted):
            return ext
    return None


async def receive(
    session: AsyncSession,
    env: Env,
    *,
    call: ReviewCall,
    entry: ReviewEntry,
    photo: bool,
    file_id: str,
    unique_id: str | None,
    name: str,
    mime: str,
    size: int | None,
    now: datetime,
) -> Received:
    """Keep a file sent for an initiative: a DOCX or PDF write-up (a new one of the same kind
    replaces the old), or a photo; refused politely when of another kind, too big, or gone."""
    entries.may_submit(call, entry, now)
    if photo:
        if await entries.count_photos(session, entry.id) >= PHOTOS_MAX:
            raise Invalid("initiatives.too_many_photos", limit=PHOTOS_MAX)
        role, shown = "photo", name or "photo.jpg"
    else:
        kind = writeup_kind(name, mime)
        if kind is None:
            raise Invalid("initiatives.wrong_type", name=name or mime or "?")
        role, shown = "writeup", name or f"sang_kien{kind}"
    try:  # downloaded before anything is written: no lock is held while it comes
        stored = await keep_telegram_file(
            session, env, file_id=file_id, unique_id=unique_id, name=shown, mime=mime, size=size
        )
    except FileTooLarge as too_big:
        raise Invalid(
            "initiatives.too_large",
            limit_mb=too_big.limit_mb,
            size_mb=round(too_big.size / 2**20, 1),
        ) from None
    except FileGone:
        raise Invalid("initiatives.file_gone") from None
    if role == "writeup":  # a new DOCX replaces the DOCX, a new PDF the PDF
        for old in await entries.files_of(session, entry.id, role="writeup"):
            if writeup_kind(old.name or "", old.mime or "") == writeup_kind(shown, mime):
                await session.delete(old)
        await session.flush()
    await entries.add_file(
        session,
        call=call,
        entry=entry,
        role=role,
        tg_file_id=file_id,
        stored_file_id=stored.id,
        name=shown,
        mime=mime,
        size=stored.size,
        now=now,
        replace=False,
    )
    return Received(role, shown, await entry_line(session, entry))
