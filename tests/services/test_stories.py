"""Good-deed stories at the service level, on SQLite and PostgreSQL: the draft, its limits,
submission, the council's decision (and the race between two of them), reopening, withdrawal
and resubmission after "ask for changes"."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services import orgs, stories
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.stories import PHOTOS_MAX, STORY_MAX, Draft, StoryView, card_ref
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Conversation,
    NomineeKind,
    OutboxMessage,
    OutboxStatus,
    Story,
    StoryPhoto,
    StoryStatus,
)
from tests.factories import (
    CHAIR,
    COUNCIL,
    COUNCIL_GROUP,
    STRANGER,
    TEACHER,
    VICE,
    School,
    join,
    make_school,
)
from ui.texts import Texts

GROUP = COUNCIL_GROUP
STORY = "Sáng 12/3, em Gia Bảo (lớp 1A2) nhặt được ví và trả lại <b>ngay</b> & <script>x</script>"
PENDING_TEACHER = 2001


@pytest.fixture
def school(council_school: School) -> School:
    """The school with its four people and the council group bound."""
    return council_school


@contextmanager
def refused(kind: type[ServiceError], key: str) -> Iterator[None]:
    """The block is refused with this kind of error and this message key."""
    with pytest.raises(kind) as caught:
        yield
    assert caught.value.key == key, caught.value.key


async def write(
    sessions: SessionFactory,
    now: datetime,
    tg: int = TEACHER,
    *,
    text: str = STORY,
    photos: int = 0,
    kind: NomineeKind = NomineeKind.SELF,
    colleague_tg: int | None = None,
    name: str = "em Nguyễn Gia Bảo, lớp 1A2",
    consent: bool = True,
    older: bool = False,
    child: bool | None = None,
) -> Draft:
    """Walk a draft to its preview, as the dialogue does, one service call per step."""
    async with sessions() as s:
        await stories.start(s, tg_user_id=tg, now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=tg, text=text, now=now)
    async with sessions() as s:
        await stories.finish_text(s, tg_user_id=tg, now=now)
    for i in range(photos):
        async with sessions() as s:
            await stories.add_photo(
                s, tg_user_id=tg, file_id=f"photo-{tg}-{i}", media_group_id=None, now=now
            )
    async with sessions() as s:
        await stories.finish_photos(s, tg_user_id=tg, now=now)
    membership_id = None
    if colleague_tg is not None:
        async with sessions() as s:
            listed = await stories.colleagues(s, tg_user_id=tg)
        membership_id = next(m.id for m in listed if m.person.tg_user_id == colleague_tg)
    async with sessions() as s:
        draft = await stories.choose_nominee(
            s, tg_user_id=tg, kind=kind, membership_id=membership_id, now=now
        )
    if draft.step == "nominee_text":
        async with sessions() as s:
            draft = await stories.name_nominee(s, tg_user_id=tg, text=name, now=now)
    if draft.step == "pupil_age":
        async with sessions() as s:
            draft = await stories.set_pupil_age(s, tg_user_id=tg, older=older, now=now)
    if draft.step == "consent":
        async with sessions() as s:
            draft = await stories.set_consent(s, tg_user_id=tg, consent=consent, now=now)
    if draft.step == "child_consent":
        async with sessions() as s:
            draft = await stories.set_consent(
                s, tg_user_id=tg, consent=bool(child), child=True, now=now
            )
    assert draft.step == "preview"
    return draft


async def submit(
    sessions: SessionFactory, texts: Texts, now: datetime, tg: int = TEACHER, **kw: object
) -> StoryView:
    """Write a story and send it to the council."""
    await write(sessions, now, tg, **kw)  # type: ignore[arg-type]
    async with sessions() as s:
        return await stories.submit(s, tg_user_id=tg, texts=texts, now=now)


async def deliver(sessions: SessionFactory) -> None:
    """Pretend the sender delivered everything queued (as it does in the running bot)."""
    async with sessions() as s:
        await s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENT, tg_message_id=OutboxMessage.id + 100)
        )
        await s.commit()


async def decide(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    story_id: int,
    who: int,
    verdict: str = "approve",
    reason: str | None = None,
) -> StoryView:
    """One council decision in its own session."""
    async with sessions() as s:
        return await stories.decide(
            s,
            story_id=story_id,
            reviewer_tg_id=who,
            verdict=verdict,
            reason=reason,
            texts=texts,
            now=now,
        )


async def status_of(sessions: SessionFactory, story_id: int) -> StoryStatus:
    """The story's status as stored."""
    async with sessions() as s:
        story = await s.get_one(Story, story_id)
        return story.status


async def draft_row(
    sessions: SessionFactory, tg: int = TEACHER
) -> tuple[str, dict[str, Any]] | None:
    """The stored draft (step and data), or None."""
    async with sessions() as s:
        row = await s.scalar(
            select(Conversation).where(Conversation.chat_id == tg, Conversation.user_id == tg)
        )
        return None if row is None else (row.step, dict(row.data))


