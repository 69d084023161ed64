"""The minutes of the judging meeting (biên bản họp, biên bản kiểm phiếu), every version kept."""

from __future__ import annotations

from services.base import UseCases


class Minutes(UseCases):
    """The minutes (biên bản họp, biên bản kiểm phiếu), every version kept."""
