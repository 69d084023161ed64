"""The school's settings (/settings): sections, a setting to change, back to its default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from ui.buttons.base import BadCallback, Button, Parsed

_KEY = re.compile(r"^[a-z]{1,12}\.[a-z_]{1,40}$", re.ASCII)


def parse_setting_key(raw: str) -> str:
    """A setting's key by its shape (the service refuses a key it does not know)."""
    if not _KEY.match(raw):
        raise BadCallback(raw)
    return raw


SettingKey = Annotated[str, Parsed(parse_setting_key)]


@dataclass(frozen=True)
class SettingsSection(Button, kind="set"):
    """Open one section of the settings (or, with "home", the list of sections)."""

    section: Literal["home", "facts", "calendar", "lists", "rules", "contest"]


@dataclass(frozen=True)
class SettingEdit(Button, kind="sete"):
    """The chair changes this setting: she types the new value next."""

    key: SettingKey


@dataclass(frozen=True)
class SettingReset(Button, kind="setr"):
    """The chair puts this setting back to its default."""

    key: SettingKey
