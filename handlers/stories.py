"""Good deeds: the /report dialogue, the council's buttons, /mine and /pending."""

from __future__ import annotations

import functools
import logging

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from handlers import common
from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services import conversations, stories
from services.errors import AlreadyDone, Invalid, NotAllowed
from services.people import actor
from services.stories import Draft
from storage.models import Conversation, NomineeKind
from ui.buttons import pack, unpack
from ui.keyboards import keyboard
from ui.texts import Texts

log = logging.getLogger(__name__)
COLLEAGUES_PAGE = 8


# ---------------------------------------------------------------------------- the teacher


def _step_buttons(texts: Texts, locale: str, step: str) -> Buttons | None:
    """The buttons that go with a step's prompt (the colleague list is built separately)."""
    label = functools.partial(texts.plain, locale)
    if step == "text":
        return [[(label("stories.text_done_button"), pack("rp", "text"))]]
    if step == "photos":
        return [[(label("stories.continue_button"), pack("rp", "photos"))]]
    if step == "nominee":
        return [
            [
                (label("stories.nominee_self"), pack("rn", "self")),
                (label("stories.nominee_colleague"), pack("rn", "colleague")),
            ],
            [
                (label("stories.nominee_pupil"), pack("rn", "pupil")),
                (label("stories.nominee_group"), pack("rn", "group")),
            ],
        ]
    if step == "consent":
        return [
            [
                (label("stories.consent_yes"), pack("rk", True)),
                (label("stories.consent_no"), pack("rk", False)),
            ]
        ]
    if step == "preview":
        return [
            [
                (label("stories.send_button"), pack("rp", "send")),
                (label("stories.edit_button"), pack("rp", "edit")),
                (label("stories.cancel_button"), pack("rp", "cancel")),
            ]
        ]
    return None


def _name_prompt(draft: Draft) -> str:
    return "stories.ask_pupil" if draft.nominee_kind == NomineeKind.PUPIL else "stories.ask_group"


async def _show_step(update: Update, context: BotContext, draft: Draft, *, edit: bool) -> None:
    """Show the prompt of the step the draft is at (also how a resumed draft picks up)."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    show = edit_or_say if edit else say
    step, buttons = draft.step, _step_buttons(texts, locale, draft.step)
    if step == "text":
        await show(update, context, "stories.ask_text", limit=stories.STORY_MAX, buttons=buttons)
    elif step == "photos":
        await show(update, context, "stories.ask_photos", limit=stories.PHOTOS_MAX, buttons=buttons)
    elif step == "nominee":
        await show(update, context, "stories.ask_nominee", buttons=buttons)
    elif step == "nominee_colleague":
        await _show_colleagues(update, context, 0, edit=edit)
    elif step == "nominee_text":
        await show(update, context, _name_prompt(draft))
    elif step == "consent":
        await show(update, context, "stories.ask_consent", buttons=buttons)
    elif step == "campaign":
        offered = [(str(name)[:60], pack("rg", int(cid))) for cid, name in draft.data["campaigns"]]
        rows: Buttons = [[button] for button in offered]
        rows = [*rows, [(texts.plain(locale, "campaigns.attach_none_button"), pack("rg", 0))]]
        await show(update, context, "campaigns.attach_prompt", buttons=rows)
    else:
        story = stories.fit_view(texts, locale, "stories.preview", stories.preview(draft))
        await show(update, context, "stories.preview", story=story, buttons=buttons)


async def _not_expected(
    update: Update, context: BotContext, draft: Draft, *, document: bool = False
) -> None:
    """Input the step does not take (text at a button step, a file, a sticker...): say what the
    step wants, with the step's buttons again, so the user can go on from the newest message."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    step, buttons = draft.step, _step_buttons(texts, locale, draft.step)
    if step in ("text", "photos") and document:
        key = "stories.document_not_photo"
    elif step == "text":
        key = "stories.media_in_text"
    elif step == "photos":
        key = "stories.photo_expected"
    elif step == "nominee_text":
        key = _name_prompt(draft)
    elif step == "nominee_colleague":
        await _show_colleagues(update, context, 0, edit=False)
        return
    else:
        key = "stories.not_text_step"
    if step == "text" and not draft.text:
        buttons = None  # nothing to finish yet
    await say(update, context, key, buttons=buttons)


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
    async with deps.sessions() as session:  # closed before talking to Telegram
        draft = await stories.current(session, tg_user_id=user.id)
        step = draft.step
        if step == "text":
            draft = await stories.add_text(
                session, tg_user_id=user.id, text=message.text, now=deps.clock()
            )
        elif step == "nominee_text":
            draft = await stories.name_nominee(
                session, tg_user_id=user.id, text=message.text, now=deps.clock()
            )
    if step == "text":
        locale = await user_locale(context, update)
        await say(
            update,
            context,
            "stories.text_added",
            length=draft.length,
            limit=stories.STORY_MAX,
            buttons=[[(texts.plain(locale, "stories.text_done_button"), pack("rp", "text"))]],
        )
        return
    if step == "nominee_text":
        await _show_step(update, context, draft, edit=False)
        return
    await _not_expected(update, context, draft)


