"""Joining, members, departments and the invite link."""

from __future__ import annotations

from dataclasses import dataclass  # noqa: F401
from typing import Literal  # noqa: F401

from ui.buttons.base import Button  # noqa: F401
