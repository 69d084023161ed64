"""The dossier for the level that decides (hồ sơ đề nghị khen thưởng): one ZIP per deciding level,
built for the chair on request, every version kept in the file store.

What goes in: the principal's tờ trình, the list attached (DOCX and XLSX), the newest minutes and
count record, the other rooms' parts (`sources`), the evidence with its index, and the table of
contents first. What stops it: whatever a blocker source says (`blockers`): the round still open,
an objection not answered, ... (see services/dossier/sources.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reports.dossier import zip_name
from reports.dossier_zip import split_zip
from services import audit
from services.base import Env, UseCases
from services.dossier.assemble import Assembled, assemble, fingerprint
from services.dossier.content import (
    Content,
    addressee,
    blockers_of,
    content_of,
    level_slug,
    levels,
    passed,
)
from services.dossier.evidence import Photo, fetch_missing, photos_of
from services.dossier.sources import BLOCKER_SOURCES, PART_SOURCES
from services.dossier.views import (
    Blocked,
    Built,
    LevelLine,
    MissingPhoto,
    Overview,
    VersionLine,
)
from services.dossier_parts import BlockerSource, DossierBlocker, DossierPart, PartSource
from services.errors import AlreadyDone, NotFound
from services.judging.common import round_of
from services.people import Actor, require_role
from services.school import values
from storage.files import FileStore
from storage.models import DossierVersion, JudgingRound, Role, StoredFile

__all__ = [
    "BLOCKER_SOURCES",
    "PART_SOURCES",
    "Blocked",
    "Built",
    "DossierBlocker",
    "DossierPart",
    "Dossiers",
    "LevelLine",
    "MissingPhoto",
    "Overview",
    "VersionLine",
]

STALE_SECONDS = 24 * 3600  # an unfinished ZIP this old was left by a crash, not a build running
# (stage, done, total): "photos" while the evidence is downloaded, "zip" while it is packed.
Progress = Callable[[str, int, int], Awaitable[None]]


async def _chair(session: AsyncSession, tg_user_id: int) -> Actor:
    return await require_role(
        session, tg_user_id, {Role.CHAIR}, refusal="dossier.chair_only", strangers_too=True
    )


async def _round(session: AsyncSession, who: Actor, round_id: int | None) -> JudgingRound:
    if round_id is not None:
        return await round_of(session, who.org_id, round_id)
    newest = await session.scalar(
        select(JudgingRound)
        .where(JudgingRound.org_id == who.org_id)
        .order_by(JudgingRound.id.desc())
        .limit(1)
    )
    if newest is None:
        raise NotFound("dossier.no_round")
    return newest


def _volumes(source: Path, limit: int, folder: Path, stem: str) -> list[Path]:
    """The volumes made before when they are all there (`-phan-2-tren-3`), else made now."""
    made = list(folder.glob(f"{stem}-phan-*-tren-*.zip")) if folder.is_dir() else []
    numbers = [
        p.name.removeprefix(f"{stem}-phan-").removesuffix(".zip").split("-tren-") for p in made
    ]
    if made and all(len(n) == 2 and n[1] == str(len(made)) for n in numbers):
        return [p for _, p in sorted(zip((int(n[0]) for n in numbers), made, strict=True))]
    for old in made:  # a split a crash cut short
        old.unlink(missing_ok=True)
    return split_zip(source, limit, folder, stem)


def _build_zip(
    store: FileStore,
    content: Content,
    photos: list[Photo],
    number: int,
    to_pdf: Callable[[bytes], bytes | None] | None,
) -> Assembled:
    """Write the ZIP beside the store's files, then move it under its SHA-256 (a thread)."""
    store.root.mkdir(parents=True, exist_ok=True)
    for stale in store.root.glob(".partial-dossier-*.zip"):  # a build a crash cut short
        with contextlib.suppress(FileNotFoundError):
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
    fd, partial = tempfile.mkstemp(dir=store.root, prefix=".partial-dossier-", suffix=".zip")
    os.close(fd)
    out = Path(partial)
    try:
        made = assemble(content, photos, store, out, version=number, to_pdf=to_pdf)
        target = store.path(made.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file():  # else the same bytes were kept before (an identical rebuild)
            os.replace(out, target)
        return made
    finally:
        with contextlib.suppress(FileNotFoundError):
            out.unlink()


class Dossiers(UseCases):
    """The dossier for each deciding level of a round: built, kept, sent to the chair."""

    def __init__(
        self,
        env: Env,
        *,
        sources: Sequence[PartSource] | None = None,
        blockers: Sequence[BlockerSource] | None = None,
        pdfs: bool = True,
    ) -> None:
        super().__init__(env)
        # The module's lists by default, read at each build: the lead appends the rooms' sources.
        self._sources = sources
        self._blockers = blockers
        self.pdfs = pdfs
        self._building: set[tuple[int, str]] = set()

    @property
    def sources(self) -> Sequence[PartSource]:
        """Where the other rooms' parts come from."""
        return PART_SOURCES if self._sources is None else self._sources

    @property
    def blockers(self) -> Sequence[BlockerSource]:
        """What may stop the dossier."""
        return BLOCKER_SOURCES if self._blockers is None else self._blockers

    def _given(self) -> dict[str, object]:
        """What a room's source may ask for by keyword: the moment, the zone, the file store."""
        return {"now": self.now(), "tz": self.env.tz, "files": self.env.files}

    def _reasons(self, who: Actor, found: list[DossierBlocker]) -> list[Markup]:
        return [Markup(self.texts.render(who.locale, b.key, **b.args)) for b in found]

    async def overview(self, *, tg_user_id: int, round_id: int | None = None) -> Overview:
        """The round's deciding levels with their nominees and newest dossier, and what stops
        the dossier now (the chair of the round's school)."""
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            judging = await _round(session, who, round_id)
            found = await passed(session, judging)
            newest = {
                v.level: v
                for v in await session.scalars(
                    select(DossierVersion)
                    .where(DossierVersion.round_id == judging.id)
                    .order_by(DossierVersion.version)
                )
            }
            lines = tuple(
                LevelLine(
                    level,
                    level_slug(level),
                    sum(1 for p in found if p.level == level),
                    newest[level].version if level in newest else None,
                    newest[level].created_at if level in newest else None,
                )
                for level in levels(found)
            )
            stops = await blockers_of(session, judging.id, self.blockers, self._given())
            return Overview(judging.id, judging.name, lines, tuple(self._reasons(who, stops)))

    async def build(
        self,
        *,
        tg_user_id: int,
        round_id: int,
        level: str,
        progress: Progress | None = None,
    ) -> Built:
        """The chair's dossier for one deciding level (`level`: its slug): the evidence
        downloaded, the ZIP built and kept as a new version; the newest version when nothing
        changed since. Refused while a blocker source says so, and while the same dossier is
        being built (a second press is refused before any work)."""
        key = (round_id, level)
        if key in self._building:
            raise AlreadyDone("dossier.building")
        self._building.add(key)
        try:
            return await self._build(
                tg_user_id=tg_user_id, round_id=round_id, level=level, progress=progress
            )
        finally:
            self._building.discard(key)

    async def _build(
        self, *, tg_user_id: int, round_id: int, level: str, progress: Progress | None
    ) -> Built:
        today = self.today()
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            judging = await _round(session, who, round_id)
            found = await passed(session, judging)
            names = {level_slug(lv): lv for lv in levels(found)}
            if level not in names:
                raise NotFound("dossier.no_level")
            chosen = names[level]
            mine = [p for p in found if p.level == chosen]
            # A room's parts and blockers about titles another level decides are not this
            # dossier's: an unconfirmed CSTĐCS report does not hold up the LĐTT dossier.
            given = {**self._given(), "titles": frozenset(p.nominee.title for p in mine)}
            stops = await blockers_of(session, judging.id, self.blockers, given)
            if stops:
                raise Blocked(self._reasons(who, stops))
            content = await content_of(
                session,
                judging,
                mine,
                chosen,
                today=today,
                tz=self.env.tz,
                sources=self.sources,
                given=given,
            )
            photos = await photos_of(session, self.env, judging, content.person_ids)
            person_id = who.person.id if who.person else None
        photos = await fetch_missing(
            self.env,
            photos,
            self.now(),
            None if progress is None else lambda d, t: progress("photos", d, t),
        )
        inputs = fingerprint(content, photos)
        async with self.env.sessions() as session:
            same = await self._same(session, judging.id, chosen, inputs)
            number = 1 + (
                await session.scalar(
                    select(func.coalesce(func.max(DossierVersion.version), 0)).where(
                        DossierVersion.round_id == judging.id, DossierVersion.level == chosen
                    )
                )
                or 0
            )
        if same is not None:
            return self._built(judging.id, content.header.addressee, same, photos, new=False)
        if progress is not None:
            await progress("zip", 0, len(photos))
        made = await self._zip(content, photos, number)
        async with self.env.sessions() as session:
            row = await self._keep(session, judging, chosen, number, today, made, inputs)
            row.created_by = person_id
            row.nominees = len(content.nominees)
            await audit.record(
                session,
                org_id=judging.org_id,
                actor_id=person_id,
                action="dossier.build",
                target=f"round:{judging.id}",
                now=self.now(),
                level=chosen,
                version=number,
                sha256=made.sha256,
            )
            try:
                await session.commit()
            except IntegrityError:
                raise AlreadyDone("dossier.building") from None
            return self._built(judging.id, content.header.addressee, row, photos, new=True)

    async def versions(self, *, tg_user_id: int, round_id: int) -> list[VersionLine]:
        """Every kept version of the round's dossiers, newest first (the chair)."""
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            judging = await _round(session, who, round_id)
            rows = await session.scalars(
                select(DossierVersion)
                .where(DossierVersion.round_id == judging.id)
                .order_by(DossierVersion.id.desc())
            )
            return [
                VersionLine(
                    r.id, r.level, r.version, r.created_at, r.nominees, r.photos, r.missing, r.size
                )
                for r in rows
            ]

    async def copy(self, *, tg_user_id: int, version_id: int) -> Built:
        """A kept version, to send again (the chair of its round's school)."""
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            row = await session.get(DossierVersion, version_id)
            if row is None:
                raise NotFound("dossier.no_version")
            await round_of(session, who.org_id, row.round_id)  # another school's: not found
            if not self.env.files.has(row.sha256):
                raise NotFound("dossier.file_lost", version=row.version)
            org_settings = await values(session, who.membership.org) if who.membership else {}
            to = addressee(org_settings, row.level) if org_settings else row.level
            return self._built(row.round_id, to, row, [], new=False)

    async def volumes(self, built: Built, *, limit: int) -> list[Path]:
        """A built dossier in volumes Telegram can carry (each ≤ `limit` bytes, each a whole ZIP:
        unpacked into one folder they give the dossier back); kept beside the store for the next
        send. One volume when it fits: the dossier itself."""
        if built.size <= limit:
            return [built.path]
        folder = self.env.files.root / ".volumes" / f"{built.path.name}-{limit}"
        stem = built.name.removesuffix(".zip")
        return await asyncio.to_thread(_volumes, built.path, limit, folder, stem)

    async def _same(
        self, session: AsyncSession, round_id: int, level: str, inputs: str
    ) -> DossierVersion | None:
        newest = await session.scalar(
            select(DossierVersion)
            .where(DossierVersion.round_id == round_id, DossierVersion.level == level)
            .order_by(DossierVersion.version.desc())
            .limit(1)
        )
        if newest is None or newest.inputs != inputs or not self.env.files.has(newest.sha256):
            return None
        return newest

    async def _zip(self, content: Content, photos: list[Photo], number: int) -> Assembled:
        from reports.pdf import to_pdf

        return await asyncio.to_thread(
            _build_zip, self.env.files, content, photos, number, to_pdf if self.pdfs else None
        )

    async def _keep(
        self,
        session: AsyncSession,
        judging: JudgingRound,
        level: str,
        number: int,
        today: date,
        made: Assembled,
        inputs: str,
    ) -> DossierVersion:
        name = zip_name(level, today, number)
        stored = StoredFile(
            sha256=made.sha256, size=made.size, name=name, mime="application/zip",
            created_at=self.now(),
        )  # fmt: skip
        session.add(stored)
        await session.flush()
        row = DossierVersion(
            round_id=judging.id,
            level=level,
            version=number,
            name=name,
            stored_file_id=stored.id,
            sha256=made.sha256,
            size=made.size,
            inputs=inputs,
            photos=made.files,
            missing=len(made.missing),
            created_at=self.now(),
        )
        session.add(row)
        await session.flush()
        return row

    def _built(
        self, round_id: int, addressee: str, row: DossierVersion, photos: list[Photo], *, new: bool
    ) -> Built:
        return Built(
            round_id=round_id,
            level=row.level,
            slug=level_slug(row.level),
            addressee=addressee,
            version=row.version,
            name=row.name,
            path=self.env.files.path(row.sha256),
            size=row.size,
            nominees=row.nominees,
            photos=row.photos,
            missing=tuple(
                MissingPhoto(p.nominee, p.story_id, p.position, p.problem or "gone")
                for p in photos
                if p.sha256 is None
            ),
            new=new,
        )
