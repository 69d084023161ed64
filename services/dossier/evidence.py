"""The evidence (minh chứng): the photos of the nominees' approved good-deed stories of the
round's school year, downloaded from Telegram once into the file store (services/files.py).

A photo Telegram no longer serves, or one too large for a bot to download, is recorded with its
reason and reported in the evidence index and to the chair: never skipped silently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import Env
from services.calendar import Period
from services.errors import Invalid
from services.files import FileGone, FileTooLarge, keep_telegram_file
from storage.models import (
    EvidenceFile,
    JudgingRound,
    Person,
    StoredFile,
    Story,
    StoryPhoto,
    StoryStatus,
)

PARALLEL = 4  # downloads at once: Telegram serves files quickly, one at a time is slow
Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class Photo:
    """One photo of an approved story, and what the file store holds for it."""

    photo_id: int
    file_id: str
    position: int
    story_id: int
    story_date: date
    person_id: int
    nominee: str
    sha256: str | None = None
    size: int = 0
    mime: str | None = None
    problem: str | None = None  # "gone" | "too_large"


async def photos_of(
    session: AsyncSession, env: Env, judging: JudgingRound, person_ids: Sequence[int]
) -> list[Photo]:
    """The photos of the approved stories about these people in the round's school year, by
    person, story and position, with what was kept of each before."""
    if not person_ids:
        return []
    start, end = Period(judging.period_start, judging.period_end, "").bounds(env.tz)
    # Columns, not entities: a dossier may have hundreds of photos.
    rows = await session.execute(
        select(
            StoryPhoto.id,
            StoryPhoto.file_id,
            StoryPhoto.position,
            Story.id,
            Story.submitted_at,
            Story.nominee_person_id,
            Person.full_name,
            EvidenceFile.problem,
            StoredFile.sha256,
            StoredFile.size,
            StoredFile.mime,
        )
        .join(Story, Story.id == StoryPhoto.story_id)
        .join(Person, Person.id == Story.nominee_person_id)
        .outerjoin(EvidenceFile, EvidenceFile.photo_id == StoryPhoto.id)
        .outerjoin(StoredFile, StoredFile.id == EvidenceFile.stored_file_id)
        .where(
            Story.org_id == judging.org_id,
            Story.status == StoryStatus.APPROVED,
            Story.nominee_person_id.in_(list(person_ids)),
            Story.submitted_at >= start,
            Story.submitted_at < end,
        )
        .order_by(Person.full_name, Story.id, StoryPhoto.position)
    )
    found = []
    for (
        photo_id,
        file_id,
        position,
        story_id,
        at,
        person_id,
        name,
        problem,
        sha,
        size,
        mime,
    ) in rows:
        assert person_id is not None  # joined on it
        found.append(
            Photo(
                photo_id=photo_id,
                file_id=file_id,
                position=position + 1,
                story_id=story_id,
                story_date=at.astimezone(env.tz).date(),
                person_id=person_id,
                nominee=name,
                sha256=sha if sha is not None and env.files.has(sha) else None,
                size=size or 0,
                mime=mime,
                problem=problem,
            )
        )
    return found


async def _fetch_one(env: Env, photo: Photo, now: datetime) -> Photo:
    """Download one photo into the store (its own short transaction); the photo as kept."""
    async with env.sessions() as session:
        problem, stored = None, None
        try:
            stored = await keep_telegram_file(
                session,
                env,
                file_id=photo.file_id,
                name=f"story-{photo.story_id}-{photo.position}",
            )
        except FileGone:
            problem = "gone"
        except FileTooLarge:
            problem = "too_large"
        except Exception as exc:  # the network, Telegram down: the chair tries again later
            raise Invalid("dossier.download_failed") from exc
        kept = await session.scalar(
            select(EvidenceFile).where(EvidenceFile.photo_id == photo.photo_id)
        )
        if kept is None:
            kept = EvidenceFile(photo_id=photo.photo_id, checked_at=now)
            session.add(kept)
        kept.stored_file_id = stored.id if stored is not None else None
        kept.problem, kept.checked_at = problem, now
        await session.commit()
    if stored is None:
        return Photo(**{**photo.__dict__, "problem": problem})
    return Photo(
        **{**photo.__dict__, "sha256": stored.sha256, "size": stored.size, "problem": None}
    )


async def fetch_missing(
    env: Env, photos: list[Photo], now: datetime, progress: Progress | None = None
) -> list[Photo]:
    """Download every photo not kept yet (a photo Telegram said is gone is not asked again);
    `progress(done, total)` as they come in. The photos, in the same order, as kept."""
    total, done = len(photos), 0
    result = list(photos)
    todo = [i for i, p in enumerate(photos) if p.sha256 is None and p.problem is None]
    done = total - len(todo)
    if progress is not None:
        await progress(done, total)
    gate = asyncio.Semaphore(PARALLEL)

    async def one(i: int) -> None:
        nonlocal done
        async with gate:
            result[i] = await _fetch_one(env, photos[i], now)
        done += 1
        if progress is not None:
            await progress(done, total)

    await asyncio.gather(*(one(i) for i in todo))
    return result
