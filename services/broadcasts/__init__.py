"""Broadcasts: the leaders' announcements to an audience, with live progress, receipts, reminders.

The draft lives in the conversation row (kind "broadcast"), written at every step, so a restart
loses nothing. Parts: the draft (draft.py), who receives it (audience.py), what they see and
the outbox rows that carry it (announcement.py), sending, progress and the report
(delivery.py), the read receipts and reminders (receipts.py); the use cases (use_cases.py).
"""

from __future__ import annotations

from services.broadcasts.announcement import content, preview
from services.broadcasts.audience import (
    CAMPAIGNS_SHOWN,
    AudienceChoice,
    AudienceOptions,
    audience_options,
    choose_audience,
)
from services.broadcasts.common import (
    KIND,
    NAMES_BUDGET,
    Buttons,
    Recipients,
    delivery_ref,
    fit,
    reminder_ref,
)
from services.broadcasts.delivery import (
    Progress,
    Report,
    Unreached,
    confirm,
    finish,
    progress,
    progress_message,
    report,
    stop,
    unfinished,
)
from services.broadcasts.draft import (
    Draft,
    MediaAdded,
    cancel,
    current,
    set_media,
    set_text,
    start,
    to_audience,
    to_compose,
)
from services.broadcasts.receipts import SeenView, confirm_seen, remind, seen
from services.broadcasts.use_cases import Broadcasts, Opened
from services.stories import utf16_len

__all__ = [
    "CAMPAIGNS_SHOWN",
    "KIND",
    "NAMES_BUDGET",
    "AudienceChoice",
    "AudienceOptions",
    "Broadcasts",
    "Buttons",
    "Draft",
    "MediaAdded",
    "Opened",
    "Progress",
    "Recipients",
    "Report",
    "SeenView",
    "Unreached",
    "audience_options",
    "cancel",
    "choose_audience",
    "confirm",
    "confirm_seen",
    "content",
    "current",
    "delivery_ref",
    "finish",
    "fit",
    "preview",
    "progress",
    "progress_message",
    "remind",
    "reminder_ref",
    "report",
    "seen",
    "set_media",
    "set_text",
    "start",
    "stop",
    "to_audience",
    "to_compose",
    "unfinished",
    "utf16_len",
]
