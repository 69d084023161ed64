"""The writing contest's pure rules: anonymised texts, targets, finalists, prizes by tier."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contest.rules import (
    AUTHOR_MARK,
    COLLEAGUE_MARK,
    Names,
    Tier,
    allocate,
    anonymise,
    below_target,
    code_number,
    entry_code,
    finalists,
    leaks,
    parse_tiers,
    participation,
    score_text,
    short_lines,
    target_for,
)
from services.errors import Invalid

AUTHOR = "Phạm Thị Lan"
SUBJECT = "Nguyễn Văn Minh"
STAFF = (AUTHOR, SUBJECT, "Trần Thu Hà", "Lê Văn Tuấn")


def test_the_authors_full_name_is_replaced_whatever_its_case_and_spacing() -> None:
    text = "Tôi là PHẠM THỊ LAN, tổ 3. Ký tên: Phạm  Thị\nLan."
    shown = anonymise(text, Names(AUTHOR, STAFF, (SUBJECT,)))
    assert "lan" not in shown.casefold()
    assert shown.count(AUTHOR_MARK) == 2


def test_the_given_name_after_a_word_of_address_is_replaced_and_the_word_kept() -> None:
    shown = anonymise("Cô Lan và thầy giáo Lan, chị lan.", Names(AUTHOR))
    assert shown == f"Cô {AUTHOR_MARK} và thầy giáo {AUTHOR_MARK}, chị {AUTHOR_MARK}."


def test_a_given_name_inside_another_word_or_alone_is_left() -> None:
    text = "Lanh lợi, Lan can, Landon."
    assert anonymise(text, Names(AUTHOR)) == text


def test_the_last_two_words_of_a_name_are_replaced() -> None:
    assert anonymise("Thị Lan kính bút", Names(AUTHOR)) == f"{AUTHOR_MARK} kính bút"


def test_the_person_written_about_stays_named_and_other_staff_are_hidden() -> None:
    text = "Viết về thầy Nguyễn Văn Minh, cùng cô Trần Thu Hà và thầy Tuấn."
    shown = anonymise(text, Names(AUTHOR, STAFF, (SUBJECT,)))
    assert SUBJECT in shown
    assert "Hà" not in shown and "Tuấn" not in shown
    assert shown.count(COLLEAGUE_MARK) == 2


def test_a_given_name_shared_with_the_subject_is_kept_after_a_word_of_address() -> None:
    # "cô Lan" may be the subject (Đỗ Thị Lan): only the author's full name is certain.
    shown = anonymise("Cô Lan dạy giỏi. Phạm Thị Lan viết.", Names(AUTHOR, (), ("Đỗ Thị Lan",)))
    assert shown.startswith("Cô Lan dạy giỏi.")
    assert f"{AUTHOR_MARK} viết." in shown


def test_leaks_finds_a_full_name_left_in_a_text() -> None:
    assert leaks("bài của Phạm  thị Lan", [AUTHOR, "Lê Văn Tuấn"]) == (AUTHOR,)
    assert leaks(anonymise("bài của Phạm Thị Lan", Names(AUTHOR)), [AUTHOR]) == ()


@given(st.text(alphabet="abc ,.Lanphạmtịhô\n", max_size=80))
def test_no_author_name_survives_anonymising_any_text(noise: str) -> None:
    text = f"{noise} Phạm Thị Lan {noise} cô Lan {noise}"
    assert leaks(anonymise(text, Names(AUTHOR)), [AUTHOR]) == ()


def test_tiers_are_read_from_name_and_count_lines() -> None:
    assert parse_tiers(["Giải Nhất | 1", "Giải  Nhì|2"]) == (
        Tier("Giải Nhất", 1),
        Tier("Giải Nhì", 2),
    )
    for bad in (["Giải Nhất"], ["Giải Nhất | một"], ["| 1"], [], ["Giải | 0"]):
        with pytest.raises(Invalid):
            parse_tiers(bad)


TIERS = (Tier("Giải Nhất", 1), Tier("Giải Nhì", 2), Tier("Giải Ba", 3))


def test_prizes_go_by_rank_and_a_tie_shares_the_better_tier() -> None:
    scores = {1: 90.0, 2: 85.0, 3: 85.0, 4: 80.0, 5: 70.0, 6: 66.0, 7: 65.0, 8: 40.0}
    prizes = {p.entry_id: (p.rank, p.tier) for p in allocate(scores, TIERS, min_score=50)}
    assert prizes == {
        1: (1, "Giải Nhất"),
        2: (2, "Giải Nhì"),
        3: (2, "Giải Nhì"),
        4: (4, "Giải Ba"),
        5: (5, "Giải Ba"),
        6: (6, "Giải Ba"),
        7: (7, None),  # past the last tier
        8: (8, None),
    }


def test_no_prize_below_the_least_score_even_with_places_left() -> None:
    prizes = allocate({1: 49.99, 2: 30.0}, TIERS, min_score=50)
    assert [p.tier for p in prizes] == [None, None]


def test_a_tie_at_the_first_place_gives_two_first_prizes_and_takes_a_second_place() -> None:
    prizes = allocate({1: 90.0, 2: 90.0, 3: 80.0, 4: 70.0}, TIERS)
    assert [p.tier for p in prizes] == ["Giải Nhất", "Giải Nhất", "Giải Nhì", "Giải Ba"]


def test_scores_equal_to_two_places_are_tied() -> None:
    prizes = allocate({1: 86.666, 2: 86.67}, TIERS)
    assert [p.rank for p in prizes] == [1, 1]


def test_finalists_are_the_best_n_and_everyone_tied_with_the_last() -> None:
    scores = {1: 90.0, 2: 85.0, 3: 85.0, 4: 80.0}
    assert finalists(scores, 2) == (1, 2, 3)
    assert finalists(scores, 1) == (1,)
    assert finalists(scores, 10) == (1, 2, 3, 4)
    assert finalists(scores, 0) == ()


def test_a_departments_target_is_its_count_or_share_never_above_its_staff() -> None:
    assert target_for(10, 2, 0) == 2
    assert target_for(10, 2, 30) == 3
    assert target_for(1, 2, 0) == 1
    assert target_for(0, 2, 50) == 0


def test_participation_counts_entries_by_department_against_the_target() -> None:
    rows = participation(
        [(1, "Tổ 1", 8), (2, "Tổ 2", 6), (3, "Tổ Văn phòng", 1)],
        [1, 1, 2, 1, None],
        per_department=2,
    )
    assert [(r.name, r.target, r.entries, r.met, r.missing) for r in rows] == [
        ("Tổ 1", 2, 3, True, 0),
        ("Tổ 2", 2, 1, False, 1),
        ("Tổ Văn phòng", 1, 0, False, 1),
    ]
    assert [r.name for r in below_target(rows)] == ["Tổ 2", "Tổ Văn phòng"]


def test_codes_are_two_digits_and_do_not_follow_the_order_of_sending() -> None:
    assert entry_code("BV", 7) == "BV-07"
    assert entry_code("BV", 100) == "BV-100"
    taken: list[int] = []
    for seed in range(99):
        taken.append(code_number(seed, taken))
    assert sorted(taken) == list(range(1, 100))
    assert taken[:3] != [1, 2, 3]
    assert code_number(5, taken) == 100


def test_scores_are_written_with_a_decimal_comma() -> None:
    assert score_text(87.5) == "87,5"
    assert score_text(90.0) == "90"
    assert score_text(86.666) == "86,67"
    assert score_text(None) == "–"


def test_long_lines_are_cut_at_a_space_and_nothing_is_lost() -> None:
    text = ("chữ " * 2000).strip() + "\n" + "x" * 7000 + "\nngắn"
    shown = short_lines(text, 3000)
    assert max(len(line) for line in shown.split("\n")) <= 3000
    assert "".join(shown.split()) == "".join(text.split())
    assert shown.split("\n")[0].endswith("chữ")  # cut between words, not inside one


def test_the_authors_department_is_hidden_but_not_a_longer_one() -> None:
    shown = anonymise(
        "Tổ 1 chúng tôi và tổ 10 cùng làm; TỔ  1 cảm ơn.", Names(AUTHOR, department="Tổ 1")
    )
    assert shown == "[tổ của tác giả] chúng tôi và tổ 10 cùng làm; [tổ của tác giả] cảm ơn."
