"""Campaigns and their notices against a real database: fan-out, audiences, staleness, changes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from runtime.config import load_settings
from runtime.context import Deps
from scheduler.jobs import fire_due
from services import campaigns, conversations, orgs
from services.base import Env
from services.campaigns import Campaigns, CampaignView, DraftStep
from services.conversations import Kind
from services.errors import Invalid, NotAllowed
from storage.db import SessionFactory
from storage.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Notice,
    NoticeStatus,
    OutboxMessage,
    Story,
    StoryStatus,
    Title,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School, make_school, membership_of
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
EVERYONE = {CHAIR, VICE, COUNCIL, TEACHER}


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def deps_for(sessions: SessionFactory, texts: Texts, clock: Clock) -> Deps:
    """Dependencies with the test's clock."""
    return Deps(settings=load_settings(), texts=texts, sessions=sessions, clock=clock)


async def recipients(sessions: SessionFactory, notice_key_part: str) -> dict[int, str]:
    """chat id → text of the outbox rows queued by notices whose key contains a string."""
    async with sessions() as s:
        ids = (await s.scalars(select(Notice.id).where(Notice.key.contains(notice_key_part)))).all()
        rows = (
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.ref.in_([f"notice:{i}" for i in ids]))
            )
        ).all()
    return {r.chat_id: r.payload["text"] for r in rows}


async def school_with_campaign(
    sessions: SessionFactory, texts: Texts, now: datetime, kind: CampaignKind
) -> tuple[School, Campaign]:
    """A school (council bound to chat -100), a campaign starting in an hour for 10 days."""
    school = await make_school(sessions, texts, now)
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=-100, now=now)
    async with sessions() as s:
        campaign = await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Người tốt, việc tốt <năm 2024>",
            kind=kind,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(days=10),
            now=now,
        )
    return school, campaign