async def actions(sessions: SessionFactory, story_id: int) -> list[str]:
    """The audit trail of one story, in order."""
    async with sessions() as s:
        rows = await s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target == f"story:{story_id}")
            .order_by(AuditEntry.id)
        )
        return list(rows.all())


# ---------------------------------------------------------------------------- the draft


async def test_the_text_is_counted_in_utf16_units_and_may_fill_the_limit_exactly(
    sessions: SessionFactory, school: School, now: datetime
) -> None:
    async with sessions() as s:
        draft = await stories.start(s, tg_user_id=TEACHER, now=now)
    assert (draft.step, draft.text, draft.author) == ("text", "", "Vũ Thị Mai")
    async with sessions() as s:
        draft = await stories.add_text(s, tg_user_id=TEACHER, text="  Cô Lan 👩‍🏫 ", now=now)
    assert draft.text == "Cô Lan 👩‍🏫" and draft.length == 7 + 5  # 👩‍🏫 is 3 code points, 5 units
    async with sessions() as s:
        draft = await stories.add_text(s, tg_user_id=TEACHER, text="😀", now=now)
    assert draft.text == "Cô Lan 👩‍🏫\n\n😀" and draft.length == 12 + 2 + 2
    # /report again resumes the same draft instead of starting over.
    async with sessions() as s:
        again = await stories.start(s, tg_user_id=TEACHER, now=now)
    assert again.text == draft.text and again.step == "text"
    # One message may fill the limit exactly; an emoji one unit past it is refused.
    async with sessions() as s:
        await stories.start(s, tg_user_id=VICE, now=now)
    async with sessions() as s:
        with refused(Invalid, "stories.too_long"):
            await stories.add_text(s, tg_user_id=VICE, text="a" * 2999 + "😀", now=now)
    async with sessions() as s:
        draft = await stories.add_text(s, tg_user_id=VICE, text="a" * 2998 + "😀", now=now)
    assert draft.length == STORY_MAX


async def test_a_message_over_the_limit_is_refused_whole_with_the_numbers_and_nothing_cut(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        with pytest.raises(Invalid) as first:
            await stories.add_text(s, tg_user_id=TEACHER, text="a" * 2999 + "😀", now=now)
    assert first.value.values == {"limit": 3000, "have": 0, "sent": 3001, "room": 3000}
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=TEACHER, text="x" * 2990, now=now)
    before = await draft_row(sessions)
    # 2990 + 9 would fit, but the new message starts a new paragraph: 2 more units.
    async with sessions() as s:
        with pytest.raises(Invalid) as second:
            await stories.add_text(s, tg_user_id=TEACHER, text="y" * 9, now=now)
    assert second.value.key == "stories.too_long"
    assert second.value.values == {"limit": 3000, "have": 2990, "sent": 9, "room": 8}
    said = texts.render("vi", second.value.key, **second.value.values)
    assert all(number in said for number in ("3000", "2990", "9", "8"))
    assert await draft_row(sessions) == before
    async with sessions() as s:
        draft = await stories.add_text(s, tg_user_id=TEACHER, text="y" * 8, now=now)
    assert draft.length == STORY_MAX and draft.text.endswith("\n\n" + "y" * 8)


