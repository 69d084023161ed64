"""The judging round end to end (issue 14): a round for Lao động tiên tiến and Chiến sĩ thi đua
cơ sở with a council of nine and 31 candidates, some failing a condition. A department head
proposes, the ratings come from the XLSX (a bad row refused whole first), the vote is refused
below the quorum, then held: an open vote and a secret one, a member absent, a member who cannot
vote on herself, a changed vote, the close; the minutes are opened and their figures checked
against an independent count from the votes pressed."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from docx import Document
from sqlalchemy import select, update

from services.judging.ballots import SHEET_SIZE
from storage.db import SessionFactory
from storage.models import (
    Ballot,
    Candidate,
    DeptStatus,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Membership,
    Person,
    Vote,
)
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import plant
from tests.e2e.test_judging_facts import RATING, START, XLSX, fill
from tests.factories import CHAIR, TEACHER, VICE
from tests.judging.world import LDTT, build
from tgemu import EmuClient, Msg, User
from ui.buttons.judging import VoteCast
from ui.texts import Texts


async def _candidates(sessions: SessionFactory, title: str) -> dict[str, int]:
    async with sessions() as s:
        rows = await s.execute(
            select(Person.full_name, Candidate.id)
            .join(Person, Person.id == Candidate.person_id)
            .where(Candidate.title == title, Candidate.dept_status == DeptStatus.PROPOSED)
        )
        return {name: cid for name, cid in rows}


async def test_a_round_from_the_departments_lists_to_the_minutes(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    now = datetime.now(UTC)
    world = await build(sessions, texts, now, staff=21, cstdcs=3)
    async with sessions() as s:
        names = {p.tg_user_id: p.full_name for p in await s.scalars(select(Person))}
    users: dict[int, User] = {
        tg: await client.user(tg, names[tg].split()[-1], started=True)
        for tg in (*world.council, TEACHER, world.staff[1])
    }
    chair = users[CHAIR]

    # The chair opens the round: 31 registrants (3 of them for CSTĐCS as well).
    await chair.send("/round")
    none_yet = await chair.wait_message(contains="chưa mở đợt bình xét")
    await chair.press(none_yet, "🗳 Mở đợt bình xét")
    await chair.wait_edit(none_yet, contains="Đã mở")
    shown = await chair.wait_message(contains="Bình xét thi đua năm học")
    assert "Lao động tiên tiến: 0 được đề nghị / 31 đăng ký" in shown.text

    # A department head proposes her department's list (all but one), after its meeting.
    head_tg = world.staff[1]  # a teacher of Tổ 2, made its head by the chair
    async with sessions() as s:
        await s.execute(
            update(Membership)
            .where(Membership.person_id == world.person[head_tg])
            .values(heads_department=True)
        )
        await s.commit()
        rnd = await s.scalar(select(JudgingRound))
        assert rnd is not None
    head = users[head_tg]
    await head.send("/department")
    listing = await head.wait_message(contains="Danh sách đề nghị của")
    dropped = next(label for label in listing.button_texts if label.startswith("1. "))
    await head.press(listing, dropped)
    listing = await head.wait_edit(listing, contains="không đề nghị")
    await head.press(listing, "Xác nhận danh sách của tổ")
    ask = await head.wait_edit(listing, contains="Xác nhận danh sách của")
    await head.press(ask, "Không có ghi chú")
    await head.wait_edit(ask, contains="Đã gửi danh sách đề nghị")
    await chair.wait_message(contains="đã gửi danh sách đề nghị")
    async with sessions() as s:
        not_proposed = (
            await s.scalars(
                select(Candidate).where(Candidate.dept_status == DeptStatus.NOT_PROPOSED)
            )
        ).all()
        assert len(not_proposed) == 1
        # The other departments sent theirs the same way (tests/e2e/test_judging_heads.py).
        await s.execute(
            update(Candidate)
            .where(Candidate.dept_status == DeptStatus.WAITING)
            .values(dept_status=DeptStatus.PROPOSED)
        )
        await s.commit()

    # The facts: a sheet with a bad row is refused whole, then imported.
    await chair.send("/facts")
    overview = await chair.wait_message(contains="Thông tin xét thi đua năm học")
    await chair.press(overview, "📥 Tải bảng Excel")
    sheet = await chair.wait_message(contains="Bảng thông tin xét thi đua năm học")
    assert sheet.document is not None
    content = await client.download(sheet.document["file_id"])
    cells: dict[str, dict[str, object]] = {
        name: {RATING: "Hoàn thành tốt nhiệm vụ", START: "05/09/2015"} for name in names.values()
    }
    weak = [names[tg] for tg in world.staff[2:5]]  # "hoàn thành nhiệm vụ": below the floor
    for name in weak:
        cells[name][RATING] = "Hoàn thành nhiệm vụ"
    newcomer = names[world.staff[5]]
    cells[newcomer][START] = (now - timedelta(days=70)).strftime("%d/%m/%Y")
    cells[names[TEACHER]][START] = "31/02/2020"
    await chair.send_document(fill(content, cells), filename="bang.xlsx", mime_type=XLSX)
    refusal = await chair.wait_message(contains="Bot chưa nhập bảng")
    assert "ngày bắt đầu công tác “31/02/2020” không hợp lệ" in refusal.text
    cells[names[TEACHER]][START] = "05/09/2020"
    await chair.send_document(fill(content, cells), filename="bang.xlsx", mime_type=XLSX)
    await chair.wait_message(contains="Đã nhập bảng thông tin xét thi đua")
    await chair.send("/round")
    shown = await chair.wait_message(contains="Bình xét thi đua năm học")
    # Each weak one's line says so (once more for the one who registered CSTĐCS too).
    assert shown.text.count("cần “hoàn thành tốt nhiệm vụ” trở lên") == 4
    assert "mới công tác 2 tháng, cần từ 6 tháng" in shown.text

    # The meeting (its scheduling has its own test): the chair opens it, members check in.
    async with sessions() as s:
        s.add(
            Meeting(
                round_id=rnd.id,
                org_id=rnd.org_id,
                starts_at=now + timedelta(minutes=5),
                place="Phòng họp tầng 2",
                agenda="1. Xét danh hiệu\n2. Biểu quyết",
                chair_id=world.person[CHAIR],
                secretary_id=world.person[VICE],
                status=MeetingStatus.SCHEDULED,
                created_at=now,
            )
        )
        await s.commit()
    await chair.send("/meeting")
    card = await chair.wait_message(contains="Phòng họp tầng 2")
    await chair.press(card, "▶️ Bắt đầu họp")
    panel = await chair.wait_message(contains="Có mặt 1/9")
    absent_tg = world.council[8]
    members = [users[tg] for tg in world.council[1:8]]  # seven more; the ninth is absent
    calls: dict[int, Msg] = {}
    for member in [*members, users[absent_tg]]:
        calls[member.id] = await member.wait_message(contains="Phiên họp bình xét đã bắt đầu")
    for member in members[:4]:
        await member.press(calls[member.id], "✋ Điểm danh")
    panel = await chair.wait_edit(panel, contains="Có mặt 5/9 — cần 6")
    refused = await chair.press(panel, "🗳 Biểu quyết: Lao động tiên tiến")
    assert refused is not None and refused.show_alert
    assert "có mặt 5/9, cần ít nhất 6" in (refused.text or "")
    for member in members[4:]:
        await member.press(calls[member.id], "✋ Điểm danh")
    panel = await chair.wait_edit(panel, contains="Có mặt 8/9")

    # The open vote on LĐTT: each member says no to the three weak ones, then yes to the rest.
    await chair.press(panel, "🗳 Biểu quyết: Lao động tiên tiến")
    progress = await chair.wait_message(contains="Đã bỏ phiếu: 0/8")
    ldtt = await _candidates(sessions, LDTT)
    assert len(ldtt) == 30
    async with sessions() as s:
        ballot = await s.scalar(select(Ballot).where(Ballot.title == LDTT))
        assert ballot is not None and not ballot.secret
    voters = [chair, *members]
    # Thirty names come on two pages of twenty (with every warning shown, a page stays short).
    order = sorted(ldtt.values())
    page_of = {cid: order.index(cid) // SHEET_SIZE for cid in order}
    sheets: dict[int, list[Msg]] = {}
    for voter in voters:
        first = await voter.wait_message(contains="Biểu quyết: Lao động tiên tiến (trang 1/2)")
        second = await voter.wait_message(contains="Biểu quyết: Lao động tiên tiến (trang 2/2)")
        sheets[voter.id] = [first, second]
    assert not any(
        "Biểu quyết: Lao động tiên tiến" in m.text for m in await client.messages(users[absent_tg])
    )
    # A member cannot vote on herself (her line has no buttons; a forged press is refused).
    herself = next(tg for tg in world.council[1:8] if names[tg] in ldtt)
    own = VoteCast(ballot.id, ldtt[names[herself]], True).pack()
    forged = await plant(bot.app.bot, herself, users[herself], own)
    answer = await users[herself].press(forged, callback_data=own)
    assert answer is not None and "không biểu quyết cho chính mình" in (answer.text or "")
    expected_no = {name: 0 for name in ldtt}
    for voter in voters:
        pages = sheets[voter.id]
        for name in weak:
            cid = ldtt[name]
            await voter.press(
                pages[page_of[cid]], callback_data=VoteCast(ballot.id, cid, False).pack()
            )
            expected_no[name] += 1
        if voter.id == VICE:  # a changed vote: no, then yes
            cid = ldtt[newcomer]
            page = pages[page_of[cid]]
            await voter.press(page, callback_data=VoteCast(ballot.id, cid, False).pack())
            await voter.press(page, callback_data=VoteCast(ballot.id, cid, True).pack())
        for page in pages:
            await voter.press(page, "✅ Đồng ý tất cả những người chưa chọn")
    await chair.wait_edit(progress, contains="Đã bỏ phiếu: 8/8")
    await chair.press(progress, "⏹ Kết thúc biểu quyết")
    result = await chair.wait_message(contains="Kết quả biểu quyết: Lao động tiên tiến")

    # The independent count, from what was pressed: 8 present of 9; a council member's own
    # line is counted on 8 (she does not vote on herself).
    council_names = {names[tg] for tg in world.council}
    expected: dict[str, tuple[int, int, int]] = {}
    for name in ldtt:
        no = expected_no[name]
        voting = 8 - (1 if name in council_names and name != names[absent_tg] else 0)
        base = 9 - (1 if name in council_names else 0)
        expected[name] = (voting - no, no, base)
    async with sessions() as s:
        raw = (
            await s.execute(
                select(Vote.candidate_id, Vote.choice).where(Vote.ballot_id == ballot.id)
            )
        ).all()
    by_id = {cid: name for name, cid in ldtt.items()}
    for name, (yes, no, _) in expected.items():
        assert sum(1 for cid, c in raw if by_id[cid] == name and c == "yes") == yes, name
        assert sum(1 for cid, c in raw if by_id[cid] == name and c == "no") == no, name
    passed = sum(1 for yes, no, base in expected.values() if yes * 100 >= 70 * base and yes > no)
    assert f"Đạt: {passed}/30." in result.text

    # The secret ballot on CSTĐCS: everyone agrees; the cap decides.
    await chair.press(panel, "🗳 Biểu quyết: Chiến sĩ thi đua cơ sở")
    progress = await chair.wait_message(contains="Biểu quyết: Chiến sĩ thi đua cơ sở")
    assert "bỏ phiếu kín" in progress.text
    for voter in voters:
        sheet_msg = await voter.wait_message(contains="Bỏ phiếu kín")
        await voter.press(sheet_msg, "✅ Đồng ý tất cả những người chưa chọn")
    await chair.wait_edit(progress, contains="Đã bỏ phiếu: 8/8")
    await chair.press(progress, "⏹ Kết thúc biểu quyết")
    secret = await chair.wait_message(contains="Kết quả biểu quyết: Chiến sĩ thi đua cơ sở")
    cap = passed * 15 // 100
    assert f"Tối đa {cap} người" in secret.text

    # The meeting ends: the minutes, opened and checked against the count.
    await chair.press(panel, "Kết thúc họp")
    ended = await chair.wait_message(contains="Cuộc họp bình xét đã kết thúc")
    await users[VICE].wait_message(contains="Cuộc họp bình xét đã kết thúc")
    await chair.press(ended, "📄 Biên bản")
    document = await chair.wait_message(contains="Biên bản họp Hội đồng xét thi đua")
    assert document.document is not None
    assert document.document["file_name"].startswith("bien-ban-")
    minutes = Document(io.BytesIO(await client.download(document.document["file_id"])))
    rows = [[c.text.strip() for c in row.cells] for t in minutes.tables for row in t.rows]
    for name, (yes, no, base) in expected.items():
        row = next(r for r in rows if name in r and any(c.endswith("%") for c in r))
        # STT, name, department, yes, no, on how many, %, result
        assert row[3:6] == [str(yes), str(no), str(base)], (name, row)
        passes = yes * 100 >= 70 * base and yes > no
        assert row[7].startswith("Đạt" if passes else "Không đạt"), (name, row)
    body = "\n".join(p.text for p in minutes.paragraphs)
    assert names[absent_tg] in body or any(names[absent_tg] in r for r in rows)
    assert bot.errors == []