async def test_the_launch_notice_reaches_all_staff_at_the_start_and_opens_the_campaign(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    _, campaign = await school_with_campaign(sessions, texts, now, CampaignKind.GOOD_DEEDS)
    clock = Clock(now + timedelta(minutes=59))
    deps = deps_for(sessions, texts, clock)
    assert await fire_due(deps) == 0
    clock.now = now + timedelta(hours=1)
    assert await fire_due(deps) == 1
    sent = await recipients(sessions, "launch")
    assert set(sent) == EVERYONE
    assert "Người tốt, việc tốt &lt;năm 2024&gt;" in sent[TEACHER]
    async with sessions() as s:
        assert (await s.get_one(Campaign, campaign.id)).status == CampaignStatus.OPEN
    assert await fire_due(deps) == 0  # fired once, never again


async def test_reminders_reach_only_those_not_done_with_the_days_left(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    _, campaign = await school_with_campaign(sessions, texts, now, CampaignKind.GOOD_DEEDS)
    teacher = await membership_of(sessions, TEACHER)
    assert teacher is not None
    async with sessions() as s:
        s.add(
            Story(
                org_id=campaign.org_id,
                author_id=teacher.person_id,
                text="x",
                nominee_kind="self",
                status=StoryStatus.APPROVED,
                submitted_at=now,
                campaign_id=campaign.id,
            )
        )
        await s.commit()
    deps = deps_for(sessions, texts, Clock(now + timedelta(days=3)))
    await fire_due(deps)
    sent = await recipients(sessions, "reminder:7")
    assert set(sent) == EVERYONE - {TEACHER}
    assert "còn <b>7 ngày</b>" in sent[CHAIR]


async def test_registration_reminders_skip_those_registered_and_closing_summarises(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    _, campaign = await school_with_campaign(sessions, texts, now, CampaignKind.REGISTRATION)
    deps = deps_for(sessions, texts, Clock(now + timedelta(hours=2)))
    await fire_due(deps)
    async with sessions() as s:
        title = await s.scalar(select(Title).where(Title.name == "Lao động tiên tiến"))
        assert title is not None
        await campaigns.register(
            s,
            tg_user_id=COUNCIL,
            campaign_id=campaign.id,
            title_id=title.id,
            now=now + timedelta(hours=2),
        )
    deps.clock = Clock(now + timedelta(days=9, hours=1))
    await fire_due(deps)
    assert set(await recipients(sessions, "reminder:1")) == EVERYONE - {COUNCIL}
    deps.clock = Clock(now + timedelta(days=10))
    await fire_due(deps)
    closing = await recipients(sessions, "closing")
    assert set(closing) == {COUNCIL, -100}  # the registrant, and the council's summary
    assert "Hoàn thành: 1/4" in closing[-100] and "Lao động tiên tiến: 1" in closing[-100]
    async with sessions() as s:
        assert (await s.get_one(Campaign, campaign.id)).status == CampaignStatus.CLOSED


async def test_notices_that_fell_due_while_down_are_sent_and_stale_ones_skipped(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await school_with_campaign(sessions, texts, now, CampaignKind.GOOD_DEEDS)
    # The bot was down from before the start until after the end: the launch and reminders are
    # stale (the deadline passed); the closing notice is still worth sending.
    deps = deps_for(sessions, texts, Clock(now + timedelta(days=10, hours=5)))
    await fire_due(deps)
    async with sessions() as s:
        states = dict(
            (
                await s.execute(
                    select(Notice.kind, Notice.status)
                    .where(Notice.campaign_id.is_not(None))
                    .order_by(Notice.id)
                )
            ).all()
        )
        statuses = (
            await s.execute(
                select(Notice.kind, Notice.status).where(Notice.campaign_id.is_not(None))
            )
        ).all()
    assert states["closing"] == NoticeStatus.DONE
    assert {status for kind, status in statuses if kind != "closing"} == {NoticeStatus.SKIPPED}
    assert await recipients(sessions, "reminder") == {}


async def test_two_schedulers_at_once_fan_each_notice_out_once(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await school_with_campaign(sessions, texts, now, CampaignKind.GOOD_DEEDS)
    clock = Clock(now + timedelta(hours=1))
    await asyncio.gather(
        fire_due(deps_for(sessions, texts, clock)), fire_due(deps_for(sessions, texts, clock))
    )
    async with sessions() as s:
        count = await s.scalar(select(func.count()).select_from(OutboxMessage))
    assert count == len(EVERYONE)


async def test_rescheduling_replans_reminders_and_closing_cancels_them(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    _, campaign = await school_with_campaign(sessions, texts, now, CampaignKind.GOOD_DEEDS)
    async with sessions() as s:
        await campaigns.begin_reschedule(s, tg_user_id=VICE, campaign_id=campaign.id, now=now)
    new_end = (now + timedelta(days=20)).astimezone(HN).strftime("%d/%m/%Y")
    async with sessions() as s:
        view = await campaigns.reschedule(s, tg_user_id=VICE, text=new_end, tz=HN, now=now)
    assert view.ends_at.astimezone(HN).strftime("%d/%m/%Y") == new_end
    async with sessions() as s:
        pending = (
            await s.scalars(
                select(Notice).where(
                    Notice.campaign_id == campaign.id, Notice.status == NoticeStatus.PENDING
                )
            )
        ).all()
        cancelled = (
            await s.scalars(
                select(Notice).where(
                    Notice.campaign_id == campaign.id, Notice.status == NoticeStatus.CANCELLED
                )
            )
        ).all()
    assert {n.kind for n in pending} == {"launch", "reminder", "closing"}
    assert all(n.due_at <= view.ends_at for n in pending) and len(cancelled) == 3
    async with sessions() as s:
        closed = await campaigns.close_early(s, tg_user_id=CHAIR, campaign_id=campaign.id, now=now)
    assert closed.status == "closed"  # it never opened: nobody is told, everything cancelled
    async with sessions() as s:
        left = (
            await s.scalars(
                select(Notice).where(
                    Notice.campaign_id == campaign.id, Notice.status == NoticeStatus.PENDING
                )
            )
        ).all()
    assert left == []


async def test_only_leaders_change_campaigns_and_dates_are_checked(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    _, campaign = await school_with_campaign(sessions, texts, now, CampaignKind.GOOD_DEEDS)
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await campaigns.close_early(s, tg_user_id=TEACHER, campaign_id=campaign.id, now=now)
    async with sessions() as s:
        with pytest.raises(NotAllowed):
            await campaigns.begin(s, tg_user_id=COUNCIL, now=now)
    async with sessions() as s:
        await campaigns.begin(s, tg_user_id=CHAIR, now=now)
    async with sessions() as s:
        with pytest.raises(Invalid) as caught:
            await campaigns.answer(s, tg_user_id=CHAIR, text="x" * 1000, tz=HN, now=now)
    assert caught.value.values["limit"] == 200


async def test_an_old_cancel_button_of_a_campaign_draft_leaves_another_dialogue_alone(
    sessions: SessionFactory, now: datetime
) -> None:
    """The vice-chair pressed "new campaign", then started a story; the campaign preview's
    Cancel, pressed later, must not throw the story away."""
    async with sessions() as s:
        await conversations.put(
            s, chat_id=VICE, user_id=VICE, kind=Kind.REPORT, step="text", data={}, now=now
        )
        await s.commit()
    async with sessions() as s:
        assert await campaigns.cancel(s, tg_user_id=VICE) is False
    async with sessions() as s:
        story = await conversations.current(s, chat_id=VICE, user_id=VICE)
        assert story is not None and story.kind == Kind.REPORT
        await conversations.put(
            s, chat_id=VICE, user_id=VICE, kind=Kind.CAMPAIGN, step="name", data={}, now=now
        )
        await s.commit()
    async with sessions() as s:
        assert await campaigns.cancel(s, tg_user_id=VICE) is True
        assert await conversations.current(s, chat_id=VICE, user_id=VICE) is None


def use_cases(sessions: SessionFactory, texts: Texts, now: datetime) -> Campaigns:
    """The campaign use cases bound as at start-up, with a fixed clock."""
    return Campaigns(Env(sessions=sessions, texts=texts, clock=lambda: now, tz=HN))


async def test_a_typed_answer_goes_to_the_dialogue_the_leader_is_in(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    _, campaign = await school_with_campaign(sessions, texts, now, CampaignKind.GOOD_DEEDS)
    uc = use_cases(sessions, texts, now)
    begun = await uc.begin(tg_user_id=VICE)
    assert begun.step == "name" and "Trường" in begun.levels and begun.preview is None
    named = await uc.answer(tg_user_id=VICE, text="  Phong trào   mới ")
    assert isinstance(named, DraftStep) and named.step == "description"
    # Changing a campaign's dates replaces the draft: the next text is the new end date.
    await uc.begin_reschedule(tg_user_id=VICE, campaign_id=campaign.id)
    new_end = (now + timedelta(days=20)).astimezone(HN).strftime("%d/%m/%Y")
    moved = await uc.answer(tg_user_id=VICE, text=new_end)
    assert isinstance(moved, CampaignView) and moved.id == campaign.id
    assert moved.ends_at.astimezone(HN).strftime("%d/%m/%Y") == new_end
    with pytest.raises(Invalid) as caught:  # the dialogue is over
        await uc.answer(tg_user_id=VICE, text=new_end)
    assert caught.value.key == "errors.no_dialogue"


async def test_the_draft_reaches_its_preview_and_creates_the_campaign(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    uc = use_cases(sessions, texts, now)
    await uc.begin(tg_user_id=CHAIR)
    await uc.answer(tg_user_id=CHAIR, text="Dạy tốt, học tốt")
    await uc.choose(tg_user_id=CHAIR, what="skip", value="")
    await uc.choose(tg_user_id=CHAIR, what="level", value="0")
    await uc.choose(tg_user_id=CHAIR, what="kind", value="opt_in")
    await uc.answer(
        tg_user_id=CHAIR, text=(now + timedelta(days=1)).astimezone(HN).strftime("%d/%m/%Y")
    )
    await uc.answer(
        tg_user_id=CHAIR, text=(now + timedelta(days=9)).astimezone(HN).strftime("%d/%m/%Y")
    )
    step = await uc.choose(tg_user_id=CHAIR, what="reminders", value="none")
    assert step.step == "preview" and step.preview is not None
    assert (step.preview.name, step.preview.kind, step.preview.reminder_days) == (
        "Dạy tốt, học tốt",
        "opt_in",
        [],
    )
    created = await uc.create(tg_user_id=CHAIR)
    assert created.name == "Dạy tốt, học tốt" and created.status == "scheduled"
    assert await uc.cancel(tg_user_id=CHAIR) is False  # the draft went with the creation


async def test_only_leaders_see_the_change_buttons_or_are_asked_to_confirm_closing(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    _, campaign = await school_with_campaign(sessions, texts, now, CampaignKind.OPT_IN)
    uc = use_cases(sessions, texts, now)
    assert (await uc.card(tg_user_id=VICE, campaign_id=campaign.id)).leader
    assert not (await uc.card(tg_user_id=COUNCIL, campaign_id=campaign.id)).leader
    with pytest.raises(NotAllowed) as caught:
        await uc.closing_asked(tg_user_id=TEACHER, campaign_id=campaign.id)
    assert caught.value.key == "errors.leaders_only"
    asked = await uc.closing_asked(tg_user_id=CHAIR, campaign_id=campaign.id)
    assert asked.name == campaign.name
    joined = await uc.join(tg_user_id=TEACHER, campaign_id=campaign.id)
    assert joined.campaign.joined and not joined.leader


async def test_issue17_item35_prompt_examples_follow_the_school_year_and_today(
    sessions: SessionFactory, texts: Texts
) -> None:
    from services.tallies import Tallies

    frozen = datetime(2028, 10, 20, 9, 0, tzinfo=HN)  # school year 2028-2029
    await make_school(sessions, texts, frozen)
    uc = use_cases(sessions, texts, frozen)
    step = await uc.begin(tg_user_id=CHAIR)
    ask_name = texts.plain("vi", "campaigns.ask_name", example=step.examples)
    assert "“Người tốt, việc tốt năm học 2028-2029”" in ask_name
    await uc.answer(tg_user_id=CHAIR, text="Dạy tốt, học tốt")
    await uc.choose(tg_user_id=CHAIR, what="skip", value="")
    await uc.choose(tg_user_id=CHAIR, what="level", value="0")
    step = await uc.choose(tg_user_id=CHAIR, what="kind", value="opt_in")
    ask_start = texts.plain("vi", "campaigns.ask_start", example=step.examples)
    assert "ví dụ 27/10/2028, 27-10-2028 hoặc chỉ 27/10" in ask_start
    with pytest.raises(Invalid) as caught:
        await uc.answer(tg_user_id=CHAIR, text="thứ hai tuần sau")
    refused = texts.plain("vi", caught.value.key, **caught.value.values)
    assert "ví dụ 27/10/2028" in refused
    at_end = await uc.answer(tg_user_id=CHAIR, text="27/10/2028")
    assert isinstance(at_end, DraftStep)
    ask_end = texts.plain("vi", "campaigns.ask_end", example=at_end.examples)
    assert "ví dụ 24/11/2028, 24-11-2028 hoặc chỉ 24/11" in ask_end
    for prompt in (ask_name, ask_start, refused, ask_end):
        assert "2024" not in prompt and "2025" not in prompt and "2026" not in prompt
    # /tally with a period the bot does not understand: the example is this year's semester I.
    tallies = Tallies(Env(sessions=sessions, texts=texts, clock=lambda: frozen, tz=HN))
    with pytest.raises(Invalid) as caught:
        tallies.scope_code("hôm qua")
    assert "/tally 05/09/2028-14/01/2029" in texts.plain(
        "vi", caught.value.key, **caught.value.values
    )
