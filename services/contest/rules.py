"""The writing contest's rules as pure functions: prize tiers, who goes on to the final, prizes by
tier, each department's participation against its target, and an entry's text anonymised for
the judges. Every number comes from the school's settings (services/school/defaults.toml)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.errors import Invalid

AUTHOR_MARK = "[tác giả]"
COLLEAGUE_MARK = "[đồng nghiệp]"
DEPARTMENT_MARK = "[tổ của tác giả]"
# How a person is addressed before their given name ("cô Lan", "thầy Minh", "tôi, Hương").
ADDRESS_WORDS = (
    "thầy",
    "cô",
    "cô giáo",
    "thầy giáo",
    "anh",
    "chị",
    "em",
    "bác",
    "chú",
    "đồng chí",
    "đ/c",
    "đc",
    "bạn",
    "ông",
    "bà",
)


@dataclass(frozen=True)
class Tier:
    """A prize tier: its name and how many prizes it has (Giải Nhất | 1)."""

    name: str
    count: int


def parse_tiers(lines: Sequence[str]) -> tuple[Tier, ...]:
    """The prize tiers from the school's setting ("Giải Nhất | 1" per line, best first);
    Invalid when a line is not "name | count"."""
    tiers = []
    for line in lines:
        name, bar, count = str(line).partition("|")
        count = count.strip()
        if not bar or not name.strip() or not count.isdigit() or not 0 < int(count) <= 99:
            raise Invalid("contest.bad_tier", line=str(line))
        tiers.append(Tier(" ".join(name.split()), int(count)))
    if not tiers:
        raise Invalid("contest.bad_tier", line="")
    return tuple(tiers)


def rounded(score: float) -> Decimal:
    """A score to two places, half up (what people read and what ranks entries: two entries that
    show the same score are tied)."""
    return Decimal(str(score)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_text(score: float | None) -> str:
    """'87,5' (Vietnamese decimal comma; no trailing zeros), '–' when there is none."""
    if score is None:
        return "–"
    text = f"{rounded(score):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def ranks(scores: Mapping[int, float]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of entries by score, best first."""
    shown = {entry: rounded(score) for entry, score in scores.items()}
    return {
        entry: 1 + sum(1 for other in shown.values() if other > mine)
        for entry, mine in shown.items()
    }


def finalists(scores: Mapping[int, float], places: int) -> tuple[int, ...]:
    """The entries going on to the final (chung khảo): the best `places`, and any entry tied with
    the last of them (a tie at the line is never broken by chance). Best first, then by id."""
    if places <= 0:
        return ()
    ranked = ranks(scores)
    chosen = [entry for entry, rank in ranked.items() if rank <= places]
    return tuple(sorted(chosen, key=lambda e: (ranked[e], e)))


@dataclass(frozen=True)
class Prize:
    """An entry's place in the final ranking and its prize (tier None: no prize)."""

    entry_id: int
    rank: int
    score: float
    tier: str | None


def allocate(
    scores: Mapping[int, float], tiers: Sequence[Tier], *, min_score: float = 0.0
) -> tuple[Prize, ...]:
    """Prizes by tier: a rank (1, 2, 2, 4 ranking) falls in the first tier whose cumulative
    count reaches it, so entries tied share the better tier and push the later ones down; an
    entry below `min_score` gets none. Best first, then by id."""
    ranked = ranks(scores)
    bounds: list[tuple[int, str]] = []
    total = 0
    for tier in tiers:
        total += tier.count
        bounds.append((total, tier.name))
    prizes = []
    for entry in sorted(scores, key=lambda e: (ranked[e], e)):
        rank = ranked[entry]
        won: str | None = next((name for bound, name in bounds if rank <= bound), None)
        if rounded(scores[entry]) < rounded(min_score):
            won = None
        prizes.append(Prize(entry, rank, scores[entry], won))
    return tuple(prizes)


@dataclass(frozen=True)
class Participation:
    """One department's entries against its target."""

    department_id: int | None
    name: str
    staff: int
    target: int
    entries: int

    @property
    def met(self) -> bool:
        """The department reached its target."""
        return self.entries >= self.target

    @property
    def missing(self) -> int:
        """Entries still needed to reach the target."""
        return max(0, self.target - self.entries)


def target_for(staff: int, per_department: int, share: int) -> int:
    """A department's target: `per_department` entries, or `share`% of its staff when that is
    more, never more than its staff (a department of two cannot send three)."""
    wanted = max(per_department, math.ceil(staff * share / 100))
    return min(wanted, staff)


