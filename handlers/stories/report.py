"""The teacher's /report dialogue: the story's text, photos, who did it, the preview, sending;
and the resubmission after the council asked for changes."""

from __future__ import annotations

import functools

from telegram import Update

from handlers import common
from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services import stories
from services.stories import Draft
from storage.models import NomineeKind
from ui.buttons.stories import (
    CampaignAttached,
    ChildConsent,
    ColleagueChosen,
    ColleaguePage,
    ConsentGiven,
    NomineeChosen,
    PupilAge,
    ReportStep,
    StoryResubmit,
)
from ui.texts import Texts

COLLEAGUES_PAGE = 8
_PARTS = {"et": "text", "ep": "photos", "en": "nominee"}  # ReportStep's "edit which" actions


def _step_buttons(texts: Texts, locale: str, draft: Draft) -> Buttons | None:
    """The buttons that go with a step's prompt (the colleague list is built separately)."""
    label, step = functools.partial(texts.plain, locale), draft.step
    if step == "text":
        return [[(label("stories.text_done_button"), ReportStep("text").pack())]]
    if step == "photos":
        return [[(label("stories.continue_button"), ReportStep("photos").pack())]]
    if step == "nominee":
        return [
            [
                (label("stories.nominee_self"), NomineeChosen("self").pack()),
                (label("stories.nominee_colleague"), NomineeChosen("colleague").pack()),
            ],
            [
                (label("stories.nominee_pupil"), NomineeChosen("pupil").pack()),
                (label("stories.nominee_group"), NomineeChosen("group").pack()),
            ],
        ]
    if step == "pupil_age":
        age = draft.consent_age
        return [
            [
                (label("stories.pupil_younger_button", age=age), PupilAge(False).pack()),
                (label("stories.pupil_older_button", age=age), PupilAge(True).pack()),
            ]
        ]
    if step == "consent":
        return [
            [
                (label("stories.consent_yes"), ConsentGiven(True).pack()),
                (label("stories.consent_no"), ConsentGiven(False).pack()),
            ]
        ]
    if step == "child_consent":
        return [
            [
                (label("stories.child_consent_yes"), ChildConsent(True).pack()),
                (label("stories.consent_no"), ChildConsent(False).pack()),
            ]
        ]
    if step == "preview":
        return [
            [
                (label("stories.send_button"), ReportStep("send").pack()),
                (label("stories.edit_button"), ReportStep("edit").pack()),
                (label("stories.cancel_button"), ReportStep("cancel").pack()),
            ]
        ]
    return None


def _name_prompt(draft: Draft) -> str:
    return "stories.ask_pupil" if draft.nominee_kind == NomineeKind.PUPIL else "stories.ask_group"


