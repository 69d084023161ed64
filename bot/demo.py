"""The no-token demo: the real bot against the local Bot API emulator, played by scripted people.

`python -m bot demo` (or `./dev demo`) starts the emulator and the bot in this process, on a
SQLite database in a temporary directory, then plays the journeys built so far as a list of small
scenes. Each scene acts as people from the sample school and waits for what the bot shows them;
the transcript prints what each person sent and saw. A new feature adds its scene to `SCENES`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App, bootstrap, build_application, serve
from reports.pdf import converter
from runtime.config import load_settings
from runtime.context import Deps
from services import orgs
from services.calendar import school_year
from storage.models import Org
from tgemu import CallbackAnswer, Chat, EmuClient, EmuError, Emulator, Msg, User
from tgemu.client import DEFAULT_TOKEN

BOT_USERNAME = "thidua_demo_bot"
SCHOOL = "Trường Tiểu học Thượng Thanh"
COUNCIL_GROUP = "Hội đồng TĐKT – TH Thượng Thanh"
WAIT = 10.0  # seconds a person waits for the bot before the demo calls the step failed
# The school year the demo is played in (today's, as the bot's own /tally names it).
YEAR = school_year(datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()).label
GOOD_DEEDS = f"Người tốt, việc tốt năm học {YEAR}"


@dataclass(frozen=True)
class Cast:
    """One person of the sample school (invented people, real job titles)."""

    name: str
    tg_id: int
    department: str = ""
    address: str = "Cô"  # how the school addresses them: the button they press at joining

    @property
    def first_name(self) -> str:
        """The given name, as most Vietnamese users fill Telegram's first-name field."""
        return self.name.split()[-1]

    @property
    def last_name(self) -> str | None:
        """Family and middle names."""
        return " ".join(self.name.split()[:-1]) or None


# From the sample data (shared/sample-data/truong-thuong-thanh.json), plus two outsiders.
CAST = {
    "chair": Cast("Trần Thị Thu Hà", 1001, "Tổ Văn phòng"),
    "vice": Cast("Lê Minh Tuấn", 1002, "Tổ Văn phòng", "Thầy"),
    "council": Cast("Phạm Thị Lan", 1003, "Tổ 1"),
    "teacher": Cast("Vũ Thị Mai", 1004, "Tổ 1"),
    "outsider": Cast(
        "Đoàn Văn Khách", 7001, "Tổ 3", "Thầy"
    ),  # a parent who was forwarded the invite
    "stranger": Cast("Người lạ", 9001),  # found the bot by its name
}


class DemoFailed(Exception):
    """A step did not happen; the message says who waited for what."""


class Transcript:
    """Prints the conversation like a chat log: `[Name → bot]`, `[Name ← bot]`, buttons, edits."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def line(self, text: str = "") -> None:
        """Print one line now (the demo is watched live)."""
        print(text, file=self.out, flush=True)

    def heading(self, number: int, title: str) -> None:
        """A scene's title."""
        self.line()
        self.line(f"── {number}. {title} " + "─" * max(3, 72 - len(title)))

    def note(self, text: str) -> None:
        """What happens outside the chat (someone opens a link, creates a group)."""
        self.line(f"   ({text})")

    def message(
        self, label: str, text: str, buttons: Sequence[Sequence[str]] = (), mark: str = ""
    ) -> None:
        """One message: continuation lines and button rows aligned under its text."""
        prefix = f"[{label}] {mark + ' ' if mark else ''}"
        pad = " " * len(f"[{label}] ")
        lines = text.splitlines() or [""]
        self.line(prefix + lines[0])
        for rest in lines[1:]:
            self.line((pad + rest).rstrip())
        for row in buttons:
            self.line(pad + " ".join(f"[ {b} ]" for b in row))


def shown_text(msg: Msg) -> str:
    """What a person sees of a message: its text, or what is attached (a file; a photo as
    "[ảnh]", followed by its caption if it has one)."""
    if msg.photo:
        return f"[ảnh] {msg.text}" if msg.text else "[ảnh]"
    if msg.document:
        attached = f"📎 {msg.document.get('file_name', '')}"
        return f"{attached}\n{msg.text}" if msg.text else attached
    return msg.text


def button_rows(msg: Msg) -> list[list[str]]:
    """The inline buttons' texts, row by row."""
    return [[text for text, _ in row] for row in msg.buttons]


