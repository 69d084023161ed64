"""Properties (hypothesis) of every parser of what people type or press, and of rendering.

Parsers never fail with anything but their own refusal, and what they accept comes back the same
through the form the bot itself writes. Rendering any user text (markup characters, emoji,
right-to-left marks, control characters) gives HTML that Telegram parses (checked with the
emulator's parser, which follows Telegram's rules) within one message.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reports import periods
from services import campaigns, orgs, stories, tallies
from services.campaigns import CampaignView
from services.errors import Invalid
from services.members import DEPT_NAME_MAX
from services.naming import NAME_MAX, NAME_MIN, clean_name, sort_key
from services.stories import NOMINEE_TEXT_MAX, REASON_MAX, STORY_MAX, StoryView, utf16_len
from tgemu.entities import parse_html, u16len
from ui.buttons import MAX_INT
from ui.buttons.tallies import TallyScope
from ui.texts import LOCALES, Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
TEXTS = Texts(HN, "vi")
TELEGRAM_MAX = 4096
WHEN = datetime(2024, 2, 23, 1, 0, tzinfo=UTC)
# Rendering compiles templates on first use: no per-example deadline.
RENDERING = settings(deadline=None, max_examples=60)

# What people type: any Unicode, with markup characters, emoji (two UTF-16 units, and joined
# sequences), right-to-left text and marks, and control characters well represented.
SPECIAL = ["<", ">", "&", '"', "'", "<b>", "</i>", "&amp;", "&#0;", "😀", "👨‍👩‍👧", "🇻🇳"]
SPECIAL += ["\u202e", "\u200f", "\u200d", "שלום", "مرحبا", "\x00", "\x07", "\x1b", "\n", "\t"]
# (Any Unicode that UTF-8 can carry, as Telegram does: no lone surrogates.)
typed = st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL))).map("".join)


def head16(text: str, units: int) -> str:
    """The longest beginning of `text` within `units` UTF-16 units."""
    while utf16_len(text) > units:
        text = text[: max(0, len(text) - max(1, (utf16_len(text) - units) // 2))]
    return text


def squeeze(text: str) -> str:
    """Whitespace collapsed, as the services store typed names and reasons."""
    return " ".join(text.split())


VIETNAMESE = "ĐđÀàẢảÃãÁáẠạĂăÂâÊêÔôƠơƯưYyAaBbHhNnTtUuVv"
names = (
    st.tuples(typed, st.text(VIETNAMESE, min_size=2, max_size=12), typed)
    .map(lambda p: f"{p[0][:40]} {p[1]} {p[2][:40]}")
    .map(lambda n: "".join(c for c in n if unicodedata.category(c)[0] != "C"))
    .map(clean_name)
    .filter(lambda n: n is not None)
    .map(str)
)
departments = typed.map(squeeze).filter(lambda n: 1 <= len(n) <= DEPT_NAME_MAX)
nominees = typed.map(squeeze).filter(lambda n: 2 <= len(n) <= NOMINEE_TEXT_MAX)
# Stories are short or at their limit: a typed text repeated until it fills the 3000 units.
story_texts = st.one_of(
    typed.map(str.strip).filter(bool).map(lambda t: head16(t, STORY_MAX)),
    typed.map(str.strip)
    .filter(bool)
    .map(lambda t: head16(t * (STORY_MAX // len(t) + 1), STORY_MAX)),
)
reasons = typed.map(squeeze).map(lambda r: r[:REASON_MAX])
campaign_names = typed.map(squeeze).filter(lambda n: 3 <= len(n) <= campaigns.NAME_MAX)


def fits(html: str) -> str:
    """Telegram's view of `html`: it parses, and fits one message. Returns the plain text."""
    plain, _entities = parse_html(html)
    assert u16len(plain) <= TELEGRAM_MAX, u16len(plain)
    return plain


# Button data: tests/unit/test_buttons.py (every typed kind, drawn from its field types).


# ---------------------------------------------------------------------------- typed dates


@given(typed)
@example("31/02/2024")
@example("05/09/2025 24:00")
@example("٠٥/٠٩/٢٠٢٥")
def test_a_typed_date_is_a_date_or_a_polite_refusal_and_reads_back_the_same(text: str) -> None:
    try:
        when = campaigns.parse_when(text, HN, default=campaigns.DEFAULT_END)
    except Invalid as refusal:
        assert refusal.key in ("campaigns.bad_date", "campaigns.no_such_date")
        return
    written = f"{when:%d/%m}/{when.year:04d} {when:%H:%M}"
    assert campaigns.parse_when(written, HN, default=campaigns.DEFAULT_END) == when
    assert when.tzinfo == HN


