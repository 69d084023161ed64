"""Buttons of the judging round: the facts the conditions need (/facts), kinds "f…"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storage.models import Rating
from ui.buttons.base import Button

Field = Literal["start", "discipline", "initiative"]


@dataclass(frozen=True)
class FactsHome(Button, kind="fh"):
    """Back to the year's overview."""


@dataclass(frozen=True)
class FactsSheet(Button, kind="fs"):
    """Send me the XLSX pre-filled with the staff list."""


@dataclass(frozen=True)
class FactsUpload(Button, kind="fu"):
    """ "Gửi lại bảng đã điền": the bot waits for the filled sheet."""


@dataclass(frozen=True)
class FactsMissing(Button, kind="fm"):
    """A page of the people whose rating or start date is missing (all, or the round's
    candidates)."""

    candidates: bool
    page: int


@dataclass(frozen=True)
class FactsDepartments(Button, kind="fd"):
    """The departments, to pick people from."""


@dataclass(frozen=True)
class FactsDepartment(Button, kind="fdp"):
    """A page of one department's people (0: those with no department)."""

    department_id: int
    page: int


@dataclass(frozen=True)
class FactsPerson(Button, kind="fp"):
    """One person's facts for the year."""

    person_id: int


@dataclass(frozen=True)
class FactsRate(Button, kind="fr"):
    """Set one person's rating (four buttons on their card)."""

    person_id: int
    rating: Rating


@dataclass(frozen=True)
class FactsAsk(Button, kind="fa"):
    """The leader will type one of the person's facts."""

    person_id: int
    field: Field


@dataclass(frozen=True)
class FactsClear(Button, kind="fx"):
    """Remove one of the person's facts (no discipline, no initiative, no start date)."""

    person_id: int
    field: Field
