"""Buttons of the judging round: minutes."""

from __future__ import annotations
