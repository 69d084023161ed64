"""The chair's tools: /members (roles, deactivation), /departments, /invite."""

from __future__ import annotations

from telegram import Update

from handlers.base import edit_or_say, refusals, say, user_locale
from handlers.menus import set_user_menu
from runtime.context import BotContext
from services import conversations, members, orgs
from services.errors import NotFound
from storage.models import Role
from ui.buttons import pack, unpack

PAGE = 8


async def _member_list(update: Update, context: BotContext, page: int, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    texts, locale = context.deps.texts, await user_locale(context, update)
    async with context.deps.sessions() as session:
        who = await members.require_chair(session, user.id)
        assert who.membership is not None
        everyone = await members.list_members(session, org_id=who.membership.org_id)
        org_name = who.membership.org.name
    pages = max(1, -(-len(everyone) // PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            (
                texts.plain(
                    locale,
                    "members.row_label",
                    name=m.person.full_name,
                    role=str(m.role),
                    department=m.department.name if m.department else "",
                ),
                pack("m", m.id),
            )
        ]
        for m in everyone[page * PAGE : (page + 1) * PAGE]
    ]
    nav = []
    if page > 0:
        nav.append((texts.plain(locale, "members.prev_button"), pack("ml", page - 1)))
    if page < pages - 1:
        nav.append((texts.plain(locale, "members.next_button"), pack("ml", page + 1)))
    if nav:
        rows.append(nav)
    show = edit_or_say if edit else say
    await show(
        update,
        context,
        "members.list_header",
        buttons=rows,
        org=org_name,
        count=len(everyone),
        page=page,
        pages=pages,
    )


@refusals
async def members_command(update: Update, context: BotContext) -> None:
    """/members: the chair's list of members, sorted by given name."""
    await _member_list(update, context, 0, edit=False)


@refusals
async def on_members_page(update: Update, context: BotContext) -> None:
    """Another page of the member list."""
    query = update.callback_query
    assert query is not None
    page = unpack(query.data).int()
    await _member_list(update, context, page, edit=True)
    await query.answer()


async def _member_card(update: Update, context: BotContext, membership_id: int) -> None:
    user = update.effective_user
    assert user is not None
    texts, locale = context.deps.texts, await user_locale(context, update)
    async with context.deps.sessions() as session:
        m = await members.member_of_chair(session, tg_user_id=user.id, membership_id=membership_id)
    buttons = [
        [
            (texts.plain(locale, "members.set_vice_chair"), pack("mr", m.id, Role.VICE_CHAIR)),
            (texts.plain(locale, "members.set_council"), pack("mr", m.id, Role.COUNCIL)),
            (texts.plain(locale, "members.set_staff"), pack("mr", m.id, Role.STAFF)),
        ],
        [(texts.plain(locale, "members.deactivate_button"), pack("mx", m.id))],
        [(texts.plain(locale, "members.back_button"), pack("ml", 0))],
    ]
    await edit_or_say(
        update,
        context,
        "members.card",
        buttons=buttons,
        name=m.person.full_name,
        role=str(m.role),
        department=m.department.name if m.department else "",
    )


@refusals
async def on_member(update: Update, context: BotContext) -> None:
    """Open one member's card."""
    query = update.callback_query
    assert query is not None
    await _member_card(update, context, unpack(query.data).int())
    await query.answer()