@given(st.dates(date(1000, 1, 1)), st.one_of(st.none(), st.times()))
def test_every_date_written_dd_mm_yyyy_reads_back(day: date, at: time | None) -> None:
    text = f"{day:%d/%m/%Y}" + (f" {at:%H:%M}" if at else "")
    when = campaigns.parse_when(text, HN, default=campaigns.DEFAULT_START)
    assert when.date() == day
    assert when.time() == (at.replace(second=0, microsecond=0) if at else campaigns.DEFAULT_START)


@given(typed)
@example("²")  # a digit to str.isdigit(), not to int()
@example("7, 3, 1, 1")
def test_reminder_days_are_parsed_or_refused_and_read_back(text: str) -> None:
    try:
        days = campaigns.parse_reminders(text)
    except Invalid as refusal:
        assert refusal.key == "campaigns.bad_reminders"
        return
    assert days == sorted(set(days), reverse=True) and 1 <= len(days) <= 5
    assert all(1 <= d <= 60 for d in days)
    assert campaigns.parse_reminders(", ".join(map(str, days))) == days


@given(typed)
@example("01/01/0999-02/01/0999")  # a year before 1000: the button code must still parse
@example("học kỳ")
def test_a_typed_period_is_a_scope_the_tally_buttons_can_carry(text: str) -> None:
    try:
        code = tallies.scope_code(text)
    except Invalid as refusal:
        assert refusal.key == "reports.bad_period"
        return
    assert TallyScope.unpack(TallyScope(scope=code).pack()).scope == code
    if code.startswith("r"):
        typed_period = periods.parse_range(text)
        assert periods.from_code(code) == typed_period


# ---------------------------------------------------------------------------- deep links and names

codes = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1)


@given(typed)
@example("c_")
@example("j_abc def")
def test_a_start_payload_is_a_chair_or_join_link_or_a_dead_invite(payload: str) -> None:
    try:
        link = orgs.parse_link(payload)
    except Invalid as refusal:
        assert refusal.key == "errors.bad_invite"
        return
    assert link.kind in ("chair", "join") and link.code
    assert orgs.start_payload(link) == payload


@given(st.sampled_from(["chair", "join"]), codes.filter(lambda c: len(c) <= 62))
def test_every_link_the_bot_hands_out_opens_what_it_names(kind: str, code: str) -> None:
    link = orgs.Link(kind, code)
    assert orgs.parse_link(orgs.start_payload(link)) == link


def test_fresh_codes_make_valid_deep_links() -> None:
    for _ in range(200):
        for kind in ("chair", "join"):
            link = orgs.Link(kind, orgs.new_code())
            assert orgs.parse_link(orgs.start_payload(link)) == link


@given(typed)
@example("  Bùi   <b>Văn</b> & Đức ")
@example("\u202eĐức")
def test_a_name_is_tidied_or_refused_and_tidying_twice_changes_nothing(raw: str) -> None:
    name = clean_name(raw)
    sort_key(raw)  # sorting never fails, whatever was stored
    if name is None:
        return
    assert NAME_MIN <= len(name) <= NAME_MAX and name == squeeze(name)
    assert clean_name(name) == name
    assert not any(ord(c) < 32 for c in name)


# ---------------------------------------------------------------------------- rendering


def story(**overrides: object) -> StoryView:
    """A story view with everything a card shows."""
    values: dict[str, object] = {
        "id": MAX_INT,
        "org_name": "Trường Tiểu học Thượng Thanh",
        "author": "Vũ Thị Mai",
        "author_tg_id": 1004,
        "department": "Tổ 1",
        "text": "Việc tốt.",
        "nominee_kind": "pupil",
        "nominee": "em Gia Bảo",
        "pupil_consent": False,
        "photos": 10,
        "status": "rejected",
        "decided_by": "Phạm Thị Lan",
        "decided_at": WHEN,
        "reason": "Cần bổ sung",
        "previous_id": MAX_INT - 1,
        "submitted_at": WHEN,
        "campaign": "Người tốt, việc tốt",
    }
    return StoryView(**{**values, **overrides})  # type: ignore[arg-type]


