"""Shared pieces of `bench core` and `bench district`: schools of people in the database and the
emulator, a bot as a child process, the mixed workload, and how it is measured.

The workload is what a school does on an ordinary day: staff ask /help and /mine and open the
language menu and press a choice; council members look at /pending and /tally, press a period
button under their tally, and approve a story on its card in the council group.

Throughput is measured on a backlog, so the driver cannot be the bottleneck: with the bot
stopped, every update is queued in the emulator; then the bot starts, and the rate is the number
of updates over the time from its first getUpdates that returned some to its last answer, both
from the emulator's own call log. Updates are queued round-robin over the users, so one user's
replies are far apart (Telegram allows one message a second per private chat, and the bot's
limiter keeps to it). Latency is measured live, on the driver side: from a user's send to the
bot's reply, with a think time between a user's actions, as people do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services import broadcasts, orgs, stories
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import (
    Broadcast,
    Department,
    Membership,
    MemberStatus,
    NomineeKind,
    Person,
    Role,
    Story,
    StoryStatus,
)
from tgemu import EmuClient, User
from tgemu.client import DEFAULT_TOKEN
from ui.buttons.common import LanguageChosen
from ui.buttons.stories import StoryDecision
from ui.buttons.tallies import TallyScope
from ui.texts import Texts

ROOT = Path(__file__).resolve().parents[1]
CHAIR_FROM, STAFF_FROM = 100_000, 1_000_000  # Telegram ids: chairs by school, staff by seat
MARKER = "📣 Thông báo"  # the broadcast's first words: a reply is never taken for it
UNLIMITED = "1000000"  # the bot's own flood limiter, per second (flood limits off)
JSON = dict[str, Any]


# ---------------------------------------------------------------------------- the schools


@dataclass(frozen=True)
class Plan:
    """How big: schools and their members, who chats, for how many rounds."""

    schools: int
    per_school: int  # members of each school, the chair included
    chatting: int  # staff who chat, spread over the schools
    council: int  # council members who decide, one per school (all in one when there is one)
    rounds: int  # rounds of the queued workload (throughput)
    live_rounds: int = 0  # rounds of the live workload (latency)
    history: int = 50  # stories each school already has
    department: int = 0  # the last seats of each school: a department of their own

    def check(self) -> None:
        """Refuse a plan whose people do not fit in its schools."""
        talking = max(1, self.schools - 1)  # school 0 only listens when there are several
        per_school_council = -(-self.council // talking)
        per_school_chatting = -(-self.chatting // talking)
        if 1 + per_school_council + per_school_chatting + 1 + self.department > self.per_school:
            raise SystemExit(
                f"{self.chatting} chatting staff and {self.council} council members do not fit "
                f"in {self.schools} school(s) of {self.per_school}"
            )
        if self.council and self.council * (self.rounds + self.live_rounds) > 20 * max(
            1, min(talking, self.council)
        ):
            raise SystemExit("too many cards for the council groups (20 a minute each)")


@dataclass
class Seeded:
    """What the seed made, by Telegram id."""

    plan: Plan
    org_ids: list[int]
    chairs: list[int]
    chatting: list[int]
    council: list[int]
    council_school: dict[int, int]
    authors: dict[int, int]  # school -> the staff member who wrote the stories to decide
    members: dict[int, list[int]]  # school -> every member (the chair first)
    department_ids: list[int]  # by school: the department of the last seats (plan.department)
    groups: dict[int, int] = field(default_factory=dict)  # school -> council chat id
    cards: dict[int, list[int]] = field(default_factory=dict)  # council tg -> story ids


def staff_id(plan: Plan, school: int, seat: int) -> int:
    """The Telegram id of a school's staff member (seats 1 .. per_school - 1)."""
    return STAFF_FROM + school * plan.per_school + seat


