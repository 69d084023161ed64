"""Good deeds: the /report dialogue, the council's buttons, /mine and /pending."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode

from bot.context import BotContext
from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from handlers.callback_data import pack, unpack
from scheduler.outbox import keyboard
from services import conversations, stories
from services.errors import AlreadyDone, Invalid
from services.people import actor
from services.stories import DEFAULT_REASONS, PHOTOS_MAX, STORY_MAX, Draft
from storage.models import NomineeKind

COLLEAGUES_PAGE = 8


# ---------------------------------------------------------------------------- the teacher


async def _show_step(update: Update, context: BotContext, draft: Draft, *, edit: bool) -> None:
    """Show the prompt of the step the draft is at (also how a resumed draft picks up)."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    show = edit_or_say if edit else say
    step = draft.step
    if step == "text":
        await show(
            update,
            context,
            "stories.ask_text",
            limit=STORY_MAX,
            buttons=[[(texts.render(locale, "stories.text_done_button"), pack("rp", "text"))]],
        )
    elif step == "photos":
        await show(
            update,
            context,
            "stories.ask_photos",
            limit=PHOTOS_MAX,
            buttons=[[(texts.render(locale, "stories.continue_button"), pack("rp", "photos"))]],
        )
    elif step == "nominee":
        await show(
            update,
            context,
            "stories.ask_nominee",
            buttons=[
                [
                    (texts.render(locale, "stories.nominee_self"), pack("rn", "self")),
                    (texts.render(locale, "stories.nominee_colleague"), pack("rn", "colleague")),
                ],
                [
                    (texts.render(locale, "stories.nominee_pupil"), pack("rn", "pupil")),
                    (texts.render(locale, "stories.nominee_group"), pack("rn", "group")),
                ],
            ],
        )
    elif step == "nominee_colleague":
        await _show_colleagues(update, context, 0, edit=edit)
    elif step == "nominee_text":
        key = (
            "stories.ask_pupil" if draft.nominee_kind == NomineeKind.PUPIL else "stories.ask_group"
        )
        await show(update, context, key)
    elif step == "consent":
        await show(
            update,
            context,
            "stories.ask_consent",
            buttons=[
                [
                    (texts.render(locale, "stories.consent_yes"), pack("rk", True)),
                    (texts.render(locale, "stories.consent_no"), pack("rk", False)),
                ]
            ],
        )
    else:
        await show(
            update,
            context,
            "stories.preview",
            story=stories.preview(draft),
            buttons=[
                [
                    (texts.render(locale, "stories.send_button"), pack("rp", "send")),
                    (texts.render(locale, "stories.edit_button"), pack("rp", "edit")),
                    (texts.render(locale, "stories.cancel_button"), pack("rp", "cancel")),
                ]
            ],
        )


