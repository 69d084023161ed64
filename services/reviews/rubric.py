"""A rubric and the arithmetic of scores: pure functions, no database.

A rubric comes from a school's settings for one kind of call (`lists.<kind>_criteria`,
`lists.<kind>_tiers`, `rules.<kind>_pass`, `rules.<kind>_gap`, `rules.<kind>_reviewers`), written
the way a person types them ("Tính mới | 30 | 10": name | weight | top mark; "Loại A | 85": tier
name | least total). It is copied onto the call when the call opens, so a later change of the
settings never changes a call under way.

A reviewer's total is on 100: each criterion's mark over its top mark, times its weight, the
weights scaled to sum to 100. An entry's total is the mean of its reviewers' totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.errors import Invalid

SCALE_MAX = 100  # the largest top mark a criterion may have


@dataclass(frozen=True)
class Criterion:
    """One criterion: its name, its weight and its top mark (marks are whole numbers 0..top)."""

    name: str
    weight: int
    top: int


@dataclass(frozen=True)
class Tier:
    """A prize tier or grade: its name and the least total that reaches it."""

    name: str
    least: float


@dataclass(frozen=True)
class Rubric:
    """The criteria, the pass mark and the tiers (best first), the gap that asks for a third
    reviewer, and how many reviewers each entry gets."""

    criteria: tuple[Criterion, ...]
    pass_mark: float
    tiers: tuple[Tier, ...] = ()
    gap: float = 20
    reviewers: int = 2

    def as_json(self) -> dict[str, Any]:
        """The rubric as the call keeps it."""
        return {
            "criteria": [[c.name, c.weight, c.top] for c in self.criteria],
            "pass": self.pass_mark,
            "tiers": [[t.name, t.least] for t in self.tiers],
            "gap": self.gap,
            "reviewers": self.reviewers,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rubric:
        """The rubric a call kept."""
        return cls(
            criteria=tuple(Criterion(str(n), int(w), int(t)) for n, w, t in data["criteria"]),
            pass_mark=float(data["pass"]),
            tiers=tuple(Tier(str(n), float(m)) for n, m in data.get("tiers", ())),
            gap=float(data.get("gap", 20)),
            reviewers=int(data.get("reviewers", 2)),
        )

    @classmethod
    def of_settings(cls, settings: Mapping[str, Any], kind: str) -> Rubric:
        """The rubric a school's settings give one kind of call ({"lists.x": value, ...})."""
        return cls(
            criteria=parse_criteria(settings[f"lists.{kind}_criteria"]),
            pass_mark=float(settings[f"rules.{kind}_pass"]),
            tiers=parse_tiers(settings.get(f"lists.{kind}_tiers", ())),
            gap=float(settings.get(f"rules.{kind}_gap", 20)),
            reviewers=int(settings.get(f"rules.{kind}_reviewers", 2)),
        )


def _number(raw: str, line: str, low: int, high: int) -> int:
    text = raw.strip().removesuffix("%").strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise Invalid("reviews.bad_rubric_line", line=line)
    return int(text)


def parse_criteria(lines: Iterable[str]) -> tuple[Criterion, ...]:
    """Criteria from "name | weight | top mark" lines (Invalid names the bad line)."""
    found: list[Criterion] = []
    for line in lines:
        parts = [p.strip() for p in str(line).split("|")]
        if len(parts) != 3 or not parts[0]:
            raise Invalid("reviews.bad_rubric_line", line=line)
        weight = _number(parts[1], line, 1, 100)
        top = _number(parts[2], line, 1, SCALE_MAX)
        found.append(Criterion(parts[0], weight, top))
    if not found:
        raise Invalid("reviews.no_criteria")
    return tuple(found)


def parse_tiers(lines: Iterable[str]) -> tuple[Tier, ...]:
    """Tiers from "name | least total" lines, best first."""
    found: list[Tier] = []
    for line in lines:
        name, bar, least = (p.strip() for p in str(line).partition("|"))
        if not bar or not name:
            raise Invalid("reviews.bad_rubric_line", line=line)
        found.append(Tier(name, _number(least, line, 0, 100)))
    return tuple(sorted(found, key=lambda t: -t.least))


def check_mark(criterion: Criterion, raw: str) -> int:
    """A mark typed for a criterion: a whole number 0..top (Invalid otherwise)."""
    text = raw.strip().replace(",", ".")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isascii() or not text.isdigit() or int(text) > criterion.top:
        raise Invalid("reviews.bad_mark", top=criterion.top)
    return int(text)


def total(rubric: Rubric, marks: Mapping[int, int] | Sequence[int]) -> float:
    """A reviewer's total on 100 from their marks (by criterion index); every criterion needed."""
    if isinstance(marks, Sequence):
        marks = dict(enumerate(marks))
    weights = sum(c.weight for c in rubric.criteria)
    points = 0.0
    for i, c in enumerate(rubric.criteria):
        if i not in marks:
            raise ValueError(f"criterion {i} has no mark")
        points += marks[i] / c.top * c.weight
    return round(points * 100 / weights, 2)


def spread(totals: Sequence[float]) -> float:
    """The distance between the highest and the lowest total (0 for fewer than two)."""
    return round(max(totals) - min(totals), 2) if len(totals) > 1 else 0.0


def needs_third(rubric: Rubric, totals: Sequence[float]) -> bool:
    """Exactly the first reviewers' totals are in and they lie further apart than the gap."""
    return len(totals) == rubric.reviewers and len(totals) >= 2 and spread(totals) > rubric.gap


def mean(totals: Sequence[float]) -> float:
    """The entry's total: the mean of its reviewers' totals."""
    if not totals:
        raise ValueError("no totals")
    return round(sum(totals) / len(totals), 2)


def tier_of(rubric: Rubric, value: float) -> str | None:
    """The best tier the total reaches (None: below every tier, or not passed)."""
    if value < rubric.pass_mark:
        return None
    return next((t.name for t in rubric.tiers if value >= t.least), None)


@dataclass(frozen=True)
class Result:
    """An entry's result from its reviewers' totals."""

    total: float
    passed: bool
    tier: str | None


def result(rubric: Rubric, totals: Sequence[float]) -> Result:
    """Mean, pass or fail, tier."""
    value = mean(totals)
    return Result(value, value >= rubric.pass_mark, tier_of(rubric, value))
