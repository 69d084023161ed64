"""The writing contest (/contest): leaders open it, choose its judges, close the rounds and award
the prizes (card.py, judging.py); members send entries privately (entries.py); judges read entries
anonymised and score them on the review engine's sheets (/sheets). Re-exported for the routing."""

from __future__ import annotations

from handlers.contest.card import (
    contest_command,
    on_confirm,
    on_home,
    on_juror,
    on_jury,
    on_open,
    on_opening_button,
    on_opening_text,
    show,
)
from handlers.contest.entries import on_done, on_enter, on_entry_text, on_file, on_send
from handlers.contest.judging import (
    on_advance,
    on_document,
    on_finish,
    on_judging,
    on_read,
    on_remind,
    on_score,
)

__all__ = [
    "contest_command",
    "on_advance",
    "on_confirm",
    "on_document",
    "on_done",
    "on_enter",
    "on_entry_text",
    "on_file",
    "on_finish",
    "on_home",
    "on_judging",
    "on_juror",
    "on_jury",
    "on_open",
    "on_opening_button",
    "on_opening_text",
    "on_read",
    "on_remind",
    "on_score",
    "on_send",
    "show",
]