async def test_empty_text_and_input_out_of_step_are_refused_and_change_nothing(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    async with sessions() as s:
        with refused(Invalid, "stories.no_draft"):
            await stories.add_text(s, tg_user_id=TEACHER, text="x", now=now)
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
    before = await draft_row(sessions)
    async with sessions() as s:
        with refused(Invalid, "stories.empty_text"):
            await stories.add_text(s, tg_user_id=TEACHER, text=" \n ", now=now)
    async with sessions() as s:
        with refused(Invalid, "stories.empty_text"):
            await stories.finish_text(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        with refused(AlreadyDone, "errors.stale_button"):
            await stories.set_consent(s, tg_user_id=TEACHER, consent=True, now=now)
    async with sessions() as s:
        with refused(AlreadyDone, "errors.stale_button"):
            await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    assert await draft_row(sessions) == before
    # At a step that wants a button, a photo is refused too.
    await write(sessions, now, VICE)
    before = await draft_row(sessions, VICE)
    async with sessions() as s:
        with refused(Invalid, "stories.photo_not_expected"):
            await stories.add_photo(s, tg_user_id=VICE, file_id="x", media_group_id=None, now=now)
    async with sessions() as s:
        with refused(Invalid, "stories.not_text_step"):
            await stories.name_nominee(s, tg_user_id=VICE, text="Tổ 2", now=now)
    assert await draft_row(sessions, VICE) == before


async def test_at_most_ten_photos_an_album_acknowledged_once_and_its_overflow_refused_once(
    sessions: SessionFactory, school: School, now: datetime
) -> None:
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=TEACHER, text=STORY, now=now)
    async with sessions() as s:
        await stories.finish_text(s, tg_user_id=TEACHER, now=now)

    async def add(file_id: str, album: str | None) -> str:
        async with sessions() as s:
            try:
                added = await stories.add_photo(
                    s, tg_user_id=TEACHER, file_id=file_id, media_group_id=album, now=now
                )
            except Invalid as refusal:
                return refusal.key
            return "ack" if added.acknowledge else "quiet"

    assert [await add(f"a{i}", "album-1") for i in range(4)] == ["ack"] + ["quiet"] * 3
    assert await add("single", None) == "ack"
    # An album of 7 when 5 are in: 5 fit, and the 2 that do not are refused once, not dropped.
    assert [await add(f"b{i}", "album-2") for i in range(7)] == ["ack"] + ["quiet"] * 4 + [
        "stories.album_too_many",
        "quiet",
    ]
    before = await draft_row(sessions)
    assert before is not None
    assert before[1]["photos"] == [f"a{i}" for i in range(4)] + ["single"] + [
        f"b{i}" for i in range(5)
    ]
    assert len(before[1]["photos"]) == PHOTOS_MAX
    async with sessions() as s:
        with pytest.raises(Invalid) as eleventh:
            await stories.add_photo(
                s, tg_user_id=TEACHER, file_id="eleventh", media_group_id=None, now=now
            )
    assert (eleventh.value.key, eleventh.value.values) == ("stories.too_many_photos", {"limit": 10})
    assert await add("c0", "album-3") == "stories.album_too_many"  # a new album: told again
    assert await add("c1", "album-3") == "quiet"
    after = await draft_row(sessions)
    assert after is not None and after[1]["photos"] == before[1]["photos"]


async def test_who_did_it_oneself_a_colleague_a_pupil_with_consent_or_a_group(
    sessions: SessionFactory, school: School, now: datetime
) -> None:
    async with sessions() as s:
        listed = [m.person.full_name for m in await stories.colleagues(s, tg_user_id=TEACHER)]
    assert listed == ["Trần Thị Thu Hà", "Phạm Thị Lan", "Lê Minh Tuấn"]  # by given name, not me
    draft = await write(sessions, now)
    assert (draft.nominee_kind, draft.nominee) == ("self", "Vũ Thị Mai")
    async with sessions() as s:
        draft = await stories.edit_part(s, tg_user_id=TEACHER, part="nominee", now=now)
    async with sessions() as s:
        draft = await stories.choose_nominee(
            s, tg_user_id=TEACHER, kind=NomineeKind.COLLEAGUE, now=now
        )
    assert draft.step == "nominee_colleague"
    async with sessions() as s:
        others = await stories.colleagues(s, tg_user_id=TEACHER)
    lan = next(m for m in others if m.person.tg_user_id == COUNCIL)
    async with sessions() as s:
        draft = await stories.choose_nominee(
            s, tg_user_id=TEACHER, kind=NomineeKind.COLLEAGUE, membership_id=lan.id, now=now
        )
    assert (draft.step, draft.nominee, draft.data["nominee_person_id"]) == (
        "preview",
        "Phạm Thị Lan",
        lan.person_id,
    )
    # A pupil: a name (2..200 characters), then the parents' consent.
    async with sessions() as s:
        await stories.edit_part(s, tg_user_id=TEACHER, part="nominee", now=now)
    async with sessions() as s:
        draft = await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.PUPIL, now=now)
    assert draft.step == "nominee_text" and "nominee_person_id" not in draft.data
    for bad in ("A", "x" * 201):
        async with sessions() as s:
            with refused(Invalid, "stories.bad_nominee"):
                await stories.name_nominee(s, tg_user_id=TEACHER, text=bad, now=now)
    async with sessions() as s:
        draft = await stories.name_nominee(
            s, tg_user_id=TEACHER, text="  em  Gia Bảo <b>1A2</b> ", now=now
        )
    assert (draft.step, draft.nominee) == ("pupil_age", "em Gia Bảo <b>1A2</b>")
    async with sessions() as s:
        draft = await stories.set_pupil_age(s, tg_user_id=TEACHER, older=False, now=now)
    assert draft.step == "consent"
    async with sessions() as s:
        draft = await stories.set_consent(s, tg_user_id=TEACHER, consent=False, now=now)
    assert (draft.step, draft.pupil_consent) == ("preview", False)
    # A group: a name, no consent question.
    async with sessions() as s:
        await stories.edit_part(s, tg_user_id=TEACHER, part="nominee", now=now)
    async with sessions() as s:
        await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.GROUP, now=now)
    async with sessions() as s:
        draft = await stories.name_nominee(s, tg_user_id=TEACHER, text="Tổ 2 & Tổ 3", now=now)
    assert (draft.step, draft.nominee_kind, draft.nominee) == ("preview", "group", "Tổ 2 & Tổ 3")


