"""The facts the titles' conditions need (issue 14): the sheet handed out and taken back whole or
not at all, the chat, facts_for, and who may do what."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from reports.facts_sheet import HEADERS, RATING_LABELS
from services import orgs
from services.base import Env
from services.conversations import Kind, current
from services.errors import Invalid, NotFound, ServiceError
from services.judging.facts import (
    Facts,
    Wanted,
    facts_for,
    parse_rating,
    parse_start,
)
from services.judging.rules import PersonFacts
from storage.db import SessionFactory
from storage.models import AuditEntry, JudgingRound, PersonYear, Rating
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School, join, membership_of
from tests.services.test_permissions import (  # noqa: F401  (the module's world, its fixtures)
    BAD,
    GONE,
    LEFT,
    NO,
    OK,
    ROLES,
    Run,
    Setup,
    World,
    _draft,
    built,
    world,
    world_url,
    wrong_cells,
)
from tests.snapshots import changes, snapshot
from ui.texts import Texts

RATING, START, DISCIPLINE, INITIATIVE = HEADERS[4], HEADERS[5], HEADERS[6], HEADERS[7]
TODAY = date(2024, 2, 23)  # the `now` fixture's day: school year 2023-2024


def use(sessions: SessionFactory, texts: Texts, now: datetime) -> Facts:
    return Facts(Env(sessions=sessions, texts=texts, clock=lambda: now, tz=texts.tz))


async def person_ids(sessions: SessionFactory) -> dict[int, int]:
    """Telegram id → person id of the school's four people."""
    out = {}
    for tg in (CHAIR, VICE, COUNCIL, TEACHER):
        membership = await membership_of(sessions, tg)
        assert membership is not None
        out[tg] = membership.person_id
    return out


