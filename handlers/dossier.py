"""The dossier (hồ sơ đề nghị khen thưởng): /dossier shows the round's deciding levels, 📦 builds
one level's ZIP with a progress message edited as the evidence comes in, then sends it privately
to the chair; 🔄 builds it again after something changed (every version is kept)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.dossier import Blocked, Built, Overview
from services.errors import ServiceError
from ui.buttons.dossier import DossierBuild, DossierCopy, DossierOverview, DossierVersions
from ui.keyboards import keyboard

log = logging.getLogger(__name__)
# Telegram's Bot API accepts documents up to 50 MB from a bot: a bigger dossier goes in volumes
# (with room for the upload's own headers).
SEND_LIMIT = 49 * 1024 * 1024
VERSIONS_SHOWN = 8  # buttons for the newest versions; older ones stay listed in the text
EDIT_EVERY = 1.5  # seconds between edits of the progress message (one message a second a chat)


def _buttons(context: BotContext, locale: str, view: Overview) -> Buttons:
    """A build button per level (none while something stops the dossier); the kept versions."""
    plain = context.deps.texts.plain
    rows = [
        [
            (
                plain(
                    locale,
                    "dossier.rebuild_button" if line.version else "dossier.build_button",
                    level=line.level,
                ),
                DossierBuild(view.round_id, line.slug).pack(),
            )
        ]
        for line in view.levels
        if not view.blockers
    ]
    if any(line.version for line in view.levels):
        label = plain(locale, "dossier.versions_button")
        rows.append([(label, DossierVersions(view.round_id).pack())])
    return rows


@refusals
async def dossier_command(update: Update, context: BotContext) -> None:
    """/dossier: the newest round's dossiers, one button per deciding level (the chair)."""
    await _overview(update, context, None)


@refusals
async def on_overview(update: Update, context: BotContext) -> None:
    """The round's dossiers again (from a button)."""
    query = update.callback_query
    assert query is not None
    pressed = DossierOverview.unpack(query.data)
    await _overview(update, context, pressed.round_id)


async def _overview(update: Update, context: BotContext, round_id: int | None) -> None:
    user = update.effective_user
    assert user is not None
    view = await context.services.dossiers.overview(tg_user_id=user.id, round_id=round_id)
    locale = await user_locale(context, update)
    if update.callback_query is not None:
        await update.callback_query.answer()
    await edit_or_say(
        update, context, "dossier.overview", buttons=_buttons(context, locale, view), view=view
    )


class _Progress:
    """The progress message in the chair's private chat, edited as the dossier is built."""

    def __init__(self, update: Update, context: BotContext, locale: str) -> None:
        self.update, self.context, self.locale = update, context, locale
        self.message: Message | None = None
        self.answered = False
        self.last = 0.0

    async def answer(self) -> None:
        """Answer the pressed button once (the build goes on after it)."""
        if not self.answered and self.update.callback_query is not None:
            self.answered = True
            await self.update.callback_query.answer()

    async def __call__(self, stage: str, done: int, total: int) -> None:
        await self.answer()
        user = self.update.effective_user
        assert user is not None
        text = self.context.deps.texts.render(
            self.locale, "dossier.progress", stage=stage, done=done, total=total
        )
        now = asyncio.get_running_loop().time()
        if self.message is None:
            self.message = await self.context.bot.send_message(
                user.id, text, parse_mode=ParseMode.HTML
            )
            self.last = now
        elif stage == "zip" or done == total or now - self.last >= EDIT_EVERY:
            self.last = now
            with contextlib.suppress(BadRequest):  # "not modified": the same figures again
                await self.message.edit_text(text, parse_mode=ParseMode.HTML)

    async def finish(self, key: str, buttons: Buttons | None = None, **values: object) -> None:
        """The outcome: the progress message becomes it (or a new message when there was none)."""
        user = self.update.effective_user
        assert user is not None
        text = self.context.deps.texts.render(self.locale, key, **values)
        markup = keyboard([[list(b) for b in row] for row in buttons]) if buttons else None
        if self.message is not None:
            with contextlib.suppress(BadRequest):
                await self.message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
                return
        await self.context.bot.send_message(
            user.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )


