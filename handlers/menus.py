"""Command menus per scope: private chats by role, the council groups."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
from telegram.error import TelegramError

from storage.models import Role

log = logging.getLogger(__name__)

_DESCRIPTIONS = {
    "vi": {
        "help": "Các lệnh",
        "report": "Kể một việc tốt",
        "mine": "Câu chuyện Thầy/Cô đã gửi",
        "pending": "Câu chuyện chờ xét",
        "tally": "Thống kê thi đua",
        "export": "Xuất báo cáo (Excel, CSV, Word)",
        "stats": "Biểu đồ câu chuyện đã duyệt",
        "campaigns": "Các phong trào thi đua",
        "newcampaign": "Tạo phong trào thi đua",
        "lang": "Đổi ngôn ngữ",
        "cancel": "Hủy thao tác đang làm",
        "invite": "Link mời cán bộ, giáo viên, nhân viên",
        "members": "Thành viên và vai trò",
        "departments": "Các tổ",
        "bind_council": "Gắn nhóm này làm nhóm Hội đồng",
        "broadcast": "Gửi thông báo",
        "bind_channel": "Gắn kênh của trường",
        "settings": "Cài đặt của trường",
        "facts": "Thông tin xét thi đua (xếp loại, ngày công tác)",
        "round": "Bình xét thi đua cuối năm",
        "meeting": "Phiên họp bình xét",
        "department": "Danh sách đề nghị của tổ (bình xét)",
        "dossier": "Hồ sơ đề nghị khen thưởng",
        "objection": "Gửi kiến nghị về kết quả bình xét",
        "publish": "Công khai kết quả bình xét",
        "achievements": "Báo cáo thành tích",
        "initiatives": "Sáng kiến: đăng ký, nộp, chấm",
        "sheets": "Phiếu chấm sáng kiến, bài dự thi",
        "decision": "Ghi nhận quyết định khen thưởng",
    },
    "en": {
        "help": "Commands",
        "report": "Report a good deed",
        "mine": "My stories",
        "pending": "Stories waiting",
        "tally": "Emulation tally",
        "export": "Export the report (Excel, CSV, Word)",
        "stats": "Chart of approved stories",
        "campaigns": "Emulation campaigns",
        "newcampaign": "New campaign",
        "lang": "Change language",
        "cancel": "Cancel what you are doing",
        "invite": "Staff invite link",
        "members": "Members and roles",
        "departments": "Departments",
        "bind_council": "Make this group the council group",
        "broadcast": "Send an announcement",
        "bind_channel": "Link the school's channel",
        "settings": "School settings",
        "facts": "Judging facts (ratings, start of service)",
        "round": "The end-of-year judging round",
        "meeting": "The judging meeting",
        "department": "The department's proposals (judging)",
        "dossier": "The commendation dossier",
        "objection": "Object to the judging result",
        "publish": "Publish the judging result",
        "achievements": "Achievement reports",
        "initiatives": "Initiatives: register, send, review",
        "sheets": "My score sheets",
        "decision": "Record a commendation decision",
    },
}
BASE = ("help", "lang", "cancel")
MEMBER = (
    "report",
    "mine",
    "campaigns",
    "achievements",
    "objection",
    "initiatives",
    "sheets",
    *BASE,
)
COUNCIL = ("pending", "tally", "export", "stats", "round")
BY_ROLE: dict[Role | None, tuple[str, ...]] = {
    None: BASE,
    Role.STAFF: MEMBER,
    Role.COUNCIL: (*MEMBER, *COUNCIL, "meeting"),
    Role.VICE_CHAIR: (
        *MEMBER,
        *COUNCIL,
        "meeting",
        "newcampaign",
        "broadcast",
        "invite",
        "settings",
        "facts",
        "department",
    ),
    Role.CHAIR: (
        *MEMBER,
        *COUNCIL,
        "meeting",
        "newcampaign",
        "broadcast",
        "invite",
        "members",
        "departments",
        "bind_channel",
        "settings",
        "facts",
        "department",
        "dossier",
        "publish",
        "decision",
    ),
}
# A department head (tổ trưởng, of any role) also sends the department's proposals.
HEAD = ("department",)
GROUP = ("help",)  # any group; the chair learns /bind_council when the bot is added
COUNCIL_GROUP = (
    "help",
    "pending",
    "tally",
    "export",
    "stats",
)  # the bound council group's own menu


def commands(names: tuple[str, ...], locale: str) -> list[BotCommand]:
    """BotCommand objects for `names` in `locale`."""
    table = _DESCRIPTIONS.get(locale, _DESCRIPTIONS["vi"])
    return [BotCommand(name, table[name]) for name in names]


async def set_default_menus(bot: Bot) -> None:
    """Menus everyone sees: private chats (Vietnamese, English for English clients), groups."""
    await bot.set_my_commands(commands(BASE, "vi"))
    await bot.set_my_commands(commands(BASE, "en"), language_code="en")
    await bot.set_my_commands(commands(GROUP, "vi"), scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(
        commands(GROUP, "en"), scope=BotCommandScopeAllGroupChats(), language_code="en"
    )


def menu_of(role: Role | None, *, heads: bool = False) -> tuple[str, ...]:
    """The private-chat commands of a role (a department head's with /department)."""
    names = BY_ROLE.get(role, BASE)
    if heads and role is not None:
        names = (*names, *(n for n in HEAD if n not in names))
    return names


async def set_user_menu(
    bot: Bot, tg_user_id: int, role: Role | None, locale: str, *, heads: bool = False
) -> None:
    """The private-chat menu of one person's role (best effort: a menu is not worth a crash)."""
    try:
        await bot.set_my_commands(
            commands(menu_of(role, heads=heads), locale), scope=BotCommandScopeChat(tg_user_id)
        )
    except TelegramError as exc:
        log.warning("could not set the menu of a user: %s", exc.message)


async def set_council_menu(bot: Bot, chat_id: int) -> None:
    """The bound council group's own menu, in both locales (best effort, as above)."""
    try:
        for locale, language in (("vi", None), ("en", "en")):
            await bot.set_my_commands(
                commands(COUNCIL_GROUP, locale),
                scope=BotCommandScopeChat(chat_id),
                language_code=language,
            )
    except TelegramError as exc:
        log.warning("could not set the menu of a council group: %s", exc.message)
