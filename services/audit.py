"""The audit trail: every decision with who, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def record(
    session: AsyncSession,
    *,
    org_id: int | None,
    actor_id: int | None,
    action: str,
    target: str,
    now: datetime,
    **details: Any,
) -> None:
    """Add an audit row to the current transaction."""
    session.add(
        AuditEntry(
            org_id=org_id, actor_id=actor_id, action=action, target=target, details=details, at=now
        )
    )
