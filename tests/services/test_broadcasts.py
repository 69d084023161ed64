"""Broadcasts and publishing, against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from services import broadcasts, publishing
from services.base import Env
from services.broadcasts import Broadcasts
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Broadcast,
    BroadcastStatus,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Conversation,
    NomineeKind,
    OutboxMessage,
    OutboxStatus,
    Participation,
    Person,
    Receipt,
    Registration,
    Story,
    StoryPhoto,
    StoryStatus,
    Title,
)
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE, School, make_school
from ui.buttons import BadCallback, Button, parse
from ui.buttons.broadcasts import (
    BroadcastAudience,
    BroadcastCampaign,
    BroadcastDepartment,
    BroadcastDraft,
    BroadcastRemind,
    BroadcastSeenList,
    BroadcastStop,
    ReadReceipt,
)
from ui.texts import Texts

HTML = "<b>Họp hội đồng</b> lúc 14:00 &amp; mang theo <i>hồ sơ</i>"
CHANNEL = -1002000000099


async def _draft(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    audience: str = "all",
    sender: int = CHAIR,
    html: str = HTML,
) -> broadcasts.Draft:
    async with sessions() as s:
        await broadcasts.start(s, tg_user_id=sender, texts=texts, now=now)
        await broadcasts.to_compose(s, tg_user_id=sender, now=now)  # a draft may be at its preview
        await broadcasts.set_text(s, tg_user_id=sender, html=html, length=40, now=now)
        await broadcasts.to_audience(s, tg_user_id=sender, now=now)
        return await broadcasts.choose_audience(s, tg_user_id=sender, audience=audience, now=now)


async def _send(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    audience: str = "all",
    sender: int = CHAIR,
) -> broadcasts.Progress:
    await _draft(sessions, texts, now, audience, sender)
    async with sessions() as s:
        return await broadcasts.confirm(
            s,
            tg_user_id=sender,
            progress_chat_id=sender,
            progress_message_id=77,
            texts=texts,
            now=now,
        )


async def _rows(sessions: SessionFactory, ref: str) -> list[OutboxMessage]:
    async with sessions() as s:
        return list(
            (
                await s.scalars(
                    select(OutboxMessage).where(OutboxMessage.ref == ref).order_by(OutboxMessage.id)
                )
            ).all()
        )


async def _mark(sessions: SessionFactory, chat_id: int, status: OutboxStatus, error: str) -> None:
    async with sessions() as s:
        await s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.ref.like("bc:%"))
            .values(status=status, error=error)
        )
        await s.commit()


async def test_only_the_chair_and_vice_chair_may_broadcast(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    for who, key in (
        (TEACHER, "errors.leaders_only"),
        (COUNCIL, "errors.leaders_only"),
        (STRANGER, "errors.not_member"),
    ):
        async with sessions() as s:
            with pytest.raises(NotAllowed) as refused:
                await broadcasts.start(s, tg_user_id=who, texts=texts, now=now)
        assert refused.value.key == key
    async with sessions() as s:
        draft = await broadcasts.start(s, tg_user_id=VICE, texts=texts, now=now)
    assert draft.step == "compose" and draft.empty and draft.sender == "Lê Minh Tuấn"


async def test_confirming_writes_the_broadcast_and_a_row_per_recipient_before_sending(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    draft = await _draft(sessions, texts, now)
    assert draft.recipients == 3  # everyone active but the sender
    state = await _send_confirmed(sessions, texts, now)
    assert (state.total, state.pending, state.sent, state.status) == (3, 3, 0, "sending")
    rows = await _rows(sessions, "bc:1")
    async with sessions() as s:
        people = dict((await s.execute(select(Person.tg_user_id, Person.full_name))).all())
        bc = await s.scalar(select(Broadcast))
        convo = await s.scalar(select(Conversation).where(Conversation.user_id == CHAIR))
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "broadcast.send"))
    assert sorted(r.chat_id for r in rows) == sorted([VICE, COUNCIL, TEACHER])
    assert all(r.status == OutboxStatus.PENDING and r.method == "send_message" for r in rows)
    text = rows[0].payload["text"]
    assert text.startswith("📢 <b>Thông báo</b> · Trần Thị Thu Hà") and text.endswith(HTML)
    assert rows[0].payload["buttons"] == [[["✅ Đã xem", "v1:rr:1"]]]
    assert bc is not None and bc.text == HTML and bc.total == 3 and bc.progress_message_id == 77
    assert convo is None and audit is not None and audit.details["recipients"] == 3
    assert people[CHAIR] == "Trần Thị Thu Hà"


async def _send_confirmed(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> broadcasts.Progress:
    async with sessions() as s:
        return await broadcasts.confirm(
            s,
            tg_user_id=CHAIR,
            progress_chat_id=CHAIR,
            progress_message_id=77,
            texts=texts,
            now=now,
        )


async def test_pressing_send_twice_sends_once(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    await _draft(sessions, texts, now)
    await _send_confirmed(sessions, texts, now)
    with pytest.raises(Invalid):  # the draft is gone with the first press
        await _send_confirmed(sessions, texts, now)
    assert len(await _rows(sessions, "bc:1")) == 3


async def _campaign(
    sessions: SessionFactory, school: School, kind: CampaignKind, now: datetime
) -> int:
    async with sessions() as s:
        campaign = Campaign(
            org_id=school.org_id,
            name=f"Phong trào {kind}",
            launched_by="Trường",
            kind=kind,
            starts_at=now,
            ends_at=now + timedelta(days=30),
            status=CampaignStatus.OPEN,
            created_at=now,
        )
        s.add(campaign)
        await s.commit()
        return campaign.id


async def test_each_audience_reaches_exactly_its_people(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    opt_in = await _campaign(sessions, school, CampaignKind.OPT_IN, now)
    registration = await _campaign(sessions, school, CampaignKind.REGISTRATION, now)
    good_deeds = await _campaign(sessions, school, CampaignKind.GOOD_DEEDS, now)
    async with sessions() as s:
        ids = dict((await s.execute(select(Person.tg_user_id, Person.id))).all())
        title = await s.scalar(select(Title.id).where(Title.org_id == school.org_id))
        assert title is not None
        s.add(Participation(campaign_id=opt_in, person_id=ids[TEACHER], joined_at=now))
        s.add(Participation(campaign_id=opt_in, person_id=ids[VICE], joined_at=now, left_at=now))
        for tg in (COUNCIL, VICE):
            s.add(
                Registration(
                    campaign_id=registration, person_id=ids[tg], title_id=title, registered_at=now
                )
            )
        await s.commit()
    expected = {
        f"department:{school.departments['Tổ 1']}": 2,
        f"department:{school.departments['Tổ 2']}": 0,
        "council": 2,  # the vice-chair and the council member (the sender is never counted)
        f"campaign:{opt_in}": 1,  # whoever left is not a participant
        f"campaign:{registration}": 2,
        f"campaign:{good_deeds}": 3,  # a good-deeds campaign involves all staff
    }
    for audience, count in expected.items():
        draft = await _draft(sessions, texts, now, audience)
        assert draft.recipients == count, audience
    async with sessions() as s:
        options = await broadcasts.audience_options(s, tg_user_id=CHAIR)
        with pytest.raises(NotFound):
            await broadcasts.choose_audience(
                s, tg_user_id=CHAIR, audience="department:999", now=now
            )
        with pytest.raises(Invalid):
            await broadcasts.choose_audience(s, tg_user_id=CHAIR, audience="everyone", now=now)
    assert (options.everyone, options.council) == (3, 2)
    assert {c.key for c in options.campaigns} == {
        f"campaign:{i}" for i in (opt_in, registration, good_deeds)
    }
    # The screen's counts (all departments in one query) are what choosing each one reaches.
    assert len(options.departments) == len(school.departments)
    for choice in options.departments:
        assert choice.count == (await _draft(sessions, texts, now, choice.key)).recipients


async def test_text_too_long_for_a_caption_is_refused_not_cut(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    async with sessions() as s:
        draft = await broadcasts.start(s, tg_user_id=CHAIR, texts=texts, now=now)
        assert draft.text_limit < 4096 and draft.caption_limit < 1024
        await broadcasts.set_text(s, tg_user_id=CHAIR, html="x" * 1500, length=1500, now=now)
        with pytest.raises(Invalid) as refused:
            await broadcasts.set_media(
                s,
                tg_user_id=CHAIR,
                kind="photo",
                file_id="PH1",
                name="",
                caption_html="",
                caption_length=0,
                media_group_id=None,
                now=now,
            )
        assert refused.value.key == "broadcasts.caption_too_long"
        with pytest.raises(Invalid) as refused:
            await broadcasts.set_text(s, tg_user_id=CHAIR, html="y", length=4090, now=now)
        assert refused.value.key == "broadcasts.too_long"
        added = await broadcasts.set_media(
            s,
            tg_user_id=CHAIR,
            kind="document",
            file_id="DOC1",
            name="ke-hoach.pdf",
            caption_html="<b>Kế hoạch</b>",
            caption_length=8,
            media_group_id=None,
            now=now,
        )
    assert added.draft.html == "<b>Kế hoạch</b>" and added.draft.media_kind == "document"
    method, payload = broadcasts.preview(texts, "vi", added.draft)
    assert method == "send_document" and payload["document"] == "DOC1"
    assert payload["caption"].endswith("<b>Kế hoạch</b>")


async def test_stopping_cancels_what_waits_and_the_report_lists_who_was_not_reached(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    await _send(sessions, texts, now)
    await _mark(sessions, VICE, OutboxStatus.SENT, "")
    await _mark(
        sessions, COUNCIL, OutboxStatus.UNREACHABLE, "Forbidden: bot was blocked by the user"
    )
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await broadcasts.stop(s, broadcast_id=1, tg_user_id=TEACHER, now=now)
        state = await broadcasts.stop(s, broadcast_id=1, tg_user_id=CHAIR, now=now)
    assert (state.sent, state.failed, state.cancelled, state.pending) == (1, 1, 1, 0)
    async with sessions() as s:
        with pytest.raises(AlreadyDone):
            await broadcasts.stop(s, broadcast_id=1, tg_user_id=CHAIR, now=now)
        filed = await broadcasts.finish(s, broadcast_id=1, texts=texts, now=now)
    assert filed is not None
    assert [(u.name, u.reason) for u in filed.unreached] == [("Phạm Thị Lan", "blocked")]
    assert filed.progress.status == BroadcastStatus.CANCELLED and filed.progress.finished
    report = [r for r in await _rows(sessions, "bcp:1") if r.method == "send_message"]
    edit = [r for r in await _rows(sessions, "bcp:1") if r.method == "edit_message_text"]
    assert len(report) == 1 and report[0].chat_id == CHAIR
    assert "Phạm Thị Lan – đã chặn bot" in report[0].payload["text"]
    assert edit[0].payload["message_id"] == 77 and "Đã dừng gửi" in edit[0].payload["text"]
    async with sessions() as s:  # filed once
        assert await broadcasts.finish(s, broadcast_id=1, texts=texts, now=now) is None


async def test_the_report_waits_for_rows_still_waiting_or_in_flight(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    await _send(sessions, texts, now)
    async with sessions() as s:
        assert await broadcasts.finish(s, broadcast_id=1, texts=texts, now=now) is None
    async with sessions() as s:
        await s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.ref == "bc:1")
            .values(status=OutboxStatus.SENT, claimed_until=now + timedelta(seconds=30))
        )
        await s.commit()
        assert await broadcasts.finish(s, broadcast_id=1, texts=texts, now=now) is None
        filed = await broadcasts.finish(
            s, broadcast_id=1, texts=texts, now=now + timedelta(seconds=31)
        )
    assert filed is not None and filed.progress.sent == 3 and filed.unreached == []
    assert filed.progress.status == BroadcastStatus.DONE


async def test_read_receipts_count_once_and_only_from_recipients(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    await _send(sessions, texts, now)
    async with sessions() as s:
        assert await broadcasts.confirm_seen(s, broadcast_id=1, tg_user_id=TEACHER, now=now)
        assert not await broadcasts.confirm_seen(s, broadcast_id=1, tg_user_id=TEACHER, now=now)
        with pytest.raises(NotFound):  # the sender got no copy; a stranger neither
            await broadcasts.confirm_seen(s, broadcast_id=1, tg_user_id=CHAIR, now=now)
        with pytest.raises(Invalid):  # the preview's button
            await broadcasts.confirm_seen(s, broadcast_id=0, tg_user_id=TEACHER, now=now)
        count = await s.scalar(select(func.count()).select_from(Receipt))
    assert count == 1


async def test_a_reminder_goes_only_to_those_reached_who_have_not_confirmed(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    await _send(sessions, texts, now)
    async with sessions() as s:
        with pytest.raises(Invalid):  # still sending
            await broadcasts.remind(s, broadcast_id=1, tg_user_id=CHAIR, texts=texts, now=now)
    await _mark(sessions, VICE, OutboxStatus.SENT, "")
    await _mark(sessions, TEACHER, OutboxStatus.SENT, "")
    await _mark(sessions, COUNCIL, OutboxStatus.UNREACHABLE, "Bad Request: chat not found")
    async with sessions() as s:
        await broadcasts.confirm_seen(s, broadcast_id=1, tg_user_id=TEACHER, now=now)
        await broadcasts.finish(s, broadcast_id=1, texts=texts, now=now)
    async with sessions() as s:
        view = await broadcasts.seen(s, broadcast_id=1, tg_user_id=VICE)
        with pytest.raises(NotAllowed):
            await broadcasts.seen(s, broadcast_id=1, tg_user_id=COUNCIL)
        assert await broadcasts.remind(s, broadcast_id=1, tg_user_id=CHAIR, texts=texts, now=now)
        with pytest.raises(AlreadyDone):  # the wave is still waiting
            await broadcasts.remind(s, broadcast_id=1, tg_user_id=CHAIR, texts=texts, now=now)
    assert (view.reached, view.seen, view.unseen) == (2, ["Vũ Thị Mai"], ["Lê Minh Tuấn"])
    reminders = await _rows(sessions, "bcr:1")
    assert [r.chat_id for r in reminders] == [VICE]
    assert reminders[0].payload["text"].startswith("🔔 <b>Nhắc lại thông báo</b>")
    assert reminders[0].payload["buttons"] == [[["✅ Đã xem", "v1:rr:1"]]]


# ---------------------------------------------------------------------------- publishing


async def _story(
    sessions: SessionFactory,
    school: School,
    now: datetime,
    *,
    kind: NomineeKind = NomineeKind.SELF,
    consent: bool = False,
    child: bool | None = None,
    status: StoryStatus = StoryStatus.APPROVED,
    photos: int = 0,
) -> int:
    async with sessions() as s:
        author = await s.scalar(select(Person.id).where(Person.tg_user_id == TEACHER))
        assert author is not None
        story = Story(
            org_id=school.org_id,
            author_id=author,
            text="Em Gia Bảo nhặt được ví & trả lại <người mất>.",
            nominee_kind=kind,
            nominee_person_id=author if kind == NomineeKind.SELF else None,
            nominee_text="Nguyễn Gia Bảo, lớp 3A1" if kind == NomineeKind.PUPIL else None,
            pupil_consent=consent,
            child_consent=child,
            status=status,
            submitted_at=now,
        )
        s.add(story)
        await s.flush()
        for i in range(photos):
            s.add(StoryPhoto(story_id=story.id, file_id=f"PH{i}", position=i))
        await s.commit()
        return story.id


async def _bind(sessions: SessionFactory, now: datetime, who: int = CHAIR) -> None:
    async with sessions() as s:
        await publishing.bind_channel(
            s,
            tg_user_id=who,
            chat_id=CHANNEL,
            title="Kênh Thượng Thanh",
            bot_can_post=True,
            user_is_admin=True,
            now=now,
        )


async def test_only_the_chair_binds_a_channel_where_the_bot_may_post(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    with pytest.raises(NotAllowed):
        await _bind(sessions, now, VICE)
    async with sessions() as s:
        with pytest.raises(Invalid):
            await publishing.bind_channel(
                s,
                tg_user_id=CHAIR,
                chat_id=CHANNEL,
                title="x",
                bot_can_post=False,
                user_is_admin=True,
                now=now,
            )
    await _bind(sessions, now)
    async with sessions() as s:
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "org.bind_channel"))
    assert audit is not None and audit.details["channel"] == CHANNEL


async def test_an_approved_story_is_published_once_with_its_photos(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    story_id = await _story(sessions, school, now, photos=2)
    async with sessions() as s:
        with pytest.raises(Invalid) as refused:
            await publishing.publish_story(
                s, story_id=story_id, tg_user_id=COUNCIL, texts=texts, now=now
            )
        assert refused.value.key == "publishing.no_channel"
    await _bind(sessions, now)
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await publishing.publish_story(
                s, story_id=story_id, tg_user_id=TEACHER, texts=texts, now=now
            )
        await publishing.publish_story(
            s, story_id=story_id, tg_user_id=COUNCIL, texts=texts, now=now
        )
        with pytest.raises(AlreadyDone):
            await publishing.publish_story(
                s, story_id=story_id, tg_user_id=VICE, texts=texts, now=now
            )
        story = await s.get(Story, story_id)
        audits = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "story.publish")
        )
    rows = await _rows(sessions, f"publish:{story_id}")
    assert story is not None and story.published_at == now and audits == 1
    assert [(r.chat_id, r.method) for r in rows] == [(CHANNEL, "send_media_group")]
    caption = rows[0].payload["caption"]
    assert "ví &amp; trả lại &lt;người mất&gt;" in caption and "Vũ Thị Mai" in caption


async def test_a_story_naming_a_pupil_is_published_only_with_consent(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    await _bind(sessions, now)
    without = await _story(sessions, school, now, kind=NomineeKind.PUPIL)
    with_consent = await _story(sessions, school, now, kind=NomineeKind.PUPIL, consent=True)
    pending = await _story(sessions, school, now, status=StoryStatus.PENDING)
    async with sessions() as s:
        with pytest.raises(NotAllowed) as refused:
            await publishing.publish_story(
                s, story_id=without, tg_user_id=COUNCIL, texts=texts, now=now
            )
        assert refused.value.key == "publishing.no_consent"
        with pytest.raises(Invalid):
            await publishing.publish_story(
                s, story_id=pending, tg_user_id=COUNCIL, texts=texts, now=now
            )
        await publishing.publish_story(
            s, story_id=with_consent, tg_user_id=COUNCIL, texts=texts, now=now
        )
        published = (await s.scalars(select(Story.id).where(Story.published_at.is_not(None)))).all()
    assert published == [with_consent]
    rows = await _rows(sessions, f"publish:{with_consent}")
    assert rows[0].method == "send_message" and "Nguyễn Gia Bảo, lớp 3A1" in rows[0].payload["text"]


def test_a_report_and_a_seen_view_always_fit_one_message(texts: Texts) -> None:
    names = [f"Nguyễn Thị {'Hoàng ' * 10}{i:03d}"[:80] for i in range(300)]
    state = broadcasts.Progress(1, 300, 0, 300, 0, 0, "done", True, 1, 2, "vi")
    unreached = [broadcasts.Unreached(n, "blocked") for n in names]
    shown = broadcasts.fit([f"{u.name} – {u.reason}" for u in unreached], 2800)
    report = texts.plain("vi", "broadcasts.report", r=broadcasts.Report(state, unreached, shown))
    view = broadcasts.SeenView(
        1,
        300,
        names[:150],
        names[150:],
        True,
        broadcasts.fit(names[:150]),
        broadcasts.fit(names[150:]),
    )
    seen = texts.plain("vi", "broadcasts.seen", v=view)
    assert 0 < shown < 300 and f"… và {300 - shown} người khác." in report
    assert broadcasts.utf16_len(report) < 4096 and broadcasts.utf16_len(seen) < 4096


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (BroadcastDraft(action="aud"), "v1:bd:aud"),
        (BroadcastDraft(action="cancel"), "v1:bd:cancel"),
        (BroadcastAudience(audience="camps"), "v1:ba:camps"),
        (BroadcastDepartment(department_id=3), "v1:bad:3"),
        (BroadcastCampaign(campaign_id=4), "v1:bac:4"),
        (BroadcastStop(broadcast_id=5), "v1:bx:5"),
        (BroadcastSeenList(broadcast_id=6, refresh=False), "v1:bs:6:0"),
        (BroadcastSeenList(broadcast_id=6, refresh=True), "v1:bs:6:1"),
        (BroadcastRemind(broadcast_id=7), "v1:bm:7"),
        (ReadReceipt(broadcast_id=0), "v1:rr:0"),
    ],
)
def test_broadcast_buttons_keep_their_data(button: Button, data: str) -> None:
    """Buttons already in chats keep working: each kind packs the data it always had."""
    assert button.pack() == data
    assert parse(data) == button


@pytest.mark.parametrize("data", ["v1:bd:send:1", "v1:ba:everyone", "v1:bs:1", "v1:rr:-1"])
def test_malformed_broadcast_buttons_are_refused(data: str) -> None:
    with pytest.raises(BadCallback):
        parse(data)


async def test_the_use_cases_take_a_broadcast_from_draft_to_reminder(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    env = Env(sessions=sessions, texts=texts, clock=lambda: now, tz=texts.tz)
    service = Broadcasts(env)
    opened = await service.start(tg_user_id=CHAIR)
    assert opened.draft.step == "compose" and opened.options is None
    assert (
        await service.attach(
            tg_user_id=TEACHER,  # no announcement of theirs: the photo is not the broadcast's
            kind="photo",
            file_id="p",
            name="",
            caption_html="",
            caption_length=0,
            media_group_id=None,
        )
        is None
    )
    await service.set_text(tg_user_id=CHAIR, html=HTML, length=40)
    options = await service.to_audience(tg_user_id=CHAIR)
    assert options.everyone == 3
    resumed = await service.start(tg_user_id=CHAIR)  # /broadcast again: back at the audiences
    assert resumed.draft.step == "audience" and resumed.options == options
    assert await service.audience_choices(tg_user_id=CHAIR) == options
    draft = await service.choose_audience(tg_user_id=CHAIR, audience_key="all")
    method, payload = service.preview(draft, "vi")
    assert method == "send_message" and payload["buttons"] == [[["✅ Đã xem", "v1:rr:0"]]]
    text, buttons = await service.send(
        tg_user_id=CHAIR, progress_chat_id=CHAIR, progress_message_id=77
    )
    assert buttons == [[(texts.plain("vi", "broadcasts.stop_button"), "v1:bx:1")]]
    async with sessions() as s:
        state = await broadcasts.progress(s, broadcast_id=1)
    assert (text, buttons) == broadcasts.progress_message(texts, state)
    assert await service.cancel(tg_user_id=CHAIR) is False  # sending ended the draft
    async with sessions() as s:  # delivered
        await s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.ref == "bc:1")
            .values(status=OutboxStatus.SENT)
        )
        await s.commit()
        assert await broadcasts.finish(s, broadcast_id=1, texts=texts, now=now) is not None
    assert await service.confirm_seen(broadcast_id=1, tg_user_id=TEACHER)
    view = await service.seen(broadcast_id=1, tg_user_id=CHAIR)
    assert view.reached == 3 and len(view.seen) == 1
    assert await service.remind(broadcast_id=1, tg_user_id=CHAIR) == 2


async def test_issue17_item31_a_pupil_of_the_consent_age_is_published_only_with_their_consent_too(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    await _bind(sessions, now)
    pupil = NomineeKind.PUPIL
    refused_by_pupil = await _story(sessions, school, now, kind=pupil, consent=True, child=False)
    both = await _story(sessions, school, now, kind=pupil, consent=True, child=True)
    async with sessions() as s:
        with pytest.raises(NotAllowed) as refused:
            await publishing.publish_story(
                s, story_id=refused_by_pupil, tg_user_id=COUNCIL, texts=texts, now=now
            )
        assert refused.value.key == "publishing.no_consent"
        await publishing.publish_story(s, story_id=both, tg_user_id=COUNCIL, texts=texts, now=now)
        published = (await s.scalars(select(Story.id).where(Story.published_at.is_not(None)))).all()
    assert published == [both]
