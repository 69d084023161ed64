"""Routing: every button kind and every command reaches exactly the handler meant for it.

The update is built as Telegram would send it and offered to the registered handlers in their
order (PTB gives it to the first whose check passes), without running anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import CallbackQuery, Chat, Message, MessageEntity, PhotoSize, Update, User
from telegram.ext import Application, BaseHandler

from handlers import register
from tests import buttons as samples

# kind -> (handler module, handler function)
BUTTONS = {
    "jt": ("handlers.join", "on_address_pick"),
    "jd": ("handlers.join", "on_department_pick"),
    "ja": ("handlers.join", "on_join_decision"),
    "ml": ("handlers.admin", "on_members_page"),
    "m": ("handlers.admin", "on_member"),
    "mr": ("handlers.admin", "on_member_role"),
    "mx": ("handlers.admin", "on_member_deactivate"),
    "hm": ("handlers.admin", "on_member_head"),
    "dl": ("handlers.admin", "on_departments"),
    "d": ("handlers.admin", "on_department"),
    "da": ("handlers.admin", "on_department_add"),
    "dr": ("handlers.admin", "on_department_rename"),
    "dx": ("handlers.admin", "on_department_remove"),
    "ir": ("handlers.admin", "on_invite_rotate"),
    "lang": ("handlers.common", "on_lang_button"),
    "rp": ("handlers.stories", "on_report_button"),
    "rn": ("handlers.stories", "on_nominee_kind"),
    "rc": ("handlers.stories", "on_colleague"),
    "rcp": ("handlers.stories", "on_colleague_page"),
    "ra": ("handlers.stories", "on_pupil_age"),
    "rk": ("handlers.stories", "on_consent"),
    "rkc": ("handlers.stories", "on_child_consent"),
    "rg": ("handlers.stories", "on_campaign_pick"),
    "sd": ("handlers.stories", "on_decision"),
    "sr": ("handlers.stories", "on_canned_reason"),
    "so": ("handlers.stories", "on_reopen"),
    "se": ("handlers.stories", "on_resubmit"),
    "sw": ("handlers.stories", "on_withdraw"),
    "cs": ("handlers.campaigns", "on_choice"),
    "cb": ("handlers.campaigns", "on_choice"),
    "cl": ("handlers.campaigns", "on_choice"),
    "ck": ("handlers.campaigns", "on_choice"),
    "cm": ("handlers.campaigns", "on_choice"),
    "cp": ("handlers.campaigns", "on_preview"),
    "ca": ("handlers.campaigns", "on_list"),
    "cc": ("handlers.campaigns", "on_card"),
    "cn": ("handlers.campaigns", "on_card"),
    "cg": ("handlers.campaigns", "on_register"),
    "cw": ("handlers.campaigns", "on_unregister"),
    "cj": ("handlers.campaigns", "on_join"),
    "ce": ("handlers.campaigns", "on_reschedule"),
    "cx": ("handlers.campaigns", "on_close"),
    "cy": ("handlers.campaigns", "on_close_confirmed"),
    "tl": ("handlers.reports", "on_tally_scope"),
    "te": ("handlers.reports", "on_export"),
    "tc": ("handlers.reports", "on_chart"),
    "pp": ("handlers.proposals", "on_propose"),
    "pf": ("handlers.proposals", "on_form"),
    "pl": ("handlers.proposals", "on_level"),
    "pz": ("handlers.proposals", "on_dismiss"),
    "pc": ("handlers.proposals", "on_chair"),
    "pr": ("handlers.proposals", "on_canned_reason"),
    "bd": ("handlers.broadcast", "on_draft_button"),
    "ba": ("handlers.broadcast", "on_audience"),
    "bad": ("handlers.broadcast", "on_audience"),
    "bac": ("handlers.broadcast", "on_audience"),
    "bx": ("handlers.broadcast", "on_stop"),
    "bs": ("handlers.broadcast", "on_seen_list"),
    "bm": ("handlers.broadcast", "on_remind"),
    "rr": ("handlers.broadcast", "on_seen"),
    "sp": ("handlers.publishing", "on_publish"),
    "set": ("handlers.settings", "on_section"),
    "ov": ("handlers.judging", "on_round"),
    "oo": ("handlers.judging", "on_open"),
    "oc": ("handlers.judging", "on_close_round"),
    "vo": ("handlers.judging", "on_vote_open"),
    "vc": ("handlers.judging", "on_vote"),
    "vr": ("handlers.judging", "on_vote_rest"),
    "vs": ("handlers.judging", "on_vote_status"),
    "vx": ("handlers.judging", "on_vote_close"),
    "vm": ("handlers.judging", "on_meeting_close"),
    "sete": ("handlers.settings", "on_edit"),
    "setr": ("handlers.settings", "on_reset"),
    "nd": ("handlers.minutes", "on_document"),
    "nv": ("handlers.minutes", "on_versions"),
    "nr": ("handlers.minutes", "on_remark"),
    "nf": ("handlers.minutes", "on_finalize"),
    "fh": ("handlers.facts", "on_home"),
    "fs": ("handlers.facts", "on_sheet"),
    "fu": ("handlers.facts", "on_upload"),
    "fm": ("handlers.facts", "on_missing"),
    "fd": ("handlers.facts", "on_departments"),
    "fdp": ("handlers.facts", "on_department"),
    "fp": ("handlers.facts", "on_person"),
    "fr": ("handlers.facts", "on_rate"),
    "fa": ("handlers.facts", "on_ask"),
    "fx": ("handlers.facts", "on_clear"),
    "ga": ("handlers.meetings", "on_step"),
    "gs": ("handlers.meetings", "on_step"),
    "gc": ("handlers.meetings", "on_confirm"),
    "gr": ("handlers.meetings", "on_step"),
    "gx": ("handlers.meetings", "on_cancel"),
    "go": ("handlers.meetings", "on_open"),
    "gb": ("handlers.meetings", "on_absent"),
    "gi": ("handlers.meetings", "on_check_in"),
    "hv": ("handlers.heads", "on_review"),
    # ---- achievements ----
    "aw": ("handlers.achievements", "on_write"),
    "ak": ("handlers.achievements", "on_keep"),
    "ap": ("handlers.achievements", "on_preview"),
    "ao": ("handlers.achievements", "on_open"),
    "ar": ("handlers.achievements", "on_review"),
    "ad": ("handlers.achievements", "on_document"),
    "aq": ("handlers.achievements", "on_request"),
    # ---- decisions ----
    "et": ("handlers.decisions", "on_tick"),
    "es": ("handlers.decisions", "on_save"),
    "hd": ("handlers.heads", "on_open"),
    "ht": ("handlers.heads", "on_tick"),
    "hc": ("handlers.heads", "on_tick"),
    "hk": ("handlers.heads", "on_confirm"),
    "hn": ("handlers.heads", "on_no_note"),
    # ---- dossier ----
    "yb": ("handlers.dossier", "on_build"),
    "yo": ("handlers.dossier", "on_overview"),
    "yv": ("handlers.dossier", "on_versions"),
    "yc": ("handlers.dossier", "on_copy"),
    # ---- initiatives and the review engine's score sheets ----
    **dict.fromkeys(
        ["qi", "qo", "qj", "qk", "qn", "qu", "qd", "qp", "qe", "qa", "qc", "qq", "qw"],
        ("handlers.initiatives", "on_button"),
    ),
    **dict.fromkeys(["qh", "qs", "qm", "qr", "qx", "ql"], ("handlers.reviews", "on_sheet_button")),
    # ---- publication ----
    "kp": ("handlers.publication", "on_panel"),
    "kx": ("handlers.publication", "on_publish"),
    "kr": ("handlers.publication", "on_read"),
    "ks": ("handlers.publication", "on_object"),
    "kt": ("handlers.publication", "on_target"),
    "kf": ("handlers.publication", "on_no_file"),
    "kn": ("handlers.publication", "on_name"),
    "ko": ("handlers.publication", "on_send"),
    "ka": ("handlers.publication", "on_answer"),
    "kg": ("handlers.publication", "on_assign"),
    "kv": ("handlers.publication", "on_revote_open"),
    "kb": ("handlers.publication", "on_revote_cast"),
    "kc": ("handlers.publication", "on_revote_close"),
    # ---- contest ----
    "wh": ("handlers.contest", "on_home"),
    "wo": ("handlers.contest", "on_open"),
    **dict.fromkeys(["wt", "wu", "wr", "wf"], ("handlers.contest", "on_opening_button")),
    "wc": ("handlers.contest", "on_confirm"),
    "wj": ("handlers.contest", "on_jury"),
    "wm": ("handlers.contest", "on_juror"),
    "we": ("handlers.contest", "on_enter"),
    "wd": ("handlers.contest", "on_done"),
    "ws": ("handlers.contest", "on_send"),
    "wg": ("handlers.contest", "on_score"),
    "wl": ("handlers.contest", "on_judging"),
    "wv": ("handlers.contest", "on_read"),
    "wa": ("handlers.contest", "on_advance"),
    "wx": ("handlers.contest", "on_finish"),
    "wn": ("handlers.contest", "on_remind"),
    "wp": ("handlers.contest", "on_document"),
}

# command -> (handler module, handler function, the chats it is for)
COMMANDS = {
    "start": ("handlers.common", "start", "PRIVATE"),
    "help": ("handlers.common", "help_command", "ANY"),
    "lang": ("handlers.common", "lang_command", "ANY"),
    "cancel": ("handlers.common", "cancel", "ANY"),
    "bind_council": ("handlers.council", "bind_council", "GROUPS"),
    "members": ("handlers.admin", "members_command", "PRIVATE"),
    "departments": ("handlers.admin", "departments_command", "PRIVATE"),
    "invite": ("handlers.admin", "invite_command", "PRIVATE"),
    "report": ("handlers.stories", "report_command", "PRIVATE"),
    "mine": ("handlers.stories", "mine_command", "PRIVATE"),
    "pending": ("handlers.stories", "pending_command", "ANY"),
    "newcampaign": ("handlers.campaigns", "new_campaign", "PRIVATE"),
    "campaigns": ("handlers.campaigns", "campaigns_command", "PRIVATE"),
    "broadcast": ("handlers.broadcast", "broadcast_command", "PRIVATE"),
    "bind_channel": ("handlers.publishing", "bind_channel_command", "PRIVATE"),
    "settings": ("handlers.settings", "settings_command", "PRIVATE"),
    "round": ("handlers.judging", "round_command", "PRIVATE"),
    "department": ("handlers.heads", "department_command", "PRIVATE"),
    "tally": ("handlers.reports", "tally_command", "ANY"),
    "export": ("handlers.reports", "export_command", "ANY"),
    "stats": ("handlers.reports", "stats_command", "ANY"),
    "facts": ("handlers.facts", "facts_command", "PRIVATE"),
    "achievements": ("handlers.achievements", "achievements_command", "PRIVATE"),
    "decision": ("handlers.decisions", "decision_command", "PRIVATE"),
    "meeting": ("handlers.meetings", "meeting_command", "PRIVATE"),
    "dossier": ("handlers.dossier", "dossier_command", "PRIVATE"),
    "initiatives": ("handlers.initiatives", "initiatives_command", "PRIVATE"),
    "sheets": ("handlers.reviews", "sheets_command", "PRIVATE"),
    "publish": ("handlers.publication", "publish_command", "PRIVATE"),
    "objection": ("handlers.publication", "objection_command", "PRIVATE"),
    "contest": ("handlers.contest", "contest_command", "PRIVATE"),  # ---- contest ----
}

USER = User(1001, "Lan", False)
PRIVATE = Chat(1001, Chat.PRIVATE)
GROUP = Chat(-100500, Chat.SUPERGROUP, title="Hội đồng")


@pytest.fixture(scope="module")
def app() -> Application[Any, Any, Any, Any, Any, Any]:
    """The application with every handler registered (nothing started, nothing sent)."""
    application = Application.builder().token("123456:routing-test").build()
    register(application)
    # CommandHandler asks the bot's username (for /cmd@bot); a test bot has none until getMe.
    application.bot._bot_user = User(99, "Bot", True, username="thidua_test_bot")
    return application


def reached(app: Application[Any, Any, Any, Any, Any, Any], update: Update) -> Callable[..., Any]:
    """The callback of the first handler that takes this update (PTB's rule)."""
    handlers: list[BaseHandler[Any, Any, Any]] = app.handlers[0]
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler.callback
    raise AssertionError("no handler takes it")


def _name(callback: Callable[..., Any]) -> tuple[str, str]:
    return callback.__module__, callback.__name__


def _in(module: str, expected: str) -> bool:
    return module == expected or module.startswith(expected + ".")


def _message(app: Any, chat: Chat, text: str | None = None, **extra: Any) -> Message:
    entities = []
    if text and text.startswith("/"):
        entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(text.split()[0]))]
    message = Message(
        1, datetime.now(UTC), chat, from_user=USER, text=text, entities=entities, **extra
    )
    message.set_bot(app.bot)
    return message


