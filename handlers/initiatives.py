"""Initiatives (sáng kiến): /initiatives, the chair opening the call and naming the initiatives
council, registering (three typed answers), sending the write-up and photos, the council chair's
list, an entry's card (assign, confirm), the draft decision."""

from __future__ import annotations

import io

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.files import TELEGRAM_DOWNLOAD_LIMIT
from services.initiatives import EntryCard, Home, JuryLine, Panel
from ui.buttons.base import BadCallback, parse
from ui.buttons.initiatives import (
    InitiativesAssign,
    InitiativesConfirm,
    InitiativesDecision,
    InitiativesEntry,
    InitiativesHome,
    InitiativesJury,
    InitiativesJurySet,
    InitiativesOpen,
    InitiativesPanel,
    InitiativesRegister,
    InitiativesRelax,
    InitiativesSubmit,
    InitiativesSubmitDone,
)
from ui.buttons.reviews import ReviewSheets

LIMIT_MB = TELEGRAM_DOWNLOAD_LIMIT // 2**20


async def _l(update: Update, context: BotContext, key: str, **values: object) -> str:
    return context.deps.texts.plain(
        await user_locale(context, update), f"initiatives.{key}", **values
    )


async def _home_buttons(update: Update, context: BotContext, h: Home) -> Buttons:
    rows: list[list[tuple[str, str]]] = []
    if h.call is None:
        if h.is_chair:
            rows.append(
                [(await _l(update, context, "open_call_button"), InitiativesOpen(False).pack())]
            )
        return rows
    if h.stale and h.is_chair:
        rows.append(
            [(await _l(update, context, "open_call_button"), InitiativesOpen(False).pack())]
        )
    if h.call.registering:
        rows.append([(await _l(update, context, "register_button"), InitiativesRegister().pack())])
    for e in h.mine:
        if e.status in ("registered", "submitted") and h.call.submitting:
            label = await _l(update, context, "submit_entry_button", code=e.code)
            rows.append([(label, InitiativesSubmit(e.id).pack())])
    if h.is_chair:
        rows.append([(await _l(update, context, "jury_button"), InitiativesJury().pack())])
    if h.jury_role == "chair" or (h.is_chair and not h.jury_chaired):
        rows.append([(await _l(update, context, "panel_button"), InitiativesPanel().pack())])
    if h.sheets:
        rows.append([(await _l(update, context, "sheets_button"), ReviewSheets().pack())])
    return rows


async def _show_home(update: Update, context: BotContext, h: Home, *, edit: bool) -> None:
    show = edit_or_say if edit else say
    await show(
        update, context, "initiatives.home", h=h, buttons=await _home_buttons(update, context, h)
    )


@refusals
async def initiatives_command(update: Update, context: BotContext) -> None:
    """/initiatives: the year's call, the member's initiatives, what they can do."""
    user = update.effective_user
    assert user is not None
    await _show_home(
        update, context, await context.services.initiatives.home(tg_user_id=user.id), edit=False
    )


async def _jury_buttons(update: Update, context: BotContext, lines: list[JuryLine]) -> Buttons:
    texts, locale = context.deps.texts, await user_locale(context, update)
    rows = []
    for j in lines:
        toggle = InitiativesJurySet(j.person_id, "none" if j.role else "member")
        chair = InitiativesJurySet(j.person_id, "member" if j.role == "chair" else "chair")
        rows.append(
            [
                (texts.plain(locale, "initiatives.jury_member_label", j=j), toggle.pack()),
                (texts.plain(locale, "initiatives.jury_chair_label", j=j), chair.pack()),
            ]
        )
    rows.append([(await _l(update, context, "back_button"), InitiativesHome().pack())])
    return rows


