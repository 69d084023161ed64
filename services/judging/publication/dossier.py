"""What the publication room gives the dossier: the record of the công khai and of each
objection (one DOCX), and what stops the dossier (not published, the window still open, an
objection not answered). The dossier room calls these; see services/dossier_parts.py.

Both take the session and the round (the PartSource / BlockerSource shape); the moment and the
school's zone are keywords with the bot's defaults (the dossier room passes its Env's)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.publication import ObjectionLine, PublicationRecord, record_docx
from services.dossier_parts import DossierBlocker, DossierPart
from services.judging.publication.cards import card_of
from services.judging.publication.common import counts_of, publication_of
from services.school import values
from storage.files import FileStore
from storage.models import (
    JudgingRound,
    Meeting,
    MeetingStatus,
    Objection,
    ObjectionStatus,
    Org,
    Person,
    StoredFile,
)

SECTION = "Công khai và kiến nghị"
FOLDER = "04-cong-khai"
PATH = f"{FOLDER}/bien-ban-cong-khai-ket-qua.docx"
ZONE = "Asia/Ho_Chi_Minh"  # the bot's default zone (runtime Settings.timezone)


async def dossier_parts(
    session: AsyncSession,
    round_id: int,
    *,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    files: FileStore | None = None,
) -> list[DossierPart]:
    """The record of the công khai (when, to how many, read by how many, the window) and of
    each objection (number, date, text, answer, re-vote); with the file store, each objection's
    photo or file too. Nothing before it was published."""
    moment = now or datetime.now(UTC)
    zone = tz or ZoneInfo(ZONE)
    rnd = await session.get(JudgingRound, round_id)
    publication = await publication_of(session, round_id) if rnd else None
    if rnd is None or publication is None:
        return []
    org = await session.get_one(Org, rnd.org_id)
    settings = await values(session, org)
    counts = await counts_of(session, publication)
    chair = await session.get_one(Person, publication.published_by)
    meeting = await session.scalar(
        select(Meeting)
        .where(Meeting.round_id == rnd.id, Meeting.status == MeetingStatus.CLOSED)
        .order_by(Meeting.id.desc())
        .limit(1)
    )
    secretary = (
        await session.get(Person, meeting.secretary_id)
        if meeting is not None and meeting.secretary_id
        else None
    )
    lines = []
    attachments = []
    for objection in await session.scalars(
        select(Objection).where(Objection.round_id == rnd.id).order_by(Objection.number)
    ):
        card = await card_of(session, objection)
        revote = card.revote
        if files is not None and objection.stored_file_id is not None:
            stored = await session.get_one(StoredFile, objection.stored_file_id)
            suffix = Path(stored.name or "").suffix or (
                ".jpg" if card.attachment == "photo" else ""
            )
            attachments.append(
                DossierPart(
                    path=f"{FOLDER}/kien-nghi-{card.number:02d}-tep-kem{suffix}",
                    title=f"Tệp kèm kiến nghị số {card.number}",
                    data=files.read(stored.sha256),
                    section=SECTION,
                )
            )
        lines.append(
            ObjectionLine(
                number=card.number,
                filed=card.filed_at.astimezone(zone),
                about=f"{card.about} ({card.title})" if card.about else None,
                text=card.text,
                answer=card.answer,
                answered=card.answered_at.astimezone(zone) if card.answered_at else None,
                revote=(
                    revote.yes or 0,
                    revote.no or 0,
                    revote.voters or 0,
                    revote.before,
                    revote.after,
                )
                if revote is not None and not revote.open
                else None,
            )
        )
    record = PublicationRecord(
        school=org.name,
        parent_body=str(settings["facts.parent_name"].value or ""),
        place=str(settings["facts.place"].value or ""),
        round_name=rnd.name,
        school_year=f"{rnd.year}-{rnd.year + 1}",
        published=publication.published_at.astimezone(zone),
        recipients=publication.recipients,
        read=counts.read,
        window_days=publication.window_days,
        closes_on=publication.closes_on,
        window_closed=moment >= publication.closes_at,
        passed=tuple((x["title"], x["name"], x["department"]) for x in publication.listed),
        objections=tuple(lines),
        chair=chair.full_name,
        secretary=secretary.full_name if secretary else "",
        written=moment.astimezone(zone).date(),
    )
    return [
        DossierPart(
            path=PATH,
            title="Biên bản công khai kết quả bình xét và giải quyết kiến nghị",
            data=record_docx(record),
            section=SECTION,
        ),
        *attachments,
    ]


async def dossier_blockers(
    session: AsyncSession, round_id: int, *, now: datetime | None = None
) -> list[DossierBlocker]:
    """Why the dossier must wait: the result not published, the window not closed, each
    objection not answered (its number and deadline)."""
    moment = now or datetime.now(UTC)
    publication = await publication_of(session, round_id)
    if publication is None:
        return [DossierBlocker("publication.blocked_not_published", {})]
    blockers = []
    if moment < publication.closes_at:
        blockers.append(
            DossierBlocker("publication.blocked_window_open", {"closes_on": publication.closes_on})
        )
    for objection in await session.scalars(
        select(Objection)
        .where(Objection.round_id == round_id, Objection.status == ObjectionStatus.OPEN)
        .order_by(Objection.number)
    ):
        blockers.append(
            DossierBlocker(
                "publication.blocked_open_objection",
                {"number": objection.number, "due": objection.answer_due},
            )
        )
    return blockers
