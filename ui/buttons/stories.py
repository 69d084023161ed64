"""A good-deed story: the teacher's draft and the council's review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button

ReportAction = Literal["text", "photos", "send", "edit", "cancel", "et", "ep", "en", "back", "new"]
Verdict = Literal["approve", "reject", "changes"]


@dataclass(frozen=True)
class ReportStep(Button, kind="rp"):
    """The story dialogue: text done, photos done, send, edit, cancel, edit which part; "new":
    start a story (offered to a member whose text or photo came outside any dialogue)."""

    action: ReportAction


@dataclass(frozen=True)
class NomineeChosen(Button, kind="rn"):
    """Who did it: oneself, a colleague, a pupil or class, a group."""

    nominee: Literal["self", "colleague", "pupil", "group"]


@dataclass(frozen=True)
class ColleagueChosen(Button, kind="rc"):
    """A colleague picked as the doer (membership id)."""

    membership_id: int


@dataclass(frozen=True)
class ColleaguePage(Button, kind="rcp"):
    """A page of the colleague list."""

    page: int


@dataclass(frozen=True)
class PupilAge(Button, kind="ra"):
    """Whether the pupil is at or above the school's consent age (their own consent is needed
    too)."""

    older: bool


@dataclass(frozen=True)
class ConsentGiven(Button, kind="rk"):
    """Whether the pupil's parents agreed to publication."""

    consent: bool


@dataclass(frozen=True)
class ChildConsent(Button, kind="rkc"):
    """Whether the pupil (at or above the consent age) agreed to publication too."""

    consent: bool


@dataclass(frozen=True)
class CampaignAttached(Button, kind="rg"):
    """The campaign to attach the story to (0: none)."""

    campaign_id: int


@dataclass(frozen=True)
class StoryDecision(Button, kind="sd"):
    """A council button on a story's card."""

    story_id: int
    verdict: Verdict


@dataclass(frozen=True)
class StoryReason(Button, kind="sr"):
    """A canned reason picked on the prompt (index in the list)."""

    story_id: int
    verdict: Literal["reject", "changes"]
    index: int


@dataclass(frozen=True)
class StoryReopen(Button, kind="so"):
    """The chair reopens a decided story."""

    story_id: int


@dataclass(frozen=True)
class StoryResubmit(Button, kind="se"):
    """The author edits and resubmits a story the council asked changes for."""

    story_id: int


@dataclass(frozen=True)
class StoryWithdraw(Button, kind="sw"):
    """The author withdraws a story still waiting."""

    story_id: int