async def _panel_buttons(update: Update, context: BotContext, p: Panel) -> Buttons:
    texts, locale = context.deps.texts, await user_locale(context, update)
    rows = [
        [(texts.plain(locale, "initiatives.entry_button", e=e), InitiativesEntry(e.id).pack())]
        for e in p.entries
        if e.status != "registered"
    ]
    relax = not p.call.same_department_ok
    rows.append(
        [(await _l(update, context, "relax_button", allowed=relax), InitiativesRelax(relax).pack())]
    )
    if p.accepted:
        rows.append([(await _l(update, context, "decision_button"), InitiativesDecision().pack())])
    rows.append([(await _l(update, context, "back_button"), InitiativesHome().pack())])
    return rows


async def _card_buttons(update: Update, context: BotContext, c: EntryCard) -> Buttons:
    texts, locale = context.deps.texts, await user_locale(context, update)
    rows = [
        [
            (
                texts.plain(locale, "initiatives.assign_label", s=s),
                InitiativesAssign(c.entry.id, s.person_id).pack(),
            )
        ]
        for s in c.suggestions
    ]
    if c.may_confirm:
        label = await _l(update, context, "confirm_button", passed=c.passed)
        rows.append([(label, InitiativesConfirm(c.entry.id).pack())])
    rows.append([(await _l(update, context, "back_button"), InitiativesPanel().pack())])
    return rows


async def _show_card(update: Update, context: BotContext, c: EntryCard) -> None:
    await edit_or_say(
        update, context, "initiatives.card", c=c, buttons=await _card_buttons(update, context, c)
    )


@refusals
async def on_button(update: Update, context: BotContext) -> None:
    """Every initiatives button (one use case each)."""
    query = update.callback_query
    assert query is not None
    cases, user_id = context.services.initiatives, query.from_user.id
    match parse(query.data):
        case InitiativesHome():
            home = await cases.home(tg_user_id=user_id)
            await query.answer()
            await _show_home(update, context, home, edit=True)
        case InitiativesOpen(confirm=False):
            window = await cases.preview_call(tg_user_id=user_id)
            await query.answer()
            label = await _l(update, context, "confirm_open_button")
            await edit_or_say(
                update,
                context,
                "initiatives.preview",
                w=window,
                buttons=[[(label, InitiativesOpen(True).pack())]],
            )
        case InitiativesOpen(confirm=True):
            home = await cases.open_call(tg_user_id=user_id)
            await query.answer()
            await _show_home(update, context, home, edit=True)
        case InitiativesJury():
            lines = await cases.jury_list(tg_user_id=user_id)
            await query.answer()
            await edit_or_say(
                update,
                context,
                "initiatives.jury",
                lines=lines,
                buttons=await _jury_buttons(update, context, lines),
            )
        case InitiativesJurySet(person_id=person_id, role=role):
            lines = await cases.set_jury(tg_user_id=user_id, person_id=person_id, role=role)
            await query.answer()
            await edit_or_say(
                update,
                context,
                "initiatives.jury",
                lines=lines,
                buttons=await _jury_buttons(update, context, lines),
            )
        case InitiativesRegister():
            await cases.begin_register(tg_user_id=user_id)
            await query.answer()
            await say(update, context, "initiatives.ask_title")
        case InitiativesSubmit(entry_id=entry_id):
            entry = await cases.begin_submit(tg_user_id=user_id, entry_id=entry_id)
            await query.answer()
            label = await _l(update, context, "done_button")
            await say(
                update,
                context,
                "initiatives.ask_files",
                e=entry,
                limit_mb=LIMIT_MB,
                buttons=[[(label, InitiativesSubmitDone(entry_id).pack())]],
            )
        case InitiativesSubmitDone(entry_id=entry_id):
            entry = await cases.end_submit(tg_user_id=user_id, entry_id=entry_id)
            await query.answer()
            await edit_or_say(update, context, "initiatives.submitted", e=entry)
        case InitiativesPanel():
            panel = await cases.panel(tg_user_id=user_id)
            await query.answer()
            await edit_or_say(
                update,
                context,
                "initiatives.panel",
                p=panel,
                buttons=await _panel_buttons(update, context, panel),
            )
        case InitiativesRelax(allowed=allowed):
            panel = await cases.relax(tg_user_id=user_id, allowed=allowed)
            await query.answer()
            await edit_or_say(
                update,
                context,
                "initiatives.panel",
                p=panel,
                buttons=await _panel_buttons(update, context, panel),
            )
        case InitiativesEntry(entry_id=entry_id):
            card = await cases.entry(tg_user_id=user_id, entry_id=entry_id)
            await query.answer()
            await _show_card(update, context, card)
        case InitiativesAssign(entry_id=entry_id, person_id=person_id):
            card = await cases.assign(tg_user_id=user_id, entry_id=entry_id, person_id=person_id)
            await query.answer()
            await _show_card(update, context, card)
        case InitiativesConfirm(entry_id=entry_id):
            card = await cases.confirm(tg_user_id=user_id, entry_id=entry_id)
            await query.answer()
            await _show_card(update, context, card)
        case InitiativesDecision():
            made = await cases.decision(tg_user_id=user_id)
            await query.answer()
            caption = context.deps.texts.render(
                await user_locale(context, update), "initiatives.decision_caption", count=made.count
            )
            await context.bot.send_document(
                user_id,
                io.BytesIO(made.content),
                filename=made.filename,
                caption=caption,
                parse_mode="HTML",
            )
            pdf = await cases.as_pdf(made)
            if pdf is not None:
                await context.bot.send_document(
                    user_id, io.BytesIO(pdf.content), filename=pdf.filename
                )

        case _:
            raise BadCallback(repr(query.data))