@dataclass
class Player:
    """A person of the cast, acting through the emulator's user side and narrating it."""

    cast: Cast
    user: User
    demo: Demo

    @property
    def name(self) -> str:
        """The full name, as the transcript shows it."""
        return self.cast.name

    def _place(self, chat_id: int) -> str:
        """ "bot" for this person's private chat with the bot, else the group's title."""
        return "bot" if chat_id == self.user.id else self.demo.titles.get(chat_id, str(chat_id))

    def _label(self, chat_id: int) -> str:
        """Who sees a bot message in this chat: this person, or everyone in the group."""
        return self.demo.label(chat_id)

    async def send(self, text: str, chat: Chat | None = None) -> None:
        """Type a message (to the bot, or in a group), after what the bot sent before it."""
        await self.demo.catch_up()
        where = self._place(self.user.id if chat is None else chat.id)
        self.demo.out.message(f"{self.name} → {where}", text)
        await self.user.send(text, chat=chat)

    async def sees(self, contains: str, chat: Chat | None = None, wait: float = WAIT) -> Msg:
        """Wait for the bot's message containing `contains`; print it, and every message anyone
        got before it, in the order they arrived."""
        chat_id = self.user.id if chat is None else chat.id
        waited = self.demo.waited.get(chat_id, 0)  # a message someone waited for is not new
        self.user.cursors[chat_id] = max(self.user.cursors.get(chat_id, 0), waited)
        try:
            found = await self.user.wait_message(chat, contains=contains, timeout=wait)
        except TimeoutError as exc:
            place = "their chat with the bot" if chat is None else self._place(chat_id)
            raise DemoFailed(f"{self.name} did not see {contains!r} in {place}: {exc}") from None
        self.demo.waited[chat_id] = found.message_id
        await self.demo.catch_up(until=found.seq)
        return found

    async def sees_edit(self, msg: Msg, contains: str) -> Msg:
        """Wait until the bot edits `msg` to contain `contains`; print the new version."""
        try:
            edited = await self.user.wait_edit(msg, contains=contains, timeout=WAIT)
        except TimeoutError as exc:
            raise DemoFailed(
                f"{self.name}'s message was not edited to {contains!r}: {exc}"
            ) from None
        self.demo.out.message(
            self._label(msg.chat_id), edited.text, button_rows(edited), mark="(edited)"
        )
        return edited

    async def taps(self, msg: Msg, label: str) -> CallbackAnswer | None:
        """Press the button called `label` (or the first one starting with it)."""
        texts = msg.button_texts
        exact = label if label in texts else next((t for t in texts if t.startswith(label)), None)
        if exact is None:
            raise DemoFailed(f"{self.name} found no button {label!r}; the message has {texts}")
        await self.demo.catch_up()
        self.demo.out.message(f"{self.name} → {self._place(msg.chat_id)}", f"taps [ {exact} ]")
        try:
            answer = await self.user.press(msg, exact, timeout=WAIT)
        except TimeoutError as exc:
            raise DemoFailed(
                f"the bot did not answer {self.name}'s tap on {exact!r}: {exc}"
            ) from None
        if answer is not None and answer.text:
            kind = "(alert)" if answer.show_alert else "(toast)"
            self.demo.out.message(f"{self.name} ← bot", answer.text, mark=kind)
        return answer


@dataclass
class Demo:
    """What scenes share: the emulator's user side, the bot's wiring, the cast, kept messages."""

    client: EmuClient
    deps: Deps
    out: Transcript
    players: dict[str, Player] = field(default_factory=dict)
    # The last bot message printed per chat, so a message is printed once, in order of arrival.
    shown: dict[int, int] = field(default_factory=dict)
    # The last bot message someone waited for per chat: the next wait there looks after it.
    waited: dict[int, int] = field(default_factory=dict)
    invite_code: str = ""
    chair_code: str = ""
    council_group: Chat | None = None
    # Group titles by chat id, for the transcript.
    titles: dict[int, str] = field(default_factory=dict)
    # Messages a later scene acts on (e.g. a join request a leader decides later), by name.
    kept: dict[str, Msg] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Player:
        """The player cast in `role` (a key of CAST)."""
        return self.players[role]

    async def group(self, title: str, members: Sequence[Player]) -> Chat:
        """A Telegram group created by the first member, with the bot added to it."""
        chat = await self.client.group(title, members=[m.user for m in members])
        self.titles[chat.id] = title
        return chat

    def link(self, prefix: str, code: str) -> str:
        """A deep link to the bot, as the person would receive it."""
        return self.deps.deep_link(f"{prefix}{code}")

    def label(self, chat_id: int) -> str:
        """Who sees a bot message in this chat: the person, or everyone in the group."""
        person = next((p for p in self.players.values() if p.user.id == chat_id), None)
        return f"{person.name if person else self.titles.get(chat_id, chat_id)} ← bot"

    async def catch_up(self, until: int | None = None) -> None:
        """Print the bot's messages not printed yet, in every chat of the cast, in the order the
        emulator received them (up to the one numbered `until`): a notice someone got while
        others acted is printed where it came, not later beside an unrelated answer."""
        waiting: list[Msg] = []
        for chat_id in [p.user.id for p in self.players.values()] + list(self.titles):
            try:
                messages = await self.client.messages(chat_id)
            except EmuError:  # a person who has not opened the bot yet has no chat with it
                continue
            waiting += [
                msg
                for msg in messages
                if msg.from_bot
                and msg.message_id > self.shown.get(chat_id, 0)
                and (until is None or msg.seq <= until)
            ]
        for msg in sorted(waiting, key=lambda m: m.seq):
            self.out.message(self.label(msg.chat_id), shown_text(msg), button_rows(msg))
            self.shown[msg.chat_id] = msg.message_id


