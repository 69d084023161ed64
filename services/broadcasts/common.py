"""What the parts of broadcasts share: the outbox labels, the leaders' check, list budgets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversations import Kind
from services.errors import NotAllowed, NotFound
from services.people import LEADERS, Actor, require_role
from storage.models import Broadcast

KIND = Kind.BROADCAST
# Characters of names one list may take, so a report or a "who saw it" view is always one message.
NAMES_BUDGET = 1500
Buttons = list[list[tuple[str, str]]]
Recipients = Select[int, int, str | None, str]  # person id, Telegram id, locale, name


def fit(names: Sequence[str], budget: int = NAMES_BUDGET) -> int:
    """How many of `names` (in order) fit in `budget` characters, separators included."""
    used = 0
    for count, name in enumerate(names):
        used += len(name) + 4
        if used > budget:
            return count
    return len(names)


def delivery_ref(broadcast_id: int) -> str:
    """The outbox label of a broadcast's deliveries."""
    return f"bc:{broadcast_id}"


def reminder_ref(broadcast_id: int) -> str:
    """The outbox label of the reminders about a broadcast."""
    return f"bcr:{broadcast_id}"


async def leader(session: AsyncSession, tg_user_id: int) -> Actor:
    """The acting chair or vice-chair; "leaders only" for anyone else."""
    try:
        who = await require_role(session, tg_user_id, LEADERS)
    except NotAllowed as refusal:
        if refusal.key == "errors.role_needed":
            raise NotAllowed("errors.leaders_only") from None
        raise
    assert who.person is not None and who.membership is not None
    return who


async def own_broadcast(
    session: AsyncSession, tg_user_id: int, broadcast_id: int
) -> tuple[Actor, Broadcast]:
    """A broadcast of the school the acting chair or vice-chair leads."""
    who = await leader(session, tg_user_id)
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None or broadcast.org_id != who.org_id:
        raise NotFound("errors.stale_button")
    return who, broadcast
