"""Texts: both languages define the same messages, and user text is escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.texts import TEMPLATES, Texts

FILES = sorted(p.stem for p in (TEMPLATES / "vi").glob("*.html"))


@pytest.mark.parametrize("file", FILES)
def test_english_defines_every_vietnamese_message(texts: Texts, file: str) -> None:
    assert (TEMPLATES / "en" / f"{file}.html").exists()
    assert texts.macro_names("vi", file) == texts.macro_names("en", file)


def test_user_text_is_escaped(texts: Texts) -> None:
    html = texts.render("vi", "join.ask_department", name="<b>Hà</b> & <script>")
    assert "&lt;b&gt;Hà&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "<b>Hà</b>" not in html


def test_vietnamese_is_the_default_and_english_is_chosen(texts: Texts) -> None:
    assert "Tiếng Việt" in texts.render(None, "common.lang_set")
    assert "English" in texts.render("en", "common.lang_set")
    assert texts.locale("fr") == "vi"


def test_templates_are_under_the_package() -> None:
    assert Path(TEMPLATES).is_dir()


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("key", ["campaigns.card_with_standing", "campaigns.launch_notice"])
def test_a_campaign_card_with_a_description_has_no_double_blank_line(
    texts: Texts, locale: str, key: str
) -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    campaign = SimpleNamespace(
        name="Người tốt, việc tốt",
        launched_by="Hiệu trưởng",
        kind="good_deeds",
        status="open",
        starts_at=datetime(2025, 9, 5, tzinfo=UTC),
        ends_at=datetime(2026, 5, 5, tzinfo=UTC),
        reminder_days=[7, 1],
        description="Khuyến khích những việc làm tốt.",
        my_title=None,
        joined=False,
        my_stories=0,
    )
    html = texts.render(locale, key, campaign=campaign)
    assert "Khuyến khích những việc làm tốt." in html
    assert "\n\n\n" not in html


def test_a_decision_reads_as_a_vietnamese_office_writes_it(texts: Texts) -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    story = SimpleNamespace(
        status="approved",
        decided_by="Phạm Thị Lan",
        decided_at=datetime(2026, 12, 5, 1, 51, tzinfo=UTC),
    )
    line = texts.render("vi", "stories.status_line", story=story)
    assert line == "✅ Phạm Thị Lan đã duyệt lúc 08:51 ngày 05/12/2026."  # not "Đã duyệt bởi …"
    assert "08:51 05/12/2026" in texts.render("en", "stories.status_line", story=story)


@pytest.mark.parametrize(
    ("days", "said"),
    [
        ([7, 3, 1], "Nhắc trước hạn 7 ngày, 3 ngày và 1 ngày"),
        ([7, 1], "Nhắc trước hạn 7 ngày và 1 ngày"),
        ([2], "Nhắc trước hạn 2 ngày"),
    ],
)
def test_a_campaign_says_its_level_and_reminders_in_plain_words(
    texts: Texts, days: list[int], said: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from services.campaigns import CampaignView

    when = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    view = CampaignView(
        id=1,
        name="Đăng ký danh hiệu thi đua năm học 2026-2027",
        description="",
        launched_by="Trường",
        kind="registration",
        starts_at=when,
        ends_at=when + timedelta(days=20),
        reminder_days=days,
        status="open",
        titles=[],
    )
    card = texts.render("vi", "campaigns.card", campaign=view)
    assert said in card and "Cấp phát động: Trường" in card
    notice = texts.render("vi", "campaigns.launch_notice", campaign=view)
    assert notice.startswith("📣 <b>Thông báo đăng ký danh hiệu thi đua</b>\n<b>🏁 ")