Scene = Callable[[Demo], Awaitable[None]]


# ── The scenes, in the order they are played ────────────────────────────────────────────────────


async def the_school_is_created(demo: Demo) -> None:
    """The operator creates the school and sends the chair her one-time link."""
    async with demo.deps.sessions() as session:
        created = await orgs.create_org(session, name=SCHOOL, now=demo.deps.clock())
    demo.chair_code, demo.invite_code = created.chair_code or "", created.invite_code
    # What `./dev org create` prints (it calls the same service).
    demo.out.line(f'$ ./dev org create "{SCHOOL}"')
    demo.out.line(f"Created organisation {created.org_id}: {SCHOOL}")
    chair_link = demo.link(orgs.CHAIR_PREFIX, demo.chair_code)
    demo.out.line(f"Chair link (one use; send it to the chair only): {chair_link}")
    demo.out.line(f"Staff invite link: {demo.link(orgs.JOIN_PREFIX, demo.invite_code)}")


async def the_chair_claims_the_school(demo: Demo) -> None:
    """The chair opens her one-time link and completes her profile."""
    chair = demo["chair"]
    demo.out.note(f"{chair.name} opens the chair link")
    await chair.send(f"/start {orgs.CHAIR_PREFIX}{demo.chair_code}")
    await chair.sees("Chủ tịch Hội đồng Thi đua – Khen thưởng")
    pick = await _named(chair)
    await chair.taps(pick, chair.cast.department)
    await chair.sees_edit(pick, "Đã cập nhật thông tin")


async def _named(person: Player) -> Msg:
    """Give the full name and say how to be addressed; returns the department question."""
    await person.send(person.name)
    asked = await person.sees("là Thầy hay Cô")
    await person.taps(asked, person.cast.address)
    return await person.sees_edit(asked, "thuộc tổ nào")


async def join(demo: Demo, role: str, *, forwarded_by: str = "") -> Msg:
    """`role` opens the invite link, gives a name, picks a department; returns that message."""
    person = demo[role]
    if forwarded_by:
        demo.out.note(f"{person.name}, a pupil's parent, opens the link {forwarded_by} forwarded")
    else:
        demo.out.note(f"{person.name} opens the invite link")
    await person.send(f"/start {orgs.JOIN_PREFIX}{demo.invite_code}")
    await person.sees("họ và tên đầy đủ")
    pick = await _named(person)
    await person.taps(pick, person.cast.department)
    return await person.sees_edit(pick, "Đã gửi yêu cầu")


async def two_colleagues_join(demo: Demo) -> None:
    """Two colleagues open the invite link; their requests reach the chair."""
    chair = demo["chair"]
    for role in ("vice", "council"):
        await join(demo, role)
        demo.kept[f"request:{role}"] = await chair.sees(demo[role].name)


async def the_chair_approves_them(demo: Demo) -> None:
    """The chair approves both with one tap each; they are told at once."""
    chair = demo["chair"]
    for role in ("vice", "council"):
        notice = demo.kept.pop(f"request:{role}")
        await chair.taps(notice, "✅ Duyệt")
        await chair.sees_edit(notice, "đã duyệt")
        await demo[role].sees("đã được duyệt")


async def the_chair_assigns_council_roles(demo: Demo) -> None:
    """With /members, the chair makes Lê Minh Tuấn vice-chair and Phạm Thị Lan a council member."""
    chair = demo["chair"]
    await chair.send("/members")
    screen = await chair.sees(f"Thành viên {SCHOOL}")
    for role, button, title in (
        ("vice", "Phó Chủ tịch", "Phó Chủ tịch Hội đồng"),
        ("council", "Ủy viên", "Ủy viên Hội đồng"),
    ):
        person = demo[role]
        await chair.taps(screen, person.name)
        screen = await chair.sees_edit(screen, "Vai trò: Cán bộ, giáo viên")
        await chair.taps(screen, button)
        screen = await chair.sees_edit(screen, f"Vai trò: {title}")
        await person.sees(title)
        await chair.taps(screen, "‹ Danh sách")
        screen = await chair.sees_edit(screen, f"Thành viên {SCHOOL}")


async def the_council_group_is_bound(demo: Demo) -> None:
    """The chair adds the bot to the council group; only she can bind it."""
    chair, vice, council = demo["chair"], demo["vice"], demo["council"]
    demo.out.note(f"{chair.name} creates the Telegram group “{COUNCIL_GROUP}” and adds the bot")
    group = demo.council_group = await demo.group(COUNCIL_GROUP, [chair, vice, council])
    await council.send("/bind_council", chat=group)
    await council.sees("chỉ Chủ tịch Hội đồng", chat=group)
    await chair.send("/bind_council", chat=group)
    await chair.sees("đã được gắn làm nhóm", chat=group)