async def test_a_colleague_from_another_school_or_not_yet_approved_cannot_be_picked(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    pending = await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=PENDING_TEACHER,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường Tiểu học Gia Thụy", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=other.chair_code or "", tg_user_id=3001, display_name="Ngọc", now=now
        )
    async with sessions() as s:
        listed = {m.person.tg_user_id for m in await stories.colleagues(s, tg_user_id=TEACHER)}
    assert listed == {CHAIR, VICE, COUNCIL}
    await write(sessions, now)
    async with sessions() as s:
        await stories.edit_part(s, tg_user_id=TEACHER, part="nominee", now=now)
    async with sessions() as s:
        await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.COLLEAGUE, now=now)
    async with sessions() as s:
        foreign = await stories.colleagues(s, tg_user_id=3001)
    before = await draft_row(sessions)
    for membership_id in (pending, *(m.id for m in foreign), 999_999):
        async with sessions() as s:
            with pytest.raises(NotFound):
                await stories.choose_nominee(
                    s,
                    tg_user_id=TEACHER,
                    kind=NomineeKind.COLLEAGUE,
                    membership_id=membership_id,
                    now=now,
                )
    assert await draft_row(sessions) == before


async def test_only_approved_members_write_stories(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=PENDING_TEACHER,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    joining = await draft_row(sessions, PENDING_TEACHER)
    for who, key in (
        (STRANGER, "errors.not_member"),
        (PENDING_TEACHER, "stories.awaiting_approval"),
    ):
        async with sessions() as s:
            with refused(NotAllowed, key):
                await stories.start(s, tg_user_id=who, now=now)
        async with sessions() as s:
            with refused(NotAllowed, key):
                await stories.mine(s, tg_user_id=who)
    assert await draft_row(sessions, PENDING_TEACHER) == joining
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Story)) == 0


async def test_a_draft_is_not_sent_while_the_school_has_no_council_group(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    await write(sessions, now)
    before = await draft_row(sessions)
    async with sessions() as s:
        with refused(Invalid, "stories.no_council"):
            await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    assert await draft_row(sessions) == before


# ---------------------------------------------------------------------------- submission


async def test_submit_stores_the_story_and_queues_the_album_before_the_card(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    story = await submit(
        sessions, texts, now, photos=3, kind=NomineeKind.PUPIL, name="em Gia Bảo", consent=True
    )
    assert (story.id, story.status, story.photos, story.nominee) == (1, "pending", 3, "em Gia Bảo")
    async with sessions() as s:
        stored = await s.get_one(Story, story.id)
        photos = (await s.scalars(select(StoryPhoto).order_by(StoryPhoto.position))).all()
        rows = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert stored.text == STORY and stored.pupil_consent and stored.council_chat_id == GROUP
    assert stored.nominee_kind == NomineeKind.PUPIL and stored.nominee_text == "em Gia Bảo"
    assert [p.file_id for p in photos] == [f"photo-{TEACHER}-{i}" for i in range(3)]
    assert [(r.method, r.chat_id, r.ref) for r in rows] == [
        ("send_media_group", GROUP, "story_album:1"),
        ("send_message", GROUP, "story:1"),
    ]
    card = rows[1].payload
    assert "&lt;b&gt;ngay&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;" in card["text"]
    assert [b[1] for b in card["buttons"][0]] == [
        "v1:sd:1:approve",
        "v1:sd:1:reject",
        "v1:sd:1:changes",
    ]
    assert "CMHS đã đồng ý công khai" in card["text"]
    assert await draft_row(sessions) is None
    assert await actions(sessions, 1) == ["story.submit"]
    # One photo goes as a photo; a colleague is linked as a person, not as text.
    second = await submit(
        sessions, texts, now, VICE, photos=1, kind=NomineeKind.COLLEAGUE, colleague_tg=COUNCIL
    )
    async with sessions() as s:
        stored = await s.get_one(Story, second.id)
        methods = (
            await s.scalars(
                select(OutboxMessage.method)
                .where(OutboxMessage.id > rows[-1].id)
                .order_by(OutboxMessage.id)
            )
        ).all()
    assert methods == ["send_photo", "send_message"]
    assert stored.nominee_text is None and second.nominee == "Phạm Thị Lan"


# ---------------------------------------------------------------------------- the council


async def test_approve_and_reject_at_the_same_time_exactly_one_wins_every_time(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    rounds = 20
    for _ in range(rounds):
        async with sessions() as s:
            await stories.start(s, tg_user_id=TEACHER, now=now)
        async with sessions() as s:
            await stories.add_text(s, tg_user_id=TEACHER, text=STORY, now=now)
        async with sessions() as s:
            await stories.finish_text(s, tg_user_id=TEACHER, now=now)
        async with sessions() as s:
            await stories.finish_photos(s, tg_user_id=TEACHER, now=now)
        async with sessions() as s:
            await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.SELF, now=now)
        async with sessions() as s:
            await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    await deliver(sessions)  # the cards are out: each decision queues an edit of its card

    async def attempt(story_id: int, who: int, verdict: str, reason: str | None) -> str | None:
        try:
            await decide(sessions, texts, now, story_id, who, verdict, reason)
        except AlreadyDone as lost:
            assert lost.key == "stories.already_decided"
            return None
        return verdict

    winners = []
    for story_id in range(1, rounds + 1):
        results = await asyncio.gather(
            attempt(story_id, COUNCIL, "approve", None),
            attempt(story_id, VICE, "reject", "Trùng với câu chuyện đã gửi"),
        )
        won = [r for r in results if r is not None]
        assert len(won) == 1, (story_id, results)
        winners.append(won[0])
        expected = StoryStatus.APPROVED if won[0] == "approve" else StoryStatus.REJECTED
        assert await status_of(sessions, story_id) == expected
        assert await actions(sessions, story_id) == ["story.submit", f"story.{won[0]}"]
    async with sessions() as s:
        edits = (
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.method == "edit_message_text")
            )
        ).all()
        notices = await s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == TEACHER)
        )
    assert len(edits) == rounds and notices == rounds  # one card edit, one notice per story
    print(f"race: approve won {winners.count('approve')}, reject won {winners.count('reject')}")


