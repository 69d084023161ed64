"""Emulation campaigns: the new-campaign dialogue, the cards, registrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button

# ---------------------------------------------------------------------------- the new campaign


@dataclass(frozen=True)
class SkipDescription(Button, kind="cs"):
    """New campaign: skip the description."""


@dataclass(frozen=True)
class LevelChosen(Button, kind="cl"):
    """New campaign: the launching level (index in the school's list)."""

    index: int


@dataclass(frozen=True)
class KindChosen(Button, kind="ck"):
    """New campaign: how staff take part."""

    campaign_kind: Literal["good_deeds", "registration", "opt_in"]


@dataclass(frozen=True)
class RemindersChosen(Button, kind="cm"):
    """New campaign: the default reminders, or none."""

    reminders: Literal["default", "none"]


@dataclass(frozen=True)
class StartNow(Button, kind="cb"):
    """New campaign: it begins now (announced as soon as it is created), no date to type."""


@dataclass(frozen=True)
class PreviewAction(Button, kind="cp"):
    """New campaign: create it from the preview, or cancel."""

    action: Literal["create", "cancel"]


# ---------------------------------------------------------------------------- the list and cards


@dataclass(frozen=True)
class CampaignList(Button, kind="ca"):
    """The campaigns list (back from a card)."""


@dataclass(frozen=True)
class ShowCampaign(Button, kind="cc"):
    """A campaign's card, in place of the list it was opened from."""

    campaign_id: int


@dataclass(frozen=True)
class NoticeCampaign(Button, kind="cn"):
    """A campaign's card opened from a notice (a new message, so the notice stays readable)."""

    campaign_id: int


@dataclass(frozen=True)
class RegisterTitle(Button, kind="cg"):
    """Register a title in a campaign."""

    campaign_id: int
    title_id: int


@dataclass(frozen=True)
class WithdrawRegistration(Button, kind="cw"):
    """Withdraw one's registration."""

    campaign_id: int


@dataclass(frozen=True)
class JoinCampaign(Button, kind="cj"):
    """Join an opt-in campaign."""

    campaign_id: int


# ---------------------------------------------------------------------------- the leaders' changes


@dataclass(frozen=True)
class ChangeDates(Button, kind="ce"):
    """A leader changes a campaign's dates."""

    campaign_id: int


@dataclass(frozen=True)
class CloseEarly(Button, kind="cx"):
    """A leader closes a campaign early (asks to confirm)."""

    campaign_id: int


@dataclass(frozen=True)
class CloseConfirmed(Button, kind="cy"):
    """Closing early, confirmed."""

    campaign_id: int
