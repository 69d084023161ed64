"""What is due, and when: pure functions from a campaign to its notices (no I/O, no clock)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# A closing notice is still worth sending this long after the end (a bot down over a weekend).
CLOSING_GRACE = timedelta(days=3)
DIGEST_WEEKDAY, DIGEST_TIME = 0, time(7, 30)  # Monday morning, before classes
STALE_CHECK_TIME = time(8, 0)
# The judging meeting's reminders: a day and an hour before it starts (key label, how long before).
MEETING_REMINDERS = (("24h", timedelta(days=1)), ("1h", timedelta(hours=1)))


@dataclass(frozen=True)
class NoticeSpec:
    """One notice to exist in the database."""

    key: str
    kind: str
    due_at: datetime
    stale_after: datetime | None
    payload: dict[str, Any] = field(default_factory=dict)


def campaign_notices(
    campaign_id: int, starts_at: datetime, ends_at: datetime, reminder_days: list[int]
) -> list[NoticeSpec]:
    """Launch at the start, a reminder N days before the end (if after the start), closing.

    Keys carry the times they were planned for, so moving a deadline plans new reminders (the
    old ones are cancelled) while a reminder already sent for the same deadline is never resent.
    """
    end_key = ends_at.strftime("%Y%m%dT%H%M")
    notices = [
        NoticeSpec(
            f"campaign:{campaign_id}:launch:{starts_at.strftime('%Y%m%dT%H%M')}",
            "launch",
            starts_at,
            ends_at,
        )
    ]
    for days in sorted(set(reminder_days), reverse=True):
        due = ends_at - timedelta(days=days)
        if due > starts_at:
            notices.append(
                NoticeSpec(
                    f"campaign:{campaign_id}:reminder:{days}:{end_key}",
                    "reminder",
                    due,
                    ends_at,
                    {"days": days},
                )
            )
    notices.append(
        NoticeSpec(
            f"campaign:{campaign_id}:closing:{end_key}",
            "closing",
            ends_at,
            ends_at + CLOSING_GRACE,
        )
    )
    return notices


def meeting_notices(meeting_id: int, starts_at: datetime, now: datetime) -> list[NoticeSpec]:
    """The meeting's reminders still ahead (a day and an hour before); stale once it starts.

    A meeting moved to another time is a new meeting (the old one is cancelled with its
    reminders), so the keys need no time in them.
    """
    return [
        NoticeSpec(
            f"meeting:{meeting_id}:reminder:{label}",
            "meeting",
            starts_at - before,
            starts_at,
            {"meeting_id": meeting_id, "before": label},
        )
        for label, before in MEETING_REMINDERS
        if starts_at - before > now
    ]


def days_left(now: datetime, ends_at: datetime) -> int:
    """Whole days until the deadline, rounded up (a reminder 7 days before says 7)."""
    return max(0, math.ceil((ends_at - now).total_seconds() / 86400 - 1e-9))


def next_digest(org_id: int, now: datetime, tz: ZoneInfo) -> NoticeSpec:
    """The next weekly digest for the council (Monday 07:30, local time)."""
    local = now.astimezone(tz)
    day = local.date() + timedelta(days=(DIGEST_WEEKDAY - local.weekday()) % 7)
    due = datetime.combine(day, DIGEST_TIME, tzinfo=tz)
    if due <= local:
        due += timedelta(days=7)
    year, week, _ = due.isocalendar()
    return NoticeSpec(f"digest:{org_id}:{year}-W{week:02d}", "digest", due, due + timedelta(days=1))


def next_stale_check(org_id: int, now: datetime, tz: ZoneInfo) -> NoticeSpec:
    """The next daily check for stories waiting too long (08:00, local time)."""
    local = now.astimezone(tz)
    due = datetime.combine(local.date(), STALE_CHECK_TIME, tzinfo=tz)
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), STALE_CHECK_TIME, tzinfo=tz)
    return NoticeSpec(
        f"stale:{org_id}:{due.date().isoformat()}", "stale", due, due + timedelta(hours=12)
    )


def local_day_start(day: date, tz: ZoneInfo, at: time) -> datetime:
    """A local date and time as an aware datetime."""
    return datetime.combine(day, at, tzinfo=tz)
