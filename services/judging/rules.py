"""The conditions of the emulation titles and the council's voting rules, as pure functions.

Every threshold comes from the school's settings (services/school/defaults.toml names each
default's source); nothing here is a legal constant. A failed condition is a warning shown on the
candidate's line and kept in the minutes: the council may still vote.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Any

from storage.models import Rating

# Best first: a rating "at least good" is one of the first two.
RATING_ORDER = (Rating.EXCELLENT, Rating.GOOD, Rating.DONE, Rating.NOT_DONE)


class Family(StrEnum):
    """Which rules a title follows (its settings: rules.approval_<family>, rules.ballot_<...>)."""

    LDTT = "ldtt"  # Lao động tiên tiến, and any other individual title
    CSTDCS = "cstdcs"  # Chiến sĩ thi đua cơ sở: LĐTT's conditions, an initiative, a cap
    COLLECTIVE = "collective"  # Tập thể lao động tiên tiến, and any collective title


def family(title: str, collective_titles: Iterable[str]) -> Family:
    """The rules a title follows: by the school's lists (a collective title) or its name."""
    name = title.strip().casefold()
    if name in {t.strip().casefold() for t in collective_titles} or name.startswith("tập thể"):
        return Family.COLLECTIVE
    if name == "chiến sĩ thi đua cơ sở":
        return Family.CSTDCS
    return Family.LDTT


@dataclass(frozen=True)
class PersonFacts:
    """What the conditions need about one person in the round's school year."""

    rating: Rating | None = None
    started_on: date | None = None
    discipline: str | None = None
    initiative: str | None = None
    # (title, school years in a row it was granted, up to the year before): from the honours
    # list, for next years' checks (e.g. CSTĐCS several years running); no condition reads it yet.
    streaks: tuple[tuple[str, int], ...] = ()

    def consecutive(self, title: str) -> int:
        """School years in a row, up to the year before, this person was granted `title`."""
        return dict(self.streaks).get(title, 0)


def years_in_a_row(years: Collection[int], until_year: int) -> int:
    """How many school years (by their first calendar year) in a row, ending with `until_year`,
    are among `years`: 0 when `until_year` is not."""
    count = 0
    while until_year - count in years:
        count += 1
    return count


@dataclass(frozen=True)
class Rules:
    """The school's rules for the conditions (read from its settings)."""

    ldtt_rating: Rating = Rating.GOOD
    min_service_months: int = 6
    discipline_excludes: bool = True
    cstdcs_share: int = 15
    collective_share: int = 50

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Rules:
        """From the school's values ({"rules.min_service_months": 6, ...})."""
        return cls(
            ldtt_rating=Rating(settings["rules.ldtt_rating"]),
            min_service_months=int(settings["rules.min_service_months"]),
            discipline_excludes=bool(settings["rules.discipline_excludes"]),
            cstdcs_share=int(settings["rules.cstdcs_share"]),
            collective_share=int(settings["rules.collective_ldtt_share"]),
        )


@dataclass(frozen=True)
class Warning:
    """A condition not met: `key` names a macro `judging.warn_<key>` in the templates."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """As kept on the candidate's row."""
        return {"key": self.key, **self.params}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Warning:
        """Back from the candidate's row."""
        params = {k: v for k, v in data.items() if k != "key"}
        return cls(str(data["key"]), params)


def months_of_service(started_on: date, until: date) -> int:
    """Whole months from the start of service to the end of the period. A month runs to the
    same day of the next month; when that month has no such day, to its last day (Bộ luật Dân
    sự 2015, Điều 148: 31/08 plus six months ends on 28/02)."""
    months = (until.year - started_on.year) * 12 + (until.month - started_on.month)
    last_day = calendar.monthrange(until.year, until.month)[1]
    if until.day < started_on.day and until.day < last_day:
        months -= 1
    return max(months, 0)


def at_least(rating: Rating, floor: Rating) -> bool:
    """The rating is the floor or better."""
    return RATING_ORDER.index(rating) <= RATING_ORDER.index(floor)


def check_person(
    kind: Family, facts: PersonFacts | None, rules: Rules, *, period_end: date
) -> list[Warning]:
    """The conditions an individual candidate does not meet (an empty list: all met)."""
    if facts is None:
        facts = PersonFacts()
    found: list[Warning] = []
    if facts.rating is None:
        found.append(Warning("no_rating"))
    elif not at_least(facts.rating, rules.ldtt_rating):
        found.append(
            Warning("rating", {"rating": str(facts.rating), "floor": str(rules.ldtt_rating)})
        )
    if facts.started_on is None:
        if rules.min_service_months > 0:
            found.append(Warning("no_start"))
    else:
        months = months_of_service(facts.started_on, period_end)
        if months < rules.min_service_months:
            found.append(Warning("service", {"months": months, "needed": rules.min_service_months}))
    if facts.discipline and rules.discipline_excludes:
        found.append(Warning("discipline", {"what": facts.discipline}))
    if kind == Family.CSTDCS and not facts.initiative:
        found.append(Warning("no_initiative"))
    return found


def check_collective(
    members: Sequence[PersonFacts | None], ldtt: int, rules: Rules
) -> list[Warning]:
    """The conditions a department (collective title) does not meet: more than
    `collective_share` % of its members LĐTT candidates, nobody disciplined."""
    found: list[Warning] = []
    size = len(members)
    if size == 0 or ldtt * 100 <= rules.collective_share * size:
        found.append(
            Warning(
                "collective_share", {"ldtt": ldtt, "size": size, "share": rules.collective_share}
            )
        )
    disciplined = sum(1 for m in members if m is not None and m.discipline)
    if disciplined and rules.discipline_excludes:
        found.append(Warning("collective_discipline", {"count": disciplined}))
    return found


def cap(ldtt: int, share: int) -> int:
    """At most this many CSTĐCS: `share` % of those awarded LĐTT, rounded down."""
    return math.floor(Fraction(ldtt * share, 100))


def quorum_needed(council_size: int, fraction: str) -> int:
    """Members who must be present: the rule's fraction ("2/3") of the council, rounded up."""
    part = Fraction(fraction.replace(" ", ""))
    return math.ceil(part * council_size)


@dataclass(frozen=True)
class Count:
    """One candidate's count and result."""

    yes: int
    no: int
    base: int  # the number the percentage is computed on
    passed: bool
    tie: bool

    @property
    def percent(self) -> Fraction:
        """Yes votes as a percentage of the base (0 when the base is empty)."""
        return Fraction(self.yes * 100, self.base) if self.base else Fraction(0)


def count(yes: int, no: int, *, base: int, threshold: int) -> Count:
    """Đạt when the yes votes reach `threshold` % of `base` and outnumber the no votes (a tie
    never passes: it is written down as a tie; nobody voting is no tie)."""
    tie = yes == no and yes > 0
    passed = base > 0 and yes * 100 >= threshold * base and yes > no
    return Count(yes, no, base, passed, tie)
