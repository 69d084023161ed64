"""The exported tables as documents: sheet names, columns (header, type, width), file names and
the Vietnamese labels of stored statuses, kinds and actions.

The queries that fill these columns, in this order, are in services/tallies/rows.py; the labels
below are applied there by the database (a CASE over the stored value), so rows come ready.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from reports.model import Column, Scope

NO_DEPARTMENT = "(chưa có tổ)"  # the department of approved stories whose author had none
EXCERPT = 150  # characters of a story quoted in the formal report

STATUS_VI = {
    "pending": "Chờ xét",
    "approved": "Đã duyệt",
    "rejected": "Không duyệt",
    "changes_requested": "Yêu cầu bổ sung",
    "withdrawn": "Đã rút",
}
KIND_VI = {
    "self": "Chính người kể",
    "colleague": "Đồng nghiệp",
    "pupil": "Học sinh",
    "group": "Tập thể",
}
PROPOSAL_VI = {
    "proposed": "Chờ Chủ tịch xác nhận",
    "confirmed": "Đã xác nhận",
    "declined": "Không xác nhận",
}
# The decisions the audit sheet lists (and only these: the log holds other actions too).
ACTION_VI = {
    "story.approve": "Duyệt câu chuyện",
    "story.reject": "Không duyệt câu chuyện",
    "story.changes": "Yêu cầu bổ sung",
    "story.reopen": "Mở lại câu chuyện",
    "proposal.create": "Đề nghị khen thưởng",
    "proposal.confirm": "Xác nhận đề nghị",
    "proposal.decline": "Không xác nhận đề nghị",
}
TARGET_VI = {"story": "Câu chuyện", "proposal": "Đề nghị"}
CONSENT_GIVEN, CONSENT_MISSING = "Có", "Chưa"  # the parents (and the pupil, if old enough) agreed
STORY_REF = "Câu chuyện #"  # followed by the story's number
REGISTRATION_REF = "Đăng ký danh hiệu"  # a proposal based on a title registration
# Nghị định 13/2023: a pupil's details leave the council only with consent.
HIDDEN_PUPIL = "Học sinh (ẩn danh: chưa có sự đồng ý của CMHS)"

# ---------------------------------------------------------------------------- the sheets

STORIES_SHEET = "Câu chuyện"
STORY_COLUMNS = (
    Column("Mã", "int", 7),
    Column("Ngày gửi", "datetime", 16),
    Column("Người kể", "user", 24),
    Column("Tổ", "user", 14),
    Column("Người được nêu gương", "user", 28),
    Column("Đối tượng", "text", 14),
    Column("Đồng ý công khai", "text", 12),
    Column("Nội dung", "user", 80),
    Column("Trạng thái", "text", 16),
    Column("Người xét", "user", 22),
    Column("Ngày xét", "datetime", 16),
    Column("Lý do", "user", 30),
    Column("Phong trào", "user", 30),
)

DEPARTMENTS_SHEET = "Theo tổ"
DEPARTMENT_COLUMNS = (
    Column("Tổ chuyên môn", "user", 24),
    Column("Số người", "int", 10),
    Column("Câu chuyện đã duyệt", "int", 14),
    Column("Bình quân/người", "float", 14),
)

PEOPLE_SHEET = "Theo cá nhân"
PERSON_COLUMNS = (
    Column("Họ và tên", "user", 26),
    Column("Tổ", "user", 14),
    Column("Câu chuyện đã kể", "int", 12),
    Column("Đã duyệt", "int", 10),
    Column("Số lần được nêu gương (đã duyệt)", "int", 16),
)

REGISTRATIONS_SHEET = "Đăng ký danh hiệu"
REGISTRATION_COLUMNS = (
    Column("Họ và tên", "user", 26),
    Column("Tổ", "user", 14),
    Column("Danh hiệu đăng ký", "user", 26),
    Column("Phong trào", "user", 34),
    Column("Ngày đăng ký", "datetime", 16),
    Column("Ngày rút", "datetime", 16),
)

PROPOSALS_SHEET = "Đề nghị khen thưởng"
PROPOSAL_COLUMNS = (
    Column("Mã", "int", 7),
    Column("Cá nhân, tập thể", "user", 28),
    Column("Căn cứ", "user", 24),
    Column("Hình thức", "user", 30),
    Column("Cấp khen", "user", 14),
    Column("Trạng thái", "text", 20),
    Column("Người đề nghị", "user", 22),
    Column("Ngày đề nghị", "datetime", 16),
    Column("Người quyết định", "user", 22),
    Column("Ngày quyết định", "datetime", 16),
    Column("Lý do", "user", 30),
)

AUDIT_SHEET = "Nhật ký quyết định"
AUDIT_COLUMNS = (
    Column("Thời điểm", "datetime", 16),
    Column("Người thực hiện", "user", 24),
    Column("Việc", "text", 24),
    Column("Đối tượng", "text", 16),
    Column("Lý do", "user", 40),
)


def audit_row(row: Sequence[Any]) -> tuple[Any, ...]:
    """A stored audit entry (at, actor, action, 'kind:id' target, reason) as the sheet shows it."""
    at, actor_name, action, target, reason = row
    kind, _, number = str(target).partition(":")
    label = TARGET_VI.get(kind, kind)
    return (at, actor_name, ACTION_VI.get(action, action), f"{label} #{number}", reason)


# ---------------------------------------------------------------------------- the formal report


def achievement(story_id: int | None, text: str, title: str | None, hidden: bool) -> str:
    """What a confirmed proposal rests on: the story (quoted unless its pupil is hidden), or
    the registered title."""
    if story_id is not None:
        excerpt = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
        return f"{STORY_REF}{story_id}" + ("" if hidden else f": {excerpt}")
    return f"{REGISTRATION_REF} {title or ''}".strip()


# ---------------------------------------------------------------------------- file names


def ascii_slug(text: str, limit: int = 50) -> str:
    """'Người tốt, việc tốt 2026' -> 'nguoi-tot-viec-tot-2026' (for file names)."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].strip("-")


