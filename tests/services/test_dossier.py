"""The dossier for the deciding level: every part in the ZIP (checked against the database and the
bytes the users sent), one dossier per deciding level, the blockers, a photo Telegram no longer
serves, every version kept, and who may build it."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select, update

from reports.dossier import Header, Nominee, list_docx
from services.base import Env
from services.dossier import Blocked, Dossiers
from services.dossier.assemble import content_digest
from services.dossier.sources import round_still_open
from services.dossier_parts import DossierBlocker, DossierPart
from services.errors import NotAllowed, NotFound
from services.files import StaticFetcher
from services.school import change
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import (
    DossierVersion,
    EvidenceFile,
    JudgingRound,
    Membership,
    MinutesVersion,
    Org,
    Person,
    Role,
    RoundStatus,
)
from tests.dossier_world import BUILT_AT, HN, SIGNER, DossierWorld, add_story, dossier_world
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE, School
from tests.minutes_world import CSTDCS, DEACTIVATED, LDTT, OTHER_COUNCIL
from ui.texts import Texts

REPORT = DossierPart(
    "05-bao-cao-thanh-tich/01-bao-cao.docx", "Báo cáo thành tích", b"report bytes", "Báo cáo"
)


@pytest.fixture
async def world(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> DossierWorld:
    return await dossier_world(sessions, school, texts, now)


def _dossiers(
    sessions: SessionFactory,
    texts: Texts,
    tmp_path: Path,
    world: DossierWorld,
    **kwargs: object,
) -> tuple[Dossiers, StaticFetcher]:
    fetcher = StaticFetcher(dict(world.photos))
    env = Env(
        sessions=sessions,
        texts=texts,
        clock=lambda: BUILT_AT,
        tz=HN,
        files=FileStore(tmp_path / "files"),
        fetcher=fetcher,
    )
    kwargs.setdefault("blockers", [round_still_open])  # None: the rooms wired in sources.py
    return Dossiers(env, pdfs=False, **kwargs), fetcher  # type: ignore[arg-type]


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _rows(data: bytes, table: int) -> list[list[str]]:
    document = Document(io.BytesIO(data))
    return [[c.text for c in row.cells] for row in document.tables[table].rows[1:]]


async def test_the_dossier_holds_every_part_and_every_evidence_file(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    async def parts(session: object, round_id: int) -> list[DossierPart]:
        return [REPORT] if round_id == world.round_id else []

    dossiers, fetcher = _dossiers(sessions, texts, tmp_path, world, sources=[parts])
    seen: list[tuple[str, int, int]] = []

    async def progress(stage: str, done: int, total: int) -> None:
        seen.append((stage, done, total))

    built = await dossiers.build(
        tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa", progress=progress
    )
    assert built.new and built.version == 1
    assert built.name == "ho-so-de-nghi-khen-thuong-phuong-xa-2027-06-02-v1.zip"
    data = built.path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == built.path.name
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names[0] == "00-muc-luc.docx"

    # The tờ trình: to the deciding level of Lao động tiên tiến (Phường/Xã), signed as set.
    to_trinh = _text(archive.read("01-to-trinh.docx"))
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân phường/xã" in to_trinh
    assert "Số:        /TTr-THAM" in to_trinh
    assert SIGNER in to_trinh and "HIỆU TRƯỞNG" in to_trinh
    ldtt = sorted(world.passed[LDTT])
    assert f"Danh hiệu “{LDTT}”: {len(ldtt)} cá nhân;" in to_trinh
    assert CSTDCS not in to_trinh  # decided by the city: its own dossier

    # The list attached: exactly the round's passed candidates of this level, DOCX and XLSX.
    rows = _rows(archive.read("02-danh-sach-kem-theo.docx"), 1)
    assert sorted(r[1] for r in rows) == ldtt
    assert {r[4] for r in rows} == {LDTT}
    assert [r[0] for r in rows] == [str(n) for n in range(1, len(ldtt) + 1)]
    sheet = load_workbook(io.BytesIO(archive.read("02-danh-sach-kem-theo.xlsx"))).active
    assert sheet is not None
    listed = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]]
    assert sorted(str(r[1]) for r in listed) == ldtt

    # The minutes: the newest version's bytes, as stored.
    async with sessions() as s:
        stored = await s.scalar(
            select(MinutesVersion.content).where(MinutesVersion.kind == "minutes")
        )
    assert archive.read("03-bien-ban/bien-ban-hop-xet-thi-dua-2026-2027-v1.docx") == stored

    # The other rooms' parts, and the table of contents naming everything.
    assert archive.read(REPORT.path) == REPORT.data
    contents = _text(archive.read("00-muc-luc.docx"))
    for title in ("Tờ trình", "Danh sách kèm theo", "Biên bản họp", "Báo cáo thành tích"):
        assert title in contents
    assert "1 ảnh không tải được từ Telegram" in contents

    # The evidence: every approved photo of a nominee, byte for byte, each with its index line.
    index = archive.read("08-minh-chung/00-danh-muc-minh-chung.docx")
    lines = {r[3]: r for r in _rows(index, 1)}
    evidence = [n for n in names if n.startswith("08-minh-chung/") and n.endswith(".jpg")]
    expected = [f for name in ldtt for f in world.evidence[name]]
    assert len(evidence) == len(expected) == len(lines)
    sent = sorted(world.photos[f] for f in expected)
    assert sorted(archive.read(n) for n in evidence) == sent
    for path in evidence:
        line = lines[path]
        assert line[5] == hashlib.sha256(archive.read(path)).hexdigest()
        assert line[1] in ldtt and line[2].startswith("#")
    assert archive.getinfo(evidence[0]).compress_type == zipfile.ZIP_STORED
    for out in ("out-1", "out-2", "out-3"):
        assert out not in fetcher.calls

    # The photo Telegram no longer serves: in the index and told to the chair.
    assert "Tệp không tải được từ Telegram" in _text(index)
    assert [(m.nominee, m.reason) for m in built.missing] == [(ldtt[0], "gone")]
    assert ("photos", len(expected) + 1, len(expected) + 1) in seen
    async with sessions() as s:
        problems = (await s.scalars(select(EvidenceFile.problem))).all()
    assert sorted(p or "" for p in problems) == sorted([""] * len(expected) + ["gone"])


async def test_titles_decided_by_another_level_make_their_own_dossier(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    dossiers, _ = _dossiers(sessions, texts, tmp_path, world)
    view = await dossiers.overview(tg_user_id=CHAIR)
    cstdcs = world.passed.get(CSTDCS, [])
    assert cstdcs, "the world has a CSTĐCS who passed (seeded votes)"
    expected = [("Phường/Xã", len(world.passed[LDTT])), ("Thành phố", len(cstdcs))]
    assert [(line.level, line.nominees) for line in view.levels] == expected
    assert view.blockers == ()
    built = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="thanh-pho")
    archive = zipfile.ZipFile(built.path)
    to_trinh = _text(archive.read("01-to-trinh.docx"))
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân thành phố" in to_trinh
    assert sorted(r[1] for r in _rows(archive.read("02-danh-sach-kem-theo.docx"), 1)) == sorted(
        cstdcs
    )


async def test_a_blocker_stops_the_dossier_and_says_why(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    async def objection_open(session: object, round_id: int) -> list[DossierBlocker]:
        return [DossierBlocker("dossier.blocked_round_open", {"name": "Kiến nghị số 3"})]

    dossiers, fetcher = _dossiers(
        sessions, texts, tmp_path, world, blockers=[round_still_open, objection_open]
    )
    with pytest.raises(Blocked) as refused:
        await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    assert len(refused.value.reasons) == 1 and "Kiến nghị số 3" in refused.value.reasons[0]
    assert fetcher.calls == []
    view = await dossiers.overview(tg_user_id=CHAIR)
    assert len(view.blockers) == 1
    # The round reopened: its own blocker too.
    async with sessions() as s:
        await s.execute(
            update(JudgingRound)
            .where(JudgingRound.id == world.round_id)
            .values(status=RoundStatus.OPEN)
        )
        await s.commit()
    with pytest.raises(Blocked) as refused:
        await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    assert len(refused.value.reasons) == 2
    assert "chưa chốt kết quả" in refused.value.reasons[0]
    async with sessions() as s:
        assert (await s.scalars(select(DossierVersion))).all() == []


async def test_every_version_is_kept_and_nothing_changed_sends_the_newest_again(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    dossiers, fetcher = _dossiers(sessions, texts, tmp_path, world)
    first = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    calls = len(fetcher.calls)
    again = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    assert (again.version, again.new, again.path) == (1, False, first.path)
    assert len(fetcher.calls) == calls  # kept photos are not downloaded again; gone not asked
    # A new approved story about a nominee: version 2, the first one still kept.
    name = sorted(world.passed[LDTT])[0]
    async with sessions() as s:
        person = await s.scalar(select(Person.id).where(Person.full_name == name))
    world.photos["photo-new"] = b"\xff\xd8\xff\xe0 a new photo"
    dossiers.env.fetcher.files["photo-new"] = world.photos["photo-new"]  # type: ignore[attr-defined]
    await add_story(
        sessions, world.judged.org_id, world.judged.people[CHAIR], person, ["photo-new"]
    )
    second = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    assert (second.version, second.new) == (2, True)
    assert second.name.endswith("-2027-06-02-v2.zip")
    assert first.path.is_file() and second.path.is_file() and first.path != second.path
    assert world.photos["photo-new"] in [
        zipfile.ZipFile(second.path).read(n) for n in zipfile.ZipFile(second.path).namelist()
    ]
    async with sessions() as s:
        rows = (
            await s.execute(
                select(
                    DossierVersion.version, DossierVersion.sha256, DossierVersion.level
                ).order_by(DossierVersion.version)
            )
        ).all()
    assert rows == [(1, first.path.name, "Phường/Xã"), (2, second.path.name, "Phường/Xã")]
    view = await dossiers.overview(tg_user_id=CHAIR, round_id=world.round_id)
    assert view.levels[0].version == 2


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (VICE, "dossier.chair_only"),
        (COUNCIL, "dossier.chair_only"),
        (TEACHER, "dossier.chair_only"),
        (DEACTIVATED, "errors.deactivated"),
        (STRANGER, "dossier.chair_only"),
        (OTHER_COUNCIL, "judging.no_round"),  # made chair of the other school below
    ],
)
async def test_only_the_chair_of_the_rounds_school_builds_its_dossier(
    sessions: SessionFactory,
    texts: Texts,
    tmp_path: Path,
    world: DossierWorld,
    who: int,
    refusal: str,
) -> None:
    async with sessions() as s:
        await s.execute(
            update(Membership)
            .where(Membership.person_id == world.judged.people[OTHER_COUNCIL])
            .values(role=Role.CHAIR)
        )
        await s.commit()
    dossiers, fetcher = _dossiers(sessions, texts, tmp_path, world)
    with pytest.raises((NotAllowed, NotFound)) as refused:
        await dossiers.build(tg_user_id=who, round_id=world.round_id, level="phuong-xa")
    assert refused.value.key == refusal
    if who != OTHER_COUNCIL:
        with pytest.raises(NotAllowed):
            await dossiers.overview(tg_user_id=who, round_id=world.round_id)
    assert fetcher.calls == []
    async with sessions() as s:
        assert (await s.scalars(select(DossierVersion))).all() == []


async def test_a_dossier_over_telegrams_limit_goes_in_whole_zip_volumes(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    dossiers, _ = _dossiers(sessions, texts, tmp_path, world)
    built = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    assert await dossiers.volumes(built, limit=built.size) == [built.path]
    limit = 100_000
    volumes = await dossiers.volumes(built, limit=limit)
    assert len(volumes) > 1
    stem = built.name.removesuffix(".zip")
    assert [v.name for v in volumes] == [
        f"{stem}-phan-{n}-tren-{len(volumes)}.zip" for n in range(1, len(volumes) + 1)
    ]
    whole = zipfile.ZipFile(built.path)
    unpacked: list[tuple[str, bytes]] = []
    for volume in volumes:
        assert volume.stat().st_size <= limit
        with zipfile.ZipFile(volume) as part:
            assert part.testzip() is None
            unpacked += [(n, part.read(n)) for n in part.namelist()]
    assert unpacked == [(n, whole.read(n)) for n in whole.namelist()]
    assert unpacked[0][0] == "00-muc-luc.docx"
    assert await dossiers.volumes(built, limit=limit) == volumes  # made once, sent again


async def test_kept_versions_are_listed_and_sent_again_to_the_chair_only(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    dossiers, _ = _dossiers(sessions, texts, tmp_path, world)
    built = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="thanh-pho")
    [line] = await dossiers.versions(tg_user_id=CHAIR, round_id=world.round_id)
    assert (line.level, line.version, line.photos, line.size) == (
        "Thành phố", 1, built.photos, built.size,
    )  # fmt: skip
    again = await dossiers.copy(tg_user_id=CHAIR, version_id=line.id)
    assert (again.path, again.name, again.addressee) == (built.path, built.name, built.addressee)
    for who in (VICE, TEACHER, STRANGER):
        with pytest.raises(NotAllowed):
            await dossiers.copy(tg_user_id=who, version_id=line.id)
        with pytest.raises(NotAllowed):
            await dossiers.versions(tg_user_id=who, round_id=world.round_id)
    with pytest.raises(NotFound):
        await dossiers.copy(tg_user_id=CHAIR, version_id=line.id + 1)
    built.path.unlink()  # the store lost it: said so, not a crash
    with pytest.raises(NotFound) as lost:
        await dossiers.copy(tg_user_id=CHAIR, version_id=line.id)
    assert lost.value.key == "dossier.file_lost"


async def test_volumes_cut_short_by_a_crash_are_made_again(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    dossiers, _ = _dossiers(sessions, texts, tmp_path, world)
    built = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    volumes = await dossiers.volumes(built, limit=100_000)
    volumes[-1].unlink()
    again = await dossiers.volumes(built, limit=100_000)
    assert [v.name for v in again] == [v.name for v in volumes]
    assert all(v.is_file() for v in again)


async def test_the_rooms_wired_by_default_stop_it_while_a_report_is_not_confirmed(
    sessions: SessionFactory, texts: Texts, tmp_path: Path, world: DossierWorld
) -> None:
    dossiers, _ = _dossiers(sessions, texts, tmp_path, world, blockers=None)
    with pytest.raises(Blocked) as refused:
        await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="thanh-pho")
    # Chiến sĩ thi đua cơ sở needs an achievement report (the school's default list).
    for name in world.passed[CSTDCS]:
        assert any(
            f"Báo cáo thành tích của {name} (danh hiệu “{CSTDCS}”) chưa được xác nhận" in r
            for r in refused.value.reasons
        )
    # The LĐTT dossier goes to another level: the CSTĐCS reports do not hold it up.
    ldtt = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="phuong-xa")
    assert "01-to-trinh.docx" in zipfile.ZipFile(ldtt.path).namelist()
    # No report needed: the dossier holds the công khai's record from the publication room.
    async with sessions() as s:
        org = await s.get(Org, world.judged.org_id)
        assert org is not None
        await change(
            s, org=org, key="lists.titles_report", raw="Tập thể lao động tiên tiến",
            actor_id=None, now=BUILT_AT,
        )  # fmt: skip
        await s.commit()
    built = await dossiers.build(tg_user_id=CHAIR, round_id=world.round_id, level="thanh-pho")
    archive = zipfile.ZipFile(built.path)
    assert "04-cong-khai/bien-ban-cong-khai-ket-qua.docx" in archive.namelist()
    assert "Biên bản công khai kết quả bình xét" in _text(archive.read("00-muc-luc.docx"))


@pytest.mark.one_database
def test_a_part_made_again_unchanged_counts_as_the_same_part() -> None:
    h = Header("Trường", "", "", "", "Chủ tịch", "Phường/Xã", "2026-2027", SIGNER, date(2027, 6, 2))
    first = list_docx(h, [Nominee("Vũ Thị Mai", "Giáo viên", "Tổ 1", LDTT)])
    with zipfile.ZipFile(io.BytesIO(first)) as archive:  # the same files, written at another time
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as again:
            for info in archive.infolist():
                info.date_time = (2030, 1, 1, 0, 0, 0)
                again.writestr(info, archive.read(info.filename))
    assert out.getvalue() != first
    assert content_digest(out.getvalue()) == content_digest(first)
    other = list_docx(h, [Nominee("Phạm Thị Lan", "Giáo viên", "Tổ 1", LDTT)])
    assert content_digest(other) != content_digest(first)
    assert content_digest(b"plain bytes") != content_digest(b"other bytes")
