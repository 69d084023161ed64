"""Department heads (tổ trưởng) propose which of the department's registrants go to the council."""

from __future__ import annotations

from services.base import UseCases


class DepartmentHeads(UseCases):
    """Department heads (tổ trưởng) propose the department's registrants to the council."""
