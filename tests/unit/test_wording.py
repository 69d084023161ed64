"""One vocabulary across screens (issue 17, items 23, 28 and 30): every Vietnamese text, in the
templates, the command menus, the exported sheets and the formal report, names the staff, the
author and the nominee the same way, and reads as correct Vietnamese."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime

import pytest

from handlers.menus import _DESCRIPTIONS
from reports import columns
from reports.docx_report import DEFAULT_TEMPLATE as DOCX_TEMPLATE
from services.stories import StoryView
from ui.texts import TEMPLATES, Texts


def _vietnamese() -> dict[str, str]:
    """Every Vietnamese text a user reads, by where it lives."""
    texts = {f"vi/{p.name}": p.read_text("utf-8") for p in sorted((TEMPLATES / "vi").iterdir())}
    texts["menus"] = "\n".join(_DESCRIPTIONS["vi"].values())
    texts["columns"] = "\n".join(
        [
            *(c.header for group in _column_groups() for c in group),
            *columns.KIND_VI.values(),
            columns.HIDDEN_PUPIL,
        ]
    )
    with zipfile.ZipFile(DOCX_TEMPLATE) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    texts["bao_cao.docx"] = re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n"))
    return texts


def _column_groups() -> list[tuple[columns.Column, ...]]:
    return [value for name, value in vars(columns).items() if name.endswith("_COLUMNS")]


TEXTS = _vietnamese()


def _found(pattern: str) -> list[str]:
    """`where: line` for each line of a Vietnamese text matching `pattern`."""
    return [
        f"{where}: {line.strip()[:120]}"
        for where, text in TEXTS.items()
        for line in text.splitlines()
        if re.search(pattern, line)
    ]


# Item 23: the staff role is "Cán bộ, giáo viên, nhân viên", short "CB-GV-NV".
STAFF_VARIANTS = {
    "Giáo viên/NV": r"Giáo viên/NV",
    "GV alone": r"(?<![-\w])GV(?![-\w])",
    "CBGVNV": r"CBGVNV",
    "cán bộ, giáo viên without nhân viên": r"(?i)cán bộ, giáo viên(?!, nhân viên)",
    "link mời giáo viên": r"(?i)link mời giáo viên",
}


@pytest.mark.parametrize("variant", STAFF_VARIANTS)
def test_issue17_item23_the_staff_have_one_name_in_vietnamese(variant: str) -> None:
    assert _found(STAFF_VARIANTS[variant]) == []


def test_issue17_item23_the_staff_role_reads_the_same_in_the_member_list_and_its_buttons(
    texts: Texts,
) -> None:
    assert texts.plain("vi", "members.row_label", name="Vũ Thị Mai", role="staff", department="")
    assert "CB-GV-NV" in texts.plain(
        "vi", "members.row_label", name="Vũ Thị Mai", role="staff", department=""
    )
    assert texts.plain("vi", "members.set_staff") == "CB-GV-NV"
    assert texts.plain("vi", "common.role_name", role="staff") == "Cán bộ, giáo viên, nhân viên"
    assert "staff" in texts.plain("en", "members.set_staff").lower()


# Item 28: the author is "Người kể", the nominee "Người được nêu gương", everywhere.
PEOPLE_VARIANTS = {
    "Người gửi": r"(?i)người gửi",
    "Người làm việc tốt": r"(?i)người làm việc tốt",
    "Được nêu gương (no Người)": r"(?<!Người )Được nêu gương|[Cc]á nhân được nêu gương",
    "Tích cực gửi câu chuyện": r"(?i)tích cực gửi",
}


@pytest.mark.parametrize("variant", PEOPLE_VARIANTS)
def test_issue17_item28_the_author_and_the_nominee_have_one_label_each(variant: str) -> None:
    assert _found(PEOPLE_VARIANTS[variant]) == []


def test_issue17_item28_cards_posts_and_exports_say_nguoi_ke_and_nguoi_duoc_neu_guong(
    texts: Texts,
) -> None:
    story = StoryView(
        id=7,
        org_name="Trường Tiểu học Thượng Thanh",
        author="Vũ Thị Mai",
        author_tg_id=1,
        department="Tổ 1",
        text="Em Gia Bảo nhặt được ví.",
        nominee_kind="pupil",
        nominee="em Nguyễn Gia Bảo, lớp 1A2",
        pupil_consent=True,
        photos=0,
        status="pending",
        submitted_at=datetime(2026, 12, 5, tzinfo=UTC),
    )
    card = texts.plain("vi", "stories.card", story=story)
    assert "Người kể: Vũ Thị Mai (Tổ 1)" in card
    assert "Người được nêu gương: em Nguyễn Gia Bảo, lớp 1A2" in card
    post = texts.plain("vi", "publishing.post", story=story, org="Trường")
    assert "Người kể: Vũ Thị Mai" in post
    assert "Người được nêu gương: em Nguyễn Gia Bảo" in post
    headers = [c.header for c in columns.STORY_COLUMNS]
    assert headers[2] == "Người kể" and "Người được nêu gương" in headers


# Item 30: correct Vietnamese, and quotation marks as Vietnamese print them.
WORDING = {
    "có đồng ý (without sự)": r"có đồng ý của",
    "tôi đã gửi": r"(?i)tôi đã gửi",
    "« or »": r"[«»]",
    "hoàn tất hồ sơ": r"(?i)hoàn tất hồ sơ",
    "dòng số liệu": r"(?i)dòng số liệu",
}


@pytest.mark.parametrize("variant", WORDING)
def test_issue17_item30_vietnamese_wording(variant: str) -> None:
    assert _found(WORDING[variant]) == []


def test_issue17_item30_the_export_says_what_its_rows_are(texts: Texts) -> None:
    from datetime import date

    from reports.model import Scope

    scope = Scope(
        code="y",
        kind="year",
        start=date(2026, 9, 5),
        end=date(2027, 9, 4),
        school_year="2026-2027",
    )
    done = texts.plain("vi", "reports.exported", scope=scope, stories=31, pdf=False)
    assert "31 câu chuyện" in done
    assert "/mine – câu chuyện Thầy/Cô đã gửi" in texts.plain(
        "vi", "common.help", role="staff", org=""
    )