async def test_only_the_council_of_the_school_decides(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=PENDING_TEACHER,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 2"],
    )
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường Tiểu học Gia Thụy", now=now)
    async with sessions() as s:  # the chair of another school
        await orgs.claim_chair(
            s, code=other.chair_code or "", tg_user_id=3001, display_name="Ngọc", now=now
        )
    story = await submit(sessions, texts, now, tg=VICE)
    for who in (TEACHER, STRANGER, PENDING_TEACHER, 3001):
        for verdict, reason in (("approve", None), ("reject", "Không phù hợp")):
            with refused(NotAllowed, "stories.council_only"):
                await decide(sessions, texts, now, story.id, who, verdict, reason)
        async with sessions() as s:
            with refused(NotAllowed, "stories.council_only"):
                await stories.check_can_decide(s, story_id=story.id, reviewer_tg_id=who)
    assert await status_of(sessions, story.id) == StoryStatus.PENDING
    assert await actions(sessions, story.id) == ["story.submit"]


async def test_nobody_decides_a_story_they_wrote_or_that_names_them(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    own = await submit(sessions, texts, now, tg=COUNCIL)
    about_lan = await submit(
        sessions, texts, now, tg=TEACHER, kind=NomineeKind.COLLEAGUE, colleague_tg=COUNCIL
    )
    for story in (own, about_lan):
        with refused(NotAllowed, "stories.own_story"):
            await decide(sessions, texts, now, story.id, COUNCIL)
        assert await status_of(sessions, story.id) == StoryStatus.PENDING
    await decide(sessions, texts, now, about_lan.id, CHAIR)  # someone else may
    assert await status_of(sessions, about_lan.id) == StoryStatus.APPROVED


async def test_a_rejection_or_a_request_for_changes_needs_a_reason_of_at_most_500(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    story = await submit(sessions, texts, now)
    for verdict, reason, key in (
        ("reject", None, "stories.reason_needed"),
        ("changes", " \n ", "stories.reason_needed"),
        ("reject", "x" * 501, "stories.reason_too_long"),
        ("delete", "x", "errors.bad_button"),
    ):
        with pytest.raises(Invalid) as refused:
            await decide(sessions, texts, now, story.id, VICE, verdict, reason)
        assert refused.value.key == key
    assert await status_of(sessions, story.id) == StoryStatus.PENDING
    decided = await decide(sessions, texts, now, story.id, VICE, "reject", " Trùng  <b>bài</b> ")
    assert decided.reason == "Trùng <b>bài</b>"
    async with sessions() as s:
        notice = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == TEACHER))
    assert notice is not None and "Lý do: Trùng &lt;b&gt;bài&lt;/b&gt;" in notice.payload["text"]


