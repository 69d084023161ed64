"""Vietnamese names: validation and the Vietnamese sort order (by given name, then the rest)."""

from __future__ import annotations

import unicodedata

# The Vietnamese alphabet, in order; letters with breve/circumflex/horn and đ are letters of their
# own (primary difference), tones are a secondary difference.
ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
_TONES = {"\u0300": 2, "\u0309": 3, "\u0303": 4, "\u0301": 5, "\u0323": 6}  # huyền hỏi ngã sắc nặng
NAME_MIN, NAME_MAX = 2, 80


def clean_name(raw: str) -> str | None:
    """A tidied full name, or None when implausible (too few letters, control characters, length).

    Anything else is kept exactly as typed (a name may contain `&`); it is escaped on display.
    """
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not (NAME_MIN <= len(name) <= NAME_MAX):
        return None
    if sum(c.isalpha() for c in name) < 2 or any(unicodedata.category(c)[0] == "C" for c in name):
        return None
    return name


def _letter_key(char: str) -> tuple[int, int]:
    decomposed = unicodedata.normalize("NFD", char.lower())
    base, marks = decomposed[0], decomposed[1:]
    tone = 1
    letter = base
    for mark in marks:
        if mark in _TONES:
            tone = _TONES[mark]
        else:
            letter = unicodedata.normalize("NFC", letter + mark)
    if letter == "đ" or char.lower() == "đ":
        letter = "đ"
    return _RANK.get(letter, 100 + ord(letter[0])), tone


def _word_key(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    keys = [_letter_key(c) for c in word]
    return tuple(k[0] for k in keys), tuple(k[1] for k in keys)


def sort_key(full_name: str) -> tuple[object, ...]:
    """Sort key: given name (last word) first, then family and middle names, as schools list."""
    words = full_name.split()
    if not words:
        return ()
    ordered = [words[-1], *words[:-1]]
    primary = tuple(_word_key(w)[0] for w in ordered)
    secondary = tuple(_word_key(w)[1] for w in ordered)
    return primary, secondary, full_name