def shows_the_story(view: StoryView, shown: StoryView) -> None:
    """The message shows the whole story, or a beginning of it marked as cut."""
    assert shown.text == view.text or (shown.shortened and view.text.startswith(shown.text))


@RENDERING
@given(
    text=story_texts,
    author=names,
    department=departments,
    nominee=nominees,
    campaign=campaign_names,
    reason=reasons,
    decider=names,
    status=st.sampled_from(["pending", "approved", "rejected", "changes_requested", "withdrawn"]),
    locale=st.sampled_from(LOCALES),
)
def test_any_story_renders_as_telegram_html_within_one_message(
    text: str,
    author: str,
    department: str,
    nominee: str,
    campaign: str,
    reason: str,
    decider: str,
    status: str,
    locale: str,
) -> None:
    view = story(
        text=text,
        author=author,
        department=department,
        nominee=nominee,
        campaign=campaign,
        reason=reason,
        decided_by=decider,
        status=status,
    )
    fits(stories.render_card(TEXTS, view))
    for key in ("stories.preview", "stories.card"):
        shown = stories.fit_view(TEXTS, locale, key, view)
        fits(TEXTS.render(locale, key, story=shown))
        shows_the_story(view, shown)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("status", ["pending", "approved", "rejected", "changes_requested"])
def test_the_worst_story_still_fits_one_message_showing_its_beginning(
    locale: str, status: str
) -> None:
    emoji = "😀"  # two UTF-16 units
    longest_name = clean_name(emoji * (NAME_MAX - 2) + "Hà")
    assert longest_name is not None and u16len(longest_name) == 2 * NAME_MAX - 2
    view = story(
        text=emoji * (STORY_MAX // 2),
        author=longest_name,
        department=emoji * DEPT_NAME_MAX,
        nominee=emoji * NOMINEE_TEXT_MAX,
        campaign=emoji * campaigns.NAME_MAX,
        reason=emoji * REASON_MAX,
        decided_by=longest_name,
        org_name=emoji * 200,
        status=status,
    )
    assert u16len(view.text) == STORY_MAX
    for key, values in (
        ("stories.card", {}),
        ("stories.preview", {}),
        ("publishing.post", {"org": emoji * 200}),
    ):
        shown = stories.fit_view(TEXTS, locale, key, view, **values)
        fits(TEXTS.render(locale, key, story=shown, **values))
        shows_the_story(view, shown)
        assert u16len(shown.text) > STORY_MAX // 3  # most of the story is still there
    plain = fits(stories.render_card(TEXTS, view))
    assert ("toàn văn" if TEXTS.default_locale == "vi" else "full text") in plain


@RENDERING
@given(name=names, department=departments, org=typed.map(squeeze), locale=st.sampled_from(LOCALES))
def test_any_join_request_renders_as_telegram_html_within_one_message(
    name: str, department: str, org: str, locale: str
) -> None:
    org = org[:200] or "Trường"
    html = TEXTS.render(
        locale,
        "join.request_notice",
        name=name,
        department=department,
        org=org,
        tg_user_id=2**40,
    )
    assert name in fits(html)


@RENDERING
@given(
    name=campaign_names,
    description=typed.map(str.strip).map(lambda d: d[: campaigns.DESCRIPTION_MAX]),
    level=typed.map(squeeze).map(lambda lv: lv[:80]),
    titles=st.lists(typed.map(squeeze).filter(bool).map(lambda t: t[:120]), max_size=5),
    locale=st.sampled_from(LOCALES),
    kind=st.sampled_from(["good_deeds", "registration", "opt_in"]),
)
def test_any_campaign_card_renders_as_telegram_html_within_one_message(
    name: str,
    description: str,
    level: str,
    titles: list[str],
    locale: str,
    kind: str,
) -> None:
    view = CampaignView(
        id=1,
        name=name,
        description=description,
        launched_by=level,
        kind=kind,
        starts_at=WHEN,
        ends_at=WHEN + timedelta(days=30),
        reminder_days=[7, 3, 1],
        status="open",
        titles=list(enumerate(titles)),
        my_title=titles[0] if titles else None,
        my_stories=3,
    )
    assert name in fits(TEXTS.render(locale, "campaigns.card_with_standing", campaign=view))