def _press(app: Any, data: str, chat: Chat = PRIVATE) -> Update:
    query = CallbackQuery("1", USER, "chat", data=data, message=_message(app, chat, "card"))
    query.set_bot(app.bot)
    return Update(1, callback_query=query)


def _sample(kind: str) -> str:
    """Data of this kind as the bot writes it."""
    for cls in samples.kinds():
        if cls.kind == kind:
            return ":".join(["v1", kind, *(samples.valid(h) for _, h in samples.hints(cls))])
    raise AssertionError(f"no button kind {kind!r}")


def test_every_kind_of_button_has_its_handler() -> None:
    every = {cls.kind for cls in samples.kinds()}
    assert every == set(BUTTONS)


@pytest.mark.parametrize("kind", sorted(BUTTONS))
def test_a_button_reaches_exactly_its_handler(app: Any, kind: str) -> None:
    module, function = BUTTONS[kind]
    for chat in (PRIVATE, GROUP):
        got_module, got_function = _name(reached(app, _press(app, _sample(kind), chat)))
        assert _in(got_module, module) and got_function == function, (kind, got_module)


@pytest.mark.parametrize("data", ["v1:sd:1", "v1:zz:1", "v2:lang:vi", "garbage", "v1:lang:fr"])
def test_a_button_nobody_wrote_reaches_the_polite_refusal(app: Any, data: str) -> None:
    assert _name(reached(app, _press(app, data))) == ("handlers.common", "bad_button")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_command_reaches_exactly_its_handler(app: Any, command: str) -> None:
    module, function, where = COMMANDS[command]
    for chat in (PRIVATE, GROUP):
        for text in (f"/{command}", f"/{command}@thidua_test_bot"):
            got = _name(reached(app, Update(1, message=_message(app, chat, text))))
            allowed = where == "ANY" or (where == "PRIVATE") == (chat is PRIVATE)
            if allowed:
                assert _in(got[0], module) and got[1] == function, (text, chat.type, got)
            else:  # the polite "use it in a private chat / in the group" answer
                assert got == ("handlers.common", "unknown_command"), (text, chat.type, got)


