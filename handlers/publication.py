"""Công khai and objections: /publish (the chair's panel and "Công khai"), "Đã đọc", /objection
and "Gửi kiến nghị" (the member's private dialogue, with a photo or file), "Trả lời", "Giao
người trả lời" and "Bỏ phiếu lại" on the council's card, and the re-vote's ballots."""

from __future__ import annotations

from telegram import Document, Message, PhotoSize, Update
from telegram.error import BadRequest

from handlers.base import Buttons, edit_or_say, refusals, say, say_private, user_locale
from runtime.context import BotContext
from services.judging.publication import (
    Panel,
    RevoteView,
    Step,
    announcement_buttons,
    ballot_buttons,
    progress_buttons,
)
from ui.buttons.publication import (
    ObjAnswer,
    ObjAssign,
    ObjName,
    ObjNoFile,
    ObjSend,
    ObjStart,
    ObjTarget,
    PubPanel,
    PubPublish,
    PubSeen,
    RevoteCast,
    RevoteClose,
    RevoteOpen,
)
from ui.keyboards import keyboard

TARGETS_SHOWN = 95  # Telegram takes at most 100 buttons under a message


async def _label(update: Update, context: BotContext, key: str, **values: object) -> str:
    return context.deps.texts.plain(await user_locale(context, update), key, **values)


async def _panel_buttons(update: Update, context: BotContext, p: Panel) -> Buttons:
    if p.closed and not p.published:
        return [
            [
                (
                    await _label(update, context, "publication.publish_button"),
                    PubPublish(p.round_id).pack(),
                )
            ]
        ]
    if p.published:
        return [
            [
                (
                    await _label(update, context, "publication.refresh_button"),
                    PubPanel(p.round_id).pack(),
                )
            ]
        ]
    return []


@refusals
async def publish_command(update: Update, context: BotContext) -> None:
    """/publish: the chair's publication panel of the newest round."""
    user = update.effective_user
    assert user is not None
    p = await context.services.publication.panel(tg_user_id=user.id)
    await say(
        update, context, "publication.panel", p=p, buttons=await _panel_buttons(update, context, p)
    )


@refusals
async def on_panel(update: Update, context: BotContext) -> None:
    """The panel again (receipts and objections counted now)."""
    query = update.callback_query
    assert query is not None
    pressed = PubPanel.unpack(query.data)
    p = await context.services.publication.panel(
        tg_user_id=query.from_user.id, round_id=pressed.round_id
    )
    await query.answer()
    await edit_or_say(
        update, context, "publication.panel", p=p, buttons=await _panel_buttons(update, context, p)
    )


@refusals
async def on_publish(update: Update, context: BotContext) -> None:
    """ "Công khai": the list goes to every member through the outbox."""
    query = update.callback_query
    assert query is not None
    pressed = PubPublish.unpack(query.data)
    p = await context.services.publication.publish(
        tg_user_id=query.from_user.id, round_id=pressed.round_id
    )
    await query.answer(await _label(update, context, "publication.published_toast", p=p))
    await edit_or_say(
        update, context, "publication.panel", p=p, buttons=await _panel_buttons(update, context, p)
    )


