"""/facts: the facts the titles' conditions need (annual ratings, start of service, discipline,
initiatives), by the XLSX the bot hands out and takes back, or person by person in chat."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError

from handlers import broadcast
from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.judging.facts import (
    DepartmentLine,
    Overview,
    PeoplePage,
    PersonCard,
    Wanted,
)
from storage.models import Rating
from ui.buttons.facts import (
    FactsAsk,
    FactsClear,
    FactsDepartment,
    FactsDepartments,
    FactsHome,
    FactsMissing,
    FactsPerson,
    FactsRate,
    FactsSheet,
    FactsUpload,
)


def _user_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


# ---------------------------------------------------------------------------- keyboards


def _overview_buttons(context: BotContext, locale: str, o: Overview) -> Buttons:
    plain = context.deps.texts.plain
    rows = [
        [(plain(locale, "facts.sheet_button"), FactsSheet().pack())],
        [(plain(locale, "facts.upload_button"), FactsUpload().pack())],
    ]
    if o.round_open:
        label = plain(locale, "facts.candidates_button", count=o.candidates_missing)
        rows.append([(label, FactsMissing(candidates=True, page=0).pack())])
    rows.append(
        [
            (
                plain(locale, "facts.missing_button", count=o.missing),
                FactsMissing(candidates=False, page=0).pack(),
            )
        ]
    )
    rows.append([(plain(locale, "facts.departments_button"), FactsDepartments().pack())])
    return rows


def _people_buttons(context: BotContext, locale: str, p: PeoplePage) -> Buttons:
    plain = context.deps.texts.plain
    rows: list[list[tuple[str, str]]] = [
        [(plain(locale, "facts.person_label", line=line), FactsPerson(line.person_id).pack())]
        for line in p.people
    ]

    def turn(page: int) -> str:
        if p.which == "department":
            return FactsDepartment(department_id=p.department_id, page=page).pack()
        return FactsMissing(candidates=p.which == "candidates", page=page).pack()

    nav = []
    if p.page > 0:
        nav.append((plain(locale, "facts.prev_button"), turn(p.page - 1)))
    if p.page < p.pages - 1:
        nav.append((plain(locale, "facts.next_button"), turn(p.page + 1)))
    if nav:
        rows.append(nav)
    if p.which == "department":
        rows.append([(plain(locale, "facts.departments_button"), FactsDepartments().pack())])
    rows.append([(plain(locale, "facts.back_button"), FactsHome().pack())])
    return rows


def _department_buttons(context: BotContext, locale: str, lines: list[DepartmentLine]) -> Buttons:
    plain = context.deps.texts.plain
    rows = [
        [(plain(locale, "facts.department_label", d=d), FactsDepartment(d.department_id, 0).pack())]
        for d in lines
    ]
    rows.append([(plain(locale, "facts.back_button"), FactsHome().pack())])
    return rows


def _card_buttons(context: BotContext, locale: str, c: PersonCard) -> Buttons:
    plain = context.deps.texts.plain

    def rate(rating: Rating) -> tuple[str, str]:
        label = plain(locale, "facts.rate_button", rating=str(rating), current=c.rating)
        return label, FactsRate(c.person_id, rating).pack()

    fields = [
        (plain(locale, "facts.discipline_button"), FactsAsk(c.person_id, "discipline").pack())
    ]
    if c.may_initiative:
        fields.append(
            (plain(locale, "facts.initiative_button"), FactsAsk(c.person_id, "initiative").pack())
        )
    return [
        [rate(Rating.EXCELLENT), rate(Rating.GOOD)],
        [rate(Rating.DONE), rate(Rating.NOT_DONE)],
        [(plain(locale, "facts.start_button"), FactsAsk(c.person_id, "start").pack())],
        fields,
        [(plain(locale, "facts.back_button"), FactsHome().pack())],
    ]


# ------------------------------------------------------------------ the overview, the sheet


async def _overview(update: Update, context: BotContext, *, wait: bool) -> None:
    o = await context.services.facts.overview(tg_user_id=_user_id(update), wait=wait)
    if update.callback_query is not None:
        await update.callback_query.answer()
    buttons = _overview_buttons(context, await user_locale(context, update), o)
    show = edit_or_say if update.callback_query else say
    await show(update, context, "facts.overview", o=o, buttons=buttons)


@refusals
async def facts_command(update: Update, context: BotContext) -> None:
    """/facts: the year's facts at a glance; the bot waits for the filled sheet."""
    await _overview(update, context, wait=True)


@refusals
async def on_home(update: Update, context: BotContext) -> None:
    """Back to the year's overview."""
    await _overview(update, context, wait=False)


@refusals
async def on_sheet(update: Update, context: BotContext) -> None:
    """Send the XLSX pre-filled with the staff list."""
    query = update.callback_query
    assert query is not None
    sheet = await context.services.facts.sheet(tg_user_id=query.from_user.id)
    await query.answer()
    locale = await user_locale(context, update)
    await context.bot.send_document(
        query.from_user.id,
        document=sheet.content,
        filename=sheet.filename,
        caption=context.deps.texts.render(
            locale, "facts.sheet_caption", year=sheet.year, rows=sheet.rows
        ),
        parse_mode=ParseMode.HTML,
    )


@refusals
async def on_upload(update: Update, context: BotContext) -> None:
    """ "Gửi lại bảng đã điền": the bot waits for the filled sheet."""
    query = update.callback_query
    assert query is not None
    year = await context.services.facts.wait_for_sheet(tg_user_id=query.from_user.id)
    await query.answer()
    await say(update, context, "facts.send_sheet", year=year)