async def seed(url: str, plan: Plan, now: datetime) -> tuple[AsyncEngine, SessionFactory, Seeded]:
    """The schools, their chairs and staff (bulk rows), council members, a history of stories."""
    plan.check()
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_session_factory(engine)
    org_ids, chairs = [], []
    for school in range(plan.schools):
        async with sessions() as s:
            created = await orgs.create_org(
                s, name=f"Trường Tiểu học số {school + 1}", chair_tg_id=CHAIR_FROM + school, now=now
            )
        org_ids.append(created.org_id)
        chairs.append(CHAIR_FROM + school)
    async with sessions() as s:
        await s.execute(
            update(Person)
            .where(Person.tg_user_id >= CHAIR_FROM, Person.tg_user_id < STAFF_FROM)
            .values(full_name="Trần Thị Thu Hà")
        )
        departments: dict[int, list[int]] = {}
        for org_id, dept_id in (
            await s.execute(
                select(Department.org_id, Department.id).order_by(
                    Department.org_id, Department.position
                )
            )
        ).all():
            departments.setdefault(org_id, []).append(dept_id)
        await s.commit()

    # With several schools, school 0 only listens (its chair broadcasts to it): the others chat.
    talking = [0] if plan.schools == 1 else list(range(1, plan.schools))
    council_schools = [
        talking[k * len(talking) // max(plan.council, 1)] for k in range(plan.council)
    ]
    council, council_school, next_seat = [], {}, dict.fromkeys(range(plan.schools), 1)
    for school in council_schools:
        tg = staff_id(plan, school, next_seat[school])
        next_seat[school] += 1
        council.append(tg)
        council_school[tg] = school
    chatting = []
    for k in range(plan.chatting):
        school = talking[k % len(talking)]
        chatting.append(staff_id(plan, school, next_seat[school]))
        next_seat[school] += 1
    author_seat = plan.per_school - 1 - plan.department
    authors = {school: staff_id(plan, school, author_seat) for school in set(council_schools)}
    apart = plan.per_school - plan.department  # seats from here on: departments[0] alone
    members = {
        school: [chairs[school]]
        + [staff_id(plan, school, seat) for seat in range(1, plan.per_school)]
        for school in range(plan.schools)
    }
    council_set = set(council)
    async with sessions() as s:
        await s.execute(
            insert(Person),
            [
                {"tg_user_id": tg, "full_name": f"Giáo viên {tg % 100_000:05d}", "created_at": now}
                for school in range(plan.schools)
                for tg in members[school][1:]
            ],
        )
        person_of = dict(
            (
                await s.execute(
                    select(Person.tg_user_id, Person.id).where(Person.tg_user_id >= STAFF_FROM)
                )
            ).all()
        )
        await s.execute(
            insert(Membership),
            [
                {
                    "org_id": org_ids[school],
                    "person_id": person_of[tg],
                    "role": Role.COUNCIL if tg in council_set else Role.STAFF,
                    "department_id": _department(departments[org_ids[school]], seat, apart),
                    "status": MemberStatus.ACTIVE,
                    "requested_at": now,
                    "decided_at": now,
                }
                for school in range(plan.schools)
                for seat, tg in enumerate(members[school][1:], start=1)
            ],
        )
        await s.commit()
    await _history(sessions, plan, org_ids, members, person_of, departments, now)
    seeded = Seeded(
        plan,
        org_ids,
        chairs,
        chatting,
        council,
        council_school,
        authors,
        members=members,
        department_ids=[departments[org_id][0] for org_id in org_ids],
    )
    return engine, sessions, seeded


def _department(departments: list[int], seat: int, apart: int) -> int:
    """The first department for the seats kept apart, the others in turn for everyone else."""
    if seat >= apart:
        return departments[0]
    return departments[1 + seat % (len(departments) - 1)]


async def _history(
    sessions: SessionFactory,
    plan: Plan,
    org_ids: list[int],
    members: dict[int, list[int]],
    person_of: dict[int, int],
    departments: dict[int, list[int]],
    now: datetime,
) -> None:
    """Each school's stories of the last months, in every status (bulk rows)."""
    rng = random.Random(2025)
    statuses = [StoryStatus.APPROVED] * 6 + [
        StoryStatus.PENDING,
        StoryStatus.REJECTED,
        StoryStatus.CHANGES,
        StoryStatus.WITHDRAWN,
    ]
    async with sessions() as s:
        chair_person = dict(
            (
                await s.execute(
                    select(Person.tg_user_id, Person.id).where(
                        Person.tg_user_id >= CHAIR_FROM, Person.tg_user_id < STAFF_FROM
                    )
                )
            ).all()
        )
        rows = []
        for school in range(plan.schools):
            staff = members[school][1:]
            for n in range(plan.history):
                seat = rng.randrange(len(staff))
                status = statuses[n % len(statuses)]
                submitted = now - timedelta(days=rng.uniform(1, 120))
                decided = status != StoryStatus.PENDING
                rows.append(
                    {
                        "org_id": org_ids[school],
                        "author_id": person_of[staff[seat]],
                        "author_department_id": departments[org_ids[school]][
                            (seat + 1) % len(departments[org_ids[school]])
                        ],
                        "text": f"Câu chuyện việc tốt số {n}: thầy cô đã giúp học sinh vượt khó.",
                        "nominee_kind": NomineeKind.SELF,
                        "nominee_person_id": person_of[staff[seat]],
                        "pupil_consent": False,
                        "status": status,
                        "submitted_at": submitted,
                        "decided_by": chair_person[members[school][0]] if decided else None,
                        "decided_at": submitted + timedelta(hours=5) if decided else None,
                    }
                )
        for first in range(0, len(rows), 5000):
            await s.execute(insert(Story), rows[first : first + 5000])
        await s.commit()


async def populate(client: EmuClient, seeded: Seeded) -> None:
    """The people in the emulator (all of them, so every send reaches someone)."""
    plan = seeded.plan
    await client.create_bot(DEFAULT_TOKEN, username="thidua_bench_bot")
    await client.create_users(CHAIR_FROM, plan.schools, prefix="Chair")
    await client.create_users(STAFF_FROM, plan.schools * plan.per_school, prefix="Staff")


async def councils(
    client: EmuClient, sessions: SessionFactory, seeded: Seeded, texts: Texts, now: datetime
) -> None:
    """Council groups, bound by their chairs, and the stories their members will decide."""
    # The stories' cards are queued in the outbox: the bot sends them once it runs.
    plan = seeded.plan
    per_member = plan.rounds + plan.live_rounds
    for school in sorted(set(seeded.council_school.values())):
        chair = User(client, seeded.chairs[school], "Chair")
        deciders = [
            User(client, tg, "Staff") for tg, at in seeded.council_school.items() if at == school
        ]
        group = await client.group(f"Hội đồng TĐKT số {school + 1}", members=[chair, *deciders])
        seeded.groups[school] = group.id
        async with sessions() as s:
            await orgs.bind_council(s, tg_user_id=chair.id, chat_id=group.id, now=now)
        author = seeded.authors[school]
        for decider in deciders:
            seeded.cards[decider.id] = [
                await _story(sessions, author, texts, now, f"{decider.id}-{n}")
                for n in range(per_member)
            ]


async def _story(
    sessions: SessionFactory, author: int, texts: Texts, now: datetime, tag: str
) -> int:
    """A story sent to the council the way /report sends it; returns its id."""
    async with sessions() as s:
        await stories.start(s, tg_user_id=author, now=now)
        await stories.add_text(
            s, tg_user_id=author, text=f"Việc tốt {tag}: em nhặt được ví và trả lại.", now=now
        )
        await stories.finish_text(s, tg_user_id=author, now=now)
        await stories.finish_photos(s, tg_user_id=author, now=now)
        await stories.choose_nominee(s, tg_user_id=author, kind=NomineeKind.GROUP, now=now)
        await stories.name_nominee(s, tg_user_id=author, text="Tập thể lớp 3A3", now=now)
        view = await stories.submit(s, tg_user_id=author, texts=texts, now=now)
    return view.id


# ---------------------------------------------------------------------------- a bot process


class Proc:
    """A bot (ours: `python -m bot run`, or the bare echo bot) as a child process."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.argv, self.env, self.log_path = list(argv), env, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_rss = 0

    async def start(self, ready: str = "is running", timeout: float = 120) -> None:  # noqa: ASYNC109
        """Start it and wait until it says `ready` in its log."""
        with self.log_path.open("ab") as log:
            log.write(b"\n---\n")
            self.proc = subprocess.Popen(  # noqa: ASYNC220 (starting is instant; we poll below)
                [sys.executable, *self.argv],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready in self.log_path.read_text(errors="replace").split("\n---\n")[-1]:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited: {self.log_path.read_text()[-3000:]}")
            await asyncio.sleep(0.05)
        self.proc.kill()
        await asyncio.to_thread(self.proc.wait)
        raise TimeoutError(f"bot did not start in {timeout:.0f} s; log: {self.log_path}")

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (user and system), 0 when it is not running."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(self.proc.pid).cpu_times()
            return float(times.user + times.system)
        return 0.0

    def sample_rss(self) -> None:
        """Remember the highest resident memory (the kernel's own high-water mark on Linux)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(OSError, psutil.Error):
            self.peak_rss = max(self.peak_rss, psutil.Process(self.proc.pid).memory_info().rss)
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss = max(self.peak_rss, int(line.split()[1]) * 1024)

    async def stop(self) -> None:
        """A clean stop (SIGTERM), waited for without blocking the loop."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.sample_rss()
        self.proc.terminate()
        try:
            await asyncio.wait_for(asyncio.to_thread(self.proc.wait), 60)
        except TimeoutError:
            self.proc.kill()
            await asyncio.to_thread(self.proc.wait)

    @property
    def peak_rss_mb(self) -> float:
        """The peak, in MB."""
        return round(self.peak_rss / 2**20, 1)


def bot_env(emu_url: str, db_url: str, **extra: str) -> dict[str, str]:
    """Our bot's environment: the emulator, the database, its own flood limiter off."""
    return {
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": f"{emu_url}/bot",
        "TELEGRAM_BASE_FILE_URL": f"{emu_url}/file/bot",
        "DATABASE_URL": db_url,
        "POLLING_TIMEOUT": "1",
        "OUTBOX_POLL_SECONDS": "0.2",
        "FLOOD_PER_SECOND": UNLIMITED,
        **extra,
    }


# ---------------------------------------------------------------------------- the workload


@dataclass(frozen=True)
class Action:
    """One update: a text a user sends, or a button a user presses."""

    user: int
    chat: int | None = None  # a group, or None for the user's private chat
    text: str | None = None
    message_id: int | None = None
    data: str | None = None

    @property
    def press(self) -> bool:
        """A button press (answered by answerCallbackQuery), not a message."""
        return self.data is not None


@dataclass
class Buttons:
    """Bot messages with buttons from the warm-up, for the queued presses."""

    lang: dict[int, list[int]] = field(default_factory=dict)  # staff -> /lang menus
    tally: dict[int, int] = field(default_factory=dict)  # council -> their /tally message
    cards: dict[int, dict[int, int]] = field(default_factory=dict)  # council -> story -> card
    progress: int | None = None  # the broadcasting chair's message for the live progress


SCOPES = ("m", "s", "y")


def queued_workload(seeded: Seeded, buttons: Buttons) -> list[Action]:
    """The mixed workload, round-robin over users (one user's updates are far apart)."""
    actions: list[Action] = []
    for r in range(seeded.plan.rounds):
        steps: list[list[Action]] = [
            [Action(u, text="/help") for u in seeded.chatting],
            [Action(u, text="/pending") for u in seeded.council],
            [Action(u, text="/mine") for u in seeded.chatting],
            [Action(u, text="/tally") for u in seeded.council],
            [
                Action(u, message_id=buttons.lang[u][r], data=LanguageChosen(locale="vi").pack())
                for u in seeded.chatting
            ],
            [
                Action(u, message_id=buttons.tally[u], data=TallyScope(scope=SCOPES[r % 3]).pack())
                for u in seeded.council
            ],
            [
                Action(
                    u,
                    chat=seeded.groups[seeded.council_school[u]],
                    message_id=buttons.cards[u][seeded.cards[u][r]],
                    data=StoryDecision(seeded.cards[u][r], "approve").pack(),
                )
                for u in seeded.council
            ],
        ]
        for step in steps:
            actions += step
    return actions


async def warm_up(client: EmuClient, seeded: Seeded, broadcaster: int | None) -> Buttons:
    """With the bot running: the buttons the queued workload will press (and a progress message)."""
    # The council cards arrive, staff open the language menu once per round, council members
    # ask for their tally; the broadcasting chair asks /help (the message its progress edits).
    buttons = Buttons()
    for school, group in seeded.groups.items():
        wanted = {
            story: StoryDecision(story, "approve").pack()
            for tg, school_of in seeded.council_school.items()
            if school_of == school
            for story in seeded.cards[tg]
        }
        found = await _cards(client, group, wanted)
        for tg, school_of in seeded.council_school.items():
            if school_of == school:
                buttons.cards[tg] = {story: found[story] for story in seeded.cards[tg]}
    gate = asyncio.Semaphore(32)

    async def menus(tg: int) -> None:
        async with gate:
            buttons.lang[tg] = [
                (await _ask(client, tg, "/lang"))["message_id"] for _ in range(seeded.plan.rounds)
            ]

    async def tally(tg: int) -> None:
        async with gate:
            buttons.tally[tg] = (await _ask(client, tg, "/tally"))["message_id"]

    await asyncio.gather(*(menus(tg) for tg in seeded.chatting), *map(tally, seeded.council))
    if broadcaster is not None:
        buttons.progress = (await _ask(client, broadcaster, "/help"))["message_id"]
    return buttons


async def _cards(client: EmuClient, group: int, wanted: dict[int, str]) -> dict[int, int]:
    """Wait until the group holds the card of every story; their message ids."""
    deadline = time.monotonic() + 120
    while True:
        found: dict[int, int] = {}
        for message in await client.messages(group):
            for row in message.buttons:
                for _, data in row:
                    for story, expected in wanted.items():
                        if data == expected:
                            found[story] = message.message_id
        if len(found) == len(wanted):
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(found)} of {len(wanted)} cards in group {group}")
        await asyncio.sleep(0.5)


async def _ask(client: EmuClient, tg: int, text: str, chat: int | None = None) -> JSON:
    """Send a text and wait for the bot's next message in that chat (not a broadcast)."""
    sent = await client.post("send", user_id=tg, chat_id=chat, text=text)
    after = sent["messages"][0]["message_id"]
    while True:
        data = await client.post("wait", chat_id=chat or tg, after=after, timeout=30, _timeout=35)
        message: JSON | None = data["message"]
        if message is None:
            raise TimeoutError(f"user {tg}: no reply to {text!r} within 30 s")
        if MARKER not in (message.get("text") or ""):
            return message
        after = message["message_id"]


async def enqueue(client: EmuClient, actions: Sequence[Action], concurrency: int = 8) -> None:
    """Queue every update in the emulator (the bot is stopped), nearly in order."""
    for first in range(0, len(actions), concurrency):
        await asyncio.gather(*(_enqueue(client, a) for a in actions[first : first + concurrency]))


async def _enqueue(client: EmuClient, action: Action) -> None:
    chat = action.chat if action.chat is not None else action.user
    if action.press:
        await client.post(
            "press",
            user_id=action.user,
            chat_id=chat,
            message_id=action.message_id,
            callback_data=action.data,
            timeout=0,
        )
    else:
        await client.post("send", user_id=action.user, chat_id=action.chat, text=action.text)


async def call_log_position(client: EmuClient) -> int:
    """How many calls the emulator has logged so far."""
    data = await client.post("calls", method="-", since=0)
    return int(data["total"])


@dataclass
class Rate:
    """Updates over the time the bot took to answer them."""

    updates: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Updates per second."""
        return self.updates / self.seconds if self.seconds > 0 else 0.0


async def drain(
    client: EmuClient,
    actions: Sequence[Action],
    since: int,
    timeout: float = 600,  # noqa: ASYNC109
) -> Rate:
    """Wait until the bot answered every queued update; its rate, from the emulator's call log."""
    # From its first getUpdates that returned some to its last answer (a message to one of the
    # users, or a callback answer).
    users = {a.user for a in actions}
    texts = sum(1 for a in actions if not a.press)
    presses = len(actions) - texts
    position, calls = since, []
    answers = replies = 0
    deadline = time.monotonic() + timeout
    while answers < presses or replies < texts:
        if time.monotonic() > deadline:
            raise TimeoutError(f"answered {answers}/{presses} presses, {replies}/{texts} texts")
        await asyncio.sleep(0.25)
        data = await client.post("calls", since=position, _timeout=120)
        position = int(data["total"])
        for call in data["calls"]:
            calls.append(call)
            kind = _answer_kind(call, users)
            answers += kind == "answer"
            replies += kind == "reply"
    first = min(
        c["ts"] for c in calls if c["method"] == "getUpdates" and c.get("ok") and c.get("result")
    )
    last = max(c["ts"] for c in calls if _answer_kind(c, users))
    return Rate(len(actions), last - first)


def _answer_kind(call: JSON, users: set[int]) -> str:
    if not call.get("ok"):
        return ""
    if call["method"] == "answerCallbackQuery":
        return "answer"
    if call["method"] == "sendMessage":
        chat = (call.get("params") or {}).get("chat_id")
        if chat is not None and int(chat) in users:
            return "reply"
    return ""


# ---------------------------------------------------------------------------- live traffic


@dataclass
class Live:
    """Reply latencies (seconds) of the live workload, as users saw them."""

    by_action: dict[str, list[float]] = field(default_factory=dict)

    @property
    def latencies(self) -> list[float]:
        """Every latency."""
        return [x for values in self.by_action.values() for x in values]

    def percentile(self, p: float, action: str | None = None) -> float:
        """The p-th percentile (nearest rank), of one action or of all."""
        ordered = sorted(self.by_action.get(action, []) if action else self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    def summary(self, p: float = 95) -> str:
        """The p-th percentile of each action, in ms."""
        return ", ".join(
            f"{action} {self.percentile(p, action) * 1000:.0f}" for action in self.by_action
        )


async def live(
    client: EmuClient,
    seeded: Seeded,
    buttons: Buttons,
    *,
    users: int,
    seed: int,
    think: tuple[float, float],
) -> Live:
    """`users` of the chatting staff and every council member act, with a think time between."""
    # A send's latency runs from the send to the bot's reply, a press's to its answer.
    result = Live()
    rng = random.Random(seed)
    first_card = seeded.plan.rounds

    async def pause() -> None:
        await asyncio.sleep(rng.uniform(*think))

    async def timed_ask(tg: int, text: str) -> JSON:
        started = time.perf_counter()
        reply = await _ask(client, tg, text)
        result.by_action.setdefault(text, []).append(time.perf_counter() - started)
        return reply

    async def timed_press(tg: int, chat: int, message_id: int, data: str, action: str) -> None:
        started = time.perf_counter()
        answer = await client.post(
            "press",
            user_id=tg,
            chat_id=chat,
            message_id=message_id,
            callback_data=data,
            timeout=30,
            _timeout=35,
        )
        if not answer["answered"]:
            raise TimeoutError(f"user {tg}: button {data} not answered within 30 s")
        result.by_action.setdefault(action, []).append(time.perf_counter() - started)

    async def staff(tg: int) -> None:
        for _ in range(seeded.plan.live_rounds):
            for text in ("/help", "/mine"):
                await pause()
                await timed_ask(tg, text)
            await pause()
            menu = await timed_ask(tg, "/lang")
            await pause()
            await timed_press(
                tg, tg, menu["message_id"], LanguageChosen(locale="vi").pack(), "language button"
            )

    async def council(tg: int) -> None:
        group = seeded.groups[seeded.council_school[tg]]
        for r in range(seeded.plan.live_rounds):
            await pause()
            await timed_ask(tg, "/pending")
            await pause()
            tally = await timed_ask(tg, "/tally")
            await pause()
            await timed_press(
                tg, tg, tally["message_id"], TallyScope(scope=SCOPES[r % 3]).pack(), "period button"
            )
            story = seeded.cards[tg][first_card + r]
            await pause()
            card = buttons.cards[tg][story]
            await timed_press(
                tg, group, card, StoryDecision(story, "approve").pack(), "approve button"
            )

    await asyncio.gather(*map(staff, seeded.chatting[:users]), *map(council, seeded.council))
    return result


async def broadcast(
    sessions: SessionFactory, texts: Texts, chair: int, progress_message_id: int, audience: str
) -> tuple[int, str]:
    """A chair's announcement made the way /broadcast makes it; its id and its text's tag."""
    # `audience` is "all" or "department:<id>".
    tag = uuid.uuid4().hex[:8]
    html = f"{MARKER}: họp toàn trường lúc 14:00 thứ Sáu tại hội trường ({tag})."
    now = datetime.now(UTC)
    async with sessions() as s:
        await broadcasts.start(s, tg_user_id=chair, texts=texts, now=now)
        await broadcasts.to_compose(s, tg_user_id=chair, now=now)
        await broadcasts.set_text(s, tg_user_id=chair, html=html, length=len(html), now=now)
        await broadcasts.to_audience(s, tg_user_id=chair, now=now)
        await broadcasts.choose_audience(s, tg_user_id=chair, audience=audience, now=now)
        state = await broadcasts.confirm(
            s,
            tg_user_id=chair,
            progress_chat_id=chair,
            progress_message_id=progress_message_id,
            texts=texts,
            now=now,
        )
    return state.id, tag


async def finished(sessions: SessionFactory, broadcast_id: int, timeout: float = 300) -> None:  # noqa: ASYNC109
    """Wait until the broadcast's last message went (its finished_at is set)."""
    deadline = time.monotonic() + timeout
    while True:
        async with sessions() as s:
            done = await s.scalar(select(Broadcast.finished_at).where(Broadcast.id == broadcast_id))
        if done is not None:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"broadcast {broadcast_id} did not finish")
        await asyncio.sleep(0.1)


async def delivery_rate(
    client: EmuClient, since: int, tag: str, recipients: set[int]
) -> tuple[int, float]:
    """A finished broadcast's deliveries: (messages, per second from the first to the last)."""
    stamps = sorted(
        c["ts"]
        for c in await client.calls(method="sendMessage", since=since)
        if c.get("ok")
        and int(c["params"]["chat_id"]) in recipients
        and tag in str(c["params"].get("text", ""))
    )
    seconds = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return len(stamps), (len(stamps) - 1) / seconds if seconds > 0 else 0.0