@refusals
async def on_read(update: Update, context: BotContext) -> None:
    """ "Đã đọc": the receipt, once; the button goes, "Gửi kiến nghị" stays."""
    query = update.callback_query
    assert query is not None
    pressed = PubSeen.unpack(query.data)
    first = await context.services.publication.confirm_read(
        tg_user_id=query.from_user.id, publication_id=pressed.publication_id
    )
    key = "publication.read_toast" if first else "publication.read_again_toast"
    await query.answer(await _label(update, context, key))
    if isinstance(query.message, Message):
        locale = await user_locale(context, update)
        rows = announcement_buttons(context.deps.texts, locale, pressed.publication_id, read=True)
        try:
            await query.message.edit_reply_markup(
                keyboard([[list(b) for b in row] for row in rows])
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise


# ------------------------------------------------------------------------ filing an objection


async def _show_step(update: Update, context: BotContext, step: Step, *, edit: bool) -> None:
    """The prompt of the step the member's objection draft is at."""
    show = edit_or_say if edit else say
    if step.step == "target":
        rows: Buttons = [
            [
                (
                    await _label(update, context, "publication.target_label", line=line),
                    ObjTarget(line.candidate_id).pack(),
                )
            ]
            for line in step.lines[:TARGETS_SHOWN]
        ]
        rows = [
            *rows,
            [(await _label(update, context, "publication.whole_list_button"), ObjTarget(0).pack())],
        ]
        more = max(0, len(step.lines) - TARGETS_SHOWN)
        await show(update, context, "publication.ask_target", s=step, more=more, buttons=rows)
    elif step.step == "text":
        await show(update, context, "publication.ask_text", s=step)
    elif step.step == "file":
        label = await _label(update, context, "publication.no_file_button")
        await show(
            update, context, "publication.ask_file", s=step, buttons=[[(label, ObjNoFile().pack())]]
        )
    elif step.step == "name":
        hide = await _label(update, context, "publication.hide_name_button")
        shown = await _label(update, context, "publication.show_name_button")
        await show(
            update,
            context,
            "publication.ask_name",
            s=step,
            buttons=[[(hide, ObjName(False).pack())], [(shown, ObjName(True).pack())]],
        )
    else:
        send = await _label(update, context, "publication.send_button")
        discard = await _label(update, context, "publication.discard_button")
        await show(
            update,
            context,
            "publication.preview",
            s=step,
            buttons=[[(send, ObjSend("send").pack()), (discard, ObjSend("cancel").pack())]],
        )


@refusals
async def objection_command(update: Update, context: BotContext) -> None:
    """/objection: file an objection to the school's published list."""
    user = update.effective_user
    assert user is not None
    step = await context.services.publication.begin_objection(tg_user_id=user.id)
    await _show_step(update, context, step, edit=False)


@refusals
async def on_object(update: Update, context: BotContext) -> None:
    """ "Gửi kiến nghị" under the published list (the list itself stays as it is)."""
    query = update.callback_query
    assert query is not None
    pressed = ObjStart.unpack(query.data)
    step = await context.services.publication.begin_objection(
        tg_user_id=query.from_user.id, publication_id=pressed.publication_id
    )
    await query.answer()
    await _show_step(update, context, step, edit=False)


@refusals
async def on_target(update: Update, context: BotContext) -> None:
    """The candidate chosen (or the whole list)."""
    query = update.callback_query
    assert query is not None
    pressed = ObjTarget.unpack(query.data)
    step = await context.services.publication.objection_target(
        tg_user_id=query.from_user.id, candidate_id=pressed.candidate_id
    )
    await query.answer()
    await _show_step(update, context, step, edit=True)


@refusals
async def on_text(update: Update, context: BotContext) -> None:
    """The objection's text (its dialogue step)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    step = await context.services.publication.objection_text(tg_user_id=user.id, text=message.text)
    await _show_step(update, context, step, edit=False)


@refusals
async def on_file(update: Update, context: BotContext) -> None:
    """A photo or file while an objection is being filed: its attachment (handlers/files.py)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    media: PhotoSize | Document
    if message.photo:
        media, kind, name, mime = message.photo[-1], "photo", None, None
    elif message.document is not None:
        doc = message.document
        media, kind, name, mime = doc, "document", doc.file_name, doc.mime_type
    else:  # pragma: no cover (the filter lets only photos and documents in)
        return
    step = await context.services.publication.objection_file(
        tg_user_id=user.id,
        kind=kind,
        file_id=media.file_id,
        unique_id=media.file_unique_id,
        name=name,
        mime=mime,
        size=media.file_size,
    )
    if step is not None:  # None: the objection was sent or cancelled a moment ago
        await _show_step(update, context, step, edit=False)


@refusals
async def on_no_file(update: Update, context: BotContext) -> None:
    """No attachment."""
    query = update.callback_query
    assert query is not None
    step = await context.services.publication.objection_no_file(tg_user_id=query.from_user.id)
    await query.answer()
    await _show_step(update, context, step, edit=True)


@refusals
async def on_name(update: Update, context: BotContext) -> None:
    """Whether the council may see the name."""
    query = update.callback_query
    assert query is not None
    pressed = ObjName.unpack(query.data)
    step = await context.services.publication.objection_name(
        tg_user_id=query.from_user.id, show=pressed.show
    )
    await query.answer()
    await _show_step(update, context, step, edit=True)


@refusals
async def on_send(update: Update, context: BotContext) -> None:
    """File the objection from the preview, or throw the draft away."""
    query = update.callback_query
    assert query is not None
    pressed = ObjSend.unpack(query.data)
    if pressed.action == "cancel":
        await context.services.publication.discard_objection(tg_user_id=query.from_user.id)
        await query.answer()
        await edit_or_say(update, context, "publication.discarded")
        return
    filed = await context.services.publication.file_objection(tg_user_id=query.from_user.id)
    await query.answer()
    await edit_or_say(update, context, "publication.filed", f=filed)


# ------------------------------------------------------------------------ answering, re-voting


def _in_private(update: Update) -> bool:
    chat, user = update.effective_chat, update.effective_user
    return chat is not None and user is not None and chat.id == user.id


@refusals
async def on_answer(update: Update, context: BotContext) -> None:
    """ "Trả lời": the chair (or the assignee) types the answer privately next."""
    query = update.callback_query
    assert query is not None
    pressed = ObjAnswer.unpack(query.data)
    card = await context.services.publication.begin_answer(
        tg_user_id=query.from_user.id, objection_id=pressed.objection_id
    )
    await query.answer(
        None
        if _in_private(update)
        else await _label(update, context, "publication.answer_in_private")
    )
    await say_private(update, context, "publication.answer_prompt", card=card)


@refusals
async def on_answer_text(update: Update, context: BotContext) -> None:
    """The answer typed (its dialogue step)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    card = await context.services.publication.answer(tg_user_id=user.id, text=message.text)
    await say(update, context, "publication.answered", card=card)


@refusals
async def on_assign(update: Update, context: BotContext) -> None:
    """ "Giao người trả lời": the council members (person 0), then the one chosen."""
    query = update.callback_query
    assert query is not None
    pressed = ObjAssign.unpack(query.data)
    if pressed.person_id == 0:
        choices = await context.services.publication.assign_choices(
            tg_user_id=query.from_user.id, objection_id=pressed.objection_id
        )
        await query.answer()
        rows = [
            [(name, ObjAssign(pressed.objection_id, pid).pack())] for pid, name in choices.members
        ]
        await say_private(update, context, "publication.assign_pick", buttons=rows, choices=choices)
        return
    card = await context.services.publication.assign(
        tg_user_id=query.from_user.id,
        objection_id=pressed.objection_id,
        person_id=pressed.person_id,
    )
    await query.answer()
    await edit_or_say(update, context, "publication.assigned", card=card)


async def _show_progress(update: Update, context: BotContext, v: RevoteView, *, edit: bool) -> None:
    locale = await user_locale(context, update)
    buttons = progress_buttons(context.deps.texts, locale, v)
    if edit:
        await edit_or_say(update, context, "publication.revote_sheet", v=v, buttons=buttons)
    else:
        await say_private(update, context, "publication.revote_sheet", buttons=buttons, v=v)


@refusals
async def on_revote_open(update: Update, context: BotContext) -> None:
    """ "Bỏ phiếu lại": ballots to the council privately; the opener gets the progress."""
    query = update.callback_query
    assert query is not None
    pressed = RevoteOpen.unpack(query.data)
    v = await context.services.publication.open_revote(
        tg_user_id=query.from_user.id, objection_id=pressed.objection_id
    )
    await query.answer()
    await _show_progress(update, context, v, edit=False)


@refusals
async def on_revote_cast(update: Update, context: BotContext) -> None:
    """A member's vote: the ballot shows the choice ticked."""
    query = update.callback_query
    assert query is not None
    pressed = RevoteCast.unpack(query.data)
    v = await context.services.publication.cast_revote(
        tg_user_id=query.from_user.id, revote_id=pressed.revote_id, yes=pressed.yes
    )
    await query.answer(await _label(update, context, "publication.voted_toast"))
    locale = await user_locale(context, update)
    await edit_or_say(
        update,
        context,
        "publication.revote_sheet",
        v=v,
        buttons=ballot_buttons(context.deps.texts, locale, v),
    )


@refusals
async def on_revote_close(update: Update, context: BotContext) -> None:
    """The opener's refresh, or close and count."""
    query = update.callback_query
    assert query is not None
    pressed = RevoteClose.unpack(query.data)
    service = context.services.publication
    if pressed.close:
        v = await service.close_revote(tg_user_id=query.from_user.id, revote_id=pressed.revote_id)
    else:
        v = await service.revote_progress(
            tg_user_id=query.from_user.id, revote_id=pressed.revote_id
        )
    await query.answer()
    await _show_progress(update, context, v, edit=True)