async def _show_step(update: Update, context: BotContext, draft: Draft, *, edit: bool) -> None:
    """Show the prompt of the step the draft is at (also how a resumed draft picks up)."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    show = edit_or_say if edit else say
    step, buttons = draft.step, _step_buttons(texts, locale, draft)
    if step == "text" and draft.data.get("replaced"):  # rewriting: show what is replaced
        old = "\n\n".join(draft.data["replaced"])
        await show(
            update,
            context,
            "stories.ask_new_text",
            old=old,
            limit=stories.STORY_MAX,
            buttons=buttons,
        )
    elif step == "text":
        await show(update, context, "stories.ask_text", limit=stories.STORY_MAX, buttons=buttons)
    elif step == "photos":
        await show(update, context, "stories.ask_photos", limit=stories.PHOTOS_MAX, buttons=buttons)
    elif step == "nominee":
        await show(update, context, "stories.ask_nominee", buttons=buttons)
    elif step == "nominee_colleague":
        await _show_colleagues(update, context, 0, edit=edit)
    elif step == "nominee_text":
        await show(update, context, _name_prompt(draft))
    elif step == "pupil_age":
        await show(update, context, "stories.ask_pupil_age", age=draft.consent_age, buttons=buttons)
    elif step == "consent":
        await show(update, context, "stories.ask_consent", buttons=buttons)
    elif step == "child_consent":
        age = draft.consent_age
        await show(update, context, "stories.ask_child_consent", age=age, buttons=buttons)
    elif step == "campaign":
        offered = [
            (str(name)[:60], CampaignAttached(int(cid)).pack())
            for cid, name in draft.data["campaigns"]
        ]
        rows: Buttons = [[button] for button in offered]
        none = (texts.plain(locale, "campaigns.attach_none_button"), CampaignAttached(0).pack())
        rows = [*rows, [none]]
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
    step, buttons = draft.step, _step_buttons(texts, locale, draft)
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
    people = await context.services.stories.colleagues(tg_user_id=user.id)
    pages = max(1, -(-len(people) // COLLEAGUES_PAGE))
    page = min(max(page, 0), pages - 1)
    rows: list[list[tuple[str, str]]] = [
        [
            (
                c.name + (f" · {c.department}" if c.department else ""),
                ColleagueChosen(c.membership_id).pack(),
            )
        ]
        for c in people[page * COLLEAGUES_PAGE : (page + 1) * COLLEAGUES_PAGE]
    ]
    nav = []
    if page > 0:
        nav.append(("‹", ColleaguePage(page - 1).pack()))
    if page < pages - 1:
        nav.append(("›", ColleaguePage(page + 1).pack()))
    if nav:
        rows.append(nav)
    show = edit_or_say if edit else say
    await show(update, context, "stories.ask_colleague", buttons=rows)


@refusals
async def report_command(update: Update, context: BotContext) -> None:
    """/report: start a story, or pick up the draft in progress where it was."""
    user = update.effective_user
    assert user is not None
    draft = await context.services.stories.start(tg_user_id=user.id)
    await _show_step(update, context, draft, edit=False)


async def on_report_text(update: Update, context: BotContext) -> None:
    """Text sent while a story is being written (called by the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    step, draft = await context.services.stories.take_text(tg_user_id=user.id, text=message.text)
    if step == "text":
        locale = await user_locale(context, update)
        label = context.deps.texts.plain(locale, "stories.text_done_button")
        await say(
            update,
            context,
            "stories.text_added",
            length=draft.length,
            limit=stories.STORY_MAX,
            buttons=[[(label, ReportStep("text").pack())]],
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
    added = await context.services.stories.add_photo(
        tg_user_id=user.id,
        file_id=message.photo[-1].file_id,
        media_group_id=message.media_group_id,
        caption=message.caption or "",
    )
    if added is None:
        where = await context.services.conversations.where(user.id)
        if where.standing is not None:  # in no dialogue at all: offer to start a story
            await common.idle(update, context, where.standing, "photo")
        else:
            await say(update, context, "common.unsupported_media")
        return
    if not added.acknowledge:
        return
    locale = await user_locale(context, update)
    label = context.deps.texts.plain(locale, "stories.continue_button")
    button = [[(label, ReportStep("photos").pack())]]
    caption = {"caption": added.caption, "length": added.draft.length}
    if message.media_group_id:
        await say(
            update,
            context,
            "stories.album_added",
            limit=stories.STORY_MAX,
            buttons=button,
            **caption,
        )
    else:
        await say(
            update,
            context,
            "stories.photo_added",
            count=len(added.draft.photos),
            limit=stories.PHOTOS_MAX,
            text_limit=stories.STORY_MAX,
            buttons=button,
            **caption,
        )


@refusals
async def on_media(update: Update, context: BotContext) -> None:
    """A file, sticker, voice message... in a private chat: while a story is being written, a
    hint for the step it is at (the draft is untouched); otherwise the usual polite refusal."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    draft = await context.services.stories.drafting(tg_user_id=user.id)
    if draft is None:
        where = await context.services.conversations.where(user.id)
        if where.standing is not None:  # in no dialogue at all: offer to start a story
            await common.idle(update, context, where.standing, "media")
        else:
            await common.unsupported(update, context)
        return
    document = message.document is not None and message.animation is None
    await _not_expected(update, context, draft, document=document)


@refusals
async def on_report_button(update: Update, context: BotContext) -> None:
    """The buttons of the dialogue: text done, photos done, send, edit, cancel, edit which part."""
    query = update.callback_query
    assert query is not None
    action = ReportStep.unpack(query.data).action
    user_id, use = query.from_user.id, context.services.stories
    if action == "cancel":
        await use.cancel(tg_user_id=user_id)
        await query.answer()
        await edit_or_say(update, context, "stories.draft_cancelled")
        return
    if action == "send":
        story = await use.submit(tg_user_id=user_id)
        await query.answer()
        await edit_or_say(update, context, "stories.submitted", story=story)
        return
    if action == "edit":
        await use.current(tg_user_id=user_id)
        texts, locale = context.deps.texts, await user_locale(context, update)
        await query.answer()
        await edit_or_say(
            update,
            context,
            "stories.edit_which",
            buttons=[
                [
                    (texts.plain(locale, "stories.edit_text_button"), ReportStep("et").pack()),
                    (texts.plain(locale, "stories.edit_photos_button"), ReportStep("ep").pack()),
                    (texts.plain(locale, "stories.edit_nominee_button"), ReportStep("en").pack()),
                ],
                [(texts.plain(locale, "stories.back_button"), ReportStep("back").pack())],
            ],
        )
        return
    if action == "new":  # offered outside any dialogue: like /report (a draft is picked up)
        draft = await use.start(tg_user_id=user_id)
        await query.answer()
        await _show_step(update, context, draft, edit=True)
        return
    if action == "back":  # from the choice of what to edit: the preview again, unchanged
        draft = await use.current(tg_user_id=user_id)
    elif action == "text":
        draft = await use.finish_text(tg_user_id=user_id)
    elif action == "photos":
        draft = await use.finish_photos(tg_user_id=user_id)
    else:
        draft = await use.edit_part(tg_user_id=user_id, part=_PARTS[action])
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_nominee_kind(update: Update, context: BotContext) -> None:
    """Who did it: oneself, a colleague, a pupil or class, a group."""
    query = update.callback_query
    assert query is not None
    kind = NomineeKind(NomineeChosen.unpack(query.data).nominee)
    draft = await context.services.stories.choose_nominee(tg_user_id=query.from_user.id, kind=kind)
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_colleague(update: Update, context: BotContext) -> None:
    """A colleague was picked as the doer."""
    query = update.callback_query
    assert query is not None
    draft = await context.services.stories.choose_nominee(
        tg_user_id=query.from_user.id,
        kind=NomineeKind.COLLEAGUE,
        membership_id=ColleagueChosen.unpack(query.data).membership_id,
    )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_colleague_page(update: Update, context: BotContext) -> None:
    """Another page of colleagues."""
    query = update.callback_query
    assert query is not None
    await _show_colleagues(update, context, ColleaguePage.unpack(query.data).page, edit=True)
    await query.answer()


@refusals
async def on_pupil_age(update: Update, context: BotContext) -> None:
    """Whether the pupil is at or above the consent age (then their own consent is asked)."""
    query = update.callback_query
    assert query is not None
    draft = await context.services.stories.set_pupil_age(
        tg_user_id=query.from_user.id, older=PupilAge.unpack(query.data).older
    )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_consent(update: Update, context: BotContext) -> None:
    """Whether the pupil's parents agreed to publication."""
    query = update.callback_query
    assert query is not None
    draft = await context.services.stories.set_consent(
        tg_user_id=query.from_user.id, consent=ConsentGiven.unpack(query.data).consent
    )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_child_consent(update: Update, context: BotContext) -> None:
    """Whether the pupil, at or above the consent age, agreed to publication too."""
    query = update.callback_query
    assert query is not None
    draft = await context.services.stories.set_consent(
        tg_user_id=query.from_user.id, consent=ChildConsent.unpack(query.data).consent, child=True
    )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_campaign_pick(update: Update, context: BotContext) -> None:
    """The story is attached to an open campaign (or to none)."""
    query = update.callback_query
    assert query is not None
    draft = await context.services.stories.choose_campaign(
        tg_user_id=query.from_user.id, campaign_id=CampaignAttached.unpack(query.data).campaign_id
    )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_resubmit(update: Update, context: BotContext) -> None:
    """After "ask for changes": the story comes back as a draft at its preview."""
    query = update.callback_query
    assert query is not None
    draft = await context.services.stories.start_resubmit(
        tg_user_id=query.from_user.id, story_id=StoryResubmit.unpack(query.data).story_id
    )
    await query.answer()
    await _show_step(update, context, draft, edit=False)
