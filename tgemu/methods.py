"""Bot API methods: each takes (world, bot, params) and returns the `result` or raises ApiError."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .entities import ParseError, auto_entities, parse_html, u16len
from .state import (
    JSON,
    ApiError,
    BotRec,
    ChatRec,
    FileRec,
    StoredMessage,
    Upload,
    World,
    bad,
    member_dict,
)

Handler = Callable[["World", BotRec, "Params"], Any | Awaitable[Any]]
METHODS: dict[str, Handler] = {}
SENDING = {
    "sendmessage",
    "sendphoto",
    "senddocument",
    "sendmediagroup",
    "copymessage",
    "forwardmessage",
}
ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
MAX_UPLOAD = 50 * 1024 * 1024


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under Bot API method names (case-insensitive)."""

    def register(fn: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = fn
        return fn

    return register


class Params:
    """Request parameters from JSON, form or multipart bodies, with Telegram-style coercion."""

    def __init__(self, raw: dict[str, Any], files: dict[str, Upload]) -> None:
        self.raw, self.files = raw, files

    def has(self, name: str) -> bool:
        """Whether a non-empty value was given."""
        return self.raw.get(name) not in (None, "") or name in self.files

    def get_str(self, name: str) -> str | None:
        """A string parameter."""
        v = self.raw.get(name)
        return None if v is None else str(v)

    def opt_int(self, name: str) -> int | None:
        """An optional integer parameter."""
        v = self.raw.get(name)
        if v in (None, ""):
            return None
        try:
            return int(v)
        except (TypeError, ValueError):
            raise bad(f"invalid {name} specified") from None

    def get_int(self, name: str) -> int:
        """A required integer parameter."""
        v = self.opt_int(name)
        if v is None:
            raise bad(f"{name} is empty")
        return v

    def get_bool(self, name: str) -> bool:
        """A boolean parameter (JSON true or the string "true")."""
        return str(self.raw.get(name, "")).lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        """A JSON-serialized object parameter (decoded if given as a string)."""
        v = self.raw.get(name)
        if isinstance(v, str):
            try:
                return json.loads(v)
            except ValueError:
                raise bad(f"can't parse {name} JSON object") from None
        return v

    def chat_id(self, name: str = "chat_id") -> int | str:
        """A chat id: an integer or an @channelusername."""
        v = self.raw.get(name)
        if v in (None, ""):
            raise bad(f"{name} is empty")
        if isinstance(v, str) and v.startswith("@"):
            return v
        try:
            return int(v)
        except (TypeError, ValueError):
            raise bad("chat not found") from None


def parse_text(
    p: Params, key: str, ent_key: str, limit: int, too_long: str
) -> tuple[str, list[JSON]]:
    """Text or caption after the parse mode, with entities; checks the UTF-16 length."""
    raw = p.get_str(key) or ""
    if (p.get_str("parse_mode") or "").lower() == "html":
        try:
            text, ents = parse_html(raw)
        except ParseError as e:
            raise bad(f"can't parse entities: {e}") from None
    else:
        text, ents = raw, list(p.get_json(ent_key) or [])
    if u16len(text) > limit:
        raise bad(too_long)
    return text, auto_entities(text, ents) if text.strip() else []


def with_text(content: JSON, key: str, text: str, ents: list[JSON]) -> JSON:
    """Add text/caption and its entities to message content when not empty."""
    if text.strip():
        content[key] = text
        if ents:
            content["entities" if key == "text" else "caption_entities"] = ents
    return content


def parse_markup(
    p: Params, inline_only: bool = False
) -> tuple[JSON | None, list[list[str]] | None]:
    """Validate reply_markup; return (inline markup for the message, reply keyboard texts)."""
    m = p.get_json("reply_markup")
    if m is None:
        return None, None
    if not isinstance(m, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in m:
        rows = m["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad(
                'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array'
            )
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad("can't parse inline keyboard button: Text must be a String")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
            elif "url" in button:
                if not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                    raise bad("BUTTON_URL_INVALID")
            elif not set(button) - {"text"}:
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
        return ({"inline_keyboard": rows} if any(rows) else None), None
    if inline_only:
        raise bad("inline keyboard expected")
    if "keyboard" in m:
        return None, [
            [b if isinstance(b, str) else b.get("text", "") for b in row] for row in m["keyboard"]
        ]
    return None, [] if m.get("remove_keyboard") else None


def reply_target(w: World, chat: ChatRec, p: Params) -> StoredMessage | None:
    """The message a send replies to (reply_to_message_id or reply_parameters)."""
    params = p.get_json("reply_parameters") or {}
    mid = params.get("message_id") or p.opt_int("reply_to_message_id")
    if not mid:
        return None
    sm = chat.messages.get(int(mid))
    if sm is None or sm.deleted:
        if params.get("allow_sending_without_reply") or p.get_bool("allow_sending_without_reply"):
            return None
        raise bad("message to be replied not found")
    return sm


def input_file(w: World, p: Params, value: Any, kind: str) -> FileRec:
    """Resolve an upload, attach://name, file_id or URL to a stored file."""
    if isinstance(value, str) and value.startswith("attach://"):
        value = p.files.get(value[9:])
        if value is None:
            raise bad("can't parse InputMedia: media not found")
    if isinstance(value, Upload):
        if not value.content:
            raise bad("file must be non-empty")
        if len(value.content) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        return w.new_file(kind, value)
    if isinstance(value, str) and value in w.files:
        rec = w.files[value]
        if rec.kind != kind:
            raise bad(f"can't use file of type {rec.kind.title()} as {kind.title()}")
        return rec
    if isinstance(value, str) and re.match(r"https?://", value):
        return w.new_file(kind, Upload(value.rsplit("/", 1)[-1] or "file", value.encode()))
    if value in (None, ""):
        raise bad(f"there is no {kind} in the request")
    raise bad("wrong file identifier/HTTP URL specified")


def media_content(rec: FileRec) -> JSON:
    """The message field for a stored file (photo sizes or a document)."""
    if rec.kind == "photo":
        width, height = 1280, 960
        if rec.content[:8] == b"\x89PNG\r\n\x1a\n" and len(rec.content) >= 24:
            width, height = int.from_bytes(rec.content[16:20]), int.from_bytes(rec.content[20:24])
        return {"photo": [{**rec.meta(), "width": width, "height": height}]}
    doc = rec.meta()
    if rec.file_name:
        doc["file_name"] = rec.file_name
    doc["mime_type"] = rec.mime_type or "application/octet-stream"
    return {"document": doc}


@method("getMe")
def get_me(w: World, bot: BotRec, p: Params) -> JSON:
    """The bot's own User object."""
    return {
        **bot.as_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method(
    "logOut", "close", "setChatMenuButton", "setMyDescription", "setMyShortDescription", "setMyName"
)
def accept(w: World, bot: BotRec, p: Params) -> bool:
    """Methods that are only acknowledged."""
    return True


@method("getUpdates")
async def get_updates(w: World, bot: BotRec, p: Params) -> list[JSON]:
    """Long polling: confirm by offset, then wait up to `timeout` for updates."""
    if bot.webhook:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset, limit = p.opt_int("offset") or 0, min(max(p.opt_int("limit") or 100, 1), 100)
    timeout = max(float(p.get_str("timeout") or 0), 0.0)
    allowed = p.get_json("allowed_updates")
    if allowed is not None:
        bot.allowed_updates = list(allowed) or None
    if offset > 0:
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
    elif offset < 0:
        bot.updates = bot.updates[offset:]
    bot.poll_seq += 1
    mine = bot.poll_seq
    bot.wake()
    deadline = time.monotonic() + timeout
    while True:
        if mine != bot.poll_seq:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        remaining = deadline - time.monotonic()
        if bot.updates or remaining <= 0 or w.closing.is_set():
            return bot.updates[:limit]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot.event.wait(), remaining)


@method("setWebhook")
def set_webhook(w: World, bot: BotRec, p: Params) -> bool:
    """Record a webhook; the server's delivery task posts updates to it."""
    url = p.get_str("url") or ""
    secret = p.get_str("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad("secret token contains unallowed characters")
    if p.get_bool("drop_pending_updates"):
        bot.updates.clear()
    if p.get_json("allowed_updates") is not None:
        bot.allowed_updates = list(p.get_json("allowed_updates")) or None
    bot.webhook = {"url": url, "secret_token": secret, "max_connections": 40} if url else None
    bot.wake()
    return True


@method("deleteWebhook")
def delete_webhook(w: World, bot: BotRec, p: Params) -> bool:
    """Remove the webhook (optionally dropping pending updates)."""
    if p.get_bool("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = None
    bot.wake()
    return True


@method("getWebhookInfo")
def get_webhook_info(w: World, bot: BotRec, p: Params) -> JSON:
    """The webhook state as Telegram reports it."""
    hook = bot.webhook or {}
    info: JSON = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    for key in ("max_connections", "last_error_date", "last_error_message"):
        if key in hook:
            info[key] = hook[key]
    if bot.allowed_updates:
        info["allowed_updates"] = bot.allowed_updates
    return info


@method("sendMessage")
def send_message(w: World, bot: BotRec, p: Params) -> JSON:
    """Send a text message."""
    chat = w.target_chat(bot, p.chat_id())
    text, ents = parse_text(p, "text", "entities", 4096, "message is too long")
    if not text.strip():
        raise bad("message text is empty")
    markup, keyboard = parse_markup(p)
    reply = reply_target(w, chat, p)
    w.flood_check(bot, chat)
    content = with_text({}, "text", text, ents)
    if markup:
        content["reply_markup"] = markup
    return w.bot_message(bot, chat, content, reply, keyboard).data


def send_file(w: World, bot: BotRec, p: Params, kind: str) -> JSON:
    """sendPhoto / sendDocument."""
    chat = w.target_chat(bot, p.chat_id())
    caption, ents = parse_text(
        p, "caption", "caption_entities", 1024, "message caption is too long"
    )
    markup, keyboard = parse_markup(p)
    reply = reply_target(w, chat, p)
    rec = input_file(w, p, p.files.get(kind) or p.raw.get(kind), kind)
    w.flood_check(bot, chat)
    content = with_text(media_content(rec), "caption", caption, ents)
    if markup:
        content["reply_markup"] = markup
    return w.bot_message(bot, chat, content, reply, keyboard).data


@method("sendPhoto")
def send_photo(w: World, bot: BotRec, p: Params) -> JSON:
    """Send a photo (upload, file_id or URL)."""
    return send_file(w, bot, p, "photo")


@method("sendDocument")
def send_document(w: World, bot: BotRec, p: Params) -> JSON:
    """Send a document (upload, file_id or URL)."""
    return send_file(w, bot, p, "document")


@method("sendMediaGroup")
def send_media_group(w: World, bot: BotRec, p: Params) -> list[JSON]:
    """Send an album of 2-10 photos or documents sharing one media_group_id."""
    chat = w.target_chat(bot, p.chat_id())
    media = p.get_json("media")
    if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
        raise bad("can't parse media JSON object")
    if not 2 <= len(media) <= 10:
        raise bad("media group must include 2-10 items")
    kinds = {m.get("type") for m in media}
    if not kinds <= {"photo", "document"}:
        raise bad(f"unsupported media type {sorted(map(str, kinds - {'photo', 'document'}))}")
    if "document" in kinds and len(kinds) > 1:
        raise bad("document can't be mixed with other media types")
    reply = reply_target(w, chat, p)
    items = []
    for m in media:
        sub = Params({**m, "parse_mode": m.get("parse_mode")}, p.files)
        caption, ents = parse_text(
            sub, "caption", "caption_entities", 1024, "message caption is too long"
        )
        items.append(
            with_text(
                media_content(input_file(w, p, m.get("media"), m["type"])), "caption", caption, ents
            )
        )
    w.flood_check(bot, chat, len(items))
    group_id = str(10**17 + w.next_seq())
    return [w.bot_message(bot, chat, {**c, "media_group_id": group_id}, reply).data for c in items]


def editable(w: World, bot: BotRec, p: Params) -> StoredMessage:
    """The bot's own message an edit targets."""
    if p.has("inline_message_id"):
        raise bad("MESSAGE_ID_INVALID")
    chat = w.target_chat(bot, p.chat_id())
    sm = w.get_message(chat, p.get_int("message_id"), "message to edit not found")
    if (sm.data.get("from") or {}).get("id") != bot.id and chat.type != "channel":
        raise bad("message can't be edited")
    return sm


def apply_edit(w: World, sm: StoredMessage, new: JSON, keys: tuple[str, ...]) -> JSON:
    """Replace `keys` with `new` values, refusing a no-op edit like Telegram."""
    if all(sm.data.get(k) == new.get(k) for k in keys):
        raise bad(
            "message is not modified: specified new message content and reply markup are exactly "
            "the same as a current content and reply markup of the message"
        )
    for k in keys:
        if new.get(k) is None:
            sm.data.pop(k, None)
        else:
            sm.data[k] = new[k]
    sm.data["edit_date"] = int(time.time())
    sm.edits += 1
    w.touch()
    return sm.data


@method("editMessageText")
def edit_message_text(w: World, bot: BotRec, p: Params) -> JSON:
    """Edit the text (and keyboard) of a bot message."""
    sm = editable(w, bot, p)
    if "text" not in sm.data:
        raise bad("there is no text in the message to edit")
    text, ents = parse_text(p, "text", "entities", 4096, "message is too long")
    if not text.strip():
        raise bad("message text is empty")
    markup, _ = parse_markup(p, inline_only=True)
    new = with_text({"reply_markup": markup}, "text", text, ents)
    return apply_edit(w, sm, new, ("text", "entities", "reply_markup"))


@method("editMessageCaption")
def edit_message_caption(w: World, bot: BotRec, p: Params) -> JSON:
    """Edit the caption (and keyboard) of a bot media message."""
    sm = editable(w, bot, p)
    if not any(k in sm.data for k in ("photo", "document")):
        raise bad("there is no caption in the message to edit")
    caption, ents = parse_text(
        p, "caption", "caption_entities", 1024, "message caption is too long"
    )
    markup, _ = parse_markup(p, inline_only=True)
    new = with_text({"reply_markup": markup}, "caption", caption, ents)
    return apply_edit(w, sm, new, ("caption", "caption_entities", "reply_markup"))


@method("editMessageReplyMarkup")
def edit_message_reply_markup(w: World, bot: BotRec, p: Params) -> JSON:
    """Replace or remove the inline keyboard of a bot message."""
    sm = editable(w, bot, p)
    markup, _ = parse_markup(p, inline_only=True)
    return apply_edit(w, sm, {"reply_markup": markup}, ("reply_markup",))


@method("deleteMessage")
def delete_message(w: World, bot: BotRec, p: Params) -> bool:
    """Delete a message the bot may delete."""
    chat = w.target_chat(bot, p.chat_id())
    sm = w.get_message(chat, p.get_int("message_id"), "message to delete not found")
    own = (sm.data.get("from") or {}).get("id") == bot.id
    if not (
        own or chat.type == "private" or chat.members.get(bot.id) in ("administrator", "creator")
    ):
        raise bad("message can't be deleted")
    sm.deleted = True
    w.touch()
    return True


@method("answerCallbackQuery")
def answer_callback_query(w: World, bot: BotRec, p: Params) -> bool:
    """Answer a callback query once."""
    cb = w.callbacks.get(p.get_str("callback_query_id") or "")
    if cb is None or cb.answer is not None or cb.bot_id != bot.id:
        raise bad("query is too old and response timeout expired or query ID is invalid")
    cb.answer = {
        "text": p.get_str("text"),
        "show_alert": p.get_bool("show_alert"),
        "url": p.get_str("url"),
    }
    w.touch()
    return True


@method("getFile")
def get_file(w: World, bot: BotRec, p: Params) -> JSON:
    """File info with a download path."""
    rec = w.files.get(p.get_str("file_id") or "")
    if rec is None:
        raise bad("invalid file_id")
    if len(rec.content) > 20 * 1024 * 1024:
        raise bad("file is too big")
    return {**rec.meta(), "file_path": rec.file_path}


def commands_key(w: World, p: Params) -> str:
    """Storage key for a (scope, language_code) pair."""
    scope = p.get_json("scope") or {"type": "default"}
    kinds = (
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    )
    if not isinstance(scope, dict) or scope.get("type") not in kinds:
        raise bad("can't parse BotCommandScope JSON object")
    lang = p.get_str("language_code") or ""
    if lang and not re.fullmatch(r"[a-z]{2}", lang):
        raise bad("invalid language code specified")
    return json.dumps(scope, sort_keys=True) + "|" + lang


@method("setMyCommands")
def set_my_commands(w: World, bot: BotRec, p: Params) -> bool:
    """Store the command list for a scope and language."""
    commands = p.get_json("commands")
    if not isinstance(commands, list):
        raise bad("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad("BOT_COMMANDS_TOO_MUCH")
    for c in commands:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
            raise bad("BOT_COMMAND_INVALID")
        if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
            raise bad("command description must be non-empty")
    bot.commands[commands_key(w, p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@method("getMyCommands")
def get_my_commands(w: World, bot: BotRec, p: Params) -> list[JSON]:
    """The command list stored for exactly this scope and language."""
    return bot.commands.get(commands_key(w, p), [])


@method("deleteMyCommands")
def delete_my_commands(w: World, bot: BotRec, p: Params) -> bool:
    """Forget the command list of a scope and language."""
    bot.commands.pop(commands_key(w, p), None)
    return True


@method("getChat")
def get_chat(w: World, bot: BotRec, p: Params) -> JSON:
    """ChatFullInfo with the fields PTB requires."""
    chat = w.target_chat(bot, p.chat_id())
    gifts = (
        "unlimited_gifts",
        "limited_gifts",
        "unique_gifts",
        "premium_subscription",
        "gifts_from_channels",
    )
    return {
        **chat.as_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gifts, False),
    }


@method("getChatMember")
def get_chat_member(w: World, bot: BotRec, p: Params) -> JSON:
    """A member's status in a chat."""
    chat = w.target_chat(bot, p.chat_id())
    uid = p.get_int("user_id")
    user = w.users.get(uid)
    other = w.bot_by_id(uid)
    if user is None and other is None:
        raise bad("user not found")
    who = user.as_dict() if user else other.as_user()  # type: ignore[union-attr]
    if chat.type == "private":
        status = "member" if uid in (chat.id, bot.id) else "left"
    else:
        status = chat.members.get(uid, "left")
    return member_dict(who, status)


@method("getChatAdministrators")
def get_chat_administrators(w: World, bot: BotRec, p: Params) -> list[JSON]:
    """The creator and administrators of a group."""
    chat = w.target_chat(bot, p.chat_id())
    result = []
    for uid, status in chat.members.items():
        if status in ("creator", "administrator"):
            other = w.bot_by_id(uid)
            who = other.as_user() if other else w.users[uid].as_dict()
            result.append(member_dict(who, status))
    return result


@method("sendChatAction")
def send_chat_action(w: World, bot: BotRec, p: Params) -> bool:
    """Accept a chat action in a reachable chat."""
    w.target_chat(bot, p.chat_id())
    if p.get_str("action") not in ACTIONS:
        raise bad("wrong parameter action in request")
    return True


def source_message(w: World, bot: BotRec, p: Params, error: str) -> StoredMessage:
    """The message to copy or forward."""
    chat = w.find_chat(p.chat_id("from_chat_id"))
    if chat is None:
        raise bad("chat not found")
    sm = w.get_message(chat, p.get_int("message_id"), error)
    if any(k in sm.data for k in ("new_chat_members", "left_chat_member", "migrate_to_chat_id")):
        raise bad("message can't be copied")
    return sm


COPY_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "sticker",
    "voice",
)


@method("copyMessage")
def copy_message(w: World, bot: BotRec, p: Params) -> JSON:
    """Copy a message without a link to the original; returns its MessageId."""
    chat = w.target_chat(bot, p.chat_id())
    src = source_message(w, bot, p, "message to copy not found")
    content = {k: src.data[k] for k in COPY_KEYS if k in src.data}
    if p.has("caption"):
        caption, ents = parse_text(
            p, "caption", "caption_entities", 1024, "message caption is too long"
        )
        content.pop("caption", None)
        content.pop("caption_entities", None)
        with_text(content, "caption", caption, ents)
    markup, keyboard = parse_markup(p)
    if markup:
        content["reply_markup"] = markup
    reply = reply_target(w, chat, p)
    w.flood_check(bot, chat)
    return {"message_id": w.bot_message(bot, chat, content, reply, keyboard).data["message_id"]}


@method("forwardMessage")
def forward_message(w: World, bot: BotRec, p: Params) -> JSON:
    """Forward a message with its forward_origin."""
    chat = w.target_chat(bot, p.chat_id())
    src = source_message(w, bot, p, "message to forward not found")
    origin = src.data.get("forward_origin")
    if origin is None and "sender_chat" in src.data:
        origin = {
            "type": "channel",
            "chat": src.data["sender_chat"],
            "message_id": src.data["message_id"],
            "date": src.data["date"],
        }
    elif origin is None:
        origin = {"type": "user", "sender_user": src.data.get("from"), "date": src.data["date"]}
    w.flood_check(bot, chat)
    content = {k: src.data[k] for k in COPY_KEYS if k in src.data}
    return w.bot_message(bot, chat, {"forward_origin": origin, **content}).data
