"""Vietnamese names: what is accepted, and the order lists are shown in."""

from __future__ import annotations

from services.naming import clean_name, sort_key


def test_names_sort_by_given_name_in_the_vietnamese_alphabet() -> None:
    names = [
        "Nguyễn Văn Ân",
        "Hoàng Thị Ngọc Ánh",
        "Bùi Văn Đức",
        "Nguyễn Văn Ăn",
        "Nguyễn Văn Dung",
        "Nguyễn Văn An",
        "Trần Thị Thu Hà",
    ]
    assert sorted(names, key=sort_key) == [
        "Nguyễn Văn An",
        "Hoàng Thị Ngọc Ánh",
        "Nguyễn Văn Ăn",
        "Nguyễn Văn Ân",
        "Nguyễn Văn Dung",
        "Bùi Văn Đức",
        "Trần Thị Thu Hà",
    ]


def test_same_given_name_falls_back_to_family_name() -> None:
    assert sorted(["Trần Thị Mai", "Vũ Thị Mai", "Âu Thị Mai"], key=sort_key) == [
        "Âu Thị Mai",
        "Trần Thị Mai",
        "Vũ Thị Mai",
    ]


def test_tones_order_after_the_letters() -> None:
    assert sorted(["Lê Hà", "Lê Hạ", "Lê Há", "Lê Ha"], key=sort_key) == [
        "Lê Ha",
        "Lê Hà",
        "Lê Há",
        "Lê Hạ",
    ]


def test_names_are_tidied_but_kept_as_typed() -> None:
    assert clean_name("  Trần   Thị Thu Hà ") == "Trần Thị Thu Hà"
    assert clean_name("Bùi <b>Đức</b> & co") == "Bùi <b>Đức</b> & co"


def test_implausible_names_are_refused() -> None:
    assert clean_name("12345") is None
    assert clean_name("x") is None
    assert clean_name("a" * 81) is None
    assert clean_name("Hà\x00Nội") is None