async def _send(context: BotContext, chat_id: int, locale: str, built: Built) -> int:
    """The ZIP as a document, in volumes when it is above what a bot may send; how many."""
    volumes = await context.services.dossiers.volumes(built, limit=SEND_LIMIT)
    for n, path in enumerate(volumes, start=1):
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
        caption = context.deps.texts.render(
            locale, "dossier.caption", built=built, part=n, parts=len(volumes)
        )
        with path.open("rb") as document:
            await context.bot.send_document(
                chat_id,
                document=document,
                filename=built.name if len(volumes) == 1 else path.name,
                caption=caption,
                parse_mode=ParseMode.HTML,
                read_timeout=120,
                write_timeout=120,
            )
    return len(volumes)


@refusals
async def on_build(update: Update, context: BotContext) -> None:
    """📦 / 🔄: build one level's dossier and send it privately to the chair, in the background:
    downloading hundreds of photos takes minutes, and the chair's chat stays free meanwhile (a
    second press while it builds is told so)."""
    query = update.callback_query
    assert query is not None
    DossierBuild.unpack(query.data)  # forged data: refused here, politely
    context.application.create_task(_build(update, context), update=update)


@refusals
async def _build(update: Update, context: BotContext) -> None:
    """The build itself: progress, then the ZIP (in volumes when large), then the outcome."""
    query = update.callback_query
    assert query is not None
    pressed = DossierBuild.unpack(query.data)
    user = query.from_user
    locale = await user_locale(context, update)
    progress = _Progress(update, context, locale)
    try:
        built = await context.services.dossiers.build(
            tg_user_id=user.id, round_id=pressed.round_id, level=pressed.level, progress=progress
        )
    except Blocked as blocked:
        await progress.answer()
        await progress.finish("dossier.blocked", reasons=blocked.reasons)
        return
    except ServiceError as refusal:
        if not progress.answered:
            raise  # an alert on the button
        await progress.finish(refusal.key, **refusal.values)
        return
    except Forbidden:
        await say(update, context, "common.open_private")
        return
    await progress.answer()
    rebuild = [
        [
            (
                context.deps.texts.plain(locale, "dossier.rebuild_button", level=built.level),
                DossierBuild(built.round_id, built.slug).pack(),
            )
        ]
    ]
    try:
        parts = await _send(context, user.id, locale, built)
    except Forbidden:
        await say(update, context, "common.open_private")
        return
    await progress.finish("dossier.done", rebuild, built=built, parts=parts)


@refusals
async def on_versions(update: Update, context: BotContext) -> None:
    """🗂 Các bản đã lưu: every kept version, the newest with a button each."""
    query = update.callback_query
    assert query is not None
    pressed = DossierVersions.unpack(query.data)
    lines = await context.services.dossiers.versions(
        tg_user_id=query.from_user.id, round_id=pressed.round_id
    )
    await query.answer()
    locale = await user_locale(context, update)
    plain = context.deps.texts.plain
    buttons = [
        [(plain(locale, "dossier.version_button", line=line), DossierCopy(line.id).pack())]
        for line in lines[:VERSIONS_SHOWN]
    ]
    back = plain(locale, "dossier.back_button")
    buttons.append([(back, DossierOverview(pressed.round_id).pack())])
    await edit_or_say(update, context, "dossier.versions", buttons=buttons, lines=lines)


@refusals
async def on_copy(update: Update, context: BotContext) -> None:
    """A kept version, sent again to the chair's private chat."""
    query = update.callback_query
    assert query is not None
    pressed = DossierCopy.unpack(query.data)
    user = query.from_user
    built = await context.services.dossiers.copy(tg_user_id=user.id, version_id=pressed.version_id)
    await query.answer()
    locale = await user_locale(context, update)
    try:
        await _send(context, user.id, locale, built)
    except Forbidden:
        await say(update, context, "common.open_private")
