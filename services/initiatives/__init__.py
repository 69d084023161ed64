"""Initiatives (sáng kiến) on the review engine: the chair opens the year's call and names the
initiatives council (Hội đồng Sáng kiến); members register an initiative (title, field, the
problem it solves) and send the write-up (DOCX or PDF, photos too), kept by the file store; the
council's chair assigns two reviewers (suggested outside the author's department), they score in
private chat, a wide gap asks for a third, the chair confirms; the author is told, the draft
decision (quyết định công nhận sáng kiến) lists those recognised, and the judging round counts a
recognised initiative for CSTĐCS."""

from __future__ import annotations

from services.initiatives.cases import Initiatives
from services.initiatives.files import Received
from services.initiatives.views import (
    CallLine,
    EntryCard,
    EntryLine,
    Home,
    JuryLine,
    Panel,
    Suggestion,
)

__all__ = [
    "CallLine",
    "EntryCard",
    "EntryLine",
    "Home",
    "Initiatives",
    "JuryLine",
    "Panel",
    "Received",
    "Suggestion",
]
