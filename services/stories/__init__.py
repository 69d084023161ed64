"""Good-deed stories: the teacher's draft, submission, the council's decision, the author told.

- common.py: the limits, the view of a story, who may write one
- draft.py: the teacher's story in progress (kept in the conversation row)
- submission.py: the draft sent to the council, or reopened after "ask for changes"
- cards.py: the view of a story and its council card (text, buttons, outbox)
- review.py: the council's decisions (the reason dialogue of services/reasons.py), the chair's
  reopening, the author's withdrawal
- lists.py: /mine and /pending
- usecases.py: `Stories`, what the handlers call

The names other modules import are re-exported here.
"""

from __future__ import annotations

from services.stories.cards import (
    decided_buttons,
    decision_buttons,
    fit_view,
    may_publish,
    post_waiting_cards,
    render_card,
    view,
)
from services.stories.common import (
    NOMINEE_TEXT_MAX,
    PHOTOS_MAX,
    REASON_MAX,
    STORY_MAX,
    TEXT_MAX,
    StoryView,
    card_ref,
    utf16_len,
)
from services.stories.draft import (
    Draft,
    PhotoAdded,
    add_photo,
    add_text,
    cancel,
    choose_campaign,
    choose_nominee,
    colleagues,
    current,
    edit_part,
    finish_photos,
    finish_text,
    name_nominee,
    preview,
    set_consent,
    set_pupil_age,
    start,
)
from services.stories.lists import PendingItem, message_link, mine, pending
from services.stories.review import (
    DEFAULT_REASONS,
    VERDICTS,
    await_reason,
    check_can_decide,
    check_can_reopen,
    decide,
    forget_reasons,
    reopen,
    withdraw,
)
from services.stories.submission import start_resubmit, submit
from services.stories.usecases import Colleague, Stories

__all__ = [
    "DEFAULT_REASONS",
    "NOMINEE_TEXT_MAX",
    "PHOTOS_MAX",
    "REASON_MAX",
    "STORY_MAX",
    "TEXT_MAX",
    "VERDICTS",
    "Colleague",
    "Draft",
    "PendingItem",
    "PhotoAdded",
    "Stories",
    "StoryView",
    "add_photo",
    "add_text",
    "await_reason",
    "cancel",
    "card_ref",
    "check_can_decide",
    "check_can_reopen",
    "choose_campaign",
    "choose_nominee",
    "colleagues",
    "current",
    "decide",
    "decided_buttons",
    "decision_buttons",
    "edit_part",
    "finish_photos",
    "finish_text",
    "fit_view",
    "forget_reasons",
    "may_publish",
    "message_link",
    "mine",
    "name_nominee",
    "pending",
    "post_waiting_cards",
    "preview",
    "render_card",
    "reopen",
    "set_consent",
    "set_pupil_age",
    "start",
    "start_resubmit",
    "submit",
    "utf16_len",
    "view",
    "withdraw",
]