async def the_vice_chair_decides_new_requests(demo: Demo) -> None:
    """A third teacher and an outsider ask to join; the vice-chair approves one, rejects one."""
    chair, vice = demo["chair"], demo["vice"]
    for role, forwarded_by in (("teacher", ""), ("outsider", demo["teacher"].name)):
        await join(demo, role, forwarded_by=forwarded_by)
        name = demo[role].name
        demo.kept[f"chair:{role}"] = await chair.sees(name)
        demo.kept[f"vice:{role}"] = await vice.sees(name)
    for role, button, outcome, told in (
        ("teacher", "✅ Duyệt", "Lê Minh Tuấn đã duyệt", "đã được duyệt"),
        ("outsider", "✖️ Từ chối", "Lê Minh Tuấn đã từ chối", "chưa được duyệt"),
    ):
        notice = demo.kept.pop(f"vice:{role}")
        await vice.taps(notice, button)
        await vice.sees_edit(notice, outcome)
        await demo[role].sees(told)
        await chair.sees_edit(demo.kept.pop(f"chair:{role}"), outcome)


# Movements named in the school's plan, seeded as upcoming campaigns (today's levels).
PLAN_MOVEMENTS = (
    ("Văn hóa công sở và nơi công cộng", "Thành phố", 10, 120),
    ("Xây dựng xã hội học tập giai đoạn 2023–2030", "Phường/Xã", 20, 200),
    ("Sáng kiến, sáng tạo Thủ đô", "Thành phố", 30, 150),
    ("An toàn thực phẩm", "Phường/Xã", 40, 60),
)


async def the_vice_chair_launches_a_campaign(demo: Demo) -> None:
    """The vice-chair creates this year's "good people, good deeds" campaign; everyone is told."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from services import campaigns
    from storage.models import CampaignKind

    vice, teacher = demo["vice"], demo["teacher"]
    now = demo.deps.clock()
    local = now.astimezone(ZoneInfo(demo.deps.settings.timezone))
    async with demo.deps.sessions() as session:
        org_id = (await campaigns_org(demo)).id
        for name, level, in_days, lasting in PLAN_MOVEMENTS:
            start = now + timedelta(days=in_days)
            await campaigns.create_direct(
                session,
                org_id=org_id,
                name=name,
                launched_by=level,
                now=now,
                kind=CampaignKind.GOOD_DEEDS,
                starts_at=start,
                ends_at=start + timedelta(lasting),
            )
        await campaigns.create_direct(
            session,
            org_id=org_id,
            name=f"Đăng ký danh hiệu thi đua năm học {YEAR}",
            kind=CampaignKind.REGISTRATION,
            starts_at=now,
            ends_at=now + timedelta(days=20),
            now=now,
        )
    demo.out.note("the plan's other movements are entered as upcoming campaigns")
    await vice.send("/newcampaign")
    await vice.sees("tên phong trào")
    await vice.send(GOOD_DEEDS)
    ask = await vice.sees("nội dung, mục đích")
    await vice.send(
        "Phát hiện, biểu dương kịp thời những gương người tốt, việc tốt trong nhà trường."
    )
    levels = await vice.sees("cấp nào phát động")
    await vice.taps(levels, "Trường")
    kinds = await vice.sees_edit(levels, "Hình thức tham gia")
    await vice.taps(kinds, "Người tốt, việc tốt")
    await vice.sees_edit(kinds, "bắt đầu")
    await vice.send(local.strftime("%d/%m/%Y %H:%M"))
    await vice.sees("kết thúc")
    await vice.send((local + timedelta(days=60)).strftime("%d/%m/%Y"))
    reminders = await vice.sees("Nhắc hạn trước")
    await vice.taps(reminders, "Mặc định")
    preview = await vice.sees_edit(reminders, "Xem trước")
    await vice.taps(preview, "✅ Tạo phong trào")
    await vice.sees_edit(preview, "Đã tạo phong trào")
    del ask
    await teacher.sees(GOOD_DEEDS)


async def campaigns_org(demo: Demo) -> Org:
    """The demo school."""
    async with demo.deps.sessions() as session:
        org = await session.scalar(select(Org).where(Org.name == SCHOOL))
    assert org is not None
    return org


async def a_teacher_registers_a_title(demo: Demo) -> None:
    """A teacher registers "Lao động tiên tiến" from /campaigns."""
    teacher = demo["teacher"]
    await teacher.send("/campaigns")
    listing = await teacher.sees("đang và sắp diễn ra")
    await teacher.taps(listing, "Đăng ký danh hiệu")
    card = await teacher.sees_edit(listing, "Thầy/Cô chưa đăng ký danh hiệu")
    await teacher.taps(card, "Đăng ký: Lao động tiên tiến")
    await teacher.sees_edit(card, "Thầy/Cô đã đăng ký")


async def a_teacher_reports_a_good_deed(demo: Demo) -> None:
    """A teacher tells a pupil's good deed with two photos; the council gets the card."""
    teacher, council = demo["teacher"], demo["council"]
    group = demo.council_group
    assert group is not None
    await teacher.send("/report")
    ask = await teacher.sees("Kể lại việc tốt")
    await teacher.send(
        "Sáng 12/3, em Gia Bảo nhặt được một chiếc ví có 1.200.000 đồng ở cổng trường và mang "
        "nộp cho cô giáo chủ nhiệm để trả lại người đánh rơi."
    )
    await teacher.sees("Đã ghi nhận")
    await teacher.taps(ask, "Xong phần nội dung")
    photos = await teacher.sees_edit(ask, "ảnh minh chứng")
    demo.out.message(f"{teacher.name} → bot", "(an album of 2 photos)")
    await teacher.user.send_album([_png(1), _png(2)])
    await teacher.sees("album")
    await teacher.taps(photos, "Tiếp tục")
    who = await teacher.sees_edit(photos, "Ai là người được nêu gương")
    await teacher.taps(who, "Học sinh, lớp")
    await teacher.sees_edit(who, "tên học sinh")
    await teacher.send("em Nguyễn Gia Bảo, lớp 1A2")
    age = await teacher.sees("dưới 7 tuổi hay từ 7 tuổi trở lên")
    await teacher.taps(age, "Từ 7 tuổi trở lên")  # then the pupil's own consent is needed too
    consent = await teacher.sees_edit(age, "Cha mẹ học sinh đã đồng ý")
    await teacher.taps(consent, "Đã đồng ý")
    own = await teacher.sees_edit(consent, "Em học sinh (từ 7 tuổi trở lên)")
    await teacher.taps(own, "Em đã đồng ý")
    pick = await teacher.sees_edit(own, "thuộc phong trào nào")
    await teacher.taps(pick, GOOD_DEEDS)
    preview = await teacher.sees_edit(pick, "Xem trước")
    await teacher.taps(preview, "📨 Gửi")
    await teacher.sees_edit(preview, "Đã gửi câu chuyện")
    demo.kept["card"] = await council.sees("Người tốt, việc tốt #", chat=group)


