"""Good deeds: the teacher's /report dialogue (report.py), the council's review (review.py),
/mine and /pending (lists.py). The handlers are re-exported here for the routing."""

from __future__ import annotations

from handlers.stories.lists import mine_command, on_withdraw, pending_command
from handlers.stories.report import (
    on_campaign_pick,
    on_child_consent,
    on_colleague,
    on_colleague_page,
    on_consent,
    on_media,
    on_nominee_kind,
    on_photo,
    on_pupil_age,
    on_report_button,
    on_report_text,
    on_resubmit,
    report_command,
)
from handlers.stories.review import on_canned_reason, on_decision, on_reason_text, on_reopen

__all__ = [
    "mine_command",
    "on_campaign_pick",
    "on_canned_reason",
    "on_child_consent",
    "on_colleague",
    "on_colleague_page",
    "on_consent",
    "on_decision",
    "on_media",
    "on_nominee_kind",
    "on_photo",
    "on_pupil_age",
    "on_reason_text",
    "on_reopen",
    "on_report_button",
    "on_report_text",
    "on_resubmit",
    "on_withdraw",
    "pending_command",
    "report_command",
]
