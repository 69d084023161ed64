"""The decision comes back: the chair records it (number, date, signer, the titles granted), those
granted are congratulated, the honours list is in /tally and the export, and queryable for next
year's checks; who may record it."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from services.base import Env
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound, ServiceError
from services.judging.decisions import Decisions, consecutive_years, honours_of
from services.judging.facts import facts_for
from services.tallies import Tallies
from storage.db import SessionFactory
from storage.models import AuditEntry, Decision, Honour, OutboxMessage, PersonYear
from tests.factories import CHAIR, COUNCIL, STRANGER, TEACHER, VICE, School, forget_outbox
from tests.judging.reports_world import (
    CSTDCS,
    GONE,
    HEAD1,
    HEAD2,
    LDTT,
    NAM,
    OTHER_CHAIR,
    TTLDTT,
    Final,
    final_round,
)
from ui.texts import Texts


def _uc(sessions: SessionFactory, texts: Texts, now: datetime) -> Decisions:
    return Decisions(Env(sessions, texts, lambda: now, texts.tz))


@pytest.fixture
async def world(sessions: SessionFactory, texts: Texts, school: School, now: datetime) -> Final:
    """The final round (its outcomes set)."""
    return await final_round(sessions, texts, school, now)


async def _through_signer(uc: Decisions, number: str = "125/QĐ-UBND") -> None:
    await uc.begin(tg_user_id=CHAIR)
    await uc.answer(tg_user_id=CHAIR, text=number)
    await uc.answer(tg_user_id=CHAIR, text="20/02/2024")
    await uc.answer(tg_user_id=CHAIR, text="Nguyễn Văn Phúc, Chủ tịch UBND phường Bồ Đề")


async def test_the_chair_records_a_decision_and_those_granted_are_congratulated(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    uc = _uc(sessions, texts, now)
    step = await uc.begin(tg_user_id=CHAIR)
    assert step.step == "number"
    for bad, key in (("", "decisions.bad_number"), ("x" * 61, "decisions.bad_number")):
        with pytest.raises(Invalid) as refused:
            await uc.answer(tg_user_id=CHAIR, text=bad)
        assert refused.value.key == key
    assert (await uc.answer(tg_user_id=CHAIR, text="125/QĐ-UBND")).step == "date"
    for bad, key in (
        ("31/02/2024", "decisions.bad_date"),
        ("hôm qua", "decisions.bad_date"),
        ("24/02/2024", "decisions.future_date"),  # the day after today in Hà Nội
    ):
        with pytest.raises(Invalid) as refused:
            await uc.answer(tg_user_id=CHAIR, text=bad)
        assert refused.value.key == key
    assert (await uc.answer(tg_user_id=CHAIR, text="20/2/2024")).step == "signer"
    step = await uc.answer(tg_user_id=CHAIR, text="Nguyễn Văn Phúc, Chủ tịch UBND phường Bồ Đề")
    assert step.step == "ticks" and step.signed_on == date(2024, 2, 20)
    # Every passed candidate, ticked by default, in the round's order of titles.
    assert [(p.title, p.name, p.ticked) for p in step.candidates] == [
        (LDTT, "Nguyễn Thị Hằng", True),
        (LDTT, "Vũ Thị Mai", True),
        (LDTT, "Đỗ Văn Nam", True),
        (CSTDCS, "Nguyễn Thị Hằng", True),
        (CSTDCS, "Vũ Thị Mai", True),
        (CSTDCS, "Đỗ Văn Nam", True),
        (TTLDTT, "Tổ 2", True),
    ]
    # This decision grants Lao động tiên tiến only (another level decides the rest).
    for p in step.candidates:
        if p.title != LDTT:
            step = await uc.tick(tg_user_id=CHAIR, candidate_id=p.id)
    failed = world.candidates[(LDTT, str(VICE))]
    with pytest.raises(NotFound):
        await uc.tick(tg_user_id=CHAIR, candidate_id=failed)
    assert [p.ticked for p in step.candidates] == [True] * 3 + [False] * 4
    recorded = await uc.save(tg_user_id=CHAIR)
    assert recorded.decision == "Quyết định số 125/QĐ-UBND ngày 20/02/2024"
    assert recorded.congratulated == 3
    async with sessions() as s:
        sent = (await s.scalars(select(OutboxMessage))).all()
        honours = (await s.scalars(select(Honour))).all()
        audit = await s.scalars(select(AuditEntry).where(AuditEntry.action == "decision.record"))
        [entry] = audit.all()
    assert sorted(m.chat_id for m in sent) == sorted([TEACHER, HEAD1, NAM])
    assert all("Chúc mừng Thầy/Cô" in m.payload["text"] for m in sent)
    assert all("Quyết định số 125/QĐ-UBND ngày 20/02/2024" in m.payload["text"] for m in sent)
    assert sorted(h.title for h in honours) == [LDTT] * 3
    assert entry.details["number"] == "125/QĐ-UBND" and len(entry.details["candidates"]) == 3

    # A second decision: the rest are waiting; the department's head is congratulated for it.
    await forget_outbox(sessions)
    await _through_signer(uc, "12/QĐ-UBND")
    recorded = await uc.save(tg_user_id=CHAIR)
    assert len(recorded.granted) == 4
    async with sessions() as s:
        chats = sorted(m.chat_id for m in (await s.scalars(select(OutboxMessage))).all())
        assert chats == sorted([TEACHER, HEAD1, NAM, HEAD2])
        teacher = world.person[TEACHER]
        year = f"{world.year}-{world.year + 1}"
        assert await honours_of(s, teacher) == [(year, CSTDCS), (year, LDTT)]
        assert len((await s.scalars(select(Decision))).all()) == 2
    with pytest.raises(AlreadyDone) as done:
        await uc.begin(tg_user_id=CHAIR)
    assert done.value.key == "decisions.nothing_to_decide"


async def test_the_draft_survives_a_restart_and_nothing_ticked_is_refused(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    await _through_signer(_uc(sessions, texts, now))
    uc = _uc(sessions, texts, now)  # a new process
    step = await uc.tick(tg_user_id=CHAIR, candidate_id=world.candidates[(LDTT, str(NAM))])
    for p in step.candidates:
        if p.ticked:
            step = await uc.tick(tg_user_id=CHAIR, candidate_id=p.id)
    with pytest.raises(Invalid) as refused:
        await uc.save(tg_user_id=CHAIR)
    assert refused.value.key == "decisions.none_ticked"
    assert await uc.cancel(tg_user_id=CHAIR)
    with pytest.raises(Invalid):
        await uc.save(tg_user_id=CHAIR)


RECORDERS = {
    "the vice-chair": (VICE, "decisions.chair_only"),
    "a council member": (COUNCIL, "decisions.chair_only"),
    "staff": (TEACHER, "decisions.chair_only"),
    "a department head": (HEAD1, "decisions.chair_only"),
    "a deactivated member": (GONE, "errors.deactivated"),
    "a stranger": (STRANGER, "errors.not_member"),
    "another school's chair": (OTHER_CHAIR, "decisions.no_final_round"),
}


@pytest.mark.one_database
@pytest.mark.parametrize("who", list(RECORDERS))
async def test_only_the_chair_of_the_school_records_a_decision(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime, who: str
) -> None:
    tg, refusal = RECORDERS[who]
    uc = _uc(sessions, texts, now)
    with pytest.raises(ServiceError) as refused:
        await uc.begin(tg_user_id=tg)
    assert refused.value.key == refusal
    # Nor can they act on the chair's draft.
    await _through_signer(uc)
    with pytest.raises((NotAllowed, Invalid, NotFound)):
        await uc.save(tg_user_id=tg)
    async with sessions() as s:
        assert (await s.scalars(select(Honour))).all() == []


async def test_the_honours_list_is_in_the_tally_and_the_export(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    uc = _uc(sessions, texts, now)
    await _through_signer(uc)
    await uc.save(tg_user_id=CHAIR)
    tallies = Tallies(Env(sessions, texts, lambda: now, texts.tz))
    code = tallies.scope_code("năm học")
    result = await tallies.tally(tg_user_id=CHAIR, chat_id=CHAIR, code=code)
    [ldtt, cstdcs, collective] = result.tally.honours
    assert (ldtt.title, ldtt.granted, ldtt.decisions) == (LDTT, 3, ("125/QĐ-UBND (20/02/2024)",))
    assert (cstdcs.granted, collective.granted) == (3, 1)
    shown = texts.render("vi", "reports.tally", tally=result.tally)
    assert (
        "Khen thưởng năm học:</b> Lao động tiên tiến: 3 (QĐ số 125/QĐ-UBND (20/02/2024))" in shown
    )

    async def started(scope: object) -> None:
        return None

    exported = await tallies.export(tg_user_id=CHAIR, chat_id=CHAIR, code=code, started=started)
    try:
        book = next(f for f in exported.files if f.filename.endswith(".xlsx"))
        sheet = load_workbook(io.BytesIO(book.data.read()))["Khen thưởng năm học"]
    finally:
        exported.close()
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    body = [r for r in rows if r[0] in (LDTT, CSTDCS, TTLDTT)]
    assert len(body) == 7
    assert [LDTT, "Vũ Thị Mai", "Tổ 1", "125/QĐ-UBND"] in [r[:4] for r in body]
    assert [TTLDTT, "Tổ 2", "Tổ 2", "125/QĐ-UBND"] in [r[:4] for r in body]


def test_consecutive_years_count_back_from_the_year_before() -> None:
    history = [("2023-2024", CSTDCS), ("2024-2025", CSTDCS), ("2025-2026", CSTDCS)]
    assert consecutive_years(history, CSTDCS, 2025) == 3
    assert consecutive_years(history[:1] + history[2:], CSTDCS, 2025) == 1
    assert consecutive_years(history, LDTT, 2025) == 0
    assert consecutive_years(history, CSTDCS, 2026) == 0


async def test_a_late_press_after_the_decision_is_recorded_changes_nothing(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    uc = _uc(sessions, texts, now + timedelta(minutes=1))
    await _through_signer(uc)
    await uc.save(tg_user_id=CHAIR)
    with pytest.raises(Invalid):
        await uc.save(tg_user_id=CHAIR)


async def test_next_years_facts_carry_the_consecutive_years_of_each_title(
    sessions: SessionFactory, texts: Texts, world: Final, now: datetime
) -> None:
    uc = _uc(sessions, texts, now)
    await _through_signer(uc)
    await uc.save(tg_user_id=CHAIR)
    teacher = world.person[TEACHER]
    async with sessions() as s:
        s.add(
            PersonYear(org_id=world.org_id, person_id=teacher, year=world.year + 1, updated_at=now)
        )
        await s.commit()
        facts = await facts_for(s, world.org_id, world.year + 1)
        this_year = await facts_for(s, world.org_id, world.year)
    assert facts[teacher].streaks == ((CSTDCS, 1), (LDTT, 1))
    assert facts[teacher].consecutive(CSTDCS) == 1 and facts[teacher].consecutive(TTLDTT) == 0
    assert this_year[teacher].streaks == ()  # the year's own honours are not "before"
