"""In-memory world: bots, users, chats, messages, updates, files and the call log."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .entities import auto_entities, u16len

T = TypeVar("T")
JSON = dict[str, Any]
TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{20,64}$")
SERVICE_KEYS = (
    "new_chat_members",
    "left_chat_member",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "new_chat_title",
    "pinned_message",
)
MEMBER_STATUSES = ("member", "administrator", "creator")
CHAT_KIND = {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}
DEFAULT_TYPES_EXCLUDED = ("chat_member", "message_reaction", "message_reaction_count")


class ApiError(Exception):
    """A Bot API error answered as {"ok": false, ...}."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def payload(self) -> JSON:
        """The JSON body Telegram would answer."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str, parameters: JSON | None = None) -> ApiError:
    """A 400 "Bad Request: ..." error."""
    return ApiError(400, "Bad Request: " + description, parameters)


def now() -> int:
    """Current unix time in seconds."""
    return int(time.time())


@dataclass
class Upload:
    """A file sent in a multipart request."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass
class FileRec:
    """A stored file with its identifiers and content."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def meta(self) -> JSON:
        """The common file fields of Telegram objects."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }


@dataclass
class UserRec:
    """A human user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False
    blocked: bool = False

    def as_dict(self) -> JSON:
        """The Telegram User object."""
        d: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        return d


@dataclass
class BotRec:
    """A bot (by token) with its update queue, webhook and commands."""

    token: str
    id: int
    username: str
    first_name: str
    updates: list[JSON] = field(default_factory=list)
    next_update_id: int = 1
    event: asyncio.Event = field(default_factory=asyncio.Event)
    poll_seq: int = 0
    allowed_updates: list[str] | None = None
    webhook: JSON | None = None
    webhook_task: asyncio.Task[None] | None = None
    commands: dict[str, list[JSON]] = field(default_factory=dict)

    def as_user(self) -> JSON:
        """The bot as a Telegram User object."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def wake(self) -> None:
        """Wake every waiter on this bot's queue."""
        self.event.set()
        self.event = asyncio.Event()


@dataclass
class StoredMessage:
    """A message in a chat, with emulator-only metadata."""

    data: JSON
    keyboard: list[list[str]] | None = None
    edits: int = 0
    deleted: bool = False
    seq: int = 0  # world-wide order of arrival (message ids only order one chat)

    def view(self) -> JSON:
        """The message as the control API shows it."""
        return {
            **self.data,
            "_keyboard": self.keyboard,
            "_edits": self.edits,
            "_deleted": self.deleted,
            "_seq": self.seq,
        }


