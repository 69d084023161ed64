"""Campaigns (phong trào thi đua): creation, changes, registration, joining, their notices.

One module per concern: `common` (limits, typed dates, the view, who may act), `draft` (the
leader's new campaign), `schedule` (times and the notices they plan: new dates, closing early),
`cards` (a campaign's card, the list), `registrations` (taking part), `usecases` (what handlers
call). The names other packages import are re-exported here.
"""

from __future__ import annotations

from services.campaigns.cards import card, listing, view
from services.campaigns.common import (
    COUNTED,
    DEFAULT_END,
    DEFAULT_REMINDERS,
    DEFAULT_START,
    DESCRIPTION_MAX,
    NAME_MAX,
    CampaignView,
    parse_reminders,
    parse_when,
)
from services.campaigns.draft import (
    DraftStep,
    answer,
    begin,
    cancel,
    choose,
    create,
    draft_view,
)
from services.campaigns.registrations import attachable, join, register, withdraw_registration
from services.campaigns.schedule import (
    begin_reschedule,
    close_early,
    closing_asked,
    create_direct,
    reschedule,
    sync_notices,
)
from services.campaigns.usecases import CampaignCard, Campaigns

__all__ = [
    "COUNTED",
    "DEFAULT_END",
    "DEFAULT_REMINDERS",
    "DEFAULT_START",
    "DESCRIPTION_MAX",
    "NAME_MAX",
    "CampaignCard",
    "CampaignView",
    "Campaigns",
    "DraftStep",
    "answer",
    "attachable",
    "begin",
    "begin_reschedule",
    "cancel",
    "card",
    "choose",
    "close_early",
    "closing_asked",
    "create",
    "create_direct",
    "draft_view",
    "join",
    "listing",
    "parse_reminders",
    "parse_when",
    "register",
    "reschedule",
    "sync_notices",
    "view",
    "withdraw_registration",
]
