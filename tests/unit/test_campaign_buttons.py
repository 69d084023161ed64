"""Campaign buttons: the typed kinds write exactly the data of the old buttons, and each press
reaches exactly the handler meant for it."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import CallbackQuery, Update, User
from telegram.ext import CallbackQueryHandler

import handlers
from handlers import campaigns
from ui.buttons import Button
from ui.buttons.campaigns import (
    CampaignList,
    ChangeDates,
    CloseConfirmed,
    CloseEarly,
    JoinCampaign,
    KindChosen,
    LevelChosen,
    NoticeCampaign,
    PreviewAction,
    RegisterTitle,
    RemindersChosen,
    ShowCampaign,
    SkipDescription,
    WithdrawRegistration,
)

# Each button, the data buttons already in chats carry, and the handler it must reach.
PRESSES: list[tuple[Button, str, Any]] = [
    (SkipDescription(), "v1:cs", campaigns.on_choice),
    (LevelChosen(index=2), "v1:cl:2", campaigns.on_choice),
    (KindChosen(campaign_kind="opt_in"), "v1:ck:opt_in", campaigns.on_choice),
    (RemindersChosen(reminders="none"), "v1:cm:none", campaigns.on_choice),
    (PreviewAction(action="create"), "v1:cp:create", campaigns.on_preview),
    (PreviewAction(action="cancel"), "v1:cp:cancel", campaigns.on_preview),
    (CampaignList(), "v1:ca", campaigns.on_list),
    (ShowCampaign(campaign_id=7), "v1:cc:7", campaigns.on_card),
    (NoticeCampaign(campaign_id=7), "v1:cn:7", campaigns.on_card),
    (RegisterTitle(campaign_id=7, title_id=3), "v1:cg:7:3", campaigns.on_register),
    (WithdrawRegistration(campaign_id=7), "v1:cw:7", campaigns.on_unregister),
    (JoinCampaign(campaign_id=7), "v1:cj:7", campaigns.on_join),
    (ChangeDates(campaign_id=7), "v1:ce:7", campaigns.on_reschedule),
    (CloseEarly(campaign_id=7), "v1:cx:7", campaigns.on_close),
    (CloseConfirmed(campaign_id=7), "v1:cy:7", campaigns.on_close_confirmed),
]


class _App:
    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def add_handlers(self, handlers: list[Any]) -> None:
        self.handlers.extend(handlers)


def _routed(data: str) -> Any:
    app = _App()
    handlers.register(app)  # type: ignore[arg-type]
    query = CallbackQuery("1", User(1, "x", is_bot=False), chat_instance="c", data=data)
    update = Update(1, callback_query=query)
    for handler in app.handlers:
        if isinstance(handler, CallbackQueryHandler) and handler.check_update(update):
            return handler.callback
    return None


@pytest.mark.parametrize(("button", "data", "handler"), PRESSES)
def test_a_campaign_button_keeps_its_data_and_reaches_its_handler(
    button: Button, data: str, handler: Any
) -> None:
    assert button.pack() == data
    assert type(button).unpack(data) == button
    assert _routed(data) is handler


@pytest.mark.parametrize("data", ["v1:cs:1", "v1:cl:x", "v1:ck:other", "v1:cg:7", "v1:cc:07"])
def test_malformed_campaign_data_falls_through_to_the_bad_button_answer(data: str) -> None:
    assert _routed(data) is handlers.common.bad_button
