"""The review engine's arithmetic: rubric lines parsed as typed, totals on 100, the gap rule,
the mean, pass and tier; reviewer suggestions outside the author's department, least loaded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.errors import Invalid
from services.reviews.rubric import (
    Criterion,
    Rubric,
    Tier,
    check_mark,
    mean,
    needs_third,
    parse_criteria,
    parse_tiers,
    result,
    spread,
    tier_of,
    total,
)
from services.reviews.scoring import Candidate, suggest
from services.school.catalog import CATALOG

DEFAULTS = {key: s.default for key, s in CATALOG.items()}


def rubric(**kw: object) -> Rubric:
    base = Rubric.of_settings(DEFAULTS, "initiative")
    return Rubric(**{**base.__dict__, **kw})


def test_a_criterion_line_is_name_weight_and_top_mark() -> None:
    assert parse_criteria(["Tính mới | 30 | 10", " Hiệu quả|70 %| 20 "]) == (
        Criterion("Tính mới", 30, 10),
        Criterion("Hiệu quả", 70, 20),
    )


@pytest.mark.parametrize(
    "line", ["Tính mới | 30", "| 30 | 10", "Tính mới | ba mươi | 10", "Tính mới | 30 | 0", "A|1|٣"]
)
def test_a_malformed_criterion_line_is_named_in_the_refusal(line: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_criteria([line])
    assert refused.value.key == "reviews.bad_rubric_line"
    assert refused.value.values["line"] == line


def test_no_criteria_is_refused() -> None:
    with pytest.raises(Invalid):
        parse_criteria([])


def test_tiers_are_sorted_best_first() -> None:
    assert parse_tiers(["Loại C | 50", "Loại A | 85", "Loại B | 70"]) == (
        Tier("Loại A", 85),
        Tier("Loại B", 70),
        Tier("Loại C", 50),
    )


def test_the_default_settings_give_the_initiative_rubric() -> None:
    r = Rubric.of_settings(DEFAULTS, "initiative")
    assert [c.name for c in r.criteria] == [
        "Tính mới, tính sáng tạo",
        "Khả năng áp dụng",
        "Hiệu quả",
        "Phạm vi ảnh hưởng",
    ]
    assert sum(c.weight for c in r.criteria) == 100
    assert (r.pass_mark, r.gap, r.reviewers) == (50, 20, 2)
    assert Rubric.from_json(r.as_json()) == r


def test_a_total_is_each_mark_over_its_top_times_its_weight_on_100() -> None:
    r = Rubric((Criterion("A", 30, 10), Criterion("B", 70, 20)), pass_mark=50)
    assert total(r, [10, 20]) == 100
    assert total(r, [5, 10]) == 50
    assert total(r, {0: 8, 1: 14}) == 73  # 24 + 49
    # weights that do not sum to 100 are scaled
    r2 = Rubric((Criterion("A", 1, 10), Criterion("B", 1, 10)), pass_mark=50)
    assert total(r2, [10, 5]) == 75


def test_a_total_needs_every_mark() -> None:
    with pytest.raises(ValueError):
        total(rubric(), {0: 5})


@given(st.lists(st.integers(0, 10), min_size=4, max_size=4))
def test_a_total_stays_between_0_and_100(marks: list[int]) -> None:
    assert 0 <= total(rubric(), marks) <= 100


def test_a_gap_wider_than_the_setting_asks_for_a_third() -> None:
    r = rubric(gap=20)
    assert needs_third(r, [80, 59])
    assert not needs_third(r, [80, 60])  # exactly the gap: no
    assert not needs_third(r, [80])  # one total is not a gap
    assert not needs_third(r, [80, 40, 60])  # a third already scored
    assert spread([70.5, 50, 61]) == 20.5


def test_the_result_is_the_mean_with_pass_and_tier() -> None:
    r = rubric()
    assert mean([80, 59, 70]) == 69.67
    assert result(r, [90, 86]) == result(r, [88])
    assert result(r, [90, 86]).tier == "Loại A"
    assert result(r, [72, 70]).tier == "Loại B"
    failed = result(r, [40, 45])
    assert (failed.passed, failed.tier) == (False, None)
    assert tier_of(rubric(pass_mark=60), 55) is None  # a tier is never below the pass mark


@pytest.mark.parametrize(("raw", "mark"), [("7", 7), (" 10 ", 10), ("0", 0), ("8,0", 8)])
def test_a_typed_mark_is_a_whole_number_up_to_the_top(raw: str, mark: int) -> None:
    assert check_mark(Criterion("A", 30, 10), raw) == mark


@pytest.mark.parametrize("raw", ["11", "-1", "7.5", "bảy", "", "٧"])
def test_a_bad_typed_mark_is_refused_with_the_top(raw: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_mark(Criterion("A", 30, 10), raw)
    assert refused.value.values == {"top": 10}


def test_suggestions_skip_authors_and_their_department_least_loaded_first() -> None:
    people = [
        Candidate(1, 10, 0, "An"),  # the author
        Candidate(2, 10, 0, "Bình"),  # the author's department
        Candidate(3, 20, 2, "Chi"),
        Candidate(4, 30, 1, "Dũng"),
        Candidate(5, 30, 1, "Giang"),
        Candidate(6, 40, 0, "Hà"),  # already assigned
    ]
    chosen = suggest(people, authors={1}, department_id=10, taken={6}, count=2)
    assert [c.person_id for c in chosen] == [4, 5]
    relaxed = suggest(
        people, authors={1}, department_id=10, taken={6}, count=5, same_department_ok=True
    )
    assert [c.person_id for c in relaxed] == [4, 5, 3, 2]  # the same department last
    assert 1 not in [c.person_id for c in relaxed]