@dataclass
class ChatRec:
    """A chat of any type with its members and messages."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    members: dict[int, str] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_id: int = 1
    migrated_to: int | None = None

    def as_dict(self) -> JSON:
        """The Telegram Chat object."""
        d: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        return d


@dataclass
class CallbackRec:
    """A callback query sent to a bot and its answer."""

    id: str
    bot_id: int
    answer: JSON | None = None


@dataclass
class Fault:
    """An injected fault for the next `count` matching calls."""

    method: str
    kind: str
    count: int = 1
    chat_id: str | None = None
    retry_after: int = 1
    delay: float | None = None


@dataclass
class FloodConfig:
    """Flood limits: sends per second per bot and per private chat, per minute per group."""

    enabled: bool = True
    per_bot: int = 30
    per_private_chat: int = 1
    per_group_per_minute: int = 20


ADMIN_FALSE = ("can_be_edited", "is_anonymous", "can_promote_members")
ADMIN_TRUE = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
              "can_restrict_members", "can_change_info", "can_invite_users", "can_post_stories",
              "can_edit_stories", "can_delete_stories", "can_pin_messages")  # fmt: skip


def member_dict(user: JSON, status: str) -> JSON:
    """A ChatMember object with the fields PTB requires for each status."""
    d: JSON = {"status": status, "user": user}
    if status == "creator":
        d["is_anonymous"] = False
    elif status == "administrator":
        d.update({**dict.fromkeys(ADMIN_FALSE, False), **dict.fromkeys(ADMIN_TRUE, True)})
    elif status == "kicked":
        d["until_date"] = 0
    return d


class World:
    """Everything the emulator knows; all mutation happens on the event loop thread."""

    def __init__(self, flood: FloodConfig | None = None, bot_username: str = "thidua_test_bot"):
        self.default_flood = flood or FloodConfig()
        self.default_username = bot_username
        self.bots: dict[str, BotRec] = {}
        self.closing = asyncio.Event()
        self.changed = asyncio.Event()
        self.reset(forget_bots=True)

    def reset(self, forget_bots: bool = False) -> None:
        """Forget users, chats, files, calls, faults, stats, updates; bots stay unless asked."""
        for bot in self.bots.values():
            bot.updates.clear()
            bot.wake()
            if forget_bots and bot.webhook_task:
                bot.webhook_task.cancel()
        if forget_bots:
            self.bots = {}
        self.flood = FloodConfig(**vars(self.default_flood))
        self.users: dict[int, UserRec] = {}
        self.chats: dict[int, ChatRec] = {}
        self.files: dict[str, FileRec] = {}
        self.callbacks: dict[str, CallbackRec] = {}
        self.calls: list[JSON] = []
        self.faults: list[Fault] = []
        self.windows: dict[tuple[Any, ...], deque[float]] = {}
        self.stats: Counter[str] = Counter()
        self.delivered: Counter[int] = Counter()
        self.seq = 0
        self.message_seq = 0
        self.touch()

    def next_seq(self) -> int:
        """A world-wide increasing number for ids."""
        self.seq += 1
        return self.seq

    def touch(self) -> None:
        """Wake control-API waiters after any change."""
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait_until(
        self,
        check: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109
    ) -> T | None:
        """Return check()'s first non-None value, re-checking after each change, or None."""
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            remaining = deadline - time.monotonic()
            if result is not None or remaining <= 0 or self.closing.is_set():
                return result
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    # ---- bots -------------------------------------------------------------------------------
    def create_bot(self, token: str, username: str | None = None, first_name: str = "") -> BotRec:
        """Register a bot by token (or update its names)."""
        m = TOKEN_RE.match(token)
        if not m:
            raise ApiError(401, "Unauthorized")
        bot = self.bots.get(token)
        if bot is None:
            bot = BotRec(token, int(m[1]), username or self.default_username, "")
            self.bots[token] = bot
        if username:
            bot.username = username
        bot.first_name = first_name or bot.first_name or "Thi đua Test Bot"
        return bot

    def bot_by_token(self, token: str) -> BotRec:
        """The bot for a token, created on first sight; 401 for malformed tokens."""
        return self.bots.get(token) or self.create_bot(token)

    def main_bot(self) -> BotRec:
        """The bot the user side talks to (the first one registered)."""
        if not self.bots:
            raise LookupError("no bot yet: call create_bot() or let the bot call getMe first")
        return next(iter(self.bots.values()))

    def bot_by_id(self, bot_id: int) -> BotRec | None:
        """The bot with this user id, if any."""
        return next((b for b in self.bots.values() if b.id == bot_id), None)

    def push_update(self, bot: BotRec, kind: str, payload: JSON) -> None:
        """Queue an update for a bot, honouring allowed_updates."""
        allowed = bot.allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in DEFAULT_TYPES_EXCLUDED):
            return
        bot.updates.append({"update_id": bot.next_update_id, kind: payload})
        bot.next_update_id += 1
        self.stats["updates"] += 1
        bot.wake()

    # ---- chats and messages -----------------------------------------------------------------
    def find_chat(self, chat_id: int | str) -> ChatRec | None:
        """A chat by id or @username."""
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            return next(
                (c for c in self.chats.values() if (c.username or "").lower() == name), None
            )
        return self.chats.get(chat_id)

    def target_chat(self, bot: BotRec, chat_id: int | str) -> ChatRec:
        """The chat a bot wants to act in, with Telegram's access errors."""
        chat = self.find_chat(chat_id)
        user = self.users.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None and user is None:
            raise bad("chat not found")
        if user is not None and (chat is None or chat.type == "private"):
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started or chat is None:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        assert chat is not None
        if chat.migrated_to:
            raise bad(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type != "private":
            status = chat.members.get(bot.id)
            if status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {CHAT_KIND[chat.type]}")
            if status not in MEMBER_STATUSES:
                raise ApiError(403, f"Forbidden: bot is not a member of the {CHAT_KIND[chat.type]}")
        return chat

    def get_message(self, chat: ChatRec, message_id: int, error: str) -> StoredMessage:
        """A live message of a chat, or a 400 with `error`."""
        sm = chat.messages.get(message_id)
        if sm is None or sm.deleted:
            raise bad(error)
        return sm

    def new_message(
        self,
        chat: ChatRec,
        sender: JSON | None,
        content: JSON,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        """Append a message to a chat and return it."""
        data: JSON = {"message_id": chat.next_id}
        chat.next_id += 1
        if sender is not None:
            data["from"] = sender
        if chat.type == "channel":
            data["sender_chat"] = chat.as_dict()
        data["chat"] = chat.as_dict()
        data["date"] = now()
        if reply_to is not None:
            data["reply_to_message"] = {
                k: v for k, v in reply_to.data.items() if k != "reply_to_message"
            }
        data.update(content)
        self.message_seq += 1  # its own counter: ids drawn from next_seq() stay as they were
        sm = StoredMessage(data, seq=self.message_seq)
        chat.messages[data["message_id"]] = sm
        self.touch()
        return sm

    def bot_message(
        self,
        bot: BotRec,
        chat: ChatRec,
        content: JSON,
        reply_to: StoredMessage | None = None,
        keyboard: list[list[str]] | None = None,
    ) -> StoredMessage:
        """A message sent by a bot, counted as delivered."""
        sm = self.new_message(
            chat, None if chat.type == "channel" else bot.as_user(), content, reply_to
        )
        sm.keyboard = keyboard
        self.delivered[chat.id] += 1
        self.stats["sent"] += 1
        return sm

    def flood_check(self, bot: BotRec, chat: ChatRec, n: int = 1) -> None:
        """Apply the sliding-window flood limits to `n` sends; raise 429 when exceeded."""
        cfg = self.flood
        if not cfg.enabled:
            return
        t = time.monotonic()
        checks: list[tuple[tuple[Any, ...], int, float]] = [(("bot", bot.id), cfg.per_bot, 1.0)]
        if chat.type == "private":
            checks.append((("chat", bot.id, chat.id), cfg.per_private_chat, 1.0))
        elif chat.type in ("group", "supergroup"):
            checks.append((("chat", bot.id, chat.id), cfg.per_group_per_minute, 60.0))
        wait = 0.0
        for key, limit, window in checks:
            dq = self.windows.setdefault(key, deque())
            while dq and dq[0] <= t - window:
                dq.popleft()
            if dq and len(dq) + n > limit:
                k = min(len(dq) + n - limit, len(dq)) - 1
                wait = max(wait, dq[k] + window - t)
        if wait > 0:
            self.stats["provoked_429"] += 1
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for key, _, _ in checks:
            self.windows[key].extend([t] * n)

    def new_file(self, kind: str, up: Upload) -> FileRec:
        """Store an uploaded file."""
        n = self.next_seq()
        ext = {"photo": ".jpg", "voice": ".oga", "sticker": ".webp"}.get(kind, "")
        if kind == "document" and "." in up.filename:
            ext = "." + up.filename.rsplit(".", 1)[1]
        rec = FileRec(
            file_id=f"{kind[:2].upper()}AC{n:08d}{secrets.token_hex(6)}",
            file_unique_id=f"AQAD{n:08d}",
            kind=kind,
            content=up.content,
            file_path=f"{kind}s/file_{n}{ext}",
            file_name=up.filename,
            mime_type=up.mime_type,
        )
        self.files[rec.file_id] = rec
        return rec

    def visible(self, bot: BotRec, chat: ChatRec, data: JSON) -> bool:
        """Whether a chat message reaches the bot under group privacy mode."""
        if chat.type == "private":
            return True
        status = chat.members.get(bot.id)
        if status not in MEMBER_STATUSES:
            return False
        if status != "member" or chat.type == "channel" or any(k in data for k in SERVICE_KEYS):
            return True
        if (data.get("reply_to_message") or {}).get("from", {}).get("id") == bot.id:
            return True
        text = data.get("text") or data.get("caption") or ""
        ents = data.get("entities") or data.get("caption_entities") or []
        if ents and ents[0]["type"] == "bot_command" and ents[0]["offset"] == 0:
            m = re.match(r"/\w+(?:@(\w+))?", text)
            if m and (m[1] is None or m[1].lower() == bot.username.lower()):
                return True
        if any(e["type"] == "text_mention" and e["user"]["id"] == bot.id for e in ents):
            return True
        return re.search(rf"(?<![\w@])@{re.escape(bot.username)}(?!\w)", text, re.I) is not None

    def deliver(self, chat: ChatRec, sm: StoredMessage) -> None:
        """Send a chat message as an update to every bot allowed to see it."""
        if chat.type == "private":
            bots = [self.main_bot()]
        else:
            bots = [b for b in self.bots.values() if chat.members.get(b.id) in MEMBER_STATUSES]
        kind = "channel_post" if chat.type == "channel" else "message"
        for bot in bots:
            if self.visible(bot, chat, sm.data):
                self.push_update(bot, kind, dict(sm.data))

    def bot_status_update(
        self, bot: BotRec, chat: ChatRec, actor: JSON, old: str, new: str
    ) -> None:
        """Emit a my_chat_member update for a change of the bot's status."""
        payload = {
            "chat": chat.as_dict(),
            "from": actor,
            "date": now(),
            "old_chat_member": member_dict(bot.as_user(), old),
            "new_chat_member": member_dict(bot.as_user(), new),
        }
        self.push_update(bot, "my_chat_member", payload)

    # ---- user side ---------------------------------------------------------------------------
    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = False,
    ) -> UserRec:
        """Create or update a user; `started` means the user has already started the bot."""
        user = UserRec(user_id, first_name, last_name, username, language_code)
        old = self.users.get(user_id)
        if old is not None:
            user.started, user.blocked = old.started, old.blocked
        self.users[user_id] = user
        if started:
            self.start_private(user)
        return user

    def add_users(self, start_id: int, count: int, prefix: str = "User") -> int:
        """Create many users at once, each having started the bot."""
        for uid in range(start_id, start_id + count):
            self.add_user(uid, f"{prefix} {uid}", started=True)
        return count

    def user(self, user_id: int) -> UserRec:
        """A known user or LookupError."""
        if user_id not in self.users:
            raise LookupError(f"unknown user {user_id}")
        return self.users[user_id]

    def chat(self, chat_id: int) -> ChatRec:
        """A known chat or LookupError."""
        if chat_id not in self.chats:
            raise LookupError(f"unknown chat {chat_id}")
        return self.chats[chat_id]

    def start_private(self, user: UserRec) -> ChatRec:
        """Open (or reopen) the user's private chat with the bot."""
        user.started = True
        chat = self.chats.get(user.id)
        if chat is None:
            chat = ChatRec(user.id, "private", None, user.first_name, user.last_name, user.username)
            self.chats[user.id] = chat
        return chat

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """A user blocks or unblocks the bot (emits my_chat_member)."""
        user = self.user(user_id)
        if user.blocked == blocked:
            return
        user.blocked = blocked
        chat = self.start_private(user)
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self.bot_status_update(self.main_bot(), chat, user.as_dict(), old, new)

    def create_group(
        self,
        title: str,
        members: list[int],
        bot_is_admin: bool = False,
        admins: list[int] | None = None,
        kind: str = "group",
    ) -> ChatRec:
        """Create a group/supergroup/channel with members and the bot; emit the join updates."""
        n = self.next_seq()
        chat_id = -(4_000_000_000 + n) if kind == "group" else int(f"-100{2_000_000_000 + n}")
        chat = ChatRec(chat_id, kind, title)
        for i, uid in enumerate(members):
            self.user(uid)
            chat.members[uid] = "creator" if i == 0 else "member"
        for uid in admins or []:
            chat.members[uid] = "administrator" if chat.members.get(uid) != "creator" else "creator"
        self.chats[chat_id] = chat
        bot = self.main_bot()
        actor = self.users[members[0]].as_dict() if members else bot.as_user()
        self.set_bot_status(chat.id, "administrator" if bot_is_admin else "member", actor)
        if kind != "channel":
            sm = self.new_message(chat, actor, {"new_chat_members": [bot.as_user()]})
            self.deliver(chat, sm)
        return chat

    def set_bot_status(self, chat_id: int, status: str, actor: JSON | None = None) -> None:
        """Add, promote, demote or kick the bot in a group (emits my_chat_member)."""
        chat, bot = self.chat(chat_id), self.main_bot()
        old = chat.members.get(bot.id, "left")
        chat.members[bot.id] = status
        creator = next((u for u, s in chat.members.items() if s == "creator"), None)
        actor = actor or (self.users[creator].as_dict() if creator in self.users else bot.as_user())
        if old != status:
            self.bot_status_update(bot, chat, actor, old, status)
        self.touch()

    def change_members(self, chat_id: int, add: list[int], remove: list[int]) -> None:
        """Users join or leave a group, with the service messages."""
        chat = self.chat(chat_id)
        if add:
            for uid in add:
                chat.members[uid] = "member"
            users = [self.user(u).as_dict() for u in add]
            self.deliver(chat, self.new_message(chat, users[0], {"new_chat_members": users}))
        for uid in remove:
            chat.members[uid] = "left"
            user = self.user(uid).as_dict()
            self.deliver(chat, self.new_message(chat, user, {"left_chat_member": user}))

    def migrate(self, chat_id: int) -> ChatRec:
        """Upgrade a group to a supergroup with the migrate service messages."""
        old = self.chat(chat_id)
        if old.type != "group" or old.migrated_to:
            raise ValueError(f"chat {chat_id} is not a basic group")
        new = ChatRec(int(f"-100{abs(old.id)}"), "supergroup", old.title, members=dict(old.members))
        self.chats[new.id] = new
        creator = next((u for u, s in old.members.items() if s == "creator"), None)
        actor = self.users[creator].as_dict() if creator in self.users else None
        self.deliver(old, self.new_message(old, actor, {"migrate_to_chat_id": new.id}))
        old.migrated_to = new.id
        self.deliver(new, self.new_message(new, actor, {"migrate_from_chat_id": old.id}))
        return new

    def user_send(
        self,
        user_id: int,
        chat_id: int | None,
        content: list[JSON],
        reply_to: int | None = None,
    ) -> list[StoredMessage]:
        """A user posts one message (or an album) in a chat; the bot gets it if privacy allows."""
        user = self.user(user_id)
        if chat_id is None or chat_id == user_id:
            user.blocked = False
            chat = self.start_private(user)
        else:
            chat = self.chat(chat_id)
            if chat.migrated_to:
                raise ValueError(f"chat {chat_id} was migrated to {chat.migrated_to}")
            if chat.members.get(user_id) not in MEMBER_STATUSES:
                raise ValueError(f"user {user_id} is not a member of chat {chat_id}")
        target = None
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None:
                raise LookupError(f"no message {reply_to} in chat {chat.id}")
        group_id = str(10**17 + self.next_seq()) if len(content) > 1 else None
        sent = []
        for item in content:
            item = dict(item)
            for key, ent_key in (("text", "entities"), ("caption", "caption_entities")):
                if item.get(key):
                    if u16len(item[key]) > (4096 if key == "text" else 1024):
                        raise ValueError(f"{key} too long")
                    ents = auto_entities(item[key], item.get(ent_key) or [])
                    if ents:
                        item[ent_key] = ents
            if group_id:
                item["media_group_id"] = group_id
            sm = self.new_message(chat, user.as_dict(), item, target)
            sent.append(sm)
            self.deliver(chat, sm)
        return sent

    def user_edit(self, user_id: int, chat_id: int, message_id: int, text: str) -> StoredMessage:
        """A user edits the text of a message they sent; the bot gets an edited_message."""
        chat = self.chat(chat_id)
        sm = chat.messages.get(message_id)
        if sm is None or (sm.data.get("from") or {}).get("id") != user_id:
            raise LookupError(f"user {user_id} sent no message {message_id} in chat {chat_id}")
        key = "caption" if "caption" in sm.data else "text"
        sm.data[key] = text
        sm.data.pop("entities" if key == "text" else "caption_entities", None)
        ents = auto_entities(text, [])
        if ents:
            sm.data["entities" if key == "text" else "caption_entities"] = ents
        sm.data["edit_date"] = now()
        self.touch()
        bots = [self.main_bot()] if chat.type == "private" else list(self.bots.values())
        for bot in bots:
            if chat.type == "private" or self.visible(bot, chat, sm.data):
                self.push_update(bot, "edited_message", dict(sm.data))
        return sm

    def press(
        self, user_id: int, chat_id: int, message_id: int, text: str | None, data: str | None
    ) -> CallbackRec:
        """A user presses an inline button; the bot gets a callback_query update."""
        user, chat = self.user(user_id), self.chat(chat_id)
        sm = chat.messages.get(message_id)
        if sm is None or sm.deleted:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        bot = self.bot_by_id((sm.data.get("from") or {}).get("id", 0))
        if bot is None:
            raise ValueError(f"message {message_id} was not sent by a bot")
        rows = (sm.data.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row]
        found = [
            b
            for b in buttons
            if (text is not None and b["text"] == text)
            or (data is not None and b.get("callback_data") == data)
        ]
        if not found:
            labels = [(b["text"], b.get("callback_data") or b.get("url")) for b in buttons]
            raise LookupError(f"no button text={text!r} data={data!r} in message; has {labels}")
        if "callback_data" not in found[0]:
            raise ValueError(f"button {found[0]['text']!r} has no callback_data")
        cb = CallbackRec(str(4_000_000_000_000_000 + self.next_seq()), bot.id)
        self.callbacks[cb.id] = cb
        payload = {
            "id": cb.id,
            "from": user.as_dict(),
            "message": dict(sm.data),
            "chat_instance": str((chat.id * 2654435761) % 2**62),
            "data": found[0]["callback_data"],
        }
        self.push_update(bot, "callback_query", payload)
        return cb