@refusals
async def on_text(update: Update, context: BotContext) -> None:
    """An answer of the registration dialogue (from the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    cases = context.services.initiatives
    step = await cases.typed(tg_user_id=user.id, text=message.text)
    if step.step == "field":
        await say(update, context, "initiatives.ask_field")
    elif step.step == "problem":
        await say(update, context, "initiatives.ask_problem")
    else:
        home = await cases.home(tg_user_id=user.id)
        assert step.entry is not None and home.call is not None
        buttons = []
        if home.call.submitting:
            label = await _l(update, context, "submit_button")
            buttons = [[(label, InitiativesSubmit(step.entry.id).pack())]]
        await say(
            update,
            context,
            "initiatives.registered",
            e=step.entry,
            submit_by=home.call.submit_by,
            buttons=buttons,
        )


@refusals
async def on_file(update: Update, context: BotContext) -> None:
    """A document or photo while an initiative's files are being sent: the write-up, or a photo
    (handlers/files.py routes it here)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    cases = context.services.initiatives
    if message.document is not None:
        doc = message.document
        received = await cases.receive_file(
            tg_user_id=user.id,
            file_id=doc.file_id,
            unique_id=doc.file_unique_id,
            name=doc.file_name or "",
            mime=doc.mime_type or "",
            size=doc.file_size,
            photo=(doc.mime_type or "").startswith("image/"),  # a photo sent as a file
        )
    elif message.photo:
        photo = message.photo[-1]
        received = await cases.receive_file(
            tg_user_id=user.id,
            file_id=photo.file_id,
            unique_id=photo.file_unique_id,
            name=f"anh-{photo.file_unique_id}.jpg",
            mime="image/jpeg",
            size=photo.file_size,
            photo=True,
        )
    else:
        await say(update, context, "initiatives.media_hint")
        return
    label = await _l(update, context, "done_button")
    await say(
        update,
        context,
        "initiatives.received",
        x=received,
        buttons=[[(label, InitiativesSubmitDone(received.entry.id).pack())]],
    )


@refusals
async def on_text_while_sending(update: Update, context: BotContext) -> None:
    """Text while the bot waits for the write-up: a hint (the files are what it needs)."""
    user = update.effective_user
    assert user is not None
    await say(update, context, "initiatives.media_hint")