def fill(
    content: bytes,
    rows: dict[int, dict[str, object]],
    *,
    title: str | None = None,
    extra: tuple[tuple[object, ...], ...] = (),
) -> bytes:
    """The sheet as a leader fills it in Excel: cells of the rows with these Mã set, rows added."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book.worksheets[0]
    header = [c.value for c in ws[3]]
    for r in range(4, ws.max_row + 1):
        code = ws.cell(r, 2).value
        for name, value in rows.get(code, {}).items():
            ws.cell(r, header.index(name) + 1, value)
    for values in extra:
        ws.append(values)
    if title is not None:
        ws.cell(1, 1, title)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def refused(call: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await call
    return caught.value


async def refusal_of(facts: Facts, texts: Texts, tg: int, data: bytes) -> str:
    """The reply to a sheet the bot refuses, as the leader reads it."""
    refusal = await refused(facts.import_sheet(tg_user_id=tg, data=data, sure=True))
    return texts.render("vi", refusal.key, **refusal.values)


# ---------------------------------------------------------------------------- parsing


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("typed", "rating"),
    [
        ("Hoàn thành xuất sắc nhiệm vụ", Rating.EXCELLENT),
        ("hoàn thành TỐT nhiệm vụ", Rating.GOOD),
        ("Hoan thanh tot nhiem vu", Rating.GOOD),
        ("Hoàn thành tốt", Rating.GOOD),
        ("  Hoàn   thành nhiệm vụ ", Rating.DONE),
        ("Không hoàn thành nhiệm vụ", Rating.NOT_DONE),
        ("HTXS", Rating.EXCELLENT),
        ("htt", Rating.GOOD),
        ("HT", Rating.DONE),
        ("KHT", Rating.NOT_DONE),
        ("", None),
        (None, None),
    ],
)
def test_a_rating_is_read_however_it_is_written(typed: object, rating: Rating | None) -> None:
    assert parse_rating(typed) == rating


@pytest.mark.one_database
@pytest.mark.parametrize("typed", ["Tốt", "Xuất sắc", "HTX", "5", "Hoàn thành tốt nhiệm vụ X"])
def test_an_unknown_rating_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_rating(typed)


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("05/09/2020", date(2020, 9, 5)),
        ("5/9/2020", date(2020, 9, 5)),
        ("05-09-2020", date(2020, 9, 5)),
        ("5.9.2020", date(2020, 9, 5)),
        ("2020-09-05", date(2020, 9, 5)),
        (datetime(2020, 9, 5), date(2020, 9, 5)),  # a real Excel date cell
        (date(2020, 9, 5), date(2020, 9, 5)),
        ("29/02/2020", date(2020, 2, 29)),
        ("23/02/2024", TODAY),
        ("  ", None),
        (None, None),
    ],
)
def test_a_start_date_is_read_in_the_usual_forms(typed: object, day: date | None) -> None:
    assert parse_start(typed, today=TODAY) == day


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("31/02/2020", "bad"),
        ("29/02/2021", "bad"),
        ("05/09/20", "bad"),
        ("09/2020", "bad"),
        ("5/9-2020", "bad"),
        (2020, "bad"),  # a year alone, typed as a number
        (43000.0, "bad"),
        ("01/01/1900", "bad"),
        ("24/02/2024", "future"),
        (datetime(2030, 1, 1), "future"),
    ],
)
def test_a_bad_or_future_start_date_is_refused(typed: object, reason: str) -> None:
    from services.judging.facts import BadDate

    with pytest.raises(BadDate) as caught:
        parse_start(typed, today=TODAY)
    assert caught.value.reason == reason


# ---------------------------------------------------------------------------- the sheet


async def test_the_sheet_lists_the_active_staff_for_the_school_year_with_a_rating_dropdown(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    await join(  # waiting for approval: not on the list
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=2222,
        name="Bùi Văn Đức",
        department_id=school.departments["Tổ 3"],
    )
    ids = await person_ids(sessions)
    sheet = await use(sessions, texts, now).sheet(tg_user_id=VICE)
    assert sheet.filename == "thong-tin-xet-thi-dua-2023-2024.xlsx" and sheet.rows == 4
    ws = openpyxl.load_workbook(io.BytesIO(sheet.content)).worksheets[0]
    assert (
        ws["A1"].value == "Trường Tiểu học Thượng Thanh – thông tin xét thi đua năm học 2023-2024"
    )
    assert "Không sửa cột Mã" in str(ws["A2"].value)
    assert tuple(c.value for c in ws[3]) == HEADERS
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=4)]
    # By department in the school's order (Tổ 1 before Tổ Văn phòng), then by given name.
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (1, ids[COUNCIL], "Phạm Thị Lan", "Tổ 1"),
        (2, ids[TEACHER], "Vũ Thị Mai", "Tổ 1"),
        (3, ids[CHAIR], "Trần Thị Thu Hà", "Tổ Văn phòng"),
        (4, ids[VICE], "Lê Minh Tuấn", "Tổ Văn phòng"),
    ]
    assert all(r[4:] == (None, None, None, None) for r in rows)
    (dropdown,) = ws.data_validations.dataValidation
    assert dropdown.type == "list" and "E4" in dropdown.sqref
    assert dropdown.formula1 == '"' + ",".join(RATING_LABELS.values()) + '"'


async def test_known_facts_are_filled_in_and_text_that_looks_like_a_formula_stays_text(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    await facts.rate(tg_user_id=CHAIR, person_id=ids[TEACHER], rating=Rating.GOOD)
    await facts.ask(tg_user_id=CHAIR, person_id=ids[TEACHER], what="start")
    await facts.answer(tg_user_id=CHAIR, text="05/09/2020")
    await facts.ask(tg_user_id=CHAIR, person_id=ids[TEACHER], what="initiative")
    await facts.answer(tg_user_id=CHAIR, text='=HYPERLINK("http://x")')
    sheet = await facts.sheet(tg_user_id=CHAIR)
    ws = openpyxl.load_workbook(io.BytesIO(sheet.content)).worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=4) if r[1].value == ids[TEACHER])
    assert row[4].value == "Hoàn thành tốt nhiệm vụ"
    assert row[5].value == datetime(2020, 9, 5) and row[5].number_format == "dd/mm/yyyy"
    assert row[7].value == '=HYPERLINK("http://x")' and row[7].data_type == "s"
    assert row[7].quotePrefix


# ---------------------------------------------------------------------------- the import


async def test_a_filled_sheet_is_imported_whole_and_audited(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    content = (await facts.sheet(tg_user_id=CHAIR)).content
    filled = fill(
        content,
        {
            ids[CHAIR]: {RATING: "Hoàn thành xuất sắc nhiệm vụ", START: datetime(2010, 9, 1)},
            ids[VICE]: {RATING: "htt", START: "1/8/2015", INITIATIVE: "Dạy học STEM lớp 5"},
            ids[COUNCIL]: {RATING: "Hoan thanh tot nhiem vu", START: "05-09-2023"},
            ids[TEACHER]: {RATING: "HT", START: "15/01/2024", DISCIPLINE: "  Khiển   trách "},
        },
    )
    await facts.overview(tg_user_id=CHAIR, wait=True)
    imported = await facts.import_sheet(tg_user_id=CHAIR, data=filled, sure=True)
    assert imported is not None
    assert (imported.year, imported.rows, imported.updated, imported.unchanged) == (
        "2023-2024",
        4,
        4,
        0,
    )
    assert (imported.unrated, imported.total) == (0, 4)
    async with sessions() as s:
        found = await facts_for(s, school.org_id, 2023)
        audit = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "facts.import"))
        ).all()
        wait = await current(s, chat_id=CHAIR, user_id=CHAIR)
    assert found[ids[VICE]] == PersonFacts(
        Rating.GOOD, date(2015, 8, 1), None, "Dạy học STEM lớp 5"
    )
    assert found[ids[TEACHER]] == PersonFacts(Rating.DONE, date(2024, 1, 15), "Khiển trách", None)
    assert found[ids[CHAIR]].started_on == date(2010, 9, 1)
    assert [(a.target, a.details) for a in audit] == [
        ("year:2023", {"rows": 4, "updated": 4, "unrated": 0})
    ]
    assert wait is None  # the wait for the sheet is over

    again = await facts.import_sheet(tg_user_id=VICE, data=filled, sure=False)
    assert again is not None and (again.updated, again.unchanged) == (0, 4)


async def test_one_bad_row_imports_nothing_and_the_reply_names_it(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    await facts.overview(tg_user_id=CHAIR, wait=True)
    content = (await facts.sheet(tg_user_id=CHAIR)).content
    filled = fill(
        content,
        {
            ids[CHAIR]: {RATING: "HTXS", START: "01/09/2010"},
            ids[TEACHER]: {RATING: "HTT", START: "31/02/2020"},
        },
    )
    before = await snapshot(sessions)
    refusal = await refused(facts.import_sheet(tg_user_id=CHAIR, data=filled, sure=True))
    assert not changes(before, await snapshot(sessions))  # not even the chair's good row
    assert isinstance(refusal, Invalid) and refusal.key == "facts.import_refused"
    message = texts.render("vi", refusal.key, **refusal.values)
    assert "1 dòng có lỗi nên chưa dòng nào được ghi" in message
    assert "• Dòng 5 (Vũ Thị Mai): ngày bắt đầu công tác “31/02/2020” không hợp lệ" in message
    async with sessions() as s:
        wait = await current(s, chat_id=CHAIR, user_id=CHAIR)
    assert wait is not None and (wait.kind, wait.step) == (Kind.FACTS, "sheet")  # send it again


async def test_a_row_naming_a_person_of_another_school_is_refused(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường THCS Gia Thụy", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=other.chair_code or "", tg_user_id=2001, display_name="Nga", now=now
        )
    stranger = await membership_of(sessions, 2001)
    assert stranger is not None
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    content = (await facts.sheet(tg_user_id=CHAIR)).content
    filled = fill(
        content,
        {ids[TEACHER]: {RATING: "HTT"}},
        extra=((5, stranger.person_id, "Nga", "", "HTXS", "01/09/2015"),),
    )
    before = await snapshot(sessions)
    refusal = await refused(facts.import_sheet(tg_user_id=CHAIR, data=filled, sure=False))
    assert not changes(before, await snapshot(sessions))
    message = texts.render("vi", refusal.key, **refusal.values)
    assert (
        f"• Dòng 8 (Nga): mã “{stranger.person_id}” không có trong danh sách cán bộ đang công "
        "tác của trường" in message
    )
    # Nor can that school's chair write a row of this school's person into hers.
    theirs = (await facts.sheet(tg_user_id=2001)).content
    ws = openpyxl.load_workbook(io.BytesIO(theirs)).worksheets[0]
    assert [r[1].value for r in ws.iter_rows(min_row=4)] == [stranger.person_id]
    mine = fill(theirs, {}, extra=((2, ids[TEACHER], "Vũ Thị Mai", "", "HTT", ""),))
    refusal = await refused(facts.import_sheet(tg_user_id=2001, data=mine, sure=True))
    assert refusal.key == "facts.import_refused"
    assert not changes(before, await snapshot(sessions))


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("cells", "said"),
    [
        ({RATING: "Tốt"}, "mức độ hoàn thành nhiệm vụ “Tốt” không hợp lệ"),
        ({START: "24/02/2024"}, "ngày bắt đầu công tác “24/02/2024” chưa tới"),
        ({START: datetime(2024, 3, 1)}, "ngày bắt đầu công tác “01/03/2024” chưa tới"),
        # 2020 typed into the date column: Excel shows (and stores) 12/07/1905.
        ({START: 2020}, "ngày bắt đầu công tác “12/07/1905” không hợp lệ"),
        ({START: "2020"}, "ngày bắt đầu công tác “2020” không hợp lệ"),
        ({DISCIPLINE: "Khiển\u202etrách"}, "cột Kỷ luật có ký tự ẩn hoặc ký tự đảo chiều chữ"),
        ({DISCIPLINE: "x" * 201}, "cột Kỷ luật dài quá 200 ký tự"),
        ({INITIATIVE: "y" * 301}, "cột Sáng kiến được công nhận dài quá 300 ký tự"),
    ],
)
async def test_each_fault_of_a_row_is_said(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    school: School,
    cells: dict[str, object],
    said: str,
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    content = (await facts.sheet(tg_user_id=CHAIR)).content
    message = await refusal_of(facts, texts, CHAIR, fill(content, {ids[VICE]: cells}))
    assert f"• Dòng 7 (Lê Minh Tuấn): {said}" in message


async def test_a_missing_or_repeated_code_and_a_vice_chairs_initiative_are_refused(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    content = (await facts.sheet(tg_user_id=VICE)).content
    filled = fill(
        content,
        {ids[TEACHER]: {INITIATIVE: "Sáng kiến tự ghi"}},
        extra=((5, None, "Người mới", "", "HTT"), (6, ids[CHAIR], "Hà", "", "HTXS")),
    )
    message = await refusal_of(facts, texts, VICE, filled)
    assert "3 dòng có lỗi" in message
    assert "• Dòng 5 (Vũ Thị Mai): chỉ Chủ tịch Hội đồng ghi sáng kiến được công nhận" in message
    assert "• Dòng 8 (Người mới): thiếu mã (cột Mã)" in message
    assert "• Dòng 9 (Trần Thị Thu Hà): trùng mã với dòng 6" in message


async def test_every_bad_row_is_named_up_to_twenty_and_the_rest_are_counted(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    facts = use(sessions, texts, now)
    content = (await facts.sheet(tg_user_id=CHAIR)).content
    bad = tuple((n, 90000 + n, f"Người {n}", "", "HTT") for n in range(5, 30))
    message = await refusal_of(facts, texts, CHAIR, fill(content, {}, extra=bad))
    assert "25 dòng có lỗi" in message
    assert message.count("• Dòng") == 20 and "… và 5 dòng khác." in message
    assert "Dòng 27 (Người 24)" in message and "Dòng 28 " not in message


async def test_a_sheet_of_another_school_year_is_refused_whole(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    content = (await facts.sheet(tg_user_id=CHAIR)).content
    old = fill(
        content,
        {ids[TEACHER]: {RATING: "HTT"}},
        title="Trường Tiểu học Thượng Thanh – thông tin xét thi đua năm học 2022-2023",
    )
    refusal = await refused(facts.import_sheet(tg_user_id=CHAIR, data=old, sure=True))
    assert refusal.key == "facts.other_year"
    assert refusal.values == {"sheet": "2022-2023", "year": "2023-2024"}


async def test_what_is_not_the_sheet_is_left_to_others_unless_the_bot_waits_for_it(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    facts = use(sessions, texts, now)
    other = openpyxl.Workbook()
    other.active.append(["Họ và tên", "Điểm"])
    buffer = io.BytesIO()
    other.save(buffer)
    for data, reason in (
        (b"%PDF-1.4 not a workbook", "not_xlsx"),
        (buffer.getvalue(), "no_header"),
    ):
        assert await facts.import_sheet(tg_user_id=CHAIR, data=data, sure=False) is None
        refusal = await refused(facts.import_sheet(tg_user_id=CHAIR, data=data, sure=True))
        assert refusal.key == f"facts.unreadable_{reason}"
    big = b"x" * (2 * 1024 * 1024 + 1)
    assert (await refused(facts.import_sheet(tg_user_id=CHAIR, data=big, sure=True))).key == (
        "facts.too_big"
    )


async def test_the_bot_reads_a_document_when_it_waits_or_a_leader_sends_an_xlsx(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    facts = use(sessions, texts, now)

    async def wanted(tg: int, name: str = "bang.xlsx", size: int = 30_000) -> Wanted:
        return await facts.sheet_wanted(tg_user_id=tg, file_name=name, mime_type="", size=size)

    assert await wanted(CHAIR) is Wanted.MAYBE  # in no dialogue: read it if it is the sheet
    assert await wanted(CHAIR, "ke-hoach.pdf") is Wanted.PASS  # an announcement's attachment
    assert await wanted(TEACHER) is Wanted.PASS
    assert await wanted(COUNCIL) is Wanted.PASS
    assert (await refused(wanted(CHAIR, size=3_000_000))).key == "facts.too_big"
    await facts.overview(tg_user_id=CHAIR, wait=True)  # /facts
    assert await wanted(CHAIR) is Wanted.SURE
    assert (await refused(wanted(CHAIR, "bang.xls"))).key == "facts.not_xlsx"
    assert (
        await facts.sheet_wanted(tg_user_id=CHAIR, file_name="", mime_type=XLSX, size=9)
    ) is Wanted.SURE
    await facts.ask(tg_user_id=CHAIR, person_id=(await person_ids(sessions))[TEACHER], what="start")
    assert await wanted(CHAIR) is Wanted.PASS  # typing a date: not waiting for the sheet


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------- in chat


async def test_a_leader_enters_one_persons_facts_in_chat(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    card = await facts.rate(tg_user_id=VICE, person_id=ids[TEACHER], rating=Rating.EXCELLENT)
    assert (card.name, card.department, card.year, card.rating) == (
        "Vũ Thị Mai",
        "Tổ 1",
        "2023-2024",
        "excellent",
    )
    assert not card.may_initiative  # the vice-chair: the chair records initiatives
    await facts.ask(tg_user_id=VICE, person_id=ids[TEACHER], what="start")
    for typed, key in (
        ("31/02/2020", "facts.typed_bad_date"),
        ("1/3/2024", "facts.typed_future_date"),
    ):
        assert (await refused(facts.answer(tg_user_id=VICE, text=typed))).key == key
    what, card = await facts.answer(tg_user_id=VICE, text="5/9/2020")
    assert what == "start" and card.started_on == date(2020, 9, 5)
    await facts.ask(tg_user_id=VICE, person_id=ids[TEACHER], what="discipline")
    _, card = await facts.answer(tg_user_id=VICE, text="Khiển trách")
    assert card.discipline == "Khiển trách"
    await facts.ask(tg_user_id=VICE, person_id=ids[TEACHER], what="discipline")
    _, card = await facts.answer(tg_user_id=VICE, text="Không")
    assert card.discipline is None
    refusal = await refused(facts.ask(tg_user_id=VICE, person_id=ids[TEACHER], what="initiative"))
    assert refusal.key == "facts.chair_initiative"
    await facts.ask(tg_user_id=CHAIR, person_id=ids[TEACHER], what="initiative")
    _, card = await facts.answer(tg_user_id=CHAIR, text="Dạy học STEM lớp 5")
    assert card.initiative == "Dạy học STEM lớp 5" and card.may_initiative
    card = await facts.clear(tg_user_id=CHAIR, person_id=ids[TEACHER], what="initiative")
    assert card.initiative is None
    async with sessions() as s:
        assert (await facts_for(s, school.org_id, 2023))[ids[TEACHER]] == PersonFacts(
            Rating.EXCELLENT, date(2020, 9, 5), None, None
        )
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "facts.set"))).all()
        assert await current(s, chat_id=CHAIR, user_id=CHAIR) is None  # answered: no dialogue
    assert len(audit) == 6 and audit[0].details == {"year": 2023, "rating": "excellent"}


async def test_typed_text_while_the_bot_waits_for_the_sheet_is_answered_with_a_hint(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    facts = use(sessions, texts, now)
    await facts.overview(tg_user_id=CHAIR, wait=True)
    assert (await refused(facts.answer(tg_user_id=CHAIR, text="xin chào"))).key == (
        "facts.send_the_file"
    )


async def test_the_lists_show_who_misses_facts_by_department_and_by_candidacy(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    await facts.rate(tg_user_id=CHAIR, person_id=ids[TEACHER], rating=Rating.GOOD)
    await facts.ask(tg_user_id=CHAIR, person_id=ids[TEACHER], what="start")
    await facts.answer(tg_user_id=CHAIR, text="05/09/2020")
    await facts.rate(tg_user_id=CHAIR, person_id=ids[COUNCIL], rating=Rating.GOOD)
    overview = await facts.overview(tg_user_id=CHAIR)
    assert (overview.total, overview.rated, overview.unrated) == (4, 2, 2)
    assert (overview.no_start, overview.missing, overview.round_open) == (3, 3, False)
    missing = await facts.missing(tg_user_id=CHAIR, candidates=False, page=0)
    assert [p.name for p in missing.people] == ["Trần Thị Thu Hà", "Phạm Thị Lan", "Lê Minh Tuấn"]
    departments = await facts.departments(tg_user_id=CHAIR)
    tổ_1 = next(d for d in departments if d.name == "Tổ 1")
    assert (tổ_1.people, tổ_1.missing) == (2, 1)
    page = await facts.department(tg_user_id=CHAIR, department_id=tổ_1.department_id, page=5)
    assert page.page == 0 and [(p.name, p.complete) for p in page.people] == [
        ("Phạm Thị Lan", False),
        ("Vũ Thị Mai", True),
    ]
    with pytest.raises(NotFound):
        await facts.department(tg_user_id=CHAIR, department_id=999, page=0)


async def test_the_year_is_the_open_rounds_and_a_start_date_carries_over(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    ids = await person_ids(sessions)
    async with sessions() as s:
        s.add(
            PersonYear(
                org_id=school.org_id,
                person_id=ids[TEACHER],
                year=2021,
                rating="good",
                started_on=date(2019, 9, 5),
                updated_at=now,
            )
        )
        s.add(
            JudgingRound(
                org_id=school.org_id,
                name="Bình xét năm học 2022-2023",
                year=2022,
                period_start=date(2022, 9, 5),
                period_end=date(2023, 9, 5),
                titles=["Lao động tiên tiến"],
                created_by=ids[CHAIR],
                created_at=now,
            )
        )
        await s.commit()
    facts = use(sessions, texts, now)
    card = await facts.person(tg_user_id=CHAIR, person_id=ids[TEACHER])
    assert (card.year, card.rating) == ("2022-2023", None)  # the open round's year
    assert (card.started_on, card.start_from) == (date(2019, 9, 5), "2021-2022")
    async with sessions() as s:
        assert (await facts_for(s, school.org_id, 2022))[ids[TEACHER]] == PersonFacts(
            started_on=date(2019, 9, 5)
        )
    sheet = await facts.sheet(tg_user_id=CHAIR)
    assert sheet.year == "2022-2023"
    filled = fill(sheet.content, {ids[TEACHER]: {RATING: "HTT"}})
    imported = await facts.import_sheet(tg_user_id=CHAIR, data=filled, sure=True)
    assert imported is not None and imported.updated == 1
    async with sessions() as s:
        row = await s.scalar(select(PersonYear).where(PersonYear.year == 2022))
    # Only the rating is new: the carried start date is not copied into the year's row.
    assert row is not None and (row.rating, row.started_on) == ("good", None)


async def test_another_schools_chair_finds_no_person_of_this_school(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường THCS Gia Thụy", now=now)
    async with sessions() as s:
        await orgs.claim_chair(
            s, code=other.chair_code or "", tg_user_id=2001, display_name="Nga", now=now
        )
    ids = await person_ids(sessions)
    facts = use(sessions, texts, now)
    before = await snapshot(sessions)
    for call in (
        facts.person(tg_user_id=2001, person_id=ids[TEACHER]),
        facts.rate(tg_user_id=2001, person_id=ids[TEACHER], rating=Rating.GOOD),
        facts.ask(tg_user_id=2001, person_id=ids[TEACHER], what="start"),
        facts.clear(tg_user_id=2001, person_id=ids[TEACHER], what="discipline"),
    ):
        assert isinstance(await refused(call), NotFound)
    assert not changes(before, await snapshot(sessions))


# ---------------------------------------------------------------------------- who may do what

# The roles of tests/services/test_permissions.py: stranger, pending, left (a deactivated
# vice-chair), staff, council (a member who is not a leader), vice, chair, other_chair (school
# B's chair, on school A's things), other_council (school B's council member).
MATRIX: dict[str, tuple[str, ...]] = {
    #                   stranger pending left staff council vice chair o_chair o_council
    "facts_overview":   (NO,     NO,     LEFT, NO,   NO,     OK,  OK,   OK,     NO),
    "facts_sheet":      (NO,     NO,     LEFT, NO,   NO,     OK,  OK,   OK,     NO),
    "facts_import":     (NO,     NO,     LEFT, NO,   NO,     OK,  OK,   BAD,    NO),
    "facts_rate":       (NO,     NO,     LEFT, NO,   NO,     OK,  OK,   GONE,   NO),
    "facts_ask":        (NO,     NO,     LEFT, NO,   NO,     OK,  OK,   GONE,   NO),
    "facts_answer":     (NO,     NO,     LEFT, NO,   NO,     OK,  OK,   GONE,   NO),
    "facts_initiative": (NO,     NO,     LEFT, NO,   NO,     NO,  OK,   GONE,   NO),
}  # fmt: skip


class _InTransaction(Env):
    """The world's sessions (one transaction, rolled back) for the long reads too."""

    @property
    def reading(self) -> SessionFactory:
        return self.sessions