async def the_council_approves_it(demo: Demo) -> None:
    """A council member approves the story; the card shows it and the author is told."""
    council, teacher = demo["council"], demo["teacher"]
    card = demo.kept.pop("card")
    await council.taps(card, "✅ Duyệt")
    await council.sees_edit(card, "đã duyệt lúc")
    await teacher.sees("duyệt")


async def the_council_looks_at_the_figures(demo: Demo) -> None:
    """The chair asks for this school year's tally."""
    chair = demo["chair"]
    await chair.send("/tally")
    await chair.sees("Thống kê thi đua")


async def the_chair_sets_the_schools_facts(demo: Demo) -> None:
    """The chair sets the school's place name, for the date line of its documents."""
    chair = demo["chair"]
    await chair.send("/settings")
    home = await chair.sees("Cài đặt của")
    await chair.taps(home, "🏫 Thông tin nhà trường")
    facts = await chair.sees_edit(home, "Địa danh")
    await chair.taps(facts, "✏️ 2")
    await chair.sees_edit(facts, "Hiện tại")
    await chair.send("Long Biên")
    await chair.sees("Đã lưu")
    await chair.sees("Cơ quan chủ quản")  # the section again, with the new value


async def the_council_exports_the_report(demo: Demo) -> None:
    """The chair exports the documents: Excel, CSV, the formal report (and its PDF)."""
    chair = demo["chair"]
    await chair.send("/export")
    await chair.sees("Đã gửi báo cáo", wait=90)  # LibreOffice makes the PDF: slow on a busy machine
    await chair.send("/stats")
    await chair.sees("Câu chuyện đã duyệt")


