"""`python -m bench dossier`: build the dossier ZIP of a school with 400 evidence photos.

A school of 60 staff, a closed judging round with 40 nominees who passed, its minutes, and 400
approved-story photos (10 per nominee) of random bytes sized like compressed phone photos.
By default 300 KB–1 MB each (about 260 MB in all, so the run stays short on two shared cores);
`--big` uses 1.5–4 MB (about 1.1 GB). Measured, on SQLite (the database is not the point):
  - the first build: every photo downloaded through the file store (a fake Telegram that makes
    the bytes on demand), then the ZIP; for information;
  - a rebuild (one setting changed, so a new version) with the photos kept: documents, evidence
    index, table of contents, the ZIP streamed from the store, its SHA-256, kept as a version;
  - a bare loop that only copies the same 400 files into a ZIP (ZIP_STORED), best of two;
  - ratio = bare / rebuild: target ≥ 0.5; peak RSS of the whole run: target ≤ 250 MB.
PDFs are off (LibreOffice's time is not the ZIP's). Readable lines first; the last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench._common import peak_rss_mb, report

STAFF, NOMINEES, PER_NOMINEE, STORY_PHOTOS = 60, 40, 10, 2
RATIO_TARGET, RSS_TARGET_MB = 0.5, 250.0
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2027, 6, 2, 2, 0, tzinfo=UTC)
CHAIR_TG = 1
RUNS = 3


def photo_bytes(file_id: str, small: tuple[int, int]) -> bytes:
    """A photo's bytes, the same for the same id: a JPEG's magic, then noise."""
    rng = random.Random(file_id)
    size = rng.randint(*small)
    return b"\xff\xd8\xff\xe0" + rng.randbytes(size - 4)


async def seed(url: str, sizes: tuple[int, int]) -> int:
    """The school, its round, minutes and stories; the round's id."""
    from sqlalchemy import insert, select

    from storage.db import make_engine, make_session_factory
    from storage.migrate import upgrade
    from storage.models import (
        Candidate,
        CandidateSource,
        Department,
        DeptStatus,
        JudgingRound,
        Meeting,
        MeetingStatus,
        Membership,
        MemberStatus,
        MinutesKind,
        MinutesVersion,
        NomineeKind,
        Org,
        Outcome,
        Person,
        Role,
        RoundStatus,
        Story,
        StoryPhoto,
        StoryStatus,
    )

    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_session_factory(engine)
    async with sessions() as s:
        org = Org(name="Trường Tiểu học Thượng Thanh", invite_code=uuid.uuid4().hex, created_at=NOW)
        org.parent_name, org.place = "UBND phường Bồ Đề", "Long Biên"
        s.add(org)
        await s.flush()
        depts = []
        for n in range(6):
            dept = Department(org_id=org.id, name=f"Tổ {n + 1}", position=n)
            s.add(dept)
            depts.append(dept)
        await s.flush()
        people = []
        for i in range(STAFF):
            person = Person(
                tg_user_id=CHAIR_TG + i, full_name=f"Giáo viên Số {i:02d}", created_at=NOW
            )
            s.add(person)
            people.append(person)
        await s.flush()
        for i, person in enumerate(people):
            s.add(
                Membership(
                    org_id=org.id,
                    person_id=person.id,
                    role=Role.CHAIR if i == 0 else Role.STAFF,
                    department_id=depts[i % len(depts)].id,
                    status=MemberStatus.ACTIVE,
                    requested_at=NOW,
                )
            )
        judging = JudgingRound(
            org_id=org.id,
            name="Bình xét thi đua năm học 2026-2027",
            year=2026,
            period_start=date(2026, 9, 5),
            period_end=date(2027, 5, 31),
            titles=["Lao động tiên tiến"],
            status=RoundStatus.CLOSED,
            created_by=people[0].id,
            created_at=NOW,
        )
        s.add(judging)
        await s.flush()
        meeting = Meeting(
            round_id=judging.id,
            org_id=org.id,
            starts_at=NOW - timedelta(days=10),
            place="Phòng họp",
            chair_id=people[0].id,
            status=MeetingStatus.CLOSED,
            created_at=NOW,
        )
        s.add(meeting)
        await s.flush()
        template = Path(__file__).parents[1] / "reports" / "templates" / "bien_ban.docx"
        s.add(
            MinutesVersion(
                meeting_id=meeting.id,
                kind=MinutesKind.MINUTES,
                version=1,
                final=True,
                content=template.read_bytes(),
                created_at=NOW,
            )
        )
        nominees = people[1 : NOMINEES + 1]
        for person in nominees:
            s.add(
                Candidate(
                    round_id=judging.id,
                    title="Lao động tiên tiến",
                    person_id=person.id,
                    source=CandidateSource.REGISTRATION,
                    dept_status=DeptStatus.PROPOSED,
                    added_at=NOW,
                    outcome=Outcome.PASSED,
                    yes=9,
                    no=0,
                    base=9,
                )
            )
        await s.commit()
        for person in nominees:
            for k in range(PER_NOMINEE // STORY_PHOTOS):
                story = Story(
                    org_id=org.id,
                    author_id=people[0].id,
                    text="Một việc tốt.",
                    nominee_kind=NomineeKind.COLLEAGUE,
                    nominee_person_id=person.id,
                    status=StoryStatus.APPROVED,
                    submitted_at=datetime(2027, 3, 1, 2, tzinfo=UTC) + timedelta(days=k),
                )
                s.add(story)
                await s.flush()
                await s.execute(
                    insert(StoryPhoto),
                    [
                        {"story_id": story.id, "file_id": f"p-{story.id}-{j}", "position": j}
                        for j in range(STORY_PHOTOS)
                    ],
                )
        await s.commit()
        round_id = (await s.scalars(select(JudgingRound.id))).one()
    await engine.dispose()
    return round_id


def bare_zip(paths: list[Path], out: Path) -> tuple[float, float]:
    """Seconds (wall, CPU) to copy the files into a ZIP, nothing else."""
    started, cpu = time.perf_counter(), time.process_time()
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for n, path in enumerate(paths):
            archive.write(path, f"minh-chung/{n:04d}.jpg", compress_type=zipfile.ZIP_STORED)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    out.unlink()
    return elapsed, used


async def measure(folder: Path, sizes: tuple[int, int]) -> dict[str, Any]:
    """Seed, build twice, run the bare loop; the figures."""
    from sqlalchemy import select

    from services.base import Env, Fetcher
    from services.dossier import Dossiers
    from services.school import change
    from storage.db import make_engine, make_session_factory
    from storage.files import FileStore
    from storage.models import Org, StoredFile
    from ui.texts import Texts

    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    round_id = await seed(url, sizes)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    fetched = {"n": 0, "bytes": 0}

    async def fetch(file_id: str) -> bytes:
        data = photo_bytes(file_id, sizes)
        fetched["n"] += 1
        fetched["bytes"] += len(data)
        return data

    env = Env(
        sessions=sessions,
        texts=Texts(TZ),
        clock=lambda: NOW,
        tz=TZ,
        files=FileStore(folder / "files"),
        fetcher=Fetcher(fetch),
    )
    dossiers = Dossiers(env, pdfs=False, blockers=[])
    started = time.perf_counter()
    first = await dossiers.build(tg_user_id=CHAIR_TG, round_id=round_id, level="phuong-xa")
    first_s = time.perf_counter() - started
    print(f"first build (400 downloads + ZIP): {first_s:.2f} s, {first.size / 2**20:.0f} MB")
    async with sessions() as s:
        shas = (
            await s.scalars(
                select(StoredFile.sha256)
                .where(StoredFile.tg_file_id.is_not(None))
                .order_by(StoredFile.id)
            )
        ).all()
    paths = [env.files.path(sha) for sha in shas]
    # Interleaved, best of each: the two cores are shared, so both meet the same neighbours.
    rebuilds: list[tuple[float, float]] = []
    bares: list[tuple[float, float]] = []
    for n in range(RUNS):
        async with sessions() as s:
            org = (await s.scalars(select(Org))).one()
            await change(
                s, org=org, key="facts.signer_principal", raw=f"Người ký {n}", actor_id=None,
                now=NOW,
            )  # fmt: skip
            await s.commit()
        os.sync()  # the last run's 260 MB written back first: each run starts on a clean cache
        started, cpu = time.perf_counter(), time.process_time()
        built = await dossiers.build(tg_user_id=CHAIR_TG, round_id=round_id, level="phuong-xa")
        rebuilds.append((time.perf_counter() - started, time.process_time() - cpu))
        assert built.new and built.photos == NOMINEES * PER_NOMINEE, built
        built.path.unlink()  # the disk: only the figures matter here
        os.sync()
        bares.append(await asyncio.to_thread(bare_zip, paths, folder / "bare.zip"))
    await engine.dispose()
    (rebuild_s, rebuild_cpu), (bare_s, bare_cpu) = min(rebuilds), min(bares)
    print(f"rebuild (photos kept): best of {RUNS}: {rebuild_s:.2f} s")
    print(f"bare loop (copy {len(paths)} files into a ZIP): best of {RUNS}: {bare_s:.2f} s")
    ratio = bare_s / rebuild_s if rebuild_s else 0.0
    rss = peak_rss_mb()
    return {
        "bench": "dossier",
        "staff": STAFF,
        "nominees": NOMINEES,
        "photos": len(paths),
        "photo_bytes_mb": round(fetched["bytes"] / 2**20, 1),
        "photo_size_kb": [sizes[0] // 1024, sizes[1] // 1024],
        "zip_mb": round(built.size / 2**20, 1),
        "first_build_s": round(first_s, 2),
        "rebuild_s": round(rebuild_s, 2),
        "bare_zip_s": round(bare_s, 2),
        "ratio": round(ratio, 2),
        # CPU seconds of the whole process (all threads): what a loaded machine cannot overlap.
        "rebuild_cpu_s": round(rebuild_cpu, 2),
        "bare_zip_cpu_s": round(bare_cpu, 2),
        "peak_rss_mb": rss,
        "targets": {"ratio": ratio >= RATIO_TARGET, "peak_rss": rss <= RSS_TARGET_MB},
    }


def main(argv: list[str]) -> int:
    """Run it; the JSON summary last."""
    parser = argparse.ArgumentParser(prog="python -m bench dossier")
    parser.add_argument(
        "--big", action="store_true", help="photos of 1.5–4 MB, like a phone's (about 1.1 GB)"
    )
    args = parser.parse_args(argv)
    sizes = (1536 * 1024, 4096 * 1024) if args.big else (300 * 1024, 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="thidua-bench-dossier-") as folder:
        figures = asyncio.run(measure(Path(folder), sizes))
    figures["ok"] = all(figures["targets"].values())
    report(figures)
    return 0 if figures["ok"] else 1