async def _show_colleagues(update: Update, context: BotContext, page: int, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        people = await stories.colleagues(session, tg_user_id=user.id)
    pages = max(1, -(-len(people) // COLLEAGUES_PAGE))
    page = min(max(page, 0), pages - 1)
    rows: list[list[tuple[str, str]]] = [
        [
            (
                m.person.full_name + (f" · {m.department.name}" if m.department else ""),
                pack("rc", m.id),
            )
        ]
        for m in people[page * COLLEAGUES_PAGE : (page + 1) * COLLEAGUES_PAGE]
    ]
    nav = []
    if page > 0:
        nav.append(("‹", pack("rcp", page - 1)))
    if page < pages - 1:
        nav.append(("›", pack("rcp", page + 1)))
    if nav:
        rows.append(nav)
    show = edit_or_say if edit else say
    await show(update, context, "stories.ask_colleague", buttons=rows)


@refusals
async def report_command(update: Update, context: BotContext) -> None:
    """/report: start a story, or pick up the draft in progress where it was."""
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        draft = await stories.start(session, tg_user_id=user.id, now=context.deps.clock())
    await _show_step(update, context, draft, edit=False)


async def on_report_text(update: Update, context: BotContext) -> None:
    """Text sent while a story is being written (called by the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    deps, texts = context.deps, context.deps.texts
    async with deps.sessions() as session:
        draft = await stories.current(session, tg_user_id=user.id)
        if draft.step == "text":
            draft = await stories.add_text(
                session, tg_user_id=user.id, text=message.text, now=deps.clock()
            )
            locale = await user_locale(context, update)
            await say(
                update,
                context,
                "stories.text_added",
                length=draft.length,
                limit=STORY_MAX,
                buttons=[[(texts.render(locale, "stories.text_done_button"), pack("rp", "text"))]],
            )
            return
        if draft.step == "nominee_text":
            draft = await stories.name_nominee(
                session, tg_user_id=user.id, text=message.text, now=deps.clock()
            )
            await _show_step(update, context, draft, edit=False)
            return
    if draft.step == "photos":
        locale = await user_locale(context, update)
        await say(
            update,
            context,
            "stories.photo_expected",
            buttons=[[(texts.render(locale, "stories.continue_button"), pack("rp", "photos"))]],
        )
        return
    raise Invalid("stories.not_text_step")


@refusals
async def on_photo(update: Update, context: BotContext) -> None:
    """A photo in a private chat: part of the story being written (an album is acked once)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.photo
    async with context.deps.sessions() as session:
        convo = await conversations.current(session, chat_id=user.id, user_id=user.id)
        if convo is None or convo.kind != "report":
            await say(update, context, "common.unsupported_media")
            return
        added = await stories.add_photo(
            session,
            tg_user_id=user.id,
            file_id=message.photo[-1].file_id,
            media_group_id=message.media_group_id,
            now=context.deps.clock(),
        )
    if not added.acknowledge:
        return
    locale = await user_locale(context, update)
    button = [
        [(context.deps.texts.render(locale, "stories.continue_button"), pack("rp", "photos"))]
    ]
    if message.media_group_id:
        await say(update, context, "stories.album_added", buttons=button)
    else:
        await say(
            update,
            context,
            "stories.photo_added",
            count=len(added.draft.photos),
            limit=PHOTOS_MAX,
            buttons=button,
        )


async def on_document(update: Update, context: BotContext) -> None:
    """A file where a photo is expected gets a hint; elsewhere the usual polite refusal."""
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        convo = await conversations.current(session, chat_id=user.id, user_id=user.id)
    if convo is not None and convo.kind == "report":
        await say(update, context, "stories.document_not_photo")
    else:
        await say(update, context, "common.unsupported_media")


@refusals
async def on_report_button(update: Update, context: BotContext) -> None:
    """The buttons of the dialogue: text done, photos done, send, edit, cancel, edit which part."""
    query = update.callback_query
    assert query is not None
    action = str(unpack(query.data).args[0])
    user_id, deps = query.from_user.id, context.deps
    now = deps.clock()
    async with deps.sessions() as session:
        if action == "text":
            draft = await stories.finish_text(session, tg_user_id=user_id, now=now)
        elif action == "photos":
            draft = await stories.finish_photos(session, tg_user_id=user_id, now=now)
        elif action == "cancel":
            await stories.cancel(session, tg_user_id=user_id)
            await query.answer()
            await edit_or_say(update, context, "stories.draft_cancelled")
            return
        elif action == "send":
            story = await stories.submit(session, tg_user_id=user_id, texts=deps.texts, now=now)
            await query.answer()
            await edit_or_say(update, context, "stories.submitted", story=story)
            return
        elif action == "edit":
            await stories.current(session, tg_user_id=user_id)
            texts, locale = deps.texts, await user_locale(context, update)
            await query.answer()
            await edit_or_say(
                update,
                context,
                "stories.edit_which",
                buttons=[
                    [
                        (texts.render(locale, "stories.edit_text_button"), pack("rp", "et")),
                        (texts.render(locale, "stories.edit_photos_button"), pack("rp", "ep")),
                        (texts.render(locale, "stories.edit_nominee_button"), pack("rp", "en")),
                    ]
                ],
            )
            return
        else:
            part = {"et": "text", "ep": "photos", "en": "nominee"}[action]
            draft = await stories.edit_part(session, tg_user_id=user_id, part=part, now=now)
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_nominee_kind(update: Update, context: BotContext) -> None:
    """Who did it: oneself, a colleague, a pupil or class, a group."""
    query = update.callback_query
    assert query is not None
    kind = NomineeKind(str(unpack(query.data).args[0]))
    async with context.deps.sessions() as session:
        draft = await stories.choose_nominee(
            session, tg_user_id=query.from_user.id, kind=kind, now=context.deps.clock()
        )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_colleague(update: Update, context: BotContext) -> None:
    """A colleague was picked as the doer."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        draft = await stories.choose_nominee(
            session,
            tg_user_id=query.from_user.id,
            kind=NomineeKind.COLLEAGUE,
            membership_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_colleague_page(update: Update, context: BotContext) -> None:
    """Another page of colleagues."""
    query = update.callback_query
    assert query is not None
    await _show_colleagues(update, context, unpack(query.data).int(), edit=True)
    await query.answer()


@refusals
async def on_consent(update: Update, context: BotContext) -> None:
    """Whether the pupil's parents agreed to publication."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        draft = await stories.set_consent(
            session,
            tg_user_id=query.from_user.id,
            consent=bool(unpack(query.data).args[0]),
            now=context.deps.clock(),
        )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_resubmit(update: Update, context: BotContext) -> None:
    """After "ask for changes": the story comes back as a draft at its preview."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        draft = await stories.start_resubmit(
            session,
            tg_user_id=query.from_user.id,
            story_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    await query.answer()
    await _show_step(update, context, draft, edit=False)


@refusals
async def on_withdraw(update: Update, context: BotContext) -> None:
    """The author withdraws a story still waiting."""
    query = update.callback_query
    assert query is not None
    deps = context.deps
    async with deps.sessions() as session:
        story = await stories.withdraw(
            session,
            story_id=unpack(query.data).int(),
            author_tg_id=query.from_user.id,
            texts=deps.texts,
            now=deps.clock(),
        )
    locale = await user_locale(context, update)
    await query.answer(deps.texts.render(locale, "stories.withdrawn_toast", story_id=story.id))
    await _show_mine(update, context, edit=True)


async def _show_mine(update: Update, context: BotContext, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    texts, locale = context.deps.texts, await user_locale(context, update)
    async with context.deps.sessions() as session:
        mine = await stories.mine(session, tg_user_id=user.id)
    show = edit_or_say if edit else say
    if not mine:
        await show(update, context, "stories.mine_empty")
        return
    buttons: Buttons = [
        [(texts.render(locale, "stories.withdraw_button", story_id=s.id), pack("sw", s.id))]
        if s.status == "pending"
        else [(texts.render(locale, "stories.edit_story_button", story_id=s.id), pack("se", s.id))]
        for s in mine
        if s.status in ("pending", "changes_requested")
    ]
    await show(update, context, "stories.mine", stories=mine, buttons=buttons or None)


@refusals
async def mine_command(update: Update, context: BotContext) -> None:
    """/mine: the teacher's stories and where each stands."""
    await _show_mine(update, context, edit=False)


@refusals
async def pending_command(update: Update, context: BotContext) -> None:
    """/pending: stories waiting for the council, oldest first, with links to their cards."""
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        items = await stories.pending(session, tg_user_id=user.id)
    if items:
        await say(update, context, "stories.pending", items=items)
    else:
        await say(update, context, "stories.pending_empty")


# ---------------------------------------------------------------------------- the council


def _name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else ""


@refusals
async def on_decision(update: Update, context: BotContext) -> None:
    """A council button on a card: approve at once; reject / ask for changes wants a reason."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    story_id, verdict = pressed.int(0), str(pressed.args[1])
    deps, user = context.deps, query.from_user
    if verdict == "approve":
        async with deps.sessions() as session:
            await stories.decide(
                session,
                story_id=story_id,
                reviewer_tg_id=user.id,
                verdict="approve",
                reason=None,
                texts=deps.texts,
                now=deps.clock(),
            )
        locale = await user_locale(context, update)
        await query.answer(deps.texts.render(locale, "stories.decided_toast", verdict=verdict))
        return
    async with deps.sessions() as session:
        await stories.check_can_decide(session, story_id=story_id, reviewer_tg_id=user.id)
    await query.answer()
    reasons = DEFAULT_REASONS[verdict]
    buttons = [[(reason, pack("sr", story_id, verdict, i))] for i, reason in enumerate(reasons)]
    await _ask_reason(update, context, story_id, verdict, "stories.reason_prompt", buttons)


@refusals
async def on_reopen(update: Update, context: BotContext) -> None:
    """The chair's reopen button: a reason is asked (chair only; others get an alert)."""
    query = update.callback_query
    assert query is not None
    story_id = unpack(query.data).int()
    async with context.deps.sessions() as session:
        who = await actor(session, query.from_user.id)
    if str(who.role) != "chair":
        locale = await user_locale(context, update)
        await query.answer(context.deps.texts.render(locale, "errors.chair_only"), show_alert=True)
        return
    await query.answer()
    await _ask_reason(update, context, story_id, "reopen", "stories.reopen_prompt", None)


async def _ask_reason(
    update: Update,
    context: BotContext,
    story_id: int,
    verdict: str,
    key: str,
    buttons: Buttons | None,
) -> None:
    """Prompt for a reason (reply in the group, or privately) and remember that we wait for it."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    chat_id, deps = query.message.chat.id, context.deps
    text = deps.texts.render(
        deps.texts.default_locale, key, name=_name(update), story_id=story_id, verdict=verdict
    )
    prompt = await context.bot.send_message(
        chat_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_to_message_id=query.message.message_id,
        reply_markup=keyboard([[list(b) for b in row] for row in buttons]) if buttons else None,
    )
    async with deps.sessions() as session:
        await stories.await_reason(
            session,
            user_id=query.from_user.id,
            story_id=story_id,
            verdict=verdict,
            prompt_chat=chat_id,
            prompt_id=prompt.message_id,
            now=deps.clock(),
        )


@refusals
async def on_canned_reason(update: Update, context: BotContext) -> None:
    """A canned reason was picked on the prompt: the decision is taken now."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    story_id, verdict, index = pressed.int(0), str(pressed.args[1]), pressed.int(2)
    reasons = DEFAULT_REASONS[verdict]
    if index >= len(reasons):
        raise Invalid("errors.bad_button")
    await _decide_with_reason(update, context, story_id, verdict, reasons[index])
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.render(locale, "stories.decided_toast", verdict=verdict))


async def _decide_with_reason(
    update: Update, context: BotContext, story_id: int, verdict: str, reason: str
) -> None:
    user = update.effective_user
    assert user is not None
    deps = context.deps
    try:
        async with deps.sessions() as session:
            if verdict == "reopen":
                await stories.reopen(
                    session,
                    story_id=story_id,
                    chair_tg_id=user.id,
                    reason=reason,
                    texts=deps.texts,
                    now=deps.clock(),
                )
            else:
                await stories.decide(
                    session,
                    story_id=story_id,
                    reviewer_tg_id=user.id,
                    verdict=verdict,
                    reason=reason,
                    texts=deps.texts,
                    now=deps.clock(),
                )
    except AlreadyDone:
        async with deps.sessions() as session:  # someone else decided: stop waiting for a reason
            await stories.forget_reasons(session, user_id=user.id, story_id=story_id)
        raise
    async with deps.sessions() as session:
        prompts = await stories.forget_reasons(session, user_id=user.id, story_id=story_id)
    done = deps.texts.render(
        deps.texts.default_locale,
        "stories.reason_done",
        name=_name(update),
        story_id=story_id,
        verdict=verdict,
    )
    for chat_id, message_id in prompts:
        await context.bot.edit_message_text(
            done, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
        )


@refusals
async def on_reason_text(update: Update, context: BotContext) -> None:
    """A free-text reason: a reply to the prompt in the group, or a private message."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    async with context.deps.sessions() as session:
        convo = await conversations.current(session, chat_id=chat.id, user_id=user.id)
    if convo is None or convo.kind != "reason":
        if chat.type != ChatType.PRIVATE:
            return  # a reply to some other bot message in the group: nothing to do
        raise Invalid("errors.no_dialogue")
    if chat.type != ChatType.PRIVATE and (
        message.reply_to_message is None
        or message.reply_to_message.message_id != int(convo.data["prompt_id"])
    ):
        return
    await _decide_with_reason(
        update, context, int(convo.data["story_id"]), str(convo.data["verdict"]), message.text or ""
    )
    if chat.type == ChatType.PRIVATE:  # in the group, the edited prompt already says it
        await say(update, context, "stories.decided_toast", verdict=str(convo.data["verdict"]))