@refusals
async def on_member_role(update: Update, context: BotContext) -> None:
    """Give a member another role; they are told and their menu changes."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    deps = context.deps
    role = Role(str(pressed.args[1]))
    async with deps.sessions() as session:
        m = await members.set_role(
            session,
            tg_user_id=query.from_user.id,
            membership_id=pressed.int(0),
            role=role,
            texts=deps.texts,
            now=deps.clock(),
        )
    target_locale = deps.texts.locale(m.person.locale)
    await set_user_menu(context.bot, m.person.tg_user_id, role, target_locale)
    locale = await user_locale(context, update)
    await query.answer(deps.texts.plain(locale, "members.role_set", name=m.person.full_name))
    await _member_card(update, context, m.id)


@refusals
async def on_member_deactivate(update: Update, context: BotContext) -> None:
    """Deactivate someone who left."""
    query = update.callback_query
    assert query is not None
    deps = context.deps
    async with deps.sessions() as session:
        m = await members.deactivate(
            session,
            tg_user_id=query.from_user.id,
            membership_id=unpack(query.data).int(),
            texts=deps.texts,
            now=deps.clock(),
        )
    target_locale = deps.texts.locale(m.person.locale)
    await set_user_menu(context.bot, m.person.tg_user_id, None, target_locale)
    await query.answer()
    await _member_list(update, context, 0, edit=True)


async def _department_list(update: Update, context: BotContext, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    texts, locale = context.deps.texts, await user_locale(context, update)
    async with context.deps.sessions() as session:
        who = await members.require_chair(session, user.id)
        assert who.membership is not None
        departments = await members.list_departments(session, org_id=who.membership.org_id)
        org_name = who.membership.org.name
    buttons = [(d.name, pack("d", d.id)) for d in departments]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(texts.plain(locale, "departments.add_button"), pack("da"))])
    show = edit_or_say if edit else say
    await show(
        update,
        context,
        "departments.list",
        buttons=rows,
        org=org_name,
        names=[d.name for d in departments],
    )


@refusals
async def departments_command(update: Update, context: BotContext) -> None:
    """/departments: the chair edits the list."""
    await _department_list(update, context, edit=False)


@refusals
async def on_departments(update: Update, context: BotContext) -> None:
    """Back to the department list."""
    query = update.callback_query
    assert query is not None
    await _department_list(update, context, edit=True)
    await query.answer()


@refusals
async def on_department(update: Update, context: BotContext) -> None:
    """One department: rename or remove."""
    query = update.callback_query
    assert query is not None
    dept_id = unpack(query.data).int()
    texts, locale = context.deps.texts, await user_locale(context, update)
    async with context.deps.sessions() as session:
        who = await members.require_chair(session, query.from_user.id)
        departments = {
            d.id: d.name for d in await members.list_departments(session, org_id=who.org_id)
        }
    if dept_id not in departments:
        raise NotFound("errors.stale_button")
    await query.answer()
    await edit_or_say(
        update,
        context,
        "departments.card",
        name=departments[dept_id],
        buttons=[
            [
                (texts.plain(locale, "departments.rename_button"), pack("dr", dept_id)),
                (texts.plain(locale, "departments.remove_button"), pack("dx", dept_id)),
            ],
            [(texts.plain(locale, "members.back_button"), pack("dl"))],
        ],
    )


@refusals
async def on_department_add(update: Update, context: BotContext) -> None:
    """Ask for the new department's name (a durable dialogue step)."""
    await _ask_department_name(update, context, None)


@refusals
async def on_department_rename(update: Update, context: BotContext) -> None:
    """Ask for a department's new name."""
    query = update.callback_query
    assert query is not None
    await _ask_department_name(update, context, unpack(query.data).int())


async def _ask_department_name(update: Update, context: BotContext, dept_id: int | None) -> None:
    query = update.callback_query
    assert query is not None
    user_id = query.from_user.id
    async with context.deps.sessions() as session:
        who = await members.require_chair(session, user_id)
        names = {d.id: d.name for d in await members.list_departments(session, org_id=who.org_id)}
        if dept_id is not None and dept_id not in names:
            raise NotFound("errors.stale_button")
        await conversations.put(
            session,
            chat_id=user_id,
            user_id=user_id,
            kind="dept",
            step="add" if dept_id is None else "rename",
            data={"department_id": dept_id} if dept_id else {},
            now=context.deps.clock(),
        )
        await session.commit()
    await query.answer()
    if dept_id is None:
        await edit_or_say(update, context, "departments.ask_new_name")
    else:
        await edit_or_say(update, context, "departments.ask_rename", name=names[dept_id])


@refusals
async def on_department_remove(update: Update, context: BotContext) -> None:
    """Remove an empty department."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        name = await members.remove_department(
            session,
            tg_user_id=query.from_user.id,
            department_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    await query.answer()
    await edit_or_say(update, context, "departments.removed", name=name)


@refusals
async def invite_command(update: Update, context: BotContext) -> None:
    """/invite: the staff invite link (chair and vice-chair); the chair can change the code."""
    await _invite(update, context, rotate=False)


@refusals
async def on_invite_rotate(update: Update, context: BotContext) -> None:
    """The chair changes the invite code; the old link stops working."""
    query = update.callback_query
    assert query is not None
    await _invite(update, context, rotate=True)
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, "invite.rotated"))


async def _invite(update: Update, context: BotContext, *, rotate: bool) -> None:
    user = update.effective_user
    assert user is not None
    deps, locale = context.deps, await user_locale(context, update)
    async with deps.sessions() as session:
        org = await orgs.invite(session, tg_user_id=user.id, rotate=rotate, now=deps.clock())
    show = edit_or_say if rotate else say
    await show(
        update,
        context,
        "invite.link",
        org=org.name,
        link=deps.deep_link(f"j_{org.invite_code}"),
        buttons=[[(deps.texts.plain(locale, "invite.rotate_button"), pack("ir"))]],
    )
