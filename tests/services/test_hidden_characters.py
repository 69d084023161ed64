"""Issue 17, item 19: hidden characters (direction overrides, zero-width ones) are refused
wherever text is typed into something others will see, with one shared check
(services/naming.py); a personal name may not hold what Telegram turns into a link."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services import campaigns, members, reasons, stories
from services.errors import Invalid
from services.members.departments import clean_department_name
from services.naming import hidden_characters, looks_like_link
from storage.db import SessionFactory
from storage.models import NomineeKind
from tests.factories import CHAIR, TEACHER, School, make_school
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
RLO, ZWSP, BOM, LRI = "\u202e", "\u200b", "\ufeff", "\u2066"
SPOOFS = [f"Tổ Toán{RLO}gnaH", f"Em{ZWSP}Bảo", f"{BOM}Dạy tốt", f"lớp {LRI}1A2"]


@pytest.mark.parametrize("text", SPOOFS)
def test_the_shared_check_finds_overrides_and_invisible_characters(text: str) -> None:
    assert hidden_characters(text)


@pytest.mark.parametrize(
    "text", ["Nguyễn Thị Lan", "Dòng 1\nDòng 2\tcột", "Gia đình 👨\u200d👩\u200d👧 🙂", "👍🏽"]
)
def test_ordinary_text_line_breaks_and_emoji_sequences_pass(text: str) -> None:
    assert not hidden_characters(text)


@pytest.mark.parametrize("text", SPOOFS)
def test_a_department_name_and_a_reason_are_refused(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean_department_name(text)
    assert caught.value.key == "errors.hidden_characters"
    with pytest.raises(Invalid) as caught:
        reasons.clean(text, required=True)
    assert caught.value.key == "errors.hidden_characters"


async def test_a_story_text_a_pupils_name_and_a_caption_are_refused(
    sessions: SessionFactory, council_school: School, now: datetime
) -> None:
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        with pytest.raises(Invalid) as caught:
            await stories.add_text(s, tg_user_id=TEACHER, text=SPOOFS[0], now=now)
    assert caught.value.key == "errors.hidden_characters"
    async with sessions() as s:
        added = await stories.add_photo(
            s, tg_user_id=TEACHER, file_id="p1", media_group_id=None, now=now, caption=SPOOFS[1]
        )
    assert added.caption == "hidden" and added.draft.text == ""
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=TEACHER, text="Em nhặt được ví.", now=now)
    async with sessions() as s:
        await stories.finish_photos(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.PUPIL, now=now)
    async with sessions() as s:
        with pytest.raises(Invalid) as caught:
            await stories.name_nominee(s, tg_user_id=TEACHER, text=SPOOFS[3], now=now)
    assert caught.value.key == "errors.hidden_characters"


async def test_a_campaigns_title_and_description_are_refused(
    sessions: SessionFactory, school: School, now: datetime
) -> None:
    async with sessions() as s:
        await campaigns.begin(s, tg_user_id=CHAIR, now=now)
    async with sessions() as s:
        with pytest.raises(Invalid) as caught:
            await campaigns.answer(s, tg_user_id=CHAIR, text=SPOOFS[2], tz=HN, now=now)
    assert caught.value.key == "errors.hidden_characters"
    async with sessions() as s:
        await campaigns.answer(s, tg_user_id=CHAIR, text="Dạy tốt, học tốt", tz=HN, now=now)
    async with sessions() as s:
        with pytest.raises(Invalid) as caught:
            await campaigns.answer(s, tg_user_id=CHAIR, text=SPOOFS[1], tz=HN, now=now)
    assert caught.value.key == "errors.hidden_characters"


@pytest.mark.parametrize(
    "name",
    [
        "Lan https://evil.example",
        "Lan www.evil.vn",
        "Phạm Lan evil.com",
        "@admin Lan",
        "Lan /start",
    ],
)
def test_a_personal_name_may_not_hold_a_link(name: str) -> None:
    assert looks_like_link(name)


async def test_a_name_with_a_link_never_reaches_the_leaders_join_request(
    sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now, staff=False)
    async with sessions() as s:
        await members.begin_join(
            s, code=school.invite_code, tg_user_id=2001, display_name="x", now=now
        )
    async with sessions() as s:
        with pytest.raises(Invalid) as caught:
            await members.give_name(s, tg_user_id=2001, raw="Hà https://evil.example", now=now)
    assert caught.value.key == "join.name_link"
    async with sessions() as s:
        assert await members.give_name(s, tg_user_id=2001, raw="Nguyễn T. Hà", now=now)
