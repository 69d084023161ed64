"""The titles' conditions and the council's counts, as the pure rules compute them."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.judging.rules import (
    Family,
    PersonFacts,
    Rules,
    Warning,
    at_least,
    cap,
    check_collective,
    check_person,
    count,
    family,
    months_of_service,
    quorum_needed,
)
from services.school import CATALOG
from storage.models import Rating

END = date(2025, 5, 31)  # the end of the round's period
GOOD = PersonFacts(Rating.GOOD, date(2020, 9, 5), None, None)
RULES = Rules()  # the defaults: at least "tốt", 6 months, discipline excludes, 15 %, 50 %


def keys(found: list[Warning]) -> list[str]:
    return [w.key for w in found]


# ---------------------------------------------------------------------------- the settings


def test_the_rules_are_read_from_the_schools_settings() -> None:
    defaults = {key: item.default for key, item in CATALOG.items()}
    assert Rules.of(defaults) == Rules(Rating.GOOD, 6, True, 15, 50)
    changed = {
        **defaults,
        "rules.ldtt_rating": "excellent",
        "rules.min_service_months": 12,
        "rules.discipline_excludes": False,
        "rules.cstdcs_share": 20,
        "rules.collective_ldtt_share": 60,
    }
    assert Rules.of(changed) == Rules(Rating.EXCELLENT, 12, False, 20, 60)


def test_a_title_follows_the_rules_of_its_family() -> None:
    collective = ["Tập thể lao động tiên tiến", "Tổ xuất sắc"]
    assert family("Lao động tiên tiến", collective) == Family.LDTT
    assert family("  chiến sĩ thi đua cơ sở ", collective) == Family.CSTDCS
    assert family("Tổ xuất sắc", collective) == Family.COLLECTIVE
    assert family("Tập thể lao động xuất sắc", []) == Family.COLLECTIVE
    assert family("Giấy khen", collective) == Family.LDTT


# ---------------------------------------------------------------------------- months of service


@pytest.mark.parametrize(
    ("started", "until", "months"),
    [
        (date(2024, 11, 30), date(2025, 5, 30), 6),  # the same day six months on
        (date(2024, 12, 1), date(2025, 5, 31), 5),  # a day short of six
        (date(2024, 11, 15), date(2025, 5, 14), 5),
        (date(2024, 11, 15), date(2025, 5, 15), 6),
        (date(2020, 9, 5), date(2025, 5, 31), 56),  # across years
        (date(2025, 5, 31), date(2025, 5, 31), 0),  # started on the last day
        (date(2025, 6, 1), date(2025, 5, 31), 0),  # started after the period: never negative
        # No corresponding day in the last month: the month ends on that month's last day
        # (Bộ luật Dân sự 2015, Điều 148): 31/08 + 6 months ends on 28/02 (29/02 in a leap year).
        (date(2024, 8, 31), date(2025, 2, 28), 6),
        (date(2024, 8, 31), date(2025, 2, 27), 5),
        (date(2023, 8, 31), date(2024, 2, 29), 6),
        (date(2024, 1, 31), date(2024, 2, 29), 1),
        (date(2024, 1, 30), date(2024, 2, 28), 0),  # 29/02 existed: not yet
        (date(2024, 3, 31), date(2024, 4, 30), 1),
        (date(2024, 3, 31), date(2024, 4, 29), 0),
    ],
)
def test_months_of_service_count_whole_months(started: date, until: date, months: int) -> None:
    assert months_of_service(started, until) == months


# ---------------------------------------------------------------------------- one person


def test_a_person_who_meets_every_condition_has_no_warning() -> None:
    assert check_person(Family.LDTT, GOOD, RULES, period_end=END) == []
    excellent = PersonFacts(Rating.EXCELLENT, date(2020, 9, 5), None, "Dạy học STEM lớp 5")
    assert check_person(Family.CSTDCS, excellent, RULES, period_end=END) == []


def test_no_facts_at_all_warn_of_the_rating_and_the_start_date() -> None:
    assert keys(check_person(Family.LDTT, None, RULES, period_end=END)) == ["no_rating", "no_start"]
    assert keys(check_person(Family.LDTT, PersonFacts(), RULES, period_end=END)) == [
        "no_rating",
        "no_start",
    ]


def test_a_rating_below_the_floor_warns_with_both_ratings() -> None:
    done = PersonFacts(Rating.DONE, date(2020, 9, 5))
    assert check_person(Family.LDTT, done, RULES, period_end=END) == [
        Warning("rating", {"rating": "done", "floor": "good"})
    ]
    not_done = PersonFacts(Rating.NOT_DONE, date(2020, 9, 5))
    assert keys(check_person(Family.LDTT, not_done, RULES, period_end=END)) == ["rating"]


def test_the_floor_is_the_schools_setting() -> None:
    strict = Rules(ldtt_rating=Rating.EXCELLENT)
    assert keys(check_person(Family.LDTT, GOOD, strict, period_end=END)) == ["rating"]
    excellent = PersonFacts(Rating.EXCELLENT, date(2020, 9, 5))
    assert check_person(Family.LDTT, excellent, strict, period_end=END) == []
    assert at_least(Rating.GOOD, Rating.GOOD) and not at_least(Rating.DONE, Rating.GOOD)


def test_too_short_a_service_warns_with_the_months() -> None:
    newcomer = PersonFacts(Rating.GOOD, date(2025, 1, 2))
    assert check_person(Family.LDTT, newcomer, RULES, period_end=END) == [
        Warning("service", {"months": 4, "needed": 6})
    ]
    six = PersonFacts(Rating.GOOD, date(2024, 11, 30))
    assert check_person(Family.LDTT, six, RULES, period_end=END) == []


def test_no_minimum_service_needs_no_start_date() -> None:
    anyone = Rules(min_service_months=0)
    undated = PersonFacts(Rating.GOOD)
    assert check_person(Family.LDTT, undated, anyone, period_end=END) == []
    assert keys(check_person(Family.LDTT, undated, RULES, period_end=END)) == ["no_start"]


def test_discipline_excludes_only_when_the_school_says_so() -> None:
    disciplined = PersonFacts(Rating.GOOD, date(2020, 9, 5), "Khiển trách")
    assert check_person(Family.LDTT, disciplined, RULES, period_end=END) == [
        Warning("discipline", {"what": "Khiển trách"})
    ]
    lenient = Rules(discipline_excludes=False)
    assert check_person(Family.LDTT, disciplined, lenient, period_end=END) == []


def test_cstdcs_needs_a_recognised_initiative_and_ldtt_does_not() -> None:
    assert keys(check_person(Family.CSTDCS, GOOD, RULES, period_end=END)) == ["no_initiative"]
    assert check_person(Family.LDTT, GOOD, RULES, period_end=END) == []


def test_every_failed_condition_is_listed_in_order() -> None:
    worst = PersonFacts(Rating.NOT_DONE, date(2025, 4, 1), "Cảnh cáo")
    assert keys(check_person(Family.CSTDCS, worst, RULES, period_end=END)) == [
        "rating",
        "service",
        "discipline",
        "no_initiative",
    ]


def test_a_warning_survives_the_candidates_json() -> None:
    warning = Warning("service", {"months": 4, "needed": 6})
    assert warning.as_json() == {"key": "service", "months": 4, "needed": 6}
    assert Warning.from_json(warning.as_json()) == warning


# ---------------------------------------------------------------------------- a department


def test_a_department_needs_more_than_half_its_members_ldtt() -> None:
    members = [GOOD] * 10
    assert check_collective(members, 6, RULES) == []
    assert check_collective(members, 5, RULES) == [  # exactly half is not more than half
        Warning("collective_share", {"ldtt": 5, "size": 10, "share": 50})
    ]
    assert keys(check_collective([], 0, RULES)) == ["collective_share"]
    assert check_collective(members, 7, Rules(collective_share=60)) == []
    assert keys(check_collective(members, 6, Rules(collective_share=60))) == ["collective_share"]


def test_a_disciplined_member_warns_for_the_department() -> None:
    members = [GOOD, GOOD, PersonFacts(Rating.GOOD, discipline="Khiển trách"), None]
    assert check_collective(members, 3, RULES) == [Warning("collective_discipline", {"count": 1})]
    assert check_collective(members, 3, Rules(discipline_excludes=False)) == []


# ---------------------------------------------------------------------------- cap and quorum


@pytest.mark.parametrize(
    ("ldtt", "share", "most"),
    [(20, 15, 3), (19, 15, 2), (7, 15, 1), (6, 15, 0), (0, 15, 0), (10, 100, 10), (13, 10, 1)],
)
def test_the_cstdcs_cap_rounds_down(ldtt: int, share: int, most: int) -> None:
    assert cap(ldtt, share) == most


@pytest.mark.parametrize(
    ("size", "fraction", "needed"),
    [
        (9, "2/3", 6),
        (10, "2/3", 7),
        (12, "2/3", 8),
        (7, " 2 / 3 ", 5),
        (9, "1/2", 5),
        (0, "2/3", 0),
    ],
)
def test_the_quorum_rounds_up(size: int, fraction: str, needed: int) -> None:
    assert quorum_needed(size, fraction) == needed


# ---------------------------------------------------------------------------- counting


def test_the_threshold_is_reached_at_exactly_its_percentage() -> None:
    passed = count(7, 3, base=10, threshold=70)
    assert passed.passed and not passed.tie and passed.percent == 70
    assert not count(6, 4, base=10, threshold=70).passed


def test_the_base_is_the_number_the_percentage_is_taken_of() -> None:
    # 7 of 9 present: 77.8 % of those present, 70 % of a council of 10.
    assert count(7, 2, base=9, threshold=75).passed
    assert not count(7, 2, base=10, threshold=75).passed
    assert count(7, 2, base=9, threshold=75).percent == Fraction(700, 9)


def test_a_tie_never_passes_and_is_written_down() -> None:
    tie = count(3, 3, base=6, threshold=50)
    assert tie.tie and not tie.passed
    assert not count(5, 5, base=10, threshold=0).passed


def test_nobody_voting_is_not_a_tie_and_does_not_pass() -> None:
    nothing = count(0, 0, base=9, threshold=70)
    assert not nothing.passed and not nothing.tie and nothing.percent == 0


def test_an_empty_base_never_passes() -> None:
    empty = count(0, 0, base=0, threshold=0)
    assert not empty.passed and empty.percent == 0
    assert not count(1, 0, base=0, threshold=0).passed