@refusals
async def on_document(update: Update, context: BotContext) -> None:
    """A file in the private chat: the filled sheet when the bot waits for it (or a leader's
    .xlsx with the sheet's header); anything else goes on to the announcement and story
    handlers."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.document is not None
    document = message.document
    wanted = await context.services.facts.sheet_wanted(
        tg_user_id=user.id,
        file_name=document.file_name or "",
        mime_type=document.mime_type or "",
        size=document.file_size or 0,
    )
    if wanted is Wanted.PASS:
        await broadcast.on_media(update, context)
        return
    with contextlib.suppress(TelegramError):  # "typing…" while the sheet is read
        await context.bot.send_chat_action(user.id, ChatAction.TYPING)
    data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    imported = await context.services.facts.import_sheet(
        tg_user_id=user.id, data=data, sure=wanted is Wanted.SURE
    )
    if imported is None:  # an .xlsx of something else
        await broadcast.on_media(update, context)
        return
    locale = await user_locale(context, update)
    label = context.deps.texts.plain(locale, "facts.back_button")
    await say(
        update, context, "facts.imported", r=imported, buttons=[[(label, FactsHome().pack())]]
    )


# ---------------------------------------------------------------------------- person by person


async def _people(update: Update, context: BotContext, page: PeoplePage) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    buttons = _people_buttons(context, await user_locale(context, update), page)
    await edit_or_say(update, context, "facts.people", p=page, buttons=buttons)


@refusals
async def on_missing(update: Update, context: BotContext) -> None:
    """A page of the people (or the round's candidates) whose facts are missing."""
    query = update.callback_query
    assert query is not None
    pressed = FactsMissing.unpack(query.data)
    page = await context.services.facts.missing(
        tg_user_id=query.from_user.id, candidates=pressed.candidates, page=pressed.page
    )
    await _people(update, context, page)


@refusals
async def on_departments(update: Update, context: BotContext) -> None:
    """The departments, to pick people from."""
    query = update.callback_query
    assert query is not None
    FactsDepartments.unpack(query.data)
    lines = await context.services.facts.departments(tg_user_id=query.from_user.id)
    await query.answer()
    buttons = _department_buttons(context, await user_locale(context, update), lines)
    await edit_or_say(update, context, "facts.departments", lines=lines, buttons=buttons)


@refusals
async def on_department(update: Update, context: BotContext) -> None:
    """A page of one department's people."""
    query = update.callback_query
    assert query is not None
    pressed = FactsDepartment.unpack(query.data)
    page = await context.services.facts.department(
        tg_user_id=query.from_user.id, department_id=pressed.department_id, page=pressed.page
    )
    await _people(update, context, page)


async def _card(
    update: Update, context: BotContext, card: PersonCard, *, saved: str = "", edit: bool = True
) -> None:
    buttons = _card_buttons(context, await user_locale(context, update), card)
    show = edit_or_say if edit else say
    await show(update, context, "facts.card", c=card, saved=saved, buttons=buttons)


@refusals
async def on_person(update: Update, context: BotContext) -> None:
    """One person's facts for the year."""
    query = update.callback_query
    assert query is not None
    person_id = FactsPerson.unpack(query.data).person_id
    card = await context.services.facts.person(tg_user_id=query.from_user.id, person_id=person_id)
    await query.answer()
    await _card(update, context, card)


@refusals
async def on_rate(update: Update, context: BotContext) -> None:
    """A rating pressed on a person's card."""
    query = update.callback_query
    assert query is not None
    pressed = FactsRate.unpack(query.data)
    card = await context.services.facts.rate(
        tg_user_id=query.from_user.id, person_id=pressed.person_id, rating=pressed.rating
    )
    await query.answer(
        context.deps.texts.plain(await user_locale(context, update), "common.done_toast")
    )
    await _card(update, context, card)


@refusals
async def on_ask(update: Update, context: BotContext) -> None:
    """The leader will type a start date, a discipline or an initiative."""
    query = update.callback_query
    assert query is not None
    pressed = FactsAsk.unpack(query.data)
    card = await context.services.facts.ask(
        tg_user_id=query.from_user.id, person_id=pressed.person_id, what=pressed.field
    )
    await query.answer()
    buttons: Buttons = []
    if pressed.field != "start":
        label = context.deps.texts.plain(
            await user_locale(context, update), "facts.clear_button", what=pressed.field
        )
        buttons = [[(label, FactsClear(pressed.person_id, pressed.field).pack())]]
    await say(update, context, "facts.ask", c=card, what=pressed.field, buttons=buttons)


@refusals
async def on_clear(update: Update, context: BotContext) -> None:
    """No discipline, no initiative: the fact removed."""
    query = update.callback_query
    assert query is not None
    pressed = FactsClear.unpack(query.data)
    card = await context.services.facts.clear(
        tg_user_id=query.from_user.id, person_id=pressed.person_id, what=pressed.field
    )
    await query.answer()
    await _card(update, context, card, saved=pressed.field)


@refusals
async def on_text(update: Update, context: BotContext) -> None:
    """What the leader typed for the fact asked (called by the private-text router)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    what, card = await context.services.facts.answer(tg_user_id=_user_id(update), text=message.text)
    await _card(update, context, card, saved=what, edit=False)
