"""The writing contest (/contest): opening it, its jury, entries, the judges' reading, the rounds,
the results and the documents. Every kind starts with "w"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button


@dataclass(frozen=True)
class ContestHome(Button, kind="wh"):
    """Show the school's contest (what the presser may do in it)."""


@dataclass(frozen=True)
class ContestOpen(Button, kind="wo"):
    """A leader starts opening a contest (a short dialogue)."""


@dataclass(frozen=True)
class ContestTitle(Button, kind="wt"):
    """In the opening dialogue: one of the usual contests' names (its index)."""

    choice: int


@dataclass(frozen=True)
class ContestSubject(Button, kind="wu"):
    """In the opening dialogue: the usual words for what the contest is about."""


@dataclass(frozen=True)
class ContestRounds(Button, kind="wr"):
    """In the opening dialogue: one round, or two (sơ khảo, chung khảo)."""

    two: bool


@dataclass(frozen=True)
class ContestFinalists(Button, kind="wf"):
    """In the opening dialogue: the school's usual number of finalists."""


@dataclass(frozen=True)
class ContestConfirm(Button, kind="wc"):
    """In the opening dialogue: open the contest (True) or give up (False)."""

    ok: bool


@dataclass(frozen=True)
class ContestJury(Button, kind="wj"):
    """The contest's jury with the school's members to choose from (a page of them)."""

    contest_id: int
    page: int


@dataclass(frozen=True)
class ContestJuror(Button, kind="wm"):
    """Put a member on the jury, or take them off."""

    contest_id: int
    person_id: int
    page: int


@dataclass(frozen=True)
class ContestEnter(Button, kind="we"):
    """A member starts writing an entry."""

    contest_id: int


@dataclass(frozen=True)
class EntryDone(Button, kind="wd"):
    """The entry's text is complete ("Xong"): show the preview."""


@dataclass(frozen=True)
class EntrySend(Button, kind="ws"):
    """Send the entry (True) or throw the draft away (False)."""

    ok: bool


@dataclass(frozen=True)
class ContestScore(Button, kind="wg"):
    """A leader closes the entries and gives them to the judges (the first round)."""

    contest_id: int


@dataclass(frozen=True)
class ContestJudging(Button, kind="wl"):
    """A judge's list of entries to read and score."""

    contest_id: int


@dataclass(frozen=True)
class ContestRead(Button, kind="wv"):
    """A judge reads one entry, anonymised."""

    entry_id: int


@dataclass(frozen=True)
class ContestAdvance(Button, kind="wa"):
    """A leader closes the first round: the best go on to the final."""

    contest_id: int


@dataclass(frozen=True)
class ContestFinish(Button, kind="wx"):
    """A leader closes the judging: prizes by tier, the results announced to all staff."""

    contest_id: int


@dataclass(frozen=True)
class ContestRemind(Button, kind="wn"):
    """A leader reminds the departments below their target now."""

    contest_id: int


@dataclass(frozen=True)
class ContestDocument(Button, kind="wp"):
    """The summary report (DOCX) or the prize list (XLSX)."""

    contest_id: int
    what: Literal["docx", "xlsx"]
