"""Department heads (tổ trưởng) propose which of the department's registrants go to the council.

In an open round, a head sees the department's registrants per title and ticks Đề nghị / Không
đề nghị for each, and whether the department itself stands for each collective title. The ticks
are kept in the head's DEPT_NOTE draft (durable, so a half-done list survives a restart) and
count only when the head confirms the list with a short note, after the department's own
meeting. The head's own line is left to the leaders; a department with no head is done by the
leaders. A list can be sent again until the council's meeting opens.
"""

from __future__ import annotations

from services.base import UseCases
from services.judging.departments.lists import (
    NOTE_MAX,
    Confirmed,
    ask_note,
    confirm,
    open_list,
    start,
    toggle,
)
from services.judging.departments.views import (
    Collective,
    DeptList,
    DeptRow,
    DeptView,
    Line,
    TitleBlock,
)

__all__ = [
    "NOTE_MAX",
    "Collective",
    "Confirmed",
    "DepartmentHeads",
    "DeptList",
    "DeptRow",
    "DeptView",
    "Line",
    "TitleBlock",
    "ask_note",
    "confirm",
    "open_list",
    "start",
    "toggle",
]


class DepartmentHeads(UseCases):
    """Department heads (tổ trưởng) propose the department's registrants to the council."""

    async def start(self, *, tg_user_id: int, round_id: int | None = None) -> DeptView | DeptList:
        """/department (the open round) or the round-open notice's button: a head's own list,
        or the departments for a leader."""
        async with self.env.sessions() as session:
            return await start(session, tg_user_id=tg_user_id, round_id=round_id, now=self.now())

    async def department(self, *, tg_user_id: int, round_id: int, department_id: int) -> DeptView:
        """One department's list (its head, or a leader); back from the note, ticks kept."""
        async with self.env.sessions() as session:
            return await open_list(
                session,
                tg_user_id=tg_user_id,
                round_id=round_id,
                department_id=department_id,
                now=self.now(),
            )

    async def toggle(
        self,
        *,
        tg_user_id: int,
        round_id: int,
        department_id: int,
        candidate_id: int | None = None,
        title_index: int | None = None,
    ) -> DeptView:
        """Flip one tick in the draft (a registrant, or a collective title by its index)."""
        async with self.env.sessions() as session:
            return await toggle(
                session,
                tg_user_id=tg_user_id,
                round_id=round_id,
                department_id=department_id,
                candidate_id=candidate_id,
                title_index=title_index,
                now=self.now(),
            )

    async def ask_note(self, *, tg_user_id: int, round_id: int, department_id: int) -> DeptView:
        """ "Xác nhận danh sách của tổ": the ticks wait for a short note (or none)."""
        async with self.env.sessions() as session:
            return await ask_note(
                session,
                tg_user_id=tg_user_id,
                round_id=round_id,
                department_id=department_id,
                now=self.now(),
            )

    async def confirm(
        self,
        *,
        tg_user_id: int,
        note: str,
        round_id: int | None = None,
        department_id: int | None = None,
    ) -> Confirmed:
        """Send the list with the note typed (the draft names it) or none (the button does)."""
        async with self.env.sessions() as session:
            return await confirm(
                session,
                tg_user_id=tg_user_id,
                note=note,
                round_id=round_id,
                department_id=department_id,
                texts=self.texts,
                now=self.now(),
            )