def slug(scope: Scope) -> str:
    """The part of the file names that says what they cover (a campaign: its name)."""
    if scope.kind == "campaign":
        return ascii_slug(scope.campaign_name) or f"phong-trao-{scope.campaign_id}"
    if scope.kind == "year":
        return f"nam-hoc-{scope.school_year}"
    if scope.kind == "semester":
        return f"hoc-ky-{scope.semester}-{scope.school_year}"
    if scope.kind == "month":
        return f"thang-{scope.start:%m-%Y}"
    return f"{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"


def filenames(scope: Scope) -> tuple[str, str, str]:
    """The workbook's, the stories CSV's and the formal report's file names."""
    name = slug(scope)
    return f"thi-dua-{name}.xlsx", f"cau-chuyen-{name}.csv", f"bao-cao-{name}.docx"


JUDGING_SHEET = "Kết quả bình xét"
JUDGING_COLUMNS = (
    Column("Danh hiệu", "user", 26),
    Column("Cá nhân, tập thể", "user", 28),
    Column("Tổ", "user", 14),
    Column("Đồng ý", "int", 9),
    Column("Không đồng ý", "int", 9),
    Column("Trên tổng số", "int", 9),
    Column("Tỷ lệ đồng ý (%)", "float", 10),
    Column("Kết quả", "text", 22),
)
INITIATIVES_SHEET = "Sáng kiến"
INITIATIVE_COLUMNS = (
    Column("Tổ", "user", 24),
    Column("Đăng ký", "int", 10),
    Column("Đã nộp", "int", 10),
    Column("Đã chấm", "int", 10),
    Column("Được công nhận", "int", 12),
)
OUTCOMES = {
    "passed": "Đạt",
    "failed": "Không đạt",
    "over_cap": "Đủ phiếu, vượt tỷ lệ",
    "not_voted": "Chưa biểu quyết",
}


# ---- decisions ----
HONOURS_SHEET = "Khen thưởng năm học"
HONOUR_COLUMNS = (
    Column("Danh hiệu", "user", 26),
    Column("Cá nhân, tập thể", "user", 28),
    Column("Tổ", "user", 14),
    Column("Số quyết định", "user", 18),
    Column("Ngày ký", "date", 12),
    Column("Người ký", "user", 30),
)