@refusals
async def on_photo(update: Update, context: BotContext) -> None:
    """A photo in a private chat: part of the story being written (an album is acked once)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.photo
    async with context.deps.sessions() as session:  # closed before talking to Telegram
        convo = await conversations.current(session, chat_id=user.id, user_id=user.id)
        added = None
        if convo is not None and convo.kind == "report":
            added = await stories.add_photo(
                session,
                tg_user_id=user.id,
                file_id=message.photo[-1].file_id,
                media_group_id=message.media_group_id,
                now=context.deps.clock(),
            )
    if added is None:
        await say(update, context, "common.unsupported_media")
        return
    if not added.acknowledge:
        return
    locale = await user_locale(context, update)
    button = [[(context.deps.texts.plain(locale, "stories.continue_button"), pack("rp", "photos"))]]
    if message.media_group_id:
        await say(update, context, "stories.album_added", buttons=button)
    else:
        await say(
            update,
            context,
            "stories.photo_added",
            count=len(added.draft.photos),
            limit=stories.PHOTOS_MAX,
            buttons=button,
        )


@refusals
async def on_media(update: Update, context: BotContext) -> None:
    """A file, sticker, voice message... in a private chat: while a story is being written, a
    hint for the step it is at (the draft is untouched); otherwise the usual polite refusal."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.deps.sessions() as session:
        convo = await conversations.current(session, chat_id=user.id, user_id=user.id)
        draft = await stories.current(session, tg_user_id=user.id) if _drafting(convo) else None
    if draft is None:
        await common.unsupported(update, context)
        return
    document = message.document is not None and message.animation is None
    await _not_expected(update, context, draft, document=document)


def _drafting(convo: Conversation | None) -> bool:
    return convo is not None and convo.kind == "report"


@refusals
async def on_report_button(update: Update, context: BotContext) -> None:
    """The buttons of the dialogue: text done, photos done, send, edit, cancel, edit which part."""
    query = update.callback_query
    assert query is not None
    action = str(unpack(query.data).args[0])
    user_id, deps = query.from_user.id, context.deps
    now = deps.clock()
    async with deps.sessions() as session:  # closed before talking to Telegram
        if action == "text":
            draft = await stories.finish_text(session, tg_user_id=user_id, now=now)
        elif action == "photos":
            draft = await stories.finish_photos(session, tg_user_id=user_id, now=now)
        elif action == "cancel":
            await stories.cancel(session, tg_user_id=user_id)
        elif action == "send":
            story = await stories.submit(session, tg_user_id=user_id, texts=deps.texts, now=now)
        elif action == "edit":
            await stories.current(session, tg_user_id=user_id)
        else:
            part = {"et": "text", "ep": "photos", "en": "nominee"}[action]
            draft = await stories.edit_part(session, tg_user_id=user_id, part=part, now=now)
    if action == "cancel":
        await query.answer()
        await edit_or_say(update, context, "stories.draft_cancelled")
        return
    if action == "send":
        await query.answer()
        await edit_or_say(update, context, "stories.submitted", story=story)
        return
    if action == "edit":
        texts, locale = deps.texts, await user_locale(context, update)
        await query.answer()
        await edit_or_say(
            update,
            context,
            "stories.edit_which",
            buttons=[
                [
                    (texts.plain(locale, "stories.edit_text_button"), pack("rp", "et")),
                    (texts.plain(locale, "stories.edit_photos_button"), pack("rp", "ep")),
                    (texts.plain(locale, "stories.edit_nominee_button"), pack("rp", "en")),
                ]
            ],
        )
        return
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
    await query.answer(deps.texts.plain(locale, "stories.withdrawn_toast", story_id=story.id))
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
        [(texts.plain(locale, "stories.withdraw_button", story_id=s.id), pack("sw", s.id))]
        if s.status == "pending"
        else [(texts.plain(locale, "stories.edit_story_button", story_id=s.id), pack("se", s.id))]
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
        await query.answer(deps.texts.plain(locale, "stories.decided_toast", verdict=verdict))
        return
    async with deps.sessions() as session:
        await stories.check_can_decide(session, story_id=story_id, reviewer_tg_id=user.id)
    await query.answer()
    reasons = stories.DEFAULT_REASONS[verdict]
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
            raise NotAllowed("errors.chair_only")
        await stories.check_can_reopen(session, story_id=story_id, chair_tg_id=query.from_user.id)
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
    reasons = stories.DEFAULT_REASONS[verdict]
    if index >= len(reasons):
        raise Invalid("errors.bad_button")
    await _decide_with_reason(update, context, story_id, verdict, reasons[index])
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, "stories.decided_toast", verdict=verdict))


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
    except AlreadyDone as closed:
        # Decided, withdrawn or superseded meanwhile: stop waiting for a reason, and let the
        # prompt say why (without its buttons), so nobody keeps answering it.
        async with deps.sessions() as session:
            prompts = await stories.forget_reasons(session, user_id=user.id, story_id=story_id)
        why = deps.texts.render(deps.texts.default_locale, closed.key, **closed.values)
        await _close_prompts(context, prompts, why)
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
    await _close_prompts(context, prompts, done)


async def _close_prompts(context: BotContext, prompts: set[tuple[int, int]], text: str) -> None:
    """Replace reason prompts with `text` and no buttons (a prompt deleted meanwhile is fine)."""
    for chat_id, message_id in prompts:
        try:
            await context.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
            )
        except BadRequest as exc:
            log.info("reason prompt %s/%s not edited: %s", chat_id, message_id, exc.message)


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


@refusals
async def on_campaign_pick(update: Update, context: BotContext) -> None:
    """The story is attached to an open campaign (or to none)."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        draft = await stories.choose_campaign(
            session,
            tg_user_id=query.from_user.id,
            campaign_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    await query.answer()
    await _show_step(update, context, draft, edit=True)
