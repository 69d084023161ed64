"""Thin job callbacks: PTB's JobQueue only wakes the bot; the notices table says what is due.

At start-up `arm` schedules a slow safety tick and an immediate one; every tick fires what is
due, then schedules one named job ("notices next") at the next due time, replacing the previous
one. Nothing about the schedule lives only in memory, so a restart re-arms everything.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from telegram.ext import Application

from delivery.lease import LeaseLost
from runtime.context import BotContext, Deps
from services.notices import ensure_recurring, fire
from storage.models import Notice, NoticeStatus

log = logging.getLogger(__name__)
NEXT_JOB, TICK_JOB = "notices next", "notices tick"
_LOCK_KEY = "scheduler_lock"
READY_KEY = "scheduler_ready"  # set once the first tick has armed the schedule


async def fire_due(deps: Deps, *, limit: int = 500) -> int:
    """Fire every notice due now, each in its own transaction; returns how many fired.

    With a lease, each commit is fenced: a process that lost it fires nothing (LeaseLost).
    """
    fired = 0
    while fired < limit:
        now = deps.clock()
        async with deps.work_sessions() as session:
            query = (
                select(Notice)
                .where(Notice.status == NoticeStatus.PENDING, Notice.due_at <= now)
                .order_by(Notice.due_at, Notice.id)
                .limit(1)
            )
            if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
                query = query.with_for_update(skip_locked=True)
            notice = await session.scalar(query)
            if notice is None:
                return fired
            # Claim it conditionally: of two processes (or two ticks), one fans it out.
            claimed = await session.execute(
                update(Notice)
                .where(Notice.id == notice.id, Notice.status == NoticeStatus.PENDING)
                .values(status=NoticeStatus.DONE)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                await session.rollback()
                continue
            reached = await fire(session, notice, deps.texts, now)
            await session.commit()
            log.info(
                "notice %s (%s): %s, %d recipients", notice.key, notice.kind, notice.status, reached
            )
        fired += 1
    return fired


async def next_due(deps: Deps) -> datetime | None:
    """When the next pending notice is due."""
    async with deps.sessions() as session:
        due: datetime | None = await session.scalar(
            select(Notice.due_at)
            .where(Notice.status == NoticeStatus.PENDING)
            .order_by(Notice.due_at)
            .limit(1)
        )
        return due


async def tick(context: BotContext) -> None:
    """Fire what is due, keep the recurring notices planned, and arm the next wake-up."""
    deps, app = context.deps, context.application
    lock: asyncio.Lock = app.bot_data.setdefault(_LOCK_KEY, asyncio.Lock())
    async with lock:
        try:
            async with deps.work_sessions() as session:
                await ensure_recurring(session, deps.clock(), deps.settings.tz)
            await fire_due(deps)
        except LeaseLost:
            log.info("not the active process: the schedule is left to the one that is")
            return
        due = await next_due(deps)
    _schedule_next(app, due, deps.clock())
    app.bot_data[READY_KEY] = True


def _schedule_next(
    app: Application[Any, Any, Any, Any, Any, Any], due: datetime | None, now: datetime
) -> None:
    queue = app.job_queue
    if queue is None:
        return
    for job in queue.get_jobs_by_name(NEXT_JOB):
        job.schedule_removal()
    if due is not None:
        queue.run_once(tick, when=max((due - now).total_seconds(), 0.0) + 0.05, name=NEXT_JOB)


def wake(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Something changed the schedule: look at it now."""
    if app.job_queue is not None:
        app.job_queue.run_once(tick, when=0, name="notices now")


def arm(app: Application[Any, Any, Any, Any, Any, Any], interval: float) -> None:
    """At start-up: a safety tick every `interval` seconds (other processes' changes), and now."""
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot's job-queue extra is required")
    for job in app.job_queue.get_jobs_by_name(TICK_JOB):
        job.schedule_removal()
    # `first=0` would be read as "after one interval"; a small positive delay means now.
    app.job_queue.run_repeating(tick, interval=interval, first=0.01, name=TICK_JOB)
