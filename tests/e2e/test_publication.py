"""Công khai and objections end to end (issue 15): the chair publishes the round's result to 35
members, receipts are counted on her panel; a teacher objects to the whole list with a photo,
without her name, and the chair answers; another member objects about one candidate, the council
re-votes and the result changes; the members are reminded before the window closes; once it
has closed, objections are refused and nothing holds the dossier back. And an objection half
written when the bot is killed goes on after the restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services import orgs
from services.judging.publication import Publications
from services.judging.publication.dossier import dossier_blockers
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import (
    AuditEntry,
    Candidate,
    Objection,
    ObjectionStatus,
    Outcome,
    Person,
    Publication,
    StoredFile,
)
from tests.e2e.conftest import BotProcess, RunningBot
from tests.e2e.helpers import draft_of, png
from tests.e2e.test_judging_meetings import move_clock
from tests.factories import CHAIR, TEACHER
from tests.judging.world import LDTT, build, env
from tests.services.test_publication import closed_round
from tgemu import EmuClient, User
from ui.texts import Texts

ANNOUNCED = "Công khai kết quả bình xét thi đua"


async def test_publish_to_35_members_two_objections_a_re_vote_and_the_window_closes(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    now = datetime.now(UTC)
    world = await build(sessions, texts, now, staff=26)
    rnd = await closed_round(sessions, texts, [now], world)
    async with sessions() as s:
        names = {p.tg_user_id: p.full_name for p in await s.scalars(select(Person))}
    users: dict[int, User] = {
        tg: await client.user(tg, names[tg].split()[-1], started=True) for tg in names
    }
    chair, teacher = users[CHAIR], users[TEACHER]
    group = await client.group("Hội đồng TĐKT", members=[users[tg] for tg in world.council])
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=group.id, now=now)
    set_clock = move_clock(bot)

    # The chair publishes: 35 members get the list (the 35 LĐTT who passed but the teacher).
    await chair.send("/publish")
    panel = await chair.wait_message(contains="Công khai kết quả bình xét")
    assert (
        "Danh sách đạt (35)" in panel.text and "tới 35 cán bộ, giáo viên, nhân viên" in panel.text
    )
    await chair.press(panel, "📢 Công khai")
    panel = await chair.wait_edit(panel, contains="Đã đọc: 0/35")
    received = {}
    for tg, user in users.items():
        if tg == CHAIR:
            continue
        received[tg] = await user.wait_message(contains=ANNOUNCED, timeout=20)
        assert received[tg].button_texts == ["✅ Đã đọc", "✍️ Gửi kiến nghị"]
    assert "Vũ Thị Mai" not in received[world.staff[3]].text
    readers = [tg for tg in received if tg != TEACHER][:20]
    for tg in readers:
        answer = await users[tg].press(received[tg], "✅ Đã đọc")
        assert answer is not None and "Đã ghi nhận" in (answer.text or "")
    pressed = await users[readers[0]].wait_edit(received[readers[0]])
    assert pressed.button_texts == ["✍️ Gửi kiến nghị"]  # "Đã đọc" is gone once pressed
    await chair.press(panel, "🔄 Cập nhật")
    panel = await chair.wait_edit(panel, contains="Đã đọc: 20/35")

    # Objection 1: the teacher, about the whole list, with a photo, her name hidden.
    await teacher.press(received[TEACHER], "✍️ Gửi kiến nghị")
    ask = await teacher.wait_message(contains="Kiến nghị của Thầy/Cô về ai")
    assert len(ask.button_texts) == 36
    await teacher.press(ask, "Cả danh sách")
    ask = await teacher.wait_edit(ask, contains="nội dung kiến nghị")
    await teacher.send("Đề nghị Hội đồng công bố số phiếu của từng người <i>ạ</i>")
    await teacher.wait_message(contains="Nếu có ảnh hoặc tệp kèm theo")
    await teacher.send_photo(png(7))
    asked = await teacher.wait_message(contains="Hội đồng có được biết tên")
    await teacher.press(asked, "🙈 Không cho biết tên")
    preview = await teacher.wait_edit(asked, contains="Xem trước kiến nghị")
    assert "không cho Hội đồng biết" in preview.text
    await teacher.press(preview, "📨 Gửi kiến nghị")
    await teacher.wait_edit(preview, contains="Đã gửi kiến nghị số 1")
    card1 = await chair.wait_message(group, contains="Kiến nghị số 1", timeout=20)
    assert "không cho biết tên" in card1.text and "Vũ Thị Mai" not in card1.text
    assert "&lt;i&gt;" not in card1.text and "<i>ạ</i>" in card1.text  # shown as typed
    photo = await chair.wait_message(group, contains="Tệp kèm kiến nghị số 1", timeout=20)
    assert photo.photo

    # The chair answers from the group; the teacher is told privately.
    answer = await chair.press(card1, "💬 Trả lời")
    assert answer is not None and "tin nhắn riêng" in (answer.text or "")
    await chair.wait_message(contains="gõ câu trả lời")
    await chair.send("Số phiếu của từng người có trong biên bản họp, Thầy/Cô xem tại văn phòng.")
    await chair.wait_message(contains="Đã trả lời kiến nghị số 1")
    told = await teacher.wait_message(contains="Trả lời kiến nghị số 1", timeout=20)
    assert "biên bản họp" in told.text
    await chair.wait_edit(card1, contains="Đã trả lời", timeout=30)

    # Objection 2: a member, by /objection, about one candidate, named.
    filer = users[world.staff[5]]
    target = names[world.staff[1]]
    await filer.send("/objection")
    ask = await filer.wait_message(contains="Kiến nghị của Thầy/Cô về ai")
    await filer.press(ask, f"{target} ({LDTT})")
    await filer.wait_edit(ask, contains="nội dung kiến nghị")
    await filer.send(f"{target} bị kỷ luật khiển trách trong năm học.")
    no_file = await filer.wait_message(contains="Nếu có ảnh hoặc tệp kèm theo")
    await filer.press(no_file, "Không có tệp kèm →")
    asked = await filer.wait_edit(no_file, contains="Hội đồng có được biết tên")
    await filer.press(asked, "Cho Hội đồng biết tên")
    preview = await filer.wait_edit(asked, contains="Xem trước kiến nghị")
    await filer.press(preview, "📨 Gửi kiến nghị")
    await filer.wait_edit(preview, contains="Đã gửi kiến nghị số 2")
    card2 = await chair.wait_message(group, contains="Kiến nghị số 2", timeout=30)
    assert names[world.staff[5]] in card2.text

    # The re-vote: the chair opens it, seven of nine vote no, she closes it: không đạt.
    await chair.press(card2, "🗳 Bỏ phiếu lại")
    # The chair gets her progress (with the controls) and her own ballot, in either order.
    first = await chair.wait_message(contains="Bỏ phiếu lại")
    second = await chair.wait_message(contains="Bỏ phiếu lại")
    progress, own = (
        (first, second) if "Kết thúc bỏ phiếu" in first.button_texts else (second, first)
    )
    assert "Đã bỏ phiếu: 0/9 (cần ít nhất 6)" in progress.text
    assert own.button_texts == ["Đồng ý", "Không đồng ý"]
    for tg in world.council[:7]:
        ballot = own if tg == CHAIR else await users[tg].wait_message(contains="Bỏ phiếu lại")
        await users[tg].press(ballot, "Không đồng ý")
        voted = await users[tg].wait_edit(ballot)
        assert voted.button_texts == ["Đồng ý", "✅ Không đồng ý"]
    await chair.press(progress, "Kết thúc bỏ phiếu")
    closed = await chair.wait_edit(progress, contains="Đã kết thúc")
    assert "0 đồng ý, 7 không đồng ý / 9 — Không đạt" in closed.text
    await chair.press(card2, "💬 Trả lời")
    await chair.wait_message(contains="kiến nghị số 2 trong một tin nhắn")
    await chair.send("Hội đồng đã bỏ phiếu lại; kết quả thay đổi.")
    told = await filer.wait_message(contains="Trả lời kiến nghị số 2", timeout=20)
    assert "kết quả: Không đạt" in told.text

    # The reminder the working day before the window closes, then the window closes.
    async with sessions() as s:
        published = await s.scalar(select(Publication))
        assert published is not None
    reminder_at = published.closes_at - timedelta(hours=16, minutes=30)  # 07:30 the day before
    set_clock(max(reminder_at, datetime.now(UTC)) + timedelta(seconds=1))
    if reminder_at > now:
        await users[world.staff[9]].wait_message(contains="Nhắc hạn kiến nghị", timeout=20)
    set_clock(published.closes_at + timedelta(hours=7, minutes=30, seconds=1))  # 07:30
    closed_notice = await chair.wait_message(contains="Đã hết hạn nhận kiến nghị", timeout=20)
    assert "2 đã trả lời, 0 chờ trả lời" in closed_notice.text
    await teacher.send("/objection")
    await teacher.wait_message(contains="Thời hạn nhận kiến nghị đã hết")
    await chair.send("/publish")
    panel = await chair.wait_message(contains="đã hết hạn")
    assert "0 chờ trả lời, 2 đã trả lời" in panel.text
    await chair.send("/tally")
    tally = await chair.wait_message(contains="Công khai: đã đọc 20/35")
    assert "kiến nghị: 0 chờ trả lời, 2 đã trả lời" in tally.text

    async with sessions() as s:
        assert await dossier_blockers(s, rnd.id, now=bot.deps.clock()) == []
        changed = await s.scalar(
            select(Candidate).where(
                Candidate.person_id == world.person[world.staff[1]], Candidate.title == LDTT
            )
        )
        assert changed is not None and changed.outcome == Outcome.FAILED
        objections = (await s.scalars(select(Objection).order_by(Objection.number))).all()
        assert {o.status for o in objections} == {ObjectionStatus.ANSWERED}
        # The photo was downloaded from Telegram and kept: the same bytes the teacher sent.
        stored = await s.get_one(StoredFile, objections[0].stored_file_id)
        assert FileStore(bot.deps.settings.files_root()).read(stored.sha256) == png(7)
        actions = set((await s.scalars(select(AuditEntry.action))).all())
    assert {"publication.publish", "objection.file", "objection.answer"} <= actions
    assert {"revote.open", "revote.close"} <= actions


async def test_an_objection_half_written_when_the_bot_is_killed_goes_on_after_the_restart(
    bot_process: BotProcess, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    now = datetime.now(UTC)
    world = await build(sessions, texts, now, council=3, staff=4)
    rnd = await closed_round(sessions, texts, [now], world)
    await Publications(env(sessions, texts, [now])).publish(tg_user_id=CHAIR, round_id=rnd.id)
    teacher = await client.user(TEACHER, "Mai", started=True)
    await bot_process.start()
    await teacher.send("/objection")
    ask = await teacher.wait_message(contains="Kiến nghị của Thầy/Cô về ai")
    await teacher.press(ask, "Cả danh sách")
    await teacher.wait_edit(ask, contains="nội dung kiến nghị")
    await teacher.send("Đề nghị xem lại danh sách của Tổ 1.")
    no_file = await teacher.wait_message(contains="Nếu có ảnh hoặc tệp kèm theo")

    bot_process.kill()
    assert (await draft_of(sessions, TEACHER) or ("",))[0] == "objection:file"
    await bot_process.start()

    await teacher.press(no_file, "Không có tệp kèm →")
    asked = await teacher.wait_edit(no_file, contains="Hội đồng có được biết tên")
    await teacher.press(asked, "🙈 Không cho biết tên")
    preview = await teacher.wait_edit(asked, contains="Xem trước kiến nghị")
    assert "Đề nghị xem lại danh sách của Tổ 1." in preview.text
    await teacher.press(preview, "📨 Gửi kiến nghị")
    await teacher.wait_edit(preview, contains="Đã gửi kiến nghị số 1")
    async with sessions() as s:
        rows = (await s.scalars(select(Objection))).all()
        assert [(o.number, o.text) for o in rows] == [(1, "Đề nghị xem lại danh sách của Tổ 1.")]
    assert await draft_of(sessions, TEACHER) is None
