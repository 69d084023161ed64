"""The writing contest end to end (issue 16): the chair opens a two-round contest and picks three
judges; twelve entries come in (one typed in two messages, one as a DOCX, the rest through the
same use cases); departments below target are reminded; the judges get the entries by code, read
them with every author's name hidden and score them on the review engine's sheets; the first
round's best four go on to the final; prizes by tier; the results reach all staff; the summary
report is opened and checked against the raw sheets."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from docx import Document
from sqlalchemy import select

from reports.pdf import converter
from services.contest.rules import score_text
from storage.db import SessionFactory
from storage.models import OutboxMessage, Person, ReviewAssignment, ReviewEntry
from tests.e2e.conftest import RunningBot
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE
from tests.judging.world import build
from tgemu import EmuClient, User
from ui.texts import Texts

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUBJECTS = [
    "Bác bảo vệ Nguyễn Văn Tư", "Cô lao công Đỗ Thị Nụ", "Em Gia Bảo lớp 3A",
    "Tổ bếp ăn bán trú", "Chú Trương Văn Khải", "Cô Hoàng Thị Sen", "Ông Lê Văn Giao",
    "Bà Ngô Thị Lựu", "Em Minh Khôi lớp 5B", "Bác sĩ Phan Văn Hòa", "Cô Đinh Thị Hạnh",
    "Thầy Võ Văn Lâm",
]  # fmt: skip


def _docx(text: str) -> bytes:
    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def test_a_contest_of_twelve_entries_from_the_call_to_the_summary(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    now = datetime.now(UTC)
    world = await build(sessions, texts, now, council=3, staff=12, cstdcs=1)
    async with sessions() as s:
        names = {p.tg_user_id: p.full_name for p in await s.scalars(select(Person))}
    judge_ids = (VICE, COUNCIL, world.staff[12])  # three judges who write no entry
    authors = [TEACHER, *world.staff[1:12]]  # twelve authors
    users: dict[int, User] = {
        tg: await client.user(tg, names[tg].split()[-1], started=True)
        for tg in {CHAIR, *judge_ids, *authors}
    }
    chair = users[CHAIR]
    services = bot.deps.services

    # The chair opens a two-round contest, four entries to go on to the final.
    await chair.send("/contest")
    none_yet = await chair.wait_message(contains="chưa tổ chức cuộc thi")
    await chair.press(none_yet, "✍️ Mở cuộc thi")
    ask = await chair.wait_message(contains="chọn tên cuộc thi")
    await chair.press(ask, "Viết về gương điển hình tiên tiến, người tốt, việc tốt")
    topic = await chair.wait_edit(ask, contains="nội dung, chủ đề")
    await chair.press(topic, "Dùng nội dung gợi ý")
    await chair.wait_edit(topic, contains="thời gian nhận bài")
    today = now.astimezone(texts.tz).date()
    await chair.send(f"{today:%d/%m/%Y}-{today + timedelta(days=10):%d/%m/%Y}")
    rounds = await chair.wait_message(contains="chấm mấy vòng")
    await chair.press(rounds, "Hai vòng (sơ khảo, chung khảo)")
    await chair.wait_edit(rounds, contains="vào chung khảo")
    await chair.send("4")
    preview = await chair.wait_message(contains="Xem trước cuộc thi")
    assert "Giải Nhất | 1; Giải Nhì | 2; Giải Ba | 3" in preview.text
    await chair.press(preview, "✅ Mở cuộc thi")
    await chair.wait_edit(preview, contains="Đã mở cuộc thi")
    card = await chair.wait_message(contains="Tình trạng:")
    launch = await users[TEACHER].wait_message(contains="Nhà trường mời Thầy/Cô tham gia")

    # Three judges, picked from the member list (two pages).
    await chair.press(card, "👥 Ban giám khảo")
    jury = await chair.wait_edit(card, contains="Ban giám khảo cuộc thi")
    for judge in judge_ids:
        name = names[judge]
        while not any(label.startswith(f"➕ {name}") for label in jury.button_texts):
            await chair.press(jury, "Sau ▶️")
            jury = await chair.wait_edit(jury, contains="Ban giám khảo")
        label = next(label for label in jury.button_texts if label.startswith(f"➕ {name}"))
        await chair.press(jury, label)
        jury = await chair.wait_edit(jury, contains=name)
        while any(label.startswith("◀️") for label in jury.button_texts):
            await chair.press(jury, "◀️ Trước")
            jury = await chair.wait_edit(jury, contains="trang 1/")

    # An entry typed in two messages, signed with its author's name.
    teacher = users[TEACHER]
    await teacher.press(launch, "✍️ Gửi bài dự thi")
    await teacher.wait_message(contains="Bài viết về")
    await teacher.send(SUBJECTS[0])
    await teacher.wait_message(contains="tên bài viết")
    await teacher.send("Người giữ cổng trường")
    await teacher.wait_message(contains="nội dung bài")
    await teacher.send(f"Tôi là {names[TEACHER]}, tổ 1. Sáng nào bác Tư cũng mở cổng từ sớm.")
    part = await teacher.wait_message(contains="Đã nhận phần 1")
    await teacher.send("Cô Mai (tôi) xin kể tiếp: bác Tư đã giúp em Bảo tìm lại cặp sách.")
    part = await teacher.wait_message(contains="Đã nhận phần 2")
    await teacher.press(part, "✅ Xong")
    preview = await teacher.wait_edit(part, contains="Xem trước bài dự thi")
    await teacher.press(preview, "📨 Gửi bài")
    sent = await teacher.wait_edit(preview, contains="Mã bài")
    assert names[TEACHER] not in sent.text

    # An entry as a DOCX.
    docx_author = users[authors[1]]
    await docx_author.send("/contest")
    shown = await docx_author.wait_message(contains="Tình trạng:")
    await docx_author.press(shown, "✍️ Gửi bài dự thi")
    await docx_author.wait_message(contains="Bài viết về")
    await docx_author.send(SUBJECTS[1])
    await docx_author.wait_message(contains="tên bài viết")
    await docx_author.send("Đôi bàn tay lặng thầm")
    await docx_author.wait_message(contains="nội dung bài")
    body = f"Cô Nụ lau từng lớp học.\nNgười viết: {names[authors[1]]}"
    await docx_author.send_document(_docx(body), filename="bai-du-thi.docx", mime_type=DOCX)
    preview = await docx_author.wait_message(contains="Tệp: bai-du-thi.docx")
    await docx_author.press(preview, "📨 Gửi bài")
    await docx_author.wait_edit(preview, contains="Mã bài")

    # Ten more through the same use cases (typing each in chat would only repeat the above).
    contest_id = (await services.contests.show(tg_user_id=CHAIR)).id
    cases = services.contests
    for n, tg in enumerate(authors[2:], start=2):
        await cases.begin_entry(tg_user_id=tg, contest_id=contest_id)
        await cases.entry_typed(tg_user_id=tg, text=SUBJECTS[n])
        await cases.entry_typed(tg_user_id=tg, text=f"Tấm gương số {n}")
        await cases.entry_typed(tg_user_id=tg, text=f"Tác giả {names[tg]} kể về {SUBJECTS[n]}.")
        await cases.entry_done(tg_user_id=tg)
        await cases.send_entry(tg_user_id=tg, ok=True)

    # Departments below their target are reminded; then the judging starts.
    await chair.send("/contest")
    card = await chair.wait_message(contains="Bài dự thi theo tổ")
    assert "12 bài dự thi" in card.text
    answer = await chair.press(card, "📣 Nhắc các tổ chưa đạt chỉ tiêu")
    assert answer is not None and answer.text is not None and "Đã nhắc" in answer.text
    await users[VICE].wait_message(contains="📣 Cuộc thi")  # Tổ Văn phòng sent nothing
    await chair.press(card, "📝 Kết thúc nhận bài, giao bài chấm")
    await chair.wait_message(contains="giao 36 phiếu chấm")

    # A judge reads an entry by its code, every author's name hidden, and scores it in chat.
    vice = users[VICE]
    notice = await vice.wait_message(contains="12 bài cần chấm")
    await vice.press(notice, "📝 Bài cần chấm")
    listing = await vice.wait_message(contains="Sơ khảo")
    async with sessions() as s:
        teacher_code = await s.scalar(
            select(ReviewEntry.code).where(ReviewEntry.author_id == world.person[TEACHER])
        )
    assert teacher_code is not None
    await vice.press(listing, f"📖 Đọc {teacher_code}")
    reading = await vice.wait_message(contains=f"Bài {teacher_code}")
    assert "Sáng nào bác Tư cũng mở cổng" in reading.text and "[tác giả]" in reading.text
    assert "Vũ Thị Mai" not in reading.text and "Cô Mai" not in reading.text
    await vice.press(reading, f"📝 Chấm {teacher_code}")
    sheet = await vice.wait_message(contains="Phiếu chấm")
    for mark in ("9", "9", "8"):
        await vice.press(sheet, mark)
        sheet = await vice.wait_edit(sheet, contains="Phiếu chấm")
    await vice.press(sheet, "📨 Gửi phiếu")
    thanks = await vice.wait_message(contains="Đã gửi phiếu")
    # A contest has no jury chair confirming each entry: the judge is not told to wait for one.
    assert "công bố khi cuộc thi chốt giải" in thanks.text and "xác nhận" not in thanks.text

    # The other sheets of the first round through the engine's use cases.
    async with sessions() as s:
        rows = (
            await s.execute(
                select(ReviewAssignment, ReviewEntry.author_id).join(
                    ReviewEntry, ReviewEntry.id == ReviewAssignment.entry_id
                )
            )
        ).all()
    author_of = {world.person[tg]: n for n, tg in enumerate(authors)}
    reviews = services.reviews
    tg_of = {world.person[j]: j for j in judge_ids}

    async def score(sheet: ReviewAssignment, marks: list[int]) -> None:
        judge = tg_of[sheet.reviewer_id]
        await reviews.open_sheet(tg_user_id=judge, chat_id=judge, sheet_id=sheet.id)
        for mark in marks:
            await reviews.typed(tg_user_id=judge, text=str(mark))
        await reviews.send(tg_user_id=judge, chat_id=judge, sheet_id=sheet.id)

    for a, author in rows:
        if a.submitted_at is None:
            n = author_of[author]
            await score(a, [10 - n // 2, 10 - 3 * (n % 2), 5])  # every entry's total differs
    await chair.send("/contest")
    card = await chair.wait_message(contains="đã gửi 36/36", timeout=30)
    await chair.press(card, "➡️ Chốt sơ khảo, chọn bài vào chung khảo")
    advanced = await chair.wait_message(contains="vào chung khảo:")
    await users[COUNCIL].wait_message(contains="Chung khảo cuộc thi")

    async with sessions() as s:
        final_rows = (
            await s.execute(
                select(ReviewAssignment, ReviewEntry.author_id)
                .join(ReviewEntry, ReviewEntry.id == ReviewAssignment.entry_id)
                .where(ReviewAssignment.stage == "chung_khao")
            )
        ).all()
    assert len(final_rows) == 12  # four finalists, three judges each
    for a, author in final_rows:
        n = author_of[author]
        await score(a, [6 + n % 5, 7 + (a.reviewer_id + n) % 4, 8])

    # What every judge was sent until the results: no author's name anywhere.
    author_names = [names[tg] for tg in authors]
    for judge in judge_ids:
        for message in await client.messages(judge):
            for name in author_names:
                assert name not in message.text, (judge, name, message.text[:200])
    async with sessions() as s:
        queued = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id.in_(judge_ids)))
        ).all()
    for row in queued:
        for name in author_names:
            assert name not in str(row.payload), (row.chat_id, name)

    # The prizes, announced to all staff; the summary report against the raw sheets.
    await chair.send("/contest")
    card = await chair.wait_message(contains="đã gửi 12/12", timeout=30)
    await chair.press(card, "🏆 Chốt kết quả, trao giải")
    await chair.wait_message(contains="Đã chốt kết quả")
    results = await teacher.wait_message(contains="Kết quả cuộc thi")
    assert "Giải Nhất" in results.text
    card = await chair.wait_message(contains="Tình trạng: đã có kết quả")
    await chair.press(card, "📄 Báo cáo tổng kết (DOCX)")
    report = await chair.wait_message(contains="Báo cáo tổng kết cuộc thi")
    assert report.document is not None
    document = Document(io.BytesIO(await client.download(report.document["file_id"])))
    if converter() is not None:  # the PDF follows when LibreOffice is installed
        pdf = await chair.wait_message(timeout=90)
        assert pdf.document is not None and pdf.document["file_name"].endswith(".pdf")

    async with sessions() as s:
        raw = (
            await s.execute(
                select(ReviewEntry.code, ReviewAssignment.stage, ReviewAssignment.total).join(
                    ReviewAssignment, ReviewAssignment.entry_id == ReviewEntry.id
                )
            )
        ).all()
        tiers = dict((await s.execute(select(ReviewEntry.code, ReviewEntry.tier))).all())
    totals: dict[tuple[str, str], list[float]] = {}
    for code, stage, total in raw:
        totals.setdefault((code, stage), []).append(float(total or 0))
    table = document.tables[2]
    by_code = {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[1:]}
    assert len(by_code) == 12
    finalists_seen = 0
    for code, cells in by_code.items():
        first = totals[(code, "so_khao")]
        assert cells[5] == score_text(sum(first) / len(first))
        final = totals.get((code, "chung_khao"))
        if final:
            finalists_seen += 1
            assert cells[6] == score_text(sum(final) / len(final))
        else:
            assert cells[6] == "–"
        assert cells[7] == (tiers[code] or "–")
    assert finalists_seen == len(advanced.text.split("vào chung khảo:")[1].split(","))
    # The ranking of the final decides the prizes: a better final score never gets a worse tier.
    order = ["Giải Nhất", "Giải Nhì", "Giải Ba", "Giải Khuyến khích", "–"]
    ranked = sorted(
        (c for c in by_code.values() if c[6] != "–"),
        key=lambda c: -float(c[6].replace(",", ".")),
    )
    assert [order.index(c[7]) for c in ranked] == sorted(order.index(c[7]) for c in ranked)

    # /tally counts the contest too.
    await chair.send("/tally")
    tally = await chair.wait_message(contains="Cuộc thi viết", timeout=30)
    assert "12 bài · 12 đã chấm · " in tally.text
