"""Buttons of the judging round: facts."""

from __future__ import annotations
