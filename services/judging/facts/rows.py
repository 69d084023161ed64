"""A filled sheet's rows and what is typed in chat: read, checked, every fault named (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from reports.facts_sheet import RATING_LABELS, SheetLine, fold
from services.errors import Invalid
from services.judging.rules import PersonFacts
from services.naming import hidden_characters
from storage.models import Rating

if TYPE_CHECKING:  # each module names the other's type only in annotations
    from services.judging.facts.store import Staff
TEXT_MAX = {"discipline": 200, "initiative": 300}  # the columns' sizes
OLDEST = date(1940, 1, 1)  # an earlier start of service is a typing error
SHOWN_MAX = 40  # a cell's text quoted in a problem, at most
NONE_WORDS = {"khong", "khong co", "none", "no", "-"}  # "không" typed for no discipline
Field = Literal["start", "discipline", "initiative"]
FIELDS: tuple[Field, ...] = ("start", "discipline", "initiative")
_RATINGS: dict[str, Rating] = {
    **{fold(label): Rating(key) for key, label in RATING_LABELS.items()},
    **{fold(label).removesuffix(" nhiem vu"): Rating(key) for key, label in RATING_LABELS.items()},
    "htxs": Rating.EXCELLENT,
    "htt": Rating.GOOD,
    "ht": Rating.DONE,
    "kht": Rating.NOT_DONE,
    "htxsnv": Rating.EXCELLENT,
    "httnv": Rating.GOOD,
    "htnv": Rating.DONE,
    "khtnv": Rating.NOT_DONE,
}
_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_rating(value: object) -> Rating | None:
    """A rating as typed or picked: the four Vietnamese values in any case, with or without
    diacritics and "nhiệm vụ", or HTXS / HTT / HT / KHT (None: blank). ValueError otherwise."""
    if value is None:
        return None
    text = fold(str(value)).strip(" .")
    if not text:
        return None
    found = _RATINGS.get(text) or _RATINGS.get(text.replace(" ", ""))
    if found is None:
        raise ValueError(text)
    return found


class BadDate(ValueError):
    """Not a date ("bad") or a date that cannot be a start of service ("future", "old")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_start(value: object, *, today: date) -> date | None:
    """A start of service: a date cell, or dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or
    yyyy-mm-dd typed (None: blank). BadDate otherwise, or for a day after today."""
    if value is None:
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        if not isinstance(value, str):
            raise BadDate("bad")  # a number is not a date (a year alone, a serial typed)
        text = value.strip()
        if not text:
            return None
        day = _typed_date(text)
    if day > today:
        raise BadDate("future")
    if day < OLDEST:
        raise BadDate("bad")
    return day


def _typed_date(text: str) -> date:
    found = _DATE.match(text)
    iso = _ISO.match(text)
    try:
        if found:
            return date(int(found[4]), int(found[3]), int(found[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        pass
    raise BadDate("bad")


def clean_text(value: object) -> str | None:
    """A discipline or initiative as typed: spaces tidied (None: blank)."""
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return text or None


def shown(value: object) -> str:
    """A cell as quoted back in a message: a date as dd/mm/yyyy, long text cut."""
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """What is wrong with one row of a filled sheet: each fault as (key, values), said by the
    template `facts.fault`."""

    line: int
    name: str
    faults: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Entry:
    """A row's facts, parsed."""

    person_id: int
    rating: Rating | None
    started_on: date | None
    discipline: str | None
    initiative: str | None


def check_lines(
    lines: Sequence[SheetLine],
    staff: Staff,
    facts: dict[int, PersonFacts],
    *,
    today: date,
    chair: bool,
) -> tuple[list[Entry], list[Problem]]:
    """Each row parsed, or what is wrong with it (every fault of every row)."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    for line in lines:
        faults: list[tuple[str, dict[str, Any]]] = []
        person_id = _code(line.code)
        name = staff.name(person_id) if person_id in staff.members else shown(line.name or "")
        if line.code is None:
            faults.append(("no_code", {}))
        elif person_id not in staff.members:
            faults.append(("code", {"code": shown(line.code)}))
        elif person_id in seen:
            faults.append(("twice", {"first": seen[person_id]}))
        else:
            seen[person_id] = line.line
        try:
            rating = parse_rating(line.rating)
        except ValueError:
            rating = None
            faults.append(("rating", {"text": shown(line.rating)}))
        try:
            started = parse_start(line.started, today=today)
        except BadDate as why:
            started = None
            faults.append((f"{why.reason}_date", {"text": shown(line.started)}))
        texts: dict[str, str | None] = {}
        for column, value in (("discipline", line.discipline), ("initiative", line.initiative)):
            texts[column] = clean_text(value)
            fault = _text_fault(column, texts[column])
            if fault:
                faults.append(fault)
        before = facts.get(person_id) if person_id is not None else None
        if not chair and texts["initiative"] != (before.initiative if before else None):
            faults.append(("initiative_chair", {}))
        if faults:
            problems.append(Problem(line.line, name, faults))
        elif person_id is not None:
            entries.append(
                Entry(person_id, rating, started, texts["discipline"], texts["initiative"])
            )
    return entries, problems


def _code(value: object) -> int | None:
    """The row's Mã (the person's id), if it is one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _text_fault(column: str, text: str | None) -> tuple[str, dict[str, Any]] | None:
    if text is None:
        return None
    if hidden_characters(text):
        return ("hidden", {"column": column})
    if len(text) > TEXT_MAX[column]:
        return ("long", {"column": column, "limit": TEXT_MAX[column]})
    return None


def typed_value(what: Field, text: str, today: date) -> date | str | None:
    """A fact typed in chat, checked as a row of the sheet is."""
    if what == "start":
        try:
            started = parse_start(text.strip(), today=today)
        except BadDate as why:
            raise Invalid(f"facts.typed_{why.reason}_date", text=shown(text)) from None
        if started is None:
            raise Invalid("facts.typed_bad_date", text="")
        return started
    cleaned = clean_text(text)
    if cleaned is None or fold(cleaned) in NONE_WORDS:
        return None
    if hidden_characters(cleaned):
        raise Invalid("errors.hidden_characters")
    if len(cleaned) > TEXT_MAX[what]:
        raise Invalid("facts.typed_too_long", limit=TEXT_MAX[what])
    return cleaned
