"""The facts the titles' conditions need, per person and school year: XLSX or chat."""

from __future__ import annotations

from services.base import UseCases


class Facts(UseCases):
    """The facts the titles' conditions need, per person and school year: XLSX or chat."""
