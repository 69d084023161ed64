"""Buttons of the achievement reports (báo cáo thành tích): prefix "a"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button


@dataclass(frozen=True)
class AchievementWrite(Button, kind="aw"):
    """The nominee starts (or goes on with, or edits) the report ("📝 Viết báo cáo thành tích")."""

    report_id: int


@dataclass(frozen=True)
class AchievementKeep(Button, kind="ak"):
    """At a step of the form (1..5): keep the answer shown ("Giữ nguyên", or "Không có" when
    empty); a press on an older step's prompt is refused, not taken for the current step."""

    step: int


@dataclass(frozen=True)
class AchievementPreview(Button, kind="ap"):
    """At the preview: send it to be confirmed, or go through the answers again."""

    action: Literal["submit", "edit"]


@dataclass(frozen=True)
class AchievementOpen(Button, kind="ao"):
    """Show a report in full (the head, the chair, the nominee)."""

    report_id: int


@dataclass(frozen=True)
class AchievementReview(Button, kind="ar"):
    """The department head (or the chair) confirms the report, or sends it back with a note."""

    report_id: int
    action: Literal["confirm", "return"]


@dataclass(frozen=True)
class AchievementDocument(Button, kind="ad"):
    """The report as a DOCX."""

    report_id: int


@dataclass(frozen=True)
class AchievementRequest(Button, kind="aq"):
    """The chair asks the nominees of the closed round who have no report yet to write one."""

    round_id: int
