"""The chair's tools: /members (roles, deactivation), /departments, /invite."""

from __future__ import annotations

from telegram import Update

from handlers.base import edit_or_say, refusals, say, user_locale
from handlers.menus import set_user_menu
from runtime.context import BotContext
from services.conversations import Where
from services.members.cases import MemberRow, Roster
from storage.models import Role
from ui.buttons.members import (
    DepartmentAdd,
    DepartmentCard,
    DepartmentList,
    DepartmentRemove,
    DepartmentRename,
    InviteRotate,
    MemberCard,
    MemberDeactivate,
    MemberHead,
    MemberRole,
    MembersPage,
)

PAGE = 8


async def _member_list(update: Update, context: BotContext, roster: Roster, page: int) -> None:
    """Show a page of the roster (editing the pressed message when there is one)."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    everyone = roster.members
    pages = max(1, -(-len(everyone) // PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            (
                texts.plain(
                    locale,
                    "members.row_label",
                    name=m.name,
                    role=str(m.role),
                    department=m.department,
                    heads=m.heads,
                ),
                MemberCard(m.id).pack(),
            )
        ]
        for m in everyone[page * PAGE : (page + 1) * PAGE]
    ]
    nav = []
    if page > 0:
        nav.append((texts.plain(locale, "members.prev_button"), MembersPage(page - 1).pack()))
    if page < pages - 1:
        nav.append((texts.plain(locale, "members.next_button"), MembersPage(page + 1).pack()))
    if nav:
        rows.append(nav)
    show = edit_or_say if update.callback_query else say
    await show(
        update,
        context,
        "members.list_header",
        buttons=rows,
        org=roster.org,
        count=len(everyone),
        page=page,
        pages=pages,
    )


@refusals
async def members_command(update: Update, context: BotContext) -> None:
    """/members: the chair's list of members, sorted by given name."""
    user = update.effective_user
    assert user is not None
    await _member_list(update, context, await context.services.members.roster(user.id), 0)


@refusals
async def on_members_page(update: Update, context: BotContext) -> None:
    """Another page of the member list."""
    query = update.callback_query
    assert query is not None
    page = MembersPage.unpack(query.data).page
    roster = await context.services.members.roster(query.from_user.id)
    await _member_list(update, context, roster, page)
    await query.answer()


async def _member_card(update: Update, context: BotContext, m: MemberRow) -> None:
    texts, locale = context.deps.texts, await user_locale(context, update)
    buttons = [
        [
            (
                texts.plain(locale, "members.set_vice_chair"),
                MemberRole(m.id, Role.VICE_CHAIR).pack(),
            ),
            (texts.plain(locale, "members.set_council"), MemberRole(m.id, Role.COUNCIL).pack()),
            (texts.plain(locale, "members.set_staff"), MemberRole(m.id, Role.STAFF).pack()),
        ],
        [
            (
                texts.plain(
                    locale, "members.unset_head_button" if m.heads else "members.set_head_button"
                ),
                MemberHead(m.id, heads=not m.heads).pack(),
            )
        ],
        [(texts.plain(locale, "members.deactivate_button"), MemberDeactivate(m.id).pack())],
        [(texts.plain(locale, "members.back_button"), MembersPage(0).pack())],
    ]
    await edit_or_say(
        update,
        context,
        "members.card",
        buttons=buttons,
        name=m.name,
        role=str(m.role),
        department=m.department,
        heads=m.heads,
    )


@refusals
async def on_member(update: Update, context: BotContext) -> None:
    """Open one member's card."""
    query = update.callback_query
    assert query is not None
    pressed = MemberCard.unpack(query.data)
    member = await context.services.members.member(
        tg_user_id=query.from_user.id, membership_id=pressed.membership_id
    )
    await _member_card(update, context, member)
    await query.answer()


@refusals
async def on_member_role(update: Update, context: BotContext) -> None:
    """Give a member another role; they are told and their menu changes."""
    query = update.callback_query
    assert query is not None
    pressed = MemberRole.unpack(query.data)
    changed = await context.services.members.set_role(
        tg_user_id=query.from_user.id, membership_id=pressed.membership_id, role=pressed.role
    )
    await set_user_menu(
        context.bot, changed.tg_user_id, pressed.role, changed.locale, heads=changed.member.heads
    )
    locale = await user_locale(context, update)
    name = changed.member.name
    await query.answer(context.deps.texts.plain(locale, "members.role_set", name=name))
    await _member_card(update, context, changed.member)


@refusals
async def on_member_head(update: Update, context: BotContext) -> None:
    """Make a member the head of their department, or no longer; the head it replaces and they
    are told, and their menus follow (/department)."""
    query = update.callback_query
    assert query is not None
    pressed = MemberHead.unpack(query.data)
    done = await context.services.members.set_head(
        tg_user_id=query.from_user.id, membership_id=pressed.membership_id, heads=pressed.heads
    )
    for changed in (done.replaced, done.member):
        if changed is not None:
            m = changed.member
            await set_user_menu(
                context.bot, changed.tg_user_id, m.role, changed.locale, heads=m.heads
            )
    plain, locale = context.deps.texts.plain, await user_locale(context, update)
    m = done.member.member
    said = plain(
        locale,
        "members.head_set" if m.heads else "members.head_unset",
        name=m.name,
        department=m.department,
    )
    if done.replaced is not None:
        said += " " + plain(locale, "members.head_replaced", name=done.replaced.member.name)
    await query.answer(said[:200])
    await _member_card(update, context, m)


