"""Buttons of the judging round: judging."""

from __future__ import annotations
