"""The stories' and proposals' buttons: the data of old messages still parses to the same
button, forged data is refused, and each kind reaches exactly its handler."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import CallbackQuery, Update, User
from telegram.ext import ApplicationBuilder, CallbackQueryHandler

import handlers
from handlers import proposals, stories
from ui.buttons import BadCallback, Button, parse
from ui.buttons.proposals import (
    ProposalChair,
    ProposalDismissed,
    ProposalForm,
    ProposalLevel,
    ProposalReason,
    Propose,
)
from ui.buttons.stories import (
    CampaignAttached,
    ColleagueChosen,
    ColleaguePage,
    ConsentGiven,
    NomineeChosen,
    ReportStep,
    StoryDecision,
    StoryReason,
    StoryReopen,
    StoryResubmit,
    StoryWithdraw,
)

# The data as the untyped encoding wrote it (buttons in chats carry it), the button, its handler.
CASES: list[tuple[str, Button, Any]] = [
    ("v1:rp:send", ReportStep("send"), stories.on_report_button),
    ("v1:rp:en", ReportStep("en"), stories.on_report_button),
    ("v1:rn:colleague", NomineeChosen("colleague"), stories.on_nominee_kind),
    ("v1:rc:12", ColleagueChosen(12), stories.on_colleague),
    ("v1:rcp:0", ColleaguePage(0), stories.on_colleague_page),
    ("v1:rk:1", ConsentGiven(True), stories.on_consent),
    ("v1:rk:0", ConsentGiven(False), stories.on_consent),
    ("v1:rg:0", CampaignAttached(0), stories.on_campaign_pick),
    ("v1:sd:7:approve", StoryDecision(7, "approve"), stories.on_decision),
    ("v1:sd:7:changes", StoryDecision(7, "changes"), stories.on_decision),
    ("v1:sr:7:reject:2", StoryReason(7, "reject", 2), stories.on_canned_reason),
    ("v1:so:7", StoryReopen(7), stories.on_reopen),
    ("v1:se:7", StoryResubmit(7), stories.on_resubmit),
    ("v1:sw:7", StoryWithdraw(7), stories.on_withdraw),
    ("v1:pp:s:7", Propose("s", 7), proposals.on_propose),
    ("v1:pf:r:3:1", ProposalForm("r", 3, 1), proposals.on_form),
    ("v1:pl:s:7:0:2", ProposalLevel("s", 7, 0, 2), proposals.on_level),
    ("v1:pz", ProposalDismissed(), proposals.on_dismiss),
    ("v1:pc:5:1", ProposalChair(5, True), proposals.on_chair),
    ("v1:pc:5:0", ProposalChair(5, False), proposals.on_chair),
    ("v1:pr:5:0", ProposalReason(5, 0), proposals.on_canned_reason),
]
FORGED = [
    "v1:rp:delete",
    "v1:rn:cat",
    "v1:rk:2",
    "v1:sd:1:delete",
    "v1:sd:-1:approve",
    "v1:sd:1:approve:1",
    "v1:sr:1:approve:0",
    "v1:so:01",
    "v1:pp:x:1",
    "v1:pz:1",
    "v1:pc:1:yes",
    "v1:pl:s:1:0",
]


@pytest.mark.parametrize(("data", "button", "handler"), CASES)
def test_old_data_parses_to_the_same_button_and_packs_back(
    data: str, button: Button, handler: Any
) -> None:
    assert parse(data) == button
    assert button.pack() == data


@pytest.mark.parametrize("data", FORGED)
def test_forged_data_is_refused(data: str) -> None:
    with pytest.raises(BadCallback):
        parse(data)


def _routed(data: str) -> list[Any]:
    app = ApplicationBuilder().token("123:TEST").build()
    handlers.register(app)
    query = CallbackQuery("1", User(1, "Lan", False), chat_instance="c", data=data)
    update = Update(1, callback_query=query)
    return [
        h.callback
        for h in app.handlers[0]
        if isinstance(h, CallbackQueryHandler) and h.check_update(update)
    ]


@pytest.mark.parametrize(("data", "button", "handler"), CASES)
def test_each_kind_reaches_exactly_its_handler(data: str, button: Button, handler: Any) -> None:
    # `common.bad_button` takes any data, last: it is never reached by a kind that parses.
    assert _routed(data) == [handler, handlers.common.bad_button]


@pytest.mark.parametrize("data", FORGED)
def test_forged_data_reaches_only_the_bad_button_answer(data: str) -> None:
    assert _routed(data) == [handlers.common.bad_button]
