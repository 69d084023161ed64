"""The export: the XLSX workbook, the CSV of stories and the formal DOCX report of a campaign or
a period, built in a worker thread (reports/) from rows streamed off the loop (rows.py).
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reports.columns import HIDDEN_PUPIL, STORIES_SHEET, STORY_COLUMNS, achievement, filenames
from reports.model import ProposalLine, ReportInfo, Scope, Sheet
from services import school
from services.stories.cards import may_publish
from services.tallies.figures import compute
from services.tallies.rows import Proposer, Pull, sheets, story_rows
from services.tallies.scope import local_date, proposals_in, reader, resolve
from storage.models import (
    Department,
    Membership,
    MemberStatus,
    Org,
    Person,
    Proposal,
    ProposalStatus,
    Registration,
    Role,
    Story,
    Title,
)

SPOOL = 4 * 1024 * 1024  # exports larger than this go to a temporary file, not memory


@dataclass
class ExportFile:
    """One document: its name and content (a file object at position 0; the caller closes)."""

    filename: str
    data: IO[bytes]
    rows: int


@dataclass
class ExportResult:
    """The documents of one export."""

    scope: Scope
    files: list[ExportFile]

    @property
    def stories(self) -> int:
        """The stories listed in the CSV (what the user is told the export holds)."""
        return self.files[1].rows if len(self.files) > 1 else 0

    def close(self) -> None:
        """Release the temporary files."""
        for file in self.files:
            file.data.close()


async def report_info(
    session: AsyncSession, org: Org, scope: Scope, tz: ZoneInfo, now: datetime
) -> ReportInfo:
    """What the formal report needs beyond the figures: the chair, the confirmed proposals."""
    chair = await session.scalar(
        select(Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.org_id == org.id,
            Membership.role == Role.CHAIR,
            Membership.status == MemberStatus.ACTIVE,
        )
        .limit(1)
    )
    nominee, nominee_dept = aliased(Person), aliased(Department)
    nominee_membership = aliased(Membership)
    rows = (
        await session.execute(
            select(
                Proposal.id,
                nominee.full_name,
                Proposal.nominee_text,
                nominee_dept.name,
                Story.id,
                Story.text,
                Story.nominee_kind,
                Story.pupil_consent,
                Story.child_consent,
                Title.name,
                Proposal.form,
                Proposal.level,
                Proposal.status,
                Proposer.full_name,
                Proposal.decided_at,
            )
            .select_from(Proposal)
            .outerjoin(nominee, nominee.id == Proposal.person_id)
            .outerjoin(
                nominee_membership,
                and_(
                    nominee_membership.person_id == Proposal.person_id,
                    nominee_membership.org_id == org.id,
                ),
            )
            .outerjoin(nominee_dept, nominee_dept.id == nominee_membership.department_id)
            .outerjoin(Story, Story.id == Proposal.story_id)
            .outerjoin(Registration, Registration.id == Proposal.registration_id)
            .outerjoin(Title, Title.id == Registration.title_id)
            .join(Proposer, Proposer.id == Proposal.proposed_by)
            .where(
                *proposals_in(org.id, scope, tz),
                Proposal.status.in_([ProposalStatus.CONFIRMED, ProposalStatus.PROPOSED]),
            )
            .order_by(Proposal.id)
        )
    ).all()
    confirmed: list[ProposalLine] = []
    pending = 0
    for row in rows:
        (_, person, nominee_text, person_dept, story_id, text, kind, consent, child) = row[:9]
        title, form, level, status, proposer, decided_at = row[9:]
        if status != ProposalStatus.CONFIRMED:
            pending += 1
            continue
        # Nghị định 13/2023: a pupil's details leave the council only with consent (the
        # parents', and the pupil's own from the school's consent age).
        hidden = kind is not None and not may_publish(kind, bool(consent), child)
        name = HIDDEN_PUPIL if hidden else person or nominee_text or ""
        confirmed.append(
            ProposalLine(
                number=len(confirmed) + 1,
                nominee=name,
                # A colleague's department; a pupil or a class is not of a department (the
                # author's department is not theirs).
                department=(person_dept or "") if person else "",
                achievement=achievement(story_id, text, title, hidden),
                form=form,
                level=level,
                status=str(status),
                proposed_by=proposer,
                decided_at=decided_at,
            )
        )
    return ReportInfo(
        org_name=org.name,
        parent_name=org.parent_name or "",
        place=org.place or "",
        chair_name=chair or "",
        signer_name=str(await school.value(session, org, "facts.signer_council") or ""),
        today=local_date(now, tz),
        proposals=confirmed,
        pending_proposals=pending,
        recipients=[org.parent_name] if org.parent_name else [],
    )


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL)  # the caller closes it


async def workbook(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
    out: IO[bytes],
) -> int:
    """Only the XLSX workbook, written to `out` off the loop; returns its data rows."""
    from reports.xlsx import write_xlsx

    org = await reader(session, tg_user_id, chat_id)
    scope = await resolve(session, org, code, tz, now)
    figures = await compute(session, org, scope, tz, now)
    tables = await sheets(session, org, scope, figures, tz)
    title = workbook_title(org.name, scope)
    return await asyncio.to_thread(write_xlsx, out, tables, tz, title)


def workbook_title(org_name: str, scope: Scope) -> str:
    """The title row of every sheet: the school and what the figures cover."""
    from reports.docx_report import scope_label

    start, end = f"{scope.start:%d/%m/%Y}", f"{scope.end:%d/%m/%Y}"
    return f"{org_name} – thi đua {scope_label(scope)} ({start} – {end})"


async def export(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
    template: Any = None,
) -> ExportResult:
    """The XLSX workbook, the CSV of stories and the formal report, for a campaign or period."""
    from reports.csv_export import write_csv
    from reports.docx_report import render_docx
    from reports.pdf import to_pdf
    from reports.xlsx import write_xlsx

    org = await reader(session, tg_user_id, chat_id)
    scope = await resolve(session, org, code, tz, now)
    figures = await compute(session, org, scope, tz, now)
    info = await report_info(session, org, scope, tz, now)
    tables = await sheets(session, org, scope, figures, tz)
    stories_csv = Sheet(STORIES_SHEET, STORY_COLUMNS, Pull(session, story_rows(org.id, scope, tz)))
    xlsx_name, csv_name, docx_name = filenames(scope)

    def build() -> list[ExportFile]:
        files: list[ExportFile] = []
        try:
            book = _spool()
            files.append(ExportFile(xlsx_name, book, 0))
            files[-1].rows = write_xlsx(book, tables, tz, workbook_title(org.name, scope))
            table = _spool()
            files.append(ExportFile(csv_name, table, 0))
            files[-1].rows = write_csv(table, stories_csv, tz)
            document = _spool()
            files.append(ExportFile(docx_name, document, 1))
            docx = render_docx(figures, info, template)
            document.write(docx)
            pdf = to_pdf(docx)  # the same report, ready to print, when LibreOffice is there
            if pdf is not None:
                files.append(ExportFile(docx_name.removesuffix(".docx") + ".pdf", _spool(), 1))
                files[-1].data.write(pdf)
        except BaseException:
            for file in files:
                file.data.close()
            raise
        for file in files:
            file.data.seek(0)
        return files

    return ExportResult(scope, await asyncio.to_thread(build))
