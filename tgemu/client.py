"""EmuClient: async client of the emulator's control API, with User and Chat handles for tests."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456789:AAEmulatorDefaultTestTokenXXXXXXXXXX"


class EmuError(RuntimeError):
    """The control API refused a request."""


@dataclass(frozen=True)
class Msg:
    """A chat message as a test sees it."""

    message_id: int
    chat_id: int
    text: str
    entities: list[JSON]
    buttons: list[list[tuple[str, str]]]
    keyboard: list[list[str]] | None
    media_group_id: str | None
    photo: bool
    document: JSON | None
    edited: bool
    edits: int
    from_bot: bool
    from_id: int | None
    reply_to_message_id: int | None
    deleted: bool
    raw: JSON = field(repr=False)
    seq: int = 0  # the order in which the emulator received it, across all chats

    @classmethod
    def from_raw(cls, d: JSON) -> Msg:
        """Build from the control API's message view."""
        rows = (d.get("reply_markup") or {}).get("inline_keyboard", [])
        frm = d.get("from") or {}
        return cls(
            message_id=d["message_id"],
            chat_id=d["chat"]["id"],
            text=d.get("text") or d.get("caption") or "",
            entities=d.get("entities") or d.get("caption_entities") or [],
            buttons=[
                [(b["text"], b.get("callback_data") or b.get("url") or "") for b in r] for r in rows
            ],
            keyboard=d.get("_keyboard"),
            media_group_id=d.get("media_group_id"),
            photo="photo" in d,
            document=d.get("document"),
            edited="edit_date" in d,
            edits=d.get("_edits", 0),
            from_bot=bool(frm.get("is_bot")) or ("sender_chat" in d and not frm),
            from_id=frm.get("id"),
            reply_to_message_id=(d.get("reply_to_message") or {}).get("message_id"),
            deleted=d.get("_deleted", False),
            raw=d,
            seq=d.get("_seq", 0),
        )

    @property
    def button_texts(self) -> list[str]:
        """All inline button texts, row by row."""
        return [text for row in self.buttons for text, _ in row]


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answer to a pressed button."""

    id: str
    text: str | None
    show_alert: bool
    url: str | None


def chat_id_of(chat: Chat | int | Msg) -> int:
    """The id of a chat handle, message or raw id."""
    if isinstance(chat, Msg):
        return chat.chat_id
    return chat if isinstance(chat, int) else chat.id


def as_bytes(data: bytes | str | Path) -> bytes:
    """File content from bytes or a path."""
    return data if isinstance(data, bytes) else Path(data).read_bytes()


def b64(data: bytes | str | Path) -> str:
    """Base64 text of file content."""
    return base64.b64encode(as_bytes(data)).decode()


@dataclass
class Chat:
    """A group, supergroup or channel handle."""

    client: EmuClient = field(repr=False)
    id: int
    type: str
    title: str | None = None

    async def messages(self, include_deleted: bool = False) -> list[Msg]:
        """The chat's messages as they are now."""
        return await self.client.messages(self, include_deleted)


