"""The review engine: calls (đợt) with a window and deadlines, entries, a jury per call, a rubric
from the school's settings, reviewers assigned per entry, score sheets filled in private chat,
hidden marks, the gap rule, results and the jury chair's decision. Initiatives (sáng kiến) and
the writing contest are built on it.

Modules: rubric (pure arithmetic: parse, totals, gap, tier), calls (open a call, its jury, who may
act), entries (register, submit, files, codes), scoring (suggest and assign reviewers, marks, the
gap, results, decisions, rounds), sheets (the reviewers' use cases, any kind of call).
"""

from __future__ import annotations

from services.reviews.calls import CHUNG_KHAO, SINGLE, SO_KHAO
from services.reviews.rubric import Criterion, Result, Rubric, Tier
from services.reviews.sheets import Reviews, Sent, SheetItem, SheetView

__all__ = [
    "CHUNG_KHAO",
    "SINGLE",
    "SO_KHAO",
    "Criterion",
    "Result",
    "Reviews",
    "Rubric",
    "Sent",
    "SheetItem",
    "SheetView",
    "Tier",
]