async def test_decisions_on_a_decided_withdrawn_or_superseded_story_say_which(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    decided = await submit(sessions, texts, now)
    withdrawn = await submit(sessions, texts, now)
    superseded = await submit(sessions, texts, now)
    await deliver(sessions)
    await decide(sessions, texts, now, decided.id, COUNCIL)
    async with sessions() as s:
        await stories.withdraw(s, story_id=withdrawn.id, author_tg_id=TEACHER, texts=texts, now=now)
    await decide(sessions, texts, now, superseded.id, VICE, "changes", "Thêm ảnh")
    async with sessions() as s:
        await stories.start_resubmit(s, tg_user_id=TEACHER, story_id=superseded.id, now=now)
    async with sessions() as s:
        await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    expected = {
        decided.id: ("stories.already_decided", StoryStatus.APPROVED),
        withdrawn.id: ("stories.was_withdrawn", StoryStatus.WITHDRAWN),
        superseded.id: ("stories.was_superseded", StoryStatus.SUPERSEDED),
    }
    for story_id, (key, status) in expected.items():
        trail = await actions(sessions, story_id)
        for verdict, reason in (("approve", None), ("reject", "Không phù hợp")):
            with pytest.raises(AlreadyDone) as refused:
                await decide(sessions, texts, now, story_id, CHAIR, verdict, reason)
            assert (refused.value.key, refused.value.values) == (key, {"story_id": story_id})
        async with sessions() as s:
            with pytest.raises(AlreadyDone, match=key):
                await stories.check_can_decide(s, story_id=story_id, reviewer_tg_id=CHAIR)
        assert await status_of(sessions, story_id) == status
        assert await actions(sessions, story_id) == trail


async def test_only_the_chair_reopens_and_only_a_decided_story(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    story = await submit(sessions, texts, now)
    withdrawn = await submit(sessions, texts, now)
    await deliver(sessions)

    async def reopen(story_id: int, who: int, reason: str | None = "Xác minh lại") -> StoryView:
        async with sessions() as s:
            return await stories.reopen(
                s, story_id=story_id, chair_tg_id=who, reason=reason, texts=texts, now=now
            )

    chairs_own = await submit(sessions, texts, now, tg=CHAIR)
    await decide(sessions, texts, now, chairs_own.id, VICE, "reject", "Trùng")
    with refused(NotAllowed, "stories.own_story"):  # the chair reopens no story of their own
        await reopen(chairs_own.id, CHAIR)
    with refused(AlreadyDone, "stories.not_decided"):
        await reopen(story.id, CHAIR)
    async with sessions() as s:
        await stories.withdraw(s, story_id=withdrawn.id, author_tg_id=TEACHER, texts=texts, now=now)
    with refused(AlreadyDone, "stories.was_withdrawn"):
        await reopen(withdrawn.id, CHAIR)
    await decide(sessions, texts, now, story.id, COUNCIL)
    for who in (VICE, COUNCIL, TEACHER, STRANGER):
        with pytest.raises(NotAllowed):
            await reopen(story.id, who)
    with refused(Invalid, "stories.reason_needed"):
        await reopen(story.id, CHAIR, " ")
    assert await status_of(sessions, story.id) == StoryStatus.APPROVED
    reopened = await reopen(story.id, CHAIR, "Cần xác minh <i>lại</i>")
    assert (reopened.status, reopened.decided_by, reopened.reason) == ("pending", "", "")
    assert await actions(sessions, story.id) == ["story.submit", "story.approve", "story.reopen"]
    async with sessions() as s:
        edits = (
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.method == "edit_message_text")
                .order_by(OutboxMessage.id)
            )
        ).all()
        told = (
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == TEACHER)
                .order_by(OutboxMessage.id)
            )
        ).all()
    last = edits[-1].payload
    assert last["buttons"][0][0][1] == f"v1:sd:{story.id}:approve"
    assert "Cần xác minh &lt;i&gt;lại&lt;/i&gt;" in told[-1].payload["text"]
    with refused(AlreadyDone, "stories.not_decided"):
        await reopen(story.id, CHAIR)


async def test_the_author_withdraws_only_their_own_waiting_story(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    story = await submit(sessions, texts, now)
    await deliver(sessions)
    for who in (COUNCIL, CHAIR, STRANGER):
        async with sessions() as s:
            with pytest.raises(ServiceError):
                await stories.withdraw(s, story_id=story.id, author_tg_id=who, texts=texts, now=now)
    assert await status_of(sessions, story.id) == StoryStatus.PENDING
    async with sessions() as s:
        done = await stories.withdraw(
            s, story_id=story.id, author_tg_id=TEACHER, texts=texts, now=now
        )
    assert done.status == "withdrawn"
    async with sessions() as s:
        with refused(AlreadyDone, "stories.cannot_withdraw"):
            await stories.withdraw(s, story_id=story.id, author_tg_id=TEACHER, texts=texts, now=now)
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "story.withdraw"))
        edit = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.method == "edit_message_text")
        )
    assert entry is not None and entry.org_id == school.org_id
    assert edit is not None and "buttons" not in edit.payload
    assert "Người kể đã rút lại" in edit.payload["text"]


