"""Vietnamese names: validation and the Vietnamese sort order (by given name, then the rest)."""

from __future__ import annotations

import re
import unicodedata

from services.errors import Invalid

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


_ZWJ = "\u200d"
_LINE = "\n\r\t"
_LINK = re.compile(r"://|www\.|@|(?:^|\s)/\w|\.\w", re.IGNORECASE)


def hidden_characters(text: str) -> bool:
    """Whether `text` holds characters that change how the text around them shows without
    showing themselves (a spoof): direction overrides, isolates and marks, zero-width spaces and
    joiners, the BOM, soft hyphens, private-use and control characters (Unicode categories Cc,
    Cf, Co, Cs). Line breaks and tabs are text; a zero-width joiner inside an emoji (👨‍👩‍👧) is
    part of the emoji."""
    for i, char in enumerate(text):
        if char in _LINE:
            continue
        in_emoji = 0 < i < len(text) - 1 and not text[i - 1].isalnum()
        if char == _ZWJ and in_emoji and unicodedata.category(text[i + 1]) == "So":
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs"):
            return True
    return False


def check_visible(text: str) -> None:
    """Refuse text typed into something others will see when it holds hidden characters (one
    check for department names, campaigns, stories, pupils' names and reasons)."""
    if hidden_characters(text):
        raise Invalid("errors.hidden_characters")


def looks_like_link(name: str) -> bool:
    """Whether a personal name holds what Telegram turns into a link in plain text (a URL, a
    domain such as "abc.com", an @mention or a /command). A name needs none of them, and refusing
    them where the name is typed protects every place it is shown (the leaders' join request,
    cards, lists, documents); wrapping it in <code> would protect only the templates that do."""
    return _LINK.search(name) is not None


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
