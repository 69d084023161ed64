"""Tallies, exports, charts and commendation proposals end to end, on the emulator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
from docx import Document
from PIL import Image
from sqlalchemy import select

from reports.pdf import converter
from services import stories
from storage.db import SessionFactory
from storage.models import AuditEntry, NomineeKind, Proposal, ProposalStatus
from tests.e2e.helpers import Council
from tests.factories import TEACHER
from tgemu import EmuClient, Msg, User
from ui.texts import Texts

DEED = "Cô Mai phụ đạo miễn phí cho 5 học sinh chậm môn Toán & <b>tiến bộ</b>"


async def approved_story(council: Council, sessions: SessionFactory, texts: Texts) -> Msg:
    """The teacher's own deed is sent (through the services: /report has its own tests), a
    council member approves it on its card; returns the card as it is then."""
    now = datetime.now(UTC)  # the running bot's clock: "this school year" is today's
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
        await stories.add_text(s, tg_user_id=TEACHER, text=DEED, now=now)
        await stories.finish_text(s, tg_user_id=TEACHER, now=now)
        await stories.finish_photos(s, tg_user_id=TEACHER, now=now)
        await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.SELF, now=now)
        await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    card = await council.member.wait_message(council.group, contains="Người tốt, việc tốt #1")
    await council.member.press(card, "✅ Duyệt")
    return await council.member.wait_edit(card, contains="Phạm Thị Lan đã duyệt")


# XLSX, CSV, DOCX, and the DOCX as PDF where LibreOffice is installed (always in CI).
EXPORTED = 4 if converter() else 3


async def documents(client: EmuClient, user: User, count: int = EXPORTED) -> dict[str, bytes]:
    """The last `count` documents the bot sent to `user`, by file extension."""
    sent = [m for m in await client.messages(user) if m.document][-count:]
    assert len(sent) == count
    files = {}
    for message in sent:
        assert message.document is not None
        name = message.document["file_name"]
        files[name.rsplit(".", 1)[1]] = await client.download(message.document["file_id"])
    return files


async def test_a_council_member_gets_a_tally_an_export_and_a_chart(
    council: Council, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    await approved_story(council, sessions, texts)
    member = council.member
    await member.send("/tally")
    tally = await member.wait_message(contains="Thống kê thi đua – năm học")
    assert "<b>Câu chuyện:</b>" not in tally.text  # rendered, not shown as tags
    assert "Câu chuyện: 1 (✅ 1 đã duyệt" in tally.text
    assert "• Tổ 1: 1 · 0,50" in tally.text  # two active members in Tổ 1
    assert "1. Vũ Thị Mai (Tổ 1) – 1" in tally.text
    assert tally.button_texts[:3] == ["Tháng này", "Học kỳ này", "• Năm học này"]
    await member.press(tally, "Tháng này")
    month = await member.wait_edit(tally, contains="Thống kê thi đua – tháng")
    assert month.button_texts[0] == "• Tháng này"

    await member.press(month, "📤 Xuất báo cáo")
    progress = await member.wait_message(contains="Đang lập báo cáo")
    await member.wait_edit(progress, contains="Đã gửi báo cáo", timeout=90)  # a PDF is made too
    files = await documents(client, member)
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    story = [c.value for c in book["Câu chuyện"][3]]  # under the title row and the header
    assert story[2] == "Vũ Thị Mai" and story[7] == DEED and story[8] == "Đã duyệt"
    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig")), delimiter=";"))
    assert rows[1][7] == DEED
    report_text = "\n".join(p.text for p in Document(io.BytesIO(files["docx"])).paragraphs)
    assert "đã duyệt 1" in report_text

    await member.press(month, "📈 Biểu đồ")
    chart = await member.wait_message(contains="Câu chuyện đã duyệt")
    assert chart.photo
    png = await client.download(chart.raw["photo"][-1]["file_id"])
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"


async def test_the_council_group_gets_the_tally_and_a_teacher_is_politely_refused(
    council: Council, client: EmuClient
) -> None:
    await council.member.send("/tally", chat=council.group)
    shown = await council.member.wait_message(council.group, contains="Thống kê thi đua")
    assert "Câu chuyện: 0" in shown.text
    for command in ("/tally", "/export", "/stats"):
        await council.teacher.send(command)
        refusal = await council.teacher.wait_message(contains="chỉ dành cho Hội đồng")
        assert "Thầy/Cô" in refusal.text
    assert not [m for m in await client.messages(council.teacher) if m.document or m.photo]
    pressed = await council.outsider.press(shown, "📤 Xuất báo cáo")
    assert pressed is not None and pressed.show_alert


async def test_a_proposal_goes_from_a_council_member_to_the_chair_and_into_the_report(
    council: Council, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    card = await approved_story(council, sessions, texts)
    member, chair = council.member, council.chair
    assert card.button_texts[0] == "🏅 Đề nghị khen thưởng"
    refused = await council.outsider.press(card, "🏅 Đề nghị khen thưởng")
    assert refused is not None and refused.show_alert
    await member.press(card, "🏅 Đề nghị khen thưởng")
    picker = await member.wait_message(council.group, contains="hình thức khen thưởng")
    assert picker.text.startswith("🏅 Phạm Thị Lan: ")  # the registered name (issue 17, item 5)
    assert picker.button_texts[:3] == [
        "Giấy khen của Hiệu trưởng",
        "Giấy khen của Chủ tịch UBND phường/xã",
        "Bằng khen của Chủ tịch UBND thành phố",
    ]
    await member.press(picker, "Giấy khen của Hiệu trưởng")
    levels = await member.wait_edit(picker, contains="cấp khen thưởng")
    assert "Trường ✓" in levels.button_texts and "Phường/Xã" in levels.button_texts
    await member.press(levels, "Trường ✓")
    await member.wait_edit(levels, contains="đang chờ Chủ tịch Hội đồng xác nhận")

    notice = await chair.wait_message(contains="Đề nghị khen thưởng #1")
    assert "Vũ Thị Mai" in notice.text and "Giấy khen của Hiệu trưởng" in notice.text
    assert notice.button_texts == ["✅ Đồng ý", "✖️ Không đồng ý"]
    refused = await council.vice.press(notice, "✅ Đồng ý")
    assert refused is not None and refused.show_alert
    await chair.press(notice, "✅ Đồng ý")
    confirmed = await chair.wait_edit(notice, contains="Trần Thị Thu Hà đã đồng ý")
    assert confirmed.buttons == []
    await member.wait_message(contains="đã xác nhận đề nghị #1")

    await chair.send("/export")
    await chair.wait_message(contains="Đã gửi báo cáo", timeout=90)  # a PDF is made too
    files = await documents(client, chair)
    table = Document(io.BytesIO(files["docx"])).tables[2]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert rows == [
        ["1", "Vũ Thị Mai", "Tổ 1", f"Câu chuyện #1: {DEED}", "Giấy khen của Hiệu trưởng", "Trường"]
    ]
    proposals = list(
        openpyxl.load_workbook(io.BytesIO(files["xlsx"]))["Đề nghị khen thưởng"].values
    )
    assert proposals[2][1:6] == (  # under the title row and the header
        "Vũ Thị Mai",
        "Câu chuyện #1",
        "Giấy khen của Hiệu trưởng",
        "Trường",
        "Đã xác nhận",
    )
    async with sessions() as s:
        proposal = await s.scalar(select(Proposal))
        actions = (
            await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target == "proposal:1")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert proposal is not None and proposal.status == ProposalStatus.CONFIRMED
    assert actions == ["proposal.create", "proposal.confirm"]


async def test_the_chair_declines_with_a_typed_reason(
    council: Council, sessions: SessionFactory, texts: Texts
) -> None:
    card = await approved_story(council, sessions, texts)
    await council.vice.press(card, "🏅 Đề nghị khen thưởng")
    picker = await council.vice.wait_message(council.group, contains="hình thức khen thưởng")
    await council.vice.press(picker, "Bằng khen của Chủ tịch UBND thành phố")
    levels = await council.vice.wait_edit(picker, contains="cấp khen thưởng")
    await council.vice.press(levels, "Thành phố ✓")
    notice = await council.chair.wait_message(contains="Đề nghị khen thưởng #1")
    await council.chair.press(notice, "✖️ Không đồng ý")
    prompt = await council.chair.wait_message(contains="chọn lý do không xác nhận")
    assert "Cần bình xét tại cuộc họp Hội đồng" in prompt.button_texts
    await council.chair.send("Thành tích cấp trường, đề nghị <Giấy khen> của Hiệu trưởng")
    await council.chair.wait_message(contains="Đã ghi nhận: không xác nhận đề nghị #1")
    declined = await council.chair.wait_edit(notice, contains="Trần Thị Thu Hà không đồng ý")
    assert "đề nghị <Giấy khen> của Hiệu trưởng" in declined.text
    told = await council.vice.wait_message(contains="chưa xác nhận đề nghị #1")
    assert "<Giấy khen>" in told.text
    async with sessions() as s:
        proposal = await s.scalar(select(Proposal))
    assert proposal is not None and proposal.status == ProposalStatus.DECLINED
