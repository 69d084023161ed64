"""A good-deed story: the teacher's draft and the council's review."""

from __future__ import annotations

from dataclasses import dataclass  # noqa: F401
from typing import Literal  # noqa: F401

from ui.buttons.base import Button  # noqa: F401