async def test_asked_for_changes_the_author_resubmits_and_the_old_card_is_edited(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    old = await submit(sessions, texts, now, photos=2)
    await deliver(sessions)
    async with sessions() as s:
        with refused(AlreadyDone, "stories.not_changes_requested"):
            await stories.start_resubmit(s, tg_user_id=TEACHER, story_id=old.id, now=now)
    await decide(sessions, texts, now, old.id, VICE, "changes", "Ghi rõ địa điểm")
    await deliver(sessions)
    for who in (COUNCIL, STRANGER):
        async with sessions() as s:
            with pytest.raises(ServiceError):
                await stories.start_resubmit(s, tg_user_id=who, story_id=old.id, now=now)
    async with sessions() as s:
        draft = await stories.start_resubmit(s, tg_user_id=TEACHER, story_id=old.id, now=now)
    assert (draft.step, draft.text, draft.resubmit_of, len(draft.photos)) == (
        "preview",
        STORY,
        old.id,
        2,
    )
    async with sessions() as s:
        await stories.edit_part(s, tg_user_id=TEACHER, part="text", now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=TEACHER, text=STORY + " tại cổng trường", now=now)
    async with sessions() as s:
        draft = await stories.finish_text(s, tg_user_id=TEACHER, now=now)
    assert draft.step == "preview"  # editing goes back to the preview
    async with sessions() as s:
        new = await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    assert (new.previous_id, new.photos) == (old.id, 2)
    assert await status_of(sessions, old.id) == StoryStatus.SUPERSEDED
    async with sessions() as s:
        card = await s.scalar(select(OutboxMessage).where(OutboxMessage.ref == card_ref(old.id)))
        edits = (
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.method == "edit_message_text")
                .order_by(OutboxMessage.id)
            )
        ).all()
        listed = await stories.mine(s, tg_user_id=TEACHER)
    assert card is not None
    assert [e.payload["edit_of"] for e in edits] == [card.id, card.id]
    assert "thay bằng bản sửa #2" in edits[-1].payload["text"]
    assert "buttons" not in edits[-1].payload
    assert [s_.id for s_ in listed] == [new.id]  # the superseded one is not listed twice
    with refused(AlreadyDone, "stories.was_superseded"):
        await decide(sessions, texts, now, old.id, COUNCIL)


async def test_a_resubmission_does_not_overwrite_a_story_being_written(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    old = await submit(sessions, texts, now)
    await decide(sessions, texts, now, old.id, VICE, "changes", "Ghi rõ địa điểm")
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=TEACHER, text="Một câu chuyện khác", now=now)
    before = await draft_row(sessions)
    async with sessions() as s:
        with refused(Invalid, "stories.draft_in_progress"):
            await stories.start_resubmit(s, tg_user_id=TEACHER, story_id=old.id, now=now)
    assert await draft_row(sessions) == before
    async with sessions() as s:
        await stories.cancel(s, tg_user_id=TEACHER)
    async with sessions() as s:
        draft = await stories.start_resubmit(s, tg_user_id=TEACHER, story_id=old.id, now=now)
    async with sessions() as s:  # pressing "edit and resend" again resumes, it does not reset
        again = await stories.start_resubmit(s, tg_user_id=TEACHER, story_id=old.id, now=now)
    assert again == draft


async def test_pending_lists_waiting_stories_oldest_first_with_links_for_the_council_only(
    sessions: SessionFactory, school: School, texts: Texts, now: datetime
) -> None:
    first = await submit(sessions, texts, now, text="<b>Tổ 2</b> & <script>x</script> dọn sân")
    second = await submit(sessions, texts, now, tg=VICE)
    await deliver(sessions)
    third = await submit(sessions, texts, now, tg=COUNCIL)  # its card is not out yet
    await decide(sessions, texts, now, second.id, COUNCIL)
    async with sessions() as s:
        items = await stories.pending(s, tg_user_id=CHAIR)
    assert [(i.story.id, i.link is not None) for i in items] == [
        (first.id, True),
        (third.id, False),
    ]
    assert items[0].link is not None and items[0].link.startswith("https://t.me/c/1234567890/")
    rendered = texts.render("vi", "stories.pending", items=items)
    assert "“&lt;b&gt;Tổ 2&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt; dọn sân”" in rendered
    for who in (TEACHER, STRANGER):
        async with sessions() as s:
            with pytest.raises(NotAllowed):
                await stories.pending(s, tg_user_id=who)