def _png(seed: int) -> bytes:
    """A tiny valid PNG (1×1), different per seed: the photos of the demo."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, seed % 256, 0, 0]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def the_council_judges_the_year(demo: Demo) -> None:
    """The end-of-year judging round: the chair opens it, schedules the meeting, the council
    checks in, votes on Lao động tiên tiến, and the minutes come out."""
    from datetime import date, timedelta

    from sqlalchemy import update

    from storage.models import (
        Campaign,
        Candidate,
        DeptStatus,
        Person,
        PersonYear,
        Rating,
        Registration,
        Title,
    )

    chair, vice, council = demo["chair"], demo["vice"], demo["council"]
    now = demo.deps.clock()
    org = await campaigns_org(demo)
    year = int(YEAR[:4])
    async with demo.deps.sessions() as session:
        people = {
            p.tg_user_id: p.id
            for p in await session.scalars(
                select(Person).where(Person.tg_user_id.in_([c.tg_id for c in CAST.values()]))
            )
        }
        ldtt = await session.scalar(
            select(Title.id).where(Title.org_id == org.id, Title.name == "Lao động tiên tiến")
        )
        registration = await session.scalar(
            select(Campaign.id).where(Campaign.org_id == org.id, Campaign.name.like("Đăng ký%"))
        )
        assert ldtt is not None and registration is not None
        for role in ("vice", "council"):
            session.add(
                Registration(
                    campaign_id=registration,
                    person_id=people[CAST[role].tg_id],
                    title_id=ldtt,
                    registered_at=now,
                )
            )
        for role in ("chair", "vice", "council", "teacher"):
            session.add(
                PersonYear(
                    org_id=org.id,
                    person_id=people[CAST[role].tg_id],
                    year=year,
                    rating=Rating.GOOD,
                    started_on=date(2012, 9, 5),
                    updated_at=now,
                )
            )
        await session.commit()
    demo.out.note("two more registrations, and the year's ratings (in a school: the /facts sheet)")
    await chair.send("/round")
    none_yet = await chair.sees("chưa mở đợt bình xét")
    await chair.taps(none_yet, "🗳 Mở đợt bình xét")
    await chair.sees_edit(none_yet, "Đã mở")
    async with demo.deps.sessions() as session:
        await session.execute(
            update(Candidate)
            .where(Candidate.dept_status == DeptStatus.WAITING)
            .values(dept_status=DeptStatus.PROPOSED)
        )
        await session.commit()
    demo.out.note("the departments confirm their lists (/department, by each department head)")
    local = (now + timedelta(minutes=20)).astimezone(ZoneInfo(demo.deps.settings.timezone))
    await chair.send("/meeting")
    await chair.sees("Lên lịch phiên họp bình xét")
    await chair.send(local.strftime("%d/%m/%Y %H:%M"))
    await chair.sees("địa điểm họp")
    await chair.send("Phòng họp tầng 2")
    agenda = await chair.sees("Chương trình mặc định")
    await chair.taps(agenda, "Dùng chương trình mặc định")
    secretary = await chair.sees_edit(agenda, "Chọn thư ký")
    await chair.taps(secretary, CAST["vice"].name)
    preview = await chair.sees_edit(secretary, "Xem trước")
    await chair.taps(preview, "✅ Lên lịch họp")
    await chair.sees_edit(preview, "Đã lên lịch họp")
    await vice.sees("Giấy mời họp Hội đồng")
    await council.sees("Giấy mời họp Hội đồng")
    await chair.send("/meeting")
    card = await chair.sees("Phòng họp tầng 2")
    await chair.taps(card, "▶️ Bắt đầu họp")
    panel = await chair.sees("Có mặt 1/3")
    for member in (vice, council):
        call = await member.sees("Phiên họp bình xét đã bắt đầu")
        await member.taps(call, "✋ Điểm danh")
    panel = await chair.sees_edit(panel, "Có mặt 3/3")
    await chair.taps(panel, "🗳 Biểu quyết: Lao động tiên tiến")
    progress = await chair.sees("Đã bỏ phiếu: 0/3")
    for member in (chair, vice, council):
        ballot = await member.sees("Biểu quyết: Lao động tiên tiến")
        await member.taps(ballot, "✅ Đồng ý tất cả")
    progress = await chair.sees_edit(progress, "Đã bỏ phiếu: 3/3")
    await chair.taps(progress, "⏹ Kết thúc biểu quyết")
    await chair.sees("Kết quả biểu quyết: Lao động tiên tiến")
    await chair.taps(panel, "Kết thúc họp")
    ended = await chair.sees("Cuộc họp bình xét đã kết thúc")
    await chair.taps(ended, "📄 Biên bản")
    await chair.sees("Biên bản họp Hội đồng xét thi đua")
    if converter() is not None:  # and its PDF, when LibreOffice is installed
        await chair.sees("Biên bản họp Hội đồng xét thi đua", wait=120)


async def an_initiative_is_recognised(demo: Demo) -> None:
    """An initiative is registered, sent, scored by two reviewers and recognised.

    The chair opens the year's call and names the initiatives council; a teacher registers an
    initiative and sends its write-up; two reviewers outside her department score it."""
    import io
    import zipfile

    chair, vice, teacher = demo["chair"], demo["vice"], demo["teacher"]
    await chair.send("/initiatives")
    home = await chair.sees("Chưa mở đợt đăng ký sáng kiến")
    await chair.taps(home, "Mở đợt sáng kiến")
    preview = await chair.sees_edit(home, "Mở đợt sáng kiến năm học")
    await chair.taps(preview, "✅ Mở đợt")
    home = await chair.sees_edit(preview, "Hạn nộp báo cáo")
    await chair.taps(home, "👥 Hội đồng Sáng kiến")
    jury = await chair.sees_edit(home, "Hội đồng Sáng kiến")
    # The vice-chair chairs the initiatives council; the chair sits on it (both outside Tổ 1).
    await chair.taps(jury, f"➕ {vice.name}")
    jury = await chair.sees_edit(jury, vice.name)
    await chair.taps(jury, f"➕ {chair.name}")
    jury = await chair.sees_edit(jury, chair.name)
    await chair.taps(jury, "♔")  # the first: beside the vice-chair (the list is by name)
    await chair.sees_edit(jury, "Chủ tịch")
    await vice.sees("Chủ tịch Hội đồng Sáng kiến")

    await teacher.send("/initiatives")
    home = await teacher.sees("chưa đăng ký sáng kiến nào")
    await teacher.taps(home, "➕ Đăng ký sáng kiến")
    await teacher.sees("tên sáng kiến")
    await teacher.send("Trò chơi học tập trong giờ Toán lớp 1")
    await teacher.sees("lĩnh vực")
    await teacher.send("Toán")
    await teacher.sees("vấn đề sáng kiến giải quyết")
    await teacher.send("Học sinh lớp 1 mau chán khi luyện tập tính nhẩm")
    registered = await teacher.sees("Đã đăng ký sáng kiến")
    await teacher.taps(registered, "📎 Nộp báo cáo sáng kiến")
    await teacher.sees("DOCX hoặc PDF")
    data = io.BytesIO()  # a minimal Word document (the bot keeps it, it does not read it)
    word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(data, "w") as docx:
        docx.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        docx.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        docx.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{word}"><w:body><w:p><w:r><w:t>Báo cáo sáng kiến: Trò chơi'
            " học tập trong giờ Toán lớp 1</w:t></w:r></w:p></w:body></w:document>",
        )
    await demo.catch_up()
    demo.out.message(f"{teacher.name} → bot", "📎 sang-kien-tro-choi-toan-1.docx")
    await teacher.user.send_document(
        data.getvalue(),
        filename="sang-kien-tro-choi-toan-1.docx",
        mime_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    got = await teacher.sees("Đã nhận và lưu")
    await teacher.taps(got, "✅ Đã gửi xong")
    await teacher.sees_edit(got, "Đã nộp sáng kiến")

    await vice.send("/initiatives")
    home = await vice.sees("Chủ tịch Hội đồng Sáng kiến")
    await vice.taps(home, "📋 Danh sách sáng kiến")
    panel = await vice.sees_edit(home, "chờ phân công chấm")
    await vice.taps(panel, "SK-")
    card = await vice.sees_edit(panel, "Gợi ý người chấm")
    await vice.taps(card, "➕ ")
    card = await vice.sees_edit(card, "chưa chấm")
    await vice.taps(card, "➕ ")
    card = await vice.sees_edit(card, "đang chấm")
    for reviewer, marks in ((chair, "9"), (vice, "8")):
        notice = await reviewer.sees("Chấm ngay")
        await reviewer.taps(notice, "📝 Chấm ngay")
        sheet = await reviewer.sees("Phiếu chấm sáng kiến")
        for criterion in ("2. ", "3. ", "4. ", "nhận xét ngắn"):
            await reviewer.taps(sheet, marks)
            sheet = await reviewer.sees_edit(sheet, criterion)
        await reviewer.send("Thiết thực, dễ áp dụng ở các lớp khác")
        ready = await reviewer.sees("Gửi phiếu")
        await reviewer.taps(ready, "📨 Gửi phiếu")
        await reviewer.sees("Đã gửi phiếu")
    await vice.taps(card, "‹ Quay lại")  # the vice-chair was told it is scored (above)
    panel = await vice.sees_edit(card, "chờ xác nhận")
    await vice.taps(panel, "SK-")
    card = await vice.sees_edit(panel, "Điểm trung bình")
    await vice.taps(card, "✅ Xác nhận công nhận")
    card = await vice.sees_edit(card, "được công nhận")
    await teacher.sees("đã được công nhận")
    # The draft decision recognising it, for the principal to sign (saved by `demo --out`).
    await vice.taps(card, "‹ Quay lại")
    panel = await vice.sees_edit(card, "SK-")
    await vice.taps(panel, "📄 Dự thảo quyết định công nhận")
    await vice.sees("Dự thảo quyết định công nhận 1 sáng kiến")


async def a_stranger_without_a_link(demo: Demo) -> None:
    """Someone who found the bot by name, with no link, gets a polite explanation."""
    stranger = demo["stranger"]
    await stranger.send("/start")
    await stranger.sees("Bot chỉ dành cho cán bộ")


async def a_teacher_switches_to_english(demo: Demo) -> None:
    """A teacher switches to English with /lang en and reads /help in English."""
    teacher = demo["teacher"]
    await teacher.send("/lang en")
    await teacher.sees("Switched to English")
    await teacher.send("/help")
    await teacher.sees("Emulation & Commendation bot")


SCENES: list[Scene] = [
    the_school_is_created,
    the_chair_claims_the_school,
    two_colleagues_join,
    the_chair_approves_them,
    the_chair_assigns_council_roles,
    the_council_group_is_bound,
    the_vice_chair_decides_new_requests,
    the_vice_chair_launches_a_campaign,
    a_teacher_registers_a_title,
    a_teacher_reports_a_good_deed,
    the_council_approves_it,
    the_council_looks_at_the_figures,
    the_chair_sets_the_schools_facts,
    the_council_exports_the_report,
    the_council_judges_the_year,
    an_initiative_is_recognised,
    a_stranger_without_a_link,
    a_teacher_switches_to_english,
]


# ── Running ─────────────────────────────────────────────────────────────────────────────────────


def _title(scene: Scene) -> str:
    return (scene.__doc__ or scene.__name__).strip().splitlines()[0].rstrip(".")


def _bot_errors(app: App) -> list[object]:
    return list(app.bot_data.get("errors", []))


async def _wait_until_serving(deps: Deps, task: asyncio.Task[None]) -> None:
    """Wait until the bot is polling (its outbox sender exists), or fail if it died."""
    deadline = time.monotonic() + 30
    while deps.sender is None:
        if task.done():
            raise DemoFailed(f"the bot stopped while starting: {task.exception()!r}")
        if time.monotonic() > deadline:
            raise DemoFailed("the bot did not start within 30 s")
        await asyncio.sleep(0.02)


async def _save_documents(demo: Demo, folder: Path) -> list[Path]:
    """Every document and chart the bot sent to the demo's people, written into `folder`."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    chats = [p.user.id for p in demo.players.values()] + list(demo.titles)
    saved: list[Path] = []
    for chat_id in chats:
        who = next((r for r, p in demo.players.items() if p.user.id == chat_id), "nhom")
        for msg in await demo.client.messages(chat_id):
            if not msg.from_bot:
                continue
            if msg.document:
                name, file_id = msg.document["file_name"], msg.document["file_id"]
            elif msg.photo and msg.text and not msg.media_group_id:  # a chart, not an album
                name, file_id = f"bieu-do-{msg.message_id}.png", msg.raw["photo"][-1]["file_id"]
            else:
                continue
            # A document keeps the name the bot gave it (bien-ban-…docx); a second copy of the
            # same name, sent to someone else, is prefixed with who got it.
            path = folder / name
            if path in saved:
                path = folder / f"{who}-{name}"
            await asyncio.to_thread(path.write_bytes, await demo.client.download(file_id))
            saved.append(path)
    return saved