@dataclass
class User:
    """A human user handle; sends go to the private chat with the bot unless `chat` is given."""

    client: EmuClient = field(repr=False)
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    cursors: dict[int, int] = field(default_factory=dict, repr=False)

    def _chat(self, chat: Chat | int | None) -> int:
        return self.id if chat is None else chat_id_of(chat)

    async def _send(self, chat: Chat | int | None, **body: Any) -> list[Msg]:
        cid = None if chat is None else chat_id_of(chat)
        data = await self.client.post("send", user_id=self.id, chat_id=cid, **body)
        return [Msg.from_raw(m) for m in data["messages"]]

    async def send(
        self, text: str, chat: Chat | int | None = None, reply_to: Msg | int | None = None
    ) -> Msg:
        """Send a text (a leading /command gets its bot_command entity)."""
        rid = reply_to.message_id if isinstance(reply_to, Msg) else reply_to
        return (await self._send(chat, text=text, reply_to=rid))[0]

    async def reply(self, to: Msg, text: str, chat: Chat | int | None = None) -> Msg:
        """Reply to a message (in its chat unless `chat` is given)."""
        return await self.send(text, chat if chat is not None else to.chat_id, reply_to=to)

    async def edit(self, message: Msg, text: str) -> Msg:
        """Edit the text (or caption) of a message this user sent: the bot gets the edit."""
        data = await self.client.post(
            "edit",
            user_id=self.id,
            chat_id=message.chat_id,
            message_id=message.message_id,
            text=text,
        )
        return Msg.from_raw(data["message"])

    async def send_photo(
        self, photo: bytes | str | Path, caption: str | None = None, chat: Chat | int | None = None
    ) -> Msg:
        """Send one photo."""
        return (await self._send(chat, photos=[b64(photo)], caption=caption))[0]

    async def send_album(
        self,
        photos: list[bytes | str | Path],
        caption: str | None = None,
        chat: Chat | int | None = None,
    ) -> list[Msg]:
        """Send photos sharing one media_group_id (caption on the first)."""
        return await self._send(chat, photos=[b64(p) for p in photos], caption=caption)

    async def send_document(
        self,
        data: bytes | str | Path,
        filename: str = "file.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
        chat: Chat | int | None = None,
        file_size: int | None = None,
    ) -> Msg:
        """Send a document (`file_size`: the size Telegram reports, to stand for a big file)."""
        doc: dict[str, object] = {"data": b64(data), "filename": filename, "mime_type": mime_type}
        if file_size is not None:
            doc["file_size"] = file_size
        return (await self._send(chat, document=doc, caption=caption))[0]

    async def send_sticker(self, chat: Chat | int | None = None) -> Msg:
        """Send a sticker."""
        return (await self._send(chat, sticker=True))[0]

    async def send_voice(self, chat: Chat | int | None = None) -> Msg:
        """Send a voice message."""
        return (await self._send(chat, voice=True))[0]

    async def forward(
        self, text: str, from_user: User | None = None, chat: Chat | int | None = None
    ) -> Msg:
        """Send a forwarded text (from `from_user`, or a hidden user)."""
        if from_user is not None:
            return (await self._send(chat, text=text, forward_from=from_user.id))[0]
        return (await self._send(chat, text=text, forward_hidden="Hidden User"))[0]

    async def press(
        self,
        message: Msg,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
        wait_answer: bool = True,
    ) -> CallbackAnswer | None:
        """Press an inline button (by text or callback_data); return the bot's answer."""
        data = await self.client.post(
            "press",
            user_id=self.id,
            chat_id=message.chat_id,
            message_id=message.message_id,
            text=text,
            callback_data=callback_data,
            timeout=timeout if wait_answer else 0,
            _timeout=timeout + 5,
        )
        if not wait_answer:
            return None
        if not data["answered"]:
            raise TimeoutError(f"bot did not answer callback query {data['id']} within {timeout}s")
        return CallbackAnswer(
            data["id"], data.get("text"), bool(data.get("show_alert")), data.get("url")
        )

    async def wait_message(
        self,
        chat: Chat | int | None = None,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Msg:
        """The next bot message after this handle's cursor in a chat (optionally with text)."""
        cid = self._chat(chat)
        after = self.cursors.get(cid, 0)
        data = await self.client.post(
            "wait",
            chat_id=cid,
            after=after,
            contains=contains,
            timeout=timeout,
            _timeout=timeout + 5,
        )
        if data["message"] is None:
            got = [
                f"#{m['message_id']} {'bot' if (m.get('from') or {}).get('is_bot') else 'user'}: "
                f"{(m.get('text') or m.get('caption') or '<media>')[:80]!r}"
                for m in data["received"]
            ]
            want = f" containing {contains!r}" if contains else ""
            raise TimeoutError(
                f"user {self.id}: no bot message{want} in chat {cid} after #{after} "
                f"within {timeout}s; chat received: {got or 'nothing'}"
            )
        msg = Msg.from_raw(data["message"])
        self.cursors[cid] = msg.message_id
        return msg

    async def wait_edit(
        self,
        message: Msg,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Msg:
        """Wait until `message` is edited (again), optionally to contain `contains`."""
        data = await self.client.post(
            "wait_edit",
            chat_id=message.chat_id,
            message_id=message.message_id,
            edits=message.edits,
            contains=contains,
            timeout=timeout,
            _timeout=timeout + 5,
        )
        if data["message"] is None:
            now = Msg.from_raw(data["current"])
            raise TimeoutError(
                f"message #{message.message_id} in chat {message.chat_id} was not edited"
                f"{f' to contain {contains!r}' if contains else ''} within {timeout}s; "
                f"now: {now.text[:200]!r}"
            )
        return Msg.from_raw(data["message"])

    async def block_bot(self) -> None:
        """The user blocks the bot."""
        await self.client.post("block", user_id=self.id, blocked=True)

    async def unblock_bot(self) -> None:
        """The user unblocks the bot."""
        await self.client.post("block", user_id=self.id, blocked=False)


class EmuClient:
    """Async client of the control API; the same against an in-process or subprocess emulator."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def post(self, route: str, _timeout: float = 30.0, **body: Any) -> Any:
        """POST a control call and return its JSON; raise EmuError on refusal."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=_timeout)
        async with self._session.post(f"{self.url}/_emu/{route}", json=body, timeout=timeout) as r:
            data = await r.json()
            if r.status != 200:
                raise EmuError(f"{route}: {data.get('error')}")
            return data

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> EmuClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def create_bot(
        self, token: str = DEFAULT_TOKEN, username: str = "thidua_test_bot", first_name: str = ""
    ) -> JSON:
        """Register the bot (optional: a bot is also created on its first API call)."""
        return await self.post("bots", token=token, username=username, first_name=first_name)

    async def user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        started: bool = False,
    ) -> User:
        """Create a user; `started=True` lets the bot message them before they write."""
        await self.post(
            "users",
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            started=started,
        )
        return User(self, user_id, first_name, last_name, username)

    async def create_users(self, start_id: int, count: int, prefix: str = "User") -> list[User]:
        """Create many users at once, each having started the bot."""
        await self.post("users_bulk", start_id=start_id, count=count, prefix=prefix, _timeout=120)
        return [User(self, uid, f"{prefix} {uid}") for uid in range(start_id, start_id + count)]

    async def group(
        self,
        title: str,
        members: list[User] | None = None,
        bot_is_admin: bool = False,
        admins: list[User] | None = None,
        type: str = "group",
    ) -> Chat:
        """Create a group (or supergroup/channel) with the bot; the first member is its creator."""
        data = await self.post(
            "groups",
            title=title,
            members=[u.id for u in members or []],
            bot_is_admin=bot_is_admin,
            admins=[u.id for u in admins or []],
            type=type,
        )
        return Chat(self, data["id"], data["type"], data.get("title"))

    async def add_members(self, chat: Chat | int, users: list[User]) -> None:
        """Users join a group (new_chat_members)."""
        await self.post("members", chat_id=chat_id_of(chat), add=[u.id for u in users])

    async def remove_member(self, chat: Chat | int, user: User) -> None:
        """A user leaves a group (left_chat_member)."""
        await self.post("members", chat_id=chat_id_of(chat), remove=[user.id])

    async def set_bot_status(self, chat: Chat | int, status: str) -> None:
        """Set the bot's status in a group: member, administrator, kicked, left."""
        await self.post("members", chat_id=chat_id_of(chat), bot_status=status)

    async def kick_bot(self, chat: Chat | int) -> None:
        """The bot is removed from a group (or the group is deleted)."""
        await self.set_bot_status(chat, "kicked")

    async def migrate(self, chat: Chat | int) -> Chat:
        """Upgrade a group to a supergroup; returns the new supergroup."""
        data = await self.post("migrate", chat_id=chat_id_of(chat))
        return Chat(self, data["id"], data["type"], data.get("title"))

    async def messages(self, chat: Chat | User | int, include_deleted: bool = False) -> list[Msg]:
        """A chat's messages as they are now (a User means their private chat)."""
        cid = chat.id if isinstance(chat, User) else chat_id_of(chat)
        data = await self.post("messages", chat_id=cid, include_deleted=include_deleted)
        return [Msg.from_raw(m) for m in data["messages"]]

    async def inject(
        self,
        method: str = "*",
        kind: str = "500",
        count: int = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
        delay: float | None = None,
    ) -> None:
        """Queue a fault (429, 500, slow, timeout, blocked, chat_not_found, migrated)."""
        await self.post(
            "inject",
            method=method,
            kind=kind,
            count=count,
            chat_id=chat_id,
            retry_after=retry_after,
            delay=delay,
        )

    async def clear_faults(self) -> None:
        """Drop every pending fault."""
        await self.post("clear_faults")

    async def calls(
        self, method: str | None = None, chat_id: int | None = None, since: int = 0
    ) -> list[JSON]:
        """The bot's API calls: method, params, ok, result or error_code/description, ts."""
        data = await self.post("calls", method=method, chat_id=chat_id, since=since)
        return data["calls"]

    async def set_flood_limits(
        self,
        enabled: bool | None = None,
        per_bot: int | None = None,
        per_private_chat: int | None = None,
        per_group_per_minute: int | None = None,
    ) -> JSON:
        """Change flood limits at run time; returns the current settings."""
        return await self.post(
            "flood",
            enabled=enabled,
            per_bot=per_bot,
            per_private_chat=per_private_chat,
            per_group_per_minute=per_group_per_minute,
        )

    async def stats(self) -> JSON:
        """Counters: provoked_429, injected_faults, sent, calls, errors, updates, ..."""
        return await self.post("stats")

    async def delivered_counts(self) -> dict[int, int]:
        """Messages successfully sent by the bot, per chat id."""
        data = await self.post("delivered")
        return {int(k): v for k, v in data["counts"].items()}

    async def bots(self) -> list[JSON]:
        """Known bots with webhook state and pending update counts."""
        return (await self.post("list_bots"))["bots"]

    async def download(self, file_id: str) -> bytes:
        """Content of a stored file (e.g. a document the bot sent)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        async with self._session.get(f"{self.url}/_emu/files/{file_id}") as r:
            if r.status != 200:
                raise EmuError(f"unknown file_id {file_id}")
            return await r.read()

    async def reset(self, forget_bots: bool = False) -> None:
        """Forget users, chats, messages, files, calls, faults and stats (bots are kept)."""
        await self.post("reset", forget_bots=forget_bots)