async def test_the_quick_reasons_are_the_schools_and_the_picked_one_is_the_decisions(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    from services import school as settings
    from services.base import Env
    from storage.models import Org

    story = await submit(sessions, texts, now)
    cases = stories.Stories(Env(sessions=sessions, texts=texts, clock=lambda: now, tz=texts.tz))
    offered = await cases.reasons_to_pick(
        story_id=story.id, reviewer_tg_id=COUNCIL, verdict="reject"
    )
    assert offered.picks == stories.DEFAULT_REASONS["reject"]  # the defaults of a new school
    async with sessions() as s:
        org = await s.get_one(Org, school.org_id)
        await settings.change(
            s,
            org=org,
            key="lists.reasons_reject",
            raw="Câu chuyện đã được nêu ở học kỳ trước\nChưa đúng đối tượng của phong trào",
            actor_id=None,
            now=now,
        )
        await s.commit()
    offered = await cases.reasons_to_pick(
        story_id=story.id, reviewer_tg_id=COUNCIL, verdict="reject"
    )
    assert offered.picks == [
        "Câu chuyện đã được nêu ở học kỳ trước",
        "Chưa đúng đối tượng của phong trào",
    ]
    with refused(Invalid, "errors.bad_button"):  # a number past the school's list
        await cases.give_reason(user_id=COUNCIL, story_id=story.id, verdict="reject", canned=2)
    assert await status_of(sessions, story.id) == StoryStatus.PENDING
    await cases.give_reason(user_id=COUNCIL, story_id=story.id, verdict="reject", canned=1)
    async with sessions() as s:
        decided = await s.get_one(Story, story.id)
    assert (decided.status, decided.reason) == (
        StoryStatus.REJECTED,
        "Chưa đúng đối tượng của phong trào",
    )


async def test_pending_is_shown_in_private_or_the_council_group_never_in_another_group(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    story = await submit(sessions, texts, now)
    async with sessions() as s:
        for chat in (COUNCIL, GROUP):
            items = await stories.pending(s, tg_user_id=COUNCIL, chat_id=chat)
            assert [i.story.id for i in items] == [story.id], chat
        with refused(NotAllowed, "stories.pending_where"):  # a staff-room group, say
            await stories.pending(s, tg_user_id=COUNCIL, chat_id=-1009999)


async def test_issue17_item31_a_pupil_of_the_consent_age_or_more_must_agree_too(
    school: School, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    from services.stories import may_publish
    from storage.models import OrgSetting

    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
        await stories.add_text(s, tg_user_id=TEACHER, text=STORY, now=now)
        await stories.finish_text(s, tg_user_id=TEACHER, now=now)
        await stories.finish_photos(s, tg_user_id=TEACHER, now=now)
        await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.PUPIL, now=now)
        draft = await stories.name_nominee(
            s, tg_user_id=TEACHER, text="em Nguyễn Gia Bảo, lớp 3A1", now=now
        )
    # The pupil's age is asked first, with the school's setting (7 by default) on the buttons.
    assert (draft.step, draft.consent_age) == ("pupil_age", 7)
    asked = texts.plain("vi", "stories.ask_pupil_age", age=draft.consent_age)
    assert asked.startswith("Em học sinh dưới 7 tuổi hay từ 7 tuổi trở lên?")
    assert texts.plain("vi", "stories.pupil_older_button", age=7) == "Từ 7 tuổi trở lên"
    async with sessions() as s:
        draft = await stories.set_pupil_age(s, tg_user_id=TEACHER, older=True, now=now)
    assert draft.step == "consent"  # the parents first
    async with sessions() as s:
        draft = await stories.set_consent(s, tg_user_id=TEACHER, consent=True, now=now)
    assert draft.step == "child_consent"  # then the pupil
    async with sessions() as s:
        with refused(AlreadyDone, "errors.stale_button"):  # the parents' button again
            await stories.set_consent(s, tg_user_id=TEACHER, consent=True, now=now)
        draft = await stories.set_consent(s, tg_user_id=TEACHER, consent=False, child=True, now=now)
    assert (draft.step, draft.pupil_consent, draft.child_consent) == ("preview", True, False)
    preview = texts.plain("vi", "stories.preview", story=stories.preview(draft))
    assert "CMHS đã đồng ý nhưng chưa có sự đồng ý của em học sinh, chỉ lưu trong Hội đồng" in (
        preview
    )
    async with sessions() as s:
        sent = await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
        stored = await s.get(Story, sent.id)
    assert stored is not None and (stored.pupil_consent, stored.child_consent) == (True, False)
    assert not may_publish(sent.nominee_kind, sent.pupil_consent, sent.child_consent)
    # Both agreed: publishable; a younger pupil needs the parents only.
    assert may_publish("pupil", True, True) and may_publish("pupil", True, None)
    assert not may_publish("pupil", False, None) and not may_publish("pupil", False, True)
    card = texts.plain("vi", "stories.card", story=replace(sent, child_consent=True))
    assert "CMHS và em học sinh đã đồng ý công khai" in card
    # The age is the school's setting: set to 10, the next pupil's question says so.
    async with sessions() as s:
        s.add(
            OrgSetting(
                org_id=school.org_id, key="rules.pupil_consent_age", value=10, updated_at=now
            )
        )
        await s.commit()
    draft = await write(sessions, now, kind=NomineeKind.PUPIL, older=False, consent=True)
    assert (draft.consent_age, draft.pupil_consent, draft.child_consent) == (10, True, None)
    assert "dưới 10 tuổi" in texts.plain("vi", "stories.ask_pupil_age", age=draft.consent_age)