async def _play(
    scenes: Sequence[Scene],
    emu: Emulator,
    db_url: str,
    out: Transcript,
    out_dir: Path | None = None,
) -> tuple[int, list[object]]:
    """Start the bot, play the scenes, stop the bot; returns (scenes played, handler errors)."""
    settings = load_settings(
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_base_url=emu.base_url,
        telegram_base_file_url=emu.base_file_url,
        database_url=db_url,
        polling_timeout=1,
        outbox_poll_seconds=0.2,
        # Pinned so a local .env cannot change what the transcript shows.
        timezone="Asia/Ho_Chi_Minh",
        default_locale="vi",
        bot_username=None,
    )
    client = emu.client()
    await client.create_bot(
        DEFAULT_TOKEN, username=BOT_USERNAME, first_name="Thi đua – Khen thưởng"
    )
    engine, deps = await bootstrap(settings)
    app = build_application(deps, DEFAULT_TOKEN)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    played = 0
    try:
        await _wait_until_serving(deps, task)
        demo = Demo(client, deps, out)
        for role, cast in CAST.items():
            user = await client.user(cast.tg_id, cast.first_name, cast.last_name)
            demo.players[role] = Player(cast, user, demo)
        for number, scene in enumerate(scenes, 1):
            title = _title(scene)
            out.heading(number, title)
            try:
                await scene(demo)
            except (EmuError, LookupError) as exc:
                raise DemoFailed(f"scene {number} ({title}): {exc}") from None
            except DemoFailed as exc:
                raise DemoFailed(f"scene {number} ({title}): {exc}") from None
            if task.done():
                raise DemoFailed(f"scene {number} ({title}): the bot stopped: {task.exception()!r}")
            if errors := _bot_errors(app):
                raise DemoFailed(f"scene {number} ({title}): a handler raised {errors[0]!r}")
            played = number
        if out_dir is not None:
            saved = await _save_documents(demo, out_dir)
            out.line()
            out.line(f"Documents the demo's people received ({len(saved)}), in {out_dir}:")
            for path in saved:
                out.line(f"  {path}")
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 30)
        finally:
            await engine.dispose()
            await client.close()
    return played, _bot_errors(app)


async def run_demo(
    scenes: Sequence[Scene] = SCENES, out: TextIO | None = None, out_dir: Path | None = None
) -> int:
    """Play `scenes` against the emulator; 0 when every step happened, 1 with a reason otherwise.
    With `out_dir`, every document and chart the people received is written there."""
    transcript = Transcript(out or sys.stdout)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)  # the transcript is the output; only problems are logged
    started = time.monotonic()
    transcript.line("Thi đua – Khen thưởng bot: demo on the local Bot API emulator (no token).")
    try:
        with tempfile.TemporaryDirectory(prefix="thidua-demo-") as tmp:
            db_url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}"
            async with Emulator(port=0, bot_username=BOT_USERNAME) as emu:
                played, errors = await _play(scenes, emu, db_url, transcript, out_dir)
    except DemoFailed as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        root.setLevel(level)
    if errors:
        print(f"\nDEMO FAILED: a handler raised {errors[0]!r}", file=sys.stderr, flush=True)
        return 1
    seconds = time.monotonic() - started
    transcript.line()
    transcript.line(f"Demo finished: {played} scenes in {seconds:.1f} s, no errors.")
    return 0