@refusals
async def on_member_deactivate(update: Update, context: BotContext) -> None:
    """Deactivate someone who left."""
    query = update.callback_query
    assert query is not None
    pressed = MemberDeactivate.unpack(query.data)
    done = await context.services.members.deactivate(
        tg_user_id=query.from_user.id, membership_id=pressed.membership_id
    )
    await set_user_menu(context.bot, done.member.tg_user_id, None, done.member.locale)
    await query.answer()
    await _member_list(update, context, done.roster, 0)


async def _department_list(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    texts, locale = context.deps.texts, await user_locale(context, update)
    listed = await context.services.members.departments(user.id)
    buttons = [(d.name, DepartmentCard(d.id).pack()) for d in listed.departments]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(texts.plain(locale, "departments.add_button"), DepartmentAdd().pack())])
    show = edit_or_say if update.callback_query else say
    await show(
        update,
        context,
        "departments.list",
        buttons=rows,
        org=listed.org,
        names=[d.name for d in listed.departments],
    )


@refusals
async def departments_command(update: Update, context: BotContext) -> None:
    """/departments: the chair edits the list."""
    await _department_list(update, context)


@refusals
async def on_departments(update: Update, context: BotContext) -> None:
    """Back to the department list."""
    query = update.callback_query
    assert query is not None
    DepartmentList.unpack(query.data)
    await _department_list(update, context)
    await query.answer()


@refusals
async def on_department(update: Update, context: BotContext) -> None:
    """One department: rename or remove."""
    query = update.callback_query
    assert query is not None
    dept_id = DepartmentCard.unpack(query.data).department_id
    texts, locale = context.deps.texts, await user_locale(context, update)
    name = await context.services.members.department(
        tg_user_id=query.from_user.id, department_id=dept_id
    )
    await query.answer()
    await edit_or_say(
        update,
        context,
        "departments.card",
        name=name,
        buttons=[
            [
                (
                    texts.plain(locale, "departments.rename_button"),
                    DepartmentRename(dept_id).pack(),
                ),
                (
                    texts.plain(locale, "departments.remove_button"),
                    DepartmentRemove(dept_id).pack(),
                ),
            ],
            [(texts.plain(locale, "members.back_button"), DepartmentList().pack())],
        ],
    )


@refusals
async def on_department_add(update: Update, context: BotContext) -> None:
    """Ask for the new department's name (a durable dialogue step)."""
    query = update.callback_query
    assert query is not None
    DepartmentAdd.unpack(query.data)
    await _ask_department_name(update, context, None)


@refusals
async def on_department_rename(update: Update, context: BotContext) -> None:
    """Ask for a department's new name."""
    query = update.callback_query
    assert query is not None
    await _ask_department_name(update, context, DepartmentRename.unpack(query.data).department_id)


async def _ask_department_name(update: Update, context: BotContext, dept_id: int | None) -> None:
    query = update.callback_query
    assert query is not None
    name = await context.services.members.ask_department_name(
        tg_user_id=query.from_user.id, department_id=dept_id
    )
    await query.answer()
    if dept_id is None:
        await edit_or_say(update, context, "departments.ask_new_name")
    else:
        await edit_or_say(update, context, "departments.ask_rename", name=name)


async def on_department_name(update: Update, context: BotContext, where: Where) -> None:
    """The dialogue step: the name the chair typed for a new or renamed department."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    if where.step not in ("add", "rename"):
        await say(update, context, "common.not_understood")
        return
    dept_id = int(where.data["department_id"]) if where.step == "rename" else None
    name = await context.services.members.name_department(
        tg_user_id=user.id, text=message.text, department_id=dept_id
    )
    await say(
        update,
        context,
        "departments.renamed" if dept_id is not None else "departments.added",
        name=name,
    )


@refusals
async def on_department_remove(update: Update, context: BotContext) -> None:
    """Remove an empty department."""
    query = update.callback_query
    assert query is not None
    name = await context.services.members.remove_department(
        tg_user_id=query.from_user.id,
        department_id=DepartmentRemove.unpack(query.data).department_id,
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
    InviteRotate.unpack(query.data)
    await _invite(update, context, rotate=True)
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, "invite.rotated"))


async def _invite(update: Update, context: BotContext, *, rotate: bool) -> None:
    user = update.effective_user
    assert user is not None
    deps, locale = context.deps, await user_locale(context, update)
    link = await context.services.orgs.invite(tg_user_id=user.id, rotate=rotate)
    show = edit_or_say if rotate else say
    await show(
        update,
        context,
        "invite.link",
        org=link.org,
        link=deps.deep_link(f"j_{link.code}"),
        buttons=[[(deps.texts.plain(locale, "invite.rotate_button"), InviteRotate().pack())]],
    )
