"""Buttons of the judging round: meetings."""

from __future__ import annotations
