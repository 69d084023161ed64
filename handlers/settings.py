"""/settings: the school's facts, calendar, lists and rules; the chair changes them, the
vice-chair reads them."""

from __future__ import annotations

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.school import SECTIONS, Setting, SettingsView, in_section, setting
from ui.buttons.settings import SettingEdit, SettingReset, SettingsSection

PER_ROW = 5  # numbered edit buttons per row: fits a phone's width


def _home_buttons(context: BotContext, locale: str) -> Buttons:
    title = context.deps.texts.plain
    buttons = [
        (title(locale, "settings.section_title", section=s), SettingsSection(section=s).pack())  # type: ignore[arg-type]
        for s in SECTIONS
    ]
    return [buttons[:2], buttons[2:]]


def _items(view: SettingsView, section: str, locale: str) -> list[dict[str, object]]:
    return [
        {
            "label": item.label(locale),
            "value": item.display(view.values[item.key].value, locale),
            "is_default": view.values[item.key].is_default,
            "source": item.source,
            "to_check": item.to_check,
        }
        for item in in_section(section)
    ]


def _section_buttons(context: BotContext, locale: str, section: str, may_change: bool) -> Buttons:
    plain = context.deps.texts.plain
    rows: list[list[tuple[str, str]]] = []
    if may_change:  # one numbered button per setting, as numbered in the message: short rows
        edits = [
            (plain(locale, "settings.edit_button", number=n), SettingEdit(key=item.key).pack())
            for n, item in enumerate(in_section(section), start=1)
        ]
        rows += [edits[i : i + PER_ROW] for i in range(0, len(edits), PER_ROW)]
    rows.append([(plain(locale, "settings.back_button"), SettingsSection(section="home").pack())])
    return rows


async def _show_section(
    update: Update, context: BotContext, view: SettingsView, section: str, *, edit: bool
) -> None:
    locale = await user_locale(context, update)
    title = context.deps.texts.plain(locale, "settings.section_title", section=section)
    show = edit_or_say if edit else say
    await show(
        update,
        context,
        "settings.section",
        title=title,
        items=_items(view, section, locale),
        may_change=view.may_change,
        buttons=_section_buttons(context, locale, section, view.may_change),
    )


@refusals
async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: the sections of the school's settings (chair and vice-chair)."""
    user = update.effective_user
    assert user is not None
    view = await context.services.school.view(tg_user_id=user.id)
    locale = await user_locale(context, update)
    await say(
        update,
        context,
        "settings.home",
        org=view.org_name,
        may_change=view.may_change,
        buttons=_home_buttons(context, locale),
    )


@refusals
async def on_section(update: Update, context: BotContext) -> None:
    """A section (or the list of sections) was chosen."""
    query = update.callback_query
    assert query is not None
    section = SettingsSection.unpack(query.data).section
    view = await context.services.school.view(tg_user_id=query.from_user.id)
    await query.answer()
    if section == "home":
        locale = await user_locale(context, update)
        await edit_or_say(
            update,
            context,
            "settings.home",
            org=view.org_name,
            may_change=view.may_change,
            buttons=_home_buttons(context, locale),
        )
        return
    await _show_section(update, context, view, section, edit=True)


def _hint(context: BotContext, locale: str, item: Setting) -> str:
    options = ", ".join(item.options_vi if locale != "en" and item.options_vi else item.options)
    return context.deps.texts.plain(
        locale, "settings.hint", kind=item.kind, low=item.min, high=item.max, options=options
    )


@refusals
async def on_edit(update: Update, context: BotContext) -> None:
    """The chair chose a setting to change: ask for the new value."""
    query = update.callback_query
    assert query is not None
    key = SettingEdit.unpack(query.data).key
    editing = await context.services.school.begin_edit(tg_user_id=query.from_user.id, key=key)
    await query.answer()
    locale = await user_locale(context, update)
    item, plain = editing.setting, context.deps.texts.plain
    buttons = [
        [(plain(locale, "settings.reset_button"), SettingReset(key=key).pack())],
        [(plain(locale, "settings.back_button"), SettingsSection(section=item.section).pack())],  # type: ignore[arg-type]
    ]
    await edit_or_say(
        update,
        context,
        "settings.ask_value",
        label=item.label(locale),
        current=item.display(editing.value.value, locale),
        default=item.display(item.default, locale),
        hint=_hint(context, locale, item),
        buttons=buttons,
    )


async def _after_change(
    update: Update, context: BotContext, key: str, old: object, new: object, *, edit: bool
) -> None:
    user = update.effective_user
    assert user is not None
    locale = await user_locale(context, update)
    item = setting(key)
    if old == new:
        await say(update, context, "settings.unchanged", label=item.label(locale))
    else:
        await say(
            update,
            context,
            "settings.saved",
            label=item.label(locale),
            old=item.display(old, locale),
            new=item.display(new, locale),
        )
    view = await context.services.school.view(tg_user_id=user.id)
    await _show_section(update, context, view, item.section, edit=edit)


@refusals
async def on_reset(update: Update, context: BotContext) -> None:
    """The chair put a setting back to its default."""
    query = update.callback_query
    assert query is not None
    key = SettingReset.unpack(query.data).key
    changed = await context.services.school.change(tg_user_id=query.from_user.id, key=key, raw=None)
    await context.services.school.stop_editing(tg_user_id=query.from_user.id)
    await query.answer()
    await _after_change(update, context, key, changed.old, changed.new, edit=False)


@refusals
async def on_text(update: Update, context: BotContext) -> None:
    """The new value the chair typed (called by the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    changed = await context.services.school.answer(tg_user_id=user.id, text=message.text)
    await _after_change(update, context, changed.key, changed.old, changed.new, edit=False)
