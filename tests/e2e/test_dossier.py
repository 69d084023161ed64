"""The dossier end to end: two teachers send good-deed stories with photos, the chair approves
them, the round's result has them passed; the chair asks for the dossier, is refused with the
reason while a room says it cannot be built, then gets the ZIP in her private chat. The test opens
it and checks every part against the database and the bytes the teachers sent."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from sqlalchemy import select, update

from reports.pdf import converter
from services.dossier import BLOCKER_SOURCES
from services.dossier_parts import DossierBlocker
from services.judging.minutes import write_version
from services.school import change
from storage.db import SessionFactory
from storage.models import (
    Candidate,
    JudgingRound,
    Meeting,
    MinutesVersion,
    Org,
    Outcome,
    RoundStatus,
    Story,
    StoryStatus,
)
from tests.dossier_world import HN, SIGNER, passed_names, published
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import Council, card_of, png
from tests.factories import CHAIR, COUNCIL, TEACHER
from tests.minutes_world import LDTT, judged_meeting
from tgemu import EmuClient, User
from ui.texts import Texts

SLOW = 180.0  # LibreOffice turns five documents into PDF on a busy machine
STORY_DAY = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
BUILD_DAY = datetime(2027, 6, 2, 2, 0, tzinfo=UTC)


async def _story(user: User, text: str, photos: list[bytes]) -> None:
    """/report about oneself with these photos (an album), sent."""
    await user.send("/report")
    ask = await user.wait_message(contains="Kể lại việc tốt")
    await user.send(text)
    await user.wait_message(contains="Đã ghi nhận")
    await user.press(ask, "Xong phần nội dung →")
    photos_prompt = await user.wait_edit(ask, contains="ảnh minh chứng")
    album: list[bytes | str | Path] = [*photos]
    await user.send_album(album)
    await user.wait_message(contains="Đã nhận album ảnh")
    await user.press(photos_prompt, "Tiếp tục →")
    nominee = await user.wait_edit(photos_prompt, contains="Ai là người được nêu gương")
    await user.press(nominee, "Chính tôi")
    preview = await user.wait_edit(nominee, contains="Xem trước")
    await user.press(preview, "📨 Gửi")
    await user.wait_edit(preview, contains="Đã gửi câu chuyện")


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_the_chair_gets_the_dossier_with_every_part_and_the_photos_sent(
    council: Council,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    # Two teachers tell their good deeds with photos (sized and shaped like nothing else).
    sent = {
        "Vũ Thị Mai": [png(11) + os.urandom(2000), png(12) + os.urandom(3000)],
        "Phạm Thị Lan": [png(21) + os.urandom(1500), png(22) + os.urandom(500)],
    }
    await _story(council.teacher, "Cô Mai kèm em Minh học bù suốt kỳ nghỉ ốm.", sent["Vũ Thị Mai"])
    await _story(
        council.member, "Cô Lan sửa lại thư viện lớp cùng phụ huynh.", sent["Phạm Thị Lan"]
    )
    for number in (1, 2):
        await council.chair.wait_message(council.group, contains=f"Người tốt, việc tốt #{number}")
        card = await card_of(council, number)
        await council.chair.press(card, "✅ Duyệt")
        await council.chair.wait_edit(card, contains="đã duyệt")
    async with sessions() as s:
        statuses = (await s.scalars(select(Story.status))).all()
        # Told during the round's school year (2026-2027), whatever day the test runs.
        await s.execute(update(Story).values(submitted_at=STORY_DAY))
        await s.commit()
    assert statuses == [StoryStatus.APPROVED, StoryStatus.APPROVED]

    # The round: judged (minutes written), both teachers passed Lao động tiên tiến, closed.
    world = await judged_meeting(sessions, council.school, now)
    async with sessions() as s:
        meeting = await s.get(Meeting, world.meeting_id)
        assert meeting is not None
        await write_version(s, meeting=meeting, texts=texts, tz=HN, actor_id=None, now=now)
        judging = await s.get(JudgingRound, meeting.round_id)
        assert judging is not None
        judging.status = RoundStatus.CLOSED
        await s.execute(
            update(Candidate)
            .where(
                Candidate.round_id == judging.id,
                Candidate.title == LDTT,
                Candidate.person_id.in_([world.people[TEACHER], world.people[COUNCIL]]),
            )
            .values(outcome=Outcome.PASSED)
        )
        org = await s.get(Org, world.org_id)
        assert org is not None
        await change(s, org=org, key="facts.signer_principal", raw=SIGNER, actor_id=None, now=now)
        # No title of this round needs an achievement report here (that room has its own tests;
        # its reports not confirmed would stop the dossier).
        await change(
            s, org=org, key="lists.titles_report", raw="Tập thể lao động tiên tiến",
            actor_id=None, now=now,
        )  # fmt: skip
        await s.commit()
        round_id = judging.id
    await published(sessions, world.org_id, round_id, world.people[CHAIR])
    # Every title decides at the ward by default: one dossier, all who passed.
    passed = sorted(n for names in (await passed_names(sessions, round_id)).values() for n in names)
    bot.deps.clock = lambda: BUILD_DAY

    # The chair asks; the round's levels are listed with a button each.
    chair = council.chair
    await chair.send("/dossier")
    overview = await chair.wait_message(contains="Hồ sơ đề nghị khen thưởng")
    assert f"Gửi Phường/Xã: {len(passed)} người; chưa lập hồ sơ" in overview.text
    assert "📦 Lập hồ sơ gửi Phường/Xã" in overview.button_texts

    # While a room says no (an objection still open), the bot says why, in words.
    async def objection_open(session: object, rid: int) -> list[DossierBlocker]:
        return [DossierBlocker("dossier.blocked_round_open", {"name": "Kiến nghị số 1"})]

    BLOCKER_SOURCES.append(objection_open)
    try:
        await chair.press(overview, "📦 Lập hồ sơ gửi Phường/Xã")
        refused = await chair.wait_message(contains="Chưa lập được hồ sơ")
        assert "Kiến nghị số 1" in refused.text
    finally:
        BLOCKER_SOURCES.remove(objection_open)

    # Then it is built: a progress message, then the ZIP.
    await chair.press(overview, "📦 Lập hồ sơ gửi Phường/Xã")
    progress = await chair.wait_message(contains="Đang lập hồ sơ")
    document = await chair.wait_message(contains="Hồ sơ đề nghị khen thưởng gửi", timeout=SLOW)
    assert document.document is not None
    assert document.document["file_name"] == (
        "ho-so-de-nghi-khen-thuong-phuong-xa-2027-06-02-v1.zip"
    )
    done = await chair.wait_edit(progress, contains="Đã lập hồ sơ gửi Phường/Xã, bản 1")
    assert done.button_texts == ["🔄 Lập lại hồ sơ gửi Phường/Xã"]
    archive = zipfile.ZipFile(io.BytesIO(await client.download(document.document["file_id"])))
    names = archive.namelist()
    assert names[0] == "00-muc-luc.docx"

    to_trinh = _text(archive.read("01-to-trinh.docx"))
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân phường/xã" in to_trinh
    assert SIGNER in to_trinh
    listed = Document(io.BytesIO(archive.read("02-danh-sach-kem-theo.docx"))).tables[1]
    assert sorted(r.cells[1].text for r in listed.rows[1:]) == passed
    assert "02-danh-sach-kem-theo.xlsx" in names
    async with sessions() as s:
        minutes = await s.scalar(
            select(MinutesVersion.content).where(MinutesVersion.kind == "minutes")
        )
    assert archive.read("03-bien-ban/bien-ban-hop-xet-thi-dua-2026-2027-v1.docx") == minutes

    index = Document(io.BytesIO(archive.read("08-minh-chung/00-danh-muc-minh-chung.docx")))
    lines = {r.cells[3].text: [c.text for c in r.cells] for r in index.tables[1].rows[1:]}
    photos = [n for n in names if n.startswith("08-minh-chung/") and n.endswith(".png")]
    assert len(photos) == len(lines) == 4
    for name, data in sent.items():
        mine = [p for p in photos if lines[p][1] == name]
        assert sorted(archive.read(p) for p in mine) == sorted(data)
        for p in mine:
            assert lines[p][5] == hashlib.sha256(archive.read(p)).hexdigest()

    has_pdf = converter() is not None
    assert has_pdf or os.environ.get("REQUIRE_LIBREOFFICE") != "1", "LibreOffice is required"
    if has_pdf:
        assert {"00-muc-luc.pdf", "01-to-trinh.pdf", "02-danh-sach-kem-theo.pdf"} <= set(names)
        laid_out = await asyncio.to_thread(
            subprocess.run,
            ["pdftotext", "-layout", "-", "-"],
            input=archive.read("01-to-trinh.pdf"),
            capture_output=True,
            check=True,
        )
        first = laid_out.stdout.decode().splitlines()[0]
        assert first.strip().startswith("UBND PHƯỜNG BỒ ĐỀ")
        assert first.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")

    # Asked again with nothing changed: the same version, sent again.
    await chair.press(done, "🔄 Lập lại hồ sơ gửi Phường/Xã")
    again = await chair.wait_message(contains="Không có gì thay đổi từ bản 1", timeout=SLOW)
    assert again.button_texts == ["🔄 Lập lại hồ sơ gửi Phường/Xã"]

    # Every version is kept, and sent again from the list.
    await chair.send("/dossier")
    overview = await chair.wait_message(contains="đã lập bản 1")
    await chair.press(overview, "🗂 Các bản đã lưu")
    versions = await chair.wait_edit(overview, contains="Các bản hồ sơ đã lưu")
    await chair.press(versions, "📦 Phường/Xã, bản 1")
    resent = await chair.wait_message(contains="Hồ sơ đề nghị khen thưởng gửi")
    assert resent.document is not None
    assert resent.document["file_name"] == document.document["file_name"]