def _facts(w: World) -> Facts:
    env = _InTransaction(sessions=w.sessions, texts=w.texts, clock=lambda: w.now, tz=w.texts.tz)
    return Facts(env)


async def _filled_sheet(w: World, tg: int) -> bytes:
    """School A's sheet with the author's row filled (made by A's chair)."""
    content = (await _facts(w).sheet(tg_user_id=CHAIR)).content
    return fill(content, {w.author_id: {RATING: "HTT", START: "05/09/2019"}})


async def _typing_a_date(w: World, tg: int) -> None:
    """A start date of school A's author being typed, asked while `tg` could."""
    data = {"person_id": w.author_id, "year": 2023, "org_id": w.school.org_id}
    await _draft(w, tg, Kind.FACTS, "start", data)


async def _none(w: World, tg: int) -> None:
    return None


ACTIONS: dict[str, tuple[Setup, Run]] = {
    "facts_overview": (_none, lambda _s, w, tg, _: _facts(w).overview(tg_user_id=tg, wait=True)),
    "facts_sheet": (_none, lambda _s, w, tg, _: _facts(w).sheet(tg_user_id=tg)),
    "facts_import": (
        _filled_sheet,
        lambda _s, w, tg, data: _facts(w).import_sheet(tg_user_id=tg, data=data, sure=True),
    ),
    "facts_rate": (
        _none,
        lambda _s, w, tg, _: _facts(w).rate(
            tg_user_id=tg, person_id=w.author_id, rating=Rating.GOOD
        ),
    ),
    "facts_ask": (
        _none,
        lambda _s, w, tg, _: _facts(w).ask(tg_user_id=tg, person_id=w.author_id, what="start"),
    ),
    "facts_answer": (
        _typing_a_date,
        lambda _s, w, tg, _: _facts(w).answer(tg_user_id=tg, text="05/09/2019"),
    ),
    "facts_initiative": (
        _none,
        lambda _s, w, tg, _: _facts(w).ask(tg_user_id=tg, person_id=w.author_id, what="initiative"),
    ),
}


def test_the_facts_matrix_covers_every_action_and_role() -> None:
    assert set(MATRIX) == set(ACTIONS)
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.one_database
@pytest.mark.parametrize("action", list(MATRIX))
async def test_only_the_leaders_of_the_school_enter_its_facts_and_a_refusal_changes_nothing(
    action: str,
    world: World,  # noqa: F811  (the fixture imported above)
) -> None:
    wrong = await wrong_cells(world, MATRIX[action], *ACTIONS[action])
    assert not wrong, f"{action}:\n" + "\n".join(wrong)