def participation(
    departments: Sequence[tuple[int | None, str, int]],
    entries: Iterable[int | None],
    *,
    per_department: int,
    share: int = 0,
) -> tuple[Participation, ...]:
    """Each department (id, name, staff) with its entries (the department of each entry's author
    when it was sent) against its target, in the order given."""
    counts: dict[int | None, int] = {}
    for department in entries:
        counts[department] = counts.get(department, 0) + 1
    return tuple(
        Participation(
            dept_id, name, staff, target_for(staff, per_department, share), counts.get(dept_id, 0)
        )
        for dept_id, name, staff in departments
    )


def below_target(rows: Iterable[Participation]) -> tuple[Participation, ...]:
    """The departments below their target (those to remind)."""
    return tuple(row for row in rows if not row.met)


def entry_code(prefix: str, number: int) -> str:
    """'BV-07': the prefix and a two-digit number (three past 99)."""
    return f"{prefix}-{number:02d}"


def code_number(seed: int, taken: Iterable[int], size: int = 99) -> int:
    """A code number for a new entry that does not follow the order of sending (so a code says
    nothing of who sent first): the first free number after a step through 1..size chosen by
    `seed`; past `size` taken, the next number after the largest."""
    used = set(taken)
    if len(used) >= size:
        return max(used) + 1
    step = 37  # coprime with 99: walks every number once
    n = (seed * step) % size
    while n + 1 in used:
        n = (n + step) % size
    return n + 1


# -- anonymisation -----------------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _pattern(phrase: str) -> str:
    words = [re.escape(w) for w in _fold(phrase).split()]
    return r"\s+".join(words)


@dataclass(frozen=True)
class Names:
    """Whose names an entry's text must not show a judge: its author's, and other staff's (the
    people the entry is about stay named: they are what the judges read about)."""

    author: str
    staff: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    department: str = ""  # the author's department ("Tổ 1"): named, it narrows who wrote


def _variants(name: str, keep_given: set[str]) -> list[tuple[str, str]]:
    """The ways a text may name someone, as (word of address, name): the full name; its last two
    words ("Thu Hà"); the given name alone after a word of address ("cô Hà"), unless someone the
    entry is about has that given name too."""
    parts = name.split()
    if not parts:
        return []
    found = [("", name)]
    if len(parts) >= 3:
        found.append(("", " ".join(parts[-2:])))
    given = parts[-1]
    if _fold(given) not in keep_given and len(parts) >= 2:
        found += [(word, given) for word in ADDRESS_WORDS]
    return found


def _keeping_address(mark: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return f"{match.group(1)}{mark}"

    return replace


def anonymise(text: str, names: Names) -> str:
    """The entry's text with its author's name (and other staff's) replaced where it appears,
    case and spacing aside: the full name, its last two words, and the given name after a word
    of address ("cô Lan" → "cô [tác giả]", the word of address kept); and the author's department
    ("Tổ 1", not "Tổ 10"). What the text says of its author in other words (a class taught, a post
    held) is beyond what a list of names can do."""
    text = unicodedata.normalize("NFC", text)
    keep_given = {_fold(s.split()[-1]) for s in names.subjects if s.split()}
    kept_full = {_fold(" ".join(s.split())) for s in names.subjects}
    author = " ".join(names.author.split())
    marks = [(address, core, AUTHOR_MARK) for address, core in _variants(author, keep_given)]
    for name in names.staff:
        clean = " ".join(name.split())
        if not clean or _fold(clean) in kept_full or _fold(clean) == _fold(author):
            continue
        marks += [(address, core, COLLEAGUE_MARK) for address, core in _variants(clean, keep_given)]
    # Longest first: "Nguyễn Thị Lan" before "Thị Lan" before "cô Lan"; the author before others.
    marks.sort(key=lambda m: len(m[1].split()) + (0.5 if m[2] == AUTHOR_MARK else 0), reverse=True)
    for address, core, mark in marks:
        if address:
            regex = rf"(?<!\w)({_pattern(address)}\s+){_pattern(core)}(?!\w)"
            text = re.sub(regex, _keeping_address(mark), text, flags=re.I)
        else:
            regex = rf"(?<!\w){_pattern(core)}(?!\w)"
            text = re.sub(regex, mark, text, flags=re.I)
    department = " ".join(names.department.split())
    if department:
        regex = rf"(?<!\w){_pattern(department)}(?!\w)"
        text = re.sub(regex, DEPARTMENT_MARK, text, flags=re.I)
    return text


def short_lines(text: str, limit: int = 3000) -> str:
    """The text with every line cut (at a space when there is one) to at most `limit`
    characters: a chat message of the entry is cut at line ends, and a paragraph of a DOCX may
    be longer than Telegram takes at once."""
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            out.append(line[:cut])
            line = line[cut:].lstrip(" ")
        out.append(line)
    return "\n".join(out)


def leaks(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """The full names still in a text (a judge's message is checked with it before it leaves)."""
    folded = _fold(" ".join(text.split()))
    return tuple(n for n in names if n.strip() and _fold(" ".join(n.split())) in folded)