def test_other_messages_reach_their_handlers(app: Any) -> None:
    text = _message(app, PRIVATE, "Tôi muốn kể một việc tốt")
    assert _name(reached(app, Update(1, message=text)))[1] == "on_private_text"
    photo = _message(app, PRIVATE, photo=[PhotoSize("f", "u", 90, 90)])
    # A photo: to the dialogue waiting for it, looked up once (handlers/files.py).
    assert _name(reached(app, Update(1, message=photo))) == ("handlers.files", "on_file")
    card = _message(app, GROUP, "card")
    reply = _message(app, GROUP, "Cần ghi rõ ngày", reply_to_message=card)
    assert _name(reached(app, Update(1, message=reply)))[1] == "on_reason_text"
    unknown = _message(app, PRIVATE, "/nosuchcommand")
    assert _name(reached(app, Update(1, message=unknown))) == ("handlers.common", "unknown_command")


def test_an_edited_message_reaches_the_edit_hint_never_the_dialogue(app: Any) -> None:
    """Issue 17, item 11: an edit is not new input (a story's text was appended twice)."""
    card = _message(app, GROUP, "card")
    for edit in (
        _message(app, PRIVATE, "Tôi muốn kể một việc tốt"),
        _message(app, PRIVATE, "/report"),
        _message(app, PRIVATE, photo=[PhotoSize("f", "u", 90, 90)], caption="ảnh"),
        _message(app, GROUP, "Cần ghi rõ ngày", reply_to_message=card),
        _message(app, GROUP, "/tally"),
    ):
        got = _name(reached(app, Update(1, edited_message=edit)))
        assert got == ("handlers.common", "edited"), (edit.text, got)
