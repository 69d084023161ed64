"""Inline keyboards from plain (label, data) pairs: the shape stored in outbox payloads."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def keyboard(buttons: list[list[list[str]]] | None) -> InlineKeyboardMarkup | None:
    """Plain (label, data) pairs to an inline keyboard; data "url:..." makes a link button."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data[4:])
                if data.startswith("url:")
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in buttons
        ]
    )
