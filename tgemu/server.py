"""aiohttp app: the Bot API (/bot{token}/{method}), file downloads and the /_emu control API."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import logging
import socket
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .methods import METHODS, SENDING, Params
from .state import JSON, ApiError, BotRec, Fault, FloodConfig, Upload, World

if TYPE_CHECKING:
    from .client import EmuClient

log = logging.getLogger("tgemu")
WORLD = web.AppKey("world", World)
HOOKS = web.AppKey("hooks", dict[str, aiohttp.ClientSession])


async def read_params(request: web.Request) -> Params:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            raw.update(body)
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.filename, value.file.read(), value.content_type)
                else:
                    raw[key] = value
    return Params(raw, files)


def loggable(p: Params) -> JSON:
    """Request parameters for the call log, with uploads summarized."""
    out = dict(p.raw)
    for key, up in p.files.items():
        out[key] = {"upload": up.filename, "size": len(up.content)}
    return out


async def apply_fault(w: World, method: str, p: Params) -> None:
    """Consume the first matching injected fault for this call and act on it."""
    chat_id = str(p.raw.get("chat_id"))
    for fault in w.faults:
        if fault.method == "*" and method.lower() == "getupdates":
            continue
        if fault.method not in ("*", method.lower()) or fault.chat_id not in (None, chat_id):
            continue
        fault.count -= 1
        w.faults = [f for f in w.faults if f.count > 0]
        w.stats["injected_faults"] += 1
        kind = fault.kind
        if kind == "429":
            retry = fault.retry_after
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        if kind == "500":
            raise ApiError(500, "Internal Server Error")
        if kind == "blocked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if kind == "unauthorized":  # the token was revoked with @BotFather
            raise ApiError(401, "Unauthorized")
        if kind == "chat_not_found":
            raise ApiError(400, "Bad Request: chat not found")
        if kind == "migrated":
            new_id = int(f"-100{abs(int(p.raw.get('chat_id') or 1))}")
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": new_id},
            )
        delay = fault.delay if fault.delay is not None else (1.0 if kind == "slow" else 30.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(w.closing.wait(), delay)
        return


async def bot_api(request: web.Request) -> web.Response:
    """POST|GET /bot{token}/{method}."""
    w = request.app[WORLD]
    method = request.match_info["method"]
    entry: JSON = {"method": method, "ts": time.time()}
    try:
        bot = w.bot_by_token(request.match_info["token"])
        entry["bot_id"] = bot.id
        handler = METHODS.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        p = await read_params(request)
        entry["params"] = loggable(p)
        await apply_fault(w, method, p)
        result = handler(w, bot, p)
        if inspect.isawaitable(result):
            result = await result
        if bot.webhook and not (bot.webhook_task and not bot.webhook_task.done()):
            bot.webhook_task = asyncio.create_task(webhook_loop(request.app, bot))
        entry.update(ok=True, result=result)
        body: JSON = {"ok": True, "result": result}
        status = 200
    except ApiError as e:
        body, status = e.payload(), e.code
        entry.update(ok=False, error_code=e.code, description=e.description)
    except Exception:
        log.exception("tgemu: %s failed", method)
        body, status = ApiError(500, "Internal Server Error").payload(), 500
        entry.update(ok=False, error_code=500, description="Internal Server Error (emulator bug)")
    w.calls.append(entry)
    w.stats["calls"] += 1
    if not entry["ok"]:
        w.stats["errors"] += 1
    elif method.lower() in SENDING:
        w.stats["send_calls"] += 1
    return web.json_response(body, status=status)


async def webhook_loop(app: web.Application, bot: BotRec) -> None:
    """POST queued updates to the bot's webhook one by one, retrying failures."""
    w, delay = app[WORLD], 0.1
    while bot.webhook and not w.closing.is_set():
        if not bot.updates:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bot.event.wait(), 1.0)
            continue
        hook, update = bot.webhook, bot.updates[0]
        headers = (
            {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]}
            if hook.get("secret_token")
            else {}
        )
        if "session" not in app[HOOKS]:
            app[HOOKS]["session"] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            async with app[HOOKS]["session"].post(hook["url"], json=update, headers=headers) as r:
                error = (
                    None
                    if 200 <= r.status < 300
                    else f"Wrong response from the webhook: {r.status} {r.reason}"
                )
        except Exception as e:  # any failure is retried, as Telegram does
            error = f"Connection failed: {e.__class__.__name__}"
        if error is None:
            if bot.updates and bot.updates[0] is update:
                bot.updates.pop(0)
            delay = 0.1
            continue
        hook.update(last_error_date=int(time.time()), last_error_message=error)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)


async def download(request: web.Request) -> web.StreamResponse:
    """GET /file/bot{token}/{file_path}."""
    w = request.app[WORLD]
    try:
        w.bot_by_token(request.match_info["token"])
    except ApiError as e:
        return web.json_response(e.payload(), status=e.code)
    path = request.match_info["path"]
    rec = next((f for f in w.files.values() if f.file_path == path), None)
    if rec is None:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)
    return web.Response(body=rec.content, content_type=rec.mime_type or "application/octet-stream")


# ---- control API -------------------------------------------------------------------------------
CONTROL: dict[str, Any] = {}


def control(name: str) -> Any:
    """Register a control handler under /_emu/{name}: JSON in, JSON out, errors as 400."""

    def register(fn: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            body = await request.json() if request.body_exists else {}
            try:
                result = await fn(request.app[WORLD], body, request)
            except (LookupError, ValueError, TypeError) as e:
                return web.json_response({"error": str(e)}, status=400)
            except ApiError as e:
                return web.json_response({"error": e.description}, status=400)
            return web.json_response(result)

        CONTROL[name] = handler
        return fn

    return register


def decode(b64: str) -> bytes:
    """Bytes sent base64-encoded by the client."""
    return base64.b64decode(b64)


@control("reset")
async def c_reset(w: World, body: JSON, r: web.Request) -> JSON:
    w.reset(forget_bots=bool(body.get("forget_bots")))
    return {"ok": True}


@control("bots")
async def c_create_bot(w: World, body: JSON, r: web.Request) -> JSON:
    bot = w.create_bot(body["token"], body.get("username"), body.get("first_name") or "")
    return bot.as_user()


@control("users")
async def c_user(w: World, body: JSON, r: web.Request) -> JSON:
    keys = ("first_name", "last_name", "username", "language_code", "started")
    return w.add_user(int(body["id"]), **{k: body[k] for k in keys if k in body}).as_dict()


@control("users_bulk")
async def c_users_bulk(w: World, body: JSON, r: web.Request) -> JSON:
    return {
        "count": w.add_users(int(body["start_id"]), int(body["count"]), body.get("prefix", "User"))
    }


@control("block")
async def c_block(w: World, body: JSON, r: web.Request) -> JSON:
    w.set_blocked(int(body["user_id"]), bool(body.get("blocked", True)))
    return {"ok": True}


@control("groups")
async def c_group(w: World, body: JSON, r: web.Request) -> JSON:
    chat = w.create_group(
        body["title"],
        [int(u) for u in body.get("members", [])],
        bool(body.get("bot_is_admin")),
        [int(u) for u in body.get("admins", [])],
        body.get("type", "group"),
    )
    return chat.as_dict()


@control("members")
async def c_members(w: World, body: JSON, r: web.Request) -> JSON:
    chat_id = int(body["chat_id"])
    if "bot_status" in body:
        w.set_bot_status(chat_id, body["bot_status"])
    w.change_members(
        chat_id, [int(u) for u in body.get("add", [])], [int(u) for u in body.get("remove", [])]
    )
    return {"ok": True}


@control("migrate")
async def c_migrate(w: World, body: JSON, r: web.Request) -> JSON:
    return w.migrate(int(body["chat_id"])).as_dict()


@control("messages")
async def c_messages(w: World, body: JSON, r: web.Request) -> JSON:
    chat = w.chat(int(body["chat_id"]))
    keep = bool(body.get("include_deleted"))
    return {"messages": [sm.view() for sm in chat.messages.values() if keep or not sm.deleted]}


@control("send")
async def c_send(w: World, body: JSON, r: web.Request) -> JSON:
    items: list[JSON] = []
    base: JSON = {}
    if body.get("forward_from") is not None:
        base["forward_origin"] = {
            "type": "user",
            "sender_user": w.user(int(body["forward_from"])).as_dict(),
            "date": int(time.time()) - 60,
        }
    elif body.get("forward_hidden"):
        base["forward_origin"] = {
            "type": "hidden_user",
            "sender_user_name": body["forward_hidden"],
            "date": int(time.time()) - 60,
        }
    if body.get("photos"):
        for i, b64 in enumerate(body["photos"]):
            rec = w.new_file("photo", Upload("photo.jpg", decode(b64), "image/jpeg"))
            item = {**base, "photo": [{**rec.meta(), "width": 1280, "height": 960}]}
            if i == 0 and body.get("caption"):
                item["caption"] = body["caption"]
            items.append(item)
    elif body.get("document"):
        doc = body["document"]
        rec = w.new_file(
            "document", Upload(doc["filename"], decode(doc["data"]), doc.get("mime_type"))
        )
        meta = {
            **rec.meta(),
            "file_name": doc["filename"],
            "mime_type": doc.get("mime_type") or "application/octet-stream",
        }
        if doc.get("file_size") is not None:  # the size a big file claims (a test sends less)
            meta["file_size"] = int(doc["file_size"])
        items.append(
            {
                **base,
                "document": meta,
                **({"caption": body["caption"]} if body.get("caption") else {}),
            }
        )
    elif body.get("sticker"):
        rec = w.new_file(
            "sticker", Upload("sticker.webp", b"RIFF\x00\x00\x00\x00WEBP", "image/webp")
        )
        items.append(
            {
                **base,
                "sticker": {
                    **rec.meta(),
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "👍",
                },
            }
        )
    elif body.get("voice"):
        rec = w.new_file("voice", Upload("voice.oga", b"OggS\x00voice", "audio/ogg"))
        items.append({**base, "voice": {**rec.meta(), "duration": 2, "mime_type": "audio/ogg"}})
    else:
        if not str(body.get("text") or "").strip():
            raise ValueError("a user message needs text, photos, document, sticker or voice")
        items.append({**base, "text": body["text"]})
    chat_id = body.get("chat_id")
    reply_to = body.get("reply_to")
    sent = w.user_send(
        int(body["user_id"]), None if chat_id is None else int(chat_id), items, reply_to
    )
    return {"messages": [sm.view() for sm in sent]}


@control("edit")
async def c_edit(w: World, body: JSON, r: web.Request) -> JSON:
    sm = w.user_edit(
        int(body["user_id"]), int(body["chat_id"]), int(body["message_id"]), str(body["text"])
    )
    return {"message": sm.view()}


@control("press")
async def c_press(w: World, body: JSON, r: web.Request) -> JSON:
    cb = w.press(
        int(body["user_id"]),
        int(body["chat_id"]),
        int(body["message_id"]),
        body.get("text"),
        body.get("callback_data"),
    )
    await w.wait_until(lambda: cb.answer, float(body.get("timeout", 0)))
    return {"id": cb.id, "answered": cb.answer is not None, **(cb.answer or {})}


@control("wait")
async def c_wait(w: World, body: JSON, r: web.Request) -> JSON:
    chat_id, after, contains = int(body["chat_id"]), int(body.get("after", 0)), body.get("contains")

    def find() -> JSON | None:
        chat = w.chats.get(chat_id)
        for mid, sm in chat.messages.items() if chat else ():
            frm = sm.data.get("from") or {}
            if mid > after and not sm.deleted and (frm.get("is_bot") or "sender_chat" in sm.data):
                text = sm.data.get("text") or sm.data.get("caption") or ""
                if contains is None or contains in text:
                    return sm.view()
        return None

    found = await w.wait_until(find, float(body.get("timeout", 10)))
    chat = w.chats.get(chat_id)
    recent = [sm.view() for mid, sm in (chat.messages.items() if chat else ()) if mid > after][-20:]
    return {"message": found, "received": [] if found else recent}


@control("wait_edit")
async def c_wait_edit(w: World, body: JSON, r: web.Request) -> JSON:
    chat = w.chat(int(body["chat_id"]))
    sm = chat.messages[int(body["message_id"])]
    edits, contains = int(body.get("edits", 0)), body.get("contains")

    def find() -> JSON | None:
        text = sm.data.get("text") or sm.data.get("caption") or ""
        ok = sm.edits > edits and (contains is None or contains in text)
        return sm.view() if ok else None

    return {
        "message": await w.wait_until(find, float(body.get("timeout", 10))),
        "current": sm.view(),
    }


@control("inject")
async def c_inject(w: World, body: JSON, r: web.Request) -> JSON:
    kinds = (
        "429",
        "500",
        "slow",
        "timeout",
        "blocked",
        "chat_not_found",
        "migrated",
        "unauthorized",
    )
    if str(body.get("kind")) not in kinds:
        raise ValueError(f"kind must be one of {kinds}")
    chat_id, method = body.get("chat_id"), str(body.get("method") or "*")
    fault = Fault(
        method=method if method == "*" else method.lower(),
        kind=str(body["kind"]),
        count=int(body.get("count", 1)),
        chat_id=None if chat_id is None else str(chat_id),
        retry_after=int(body.get("retry_after", 1)),
        delay=None if body.get("delay") is None else float(body["delay"]),
    )
    w.faults.append(fault)
    return {"pending": len(w.faults)}


@control("clear_faults")
async def c_clear_faults(w: World, body: JSON, r: web.Request) -> JSON:
    w.faults.clear()
    return {"ok": True}


@control("calls")
async def c_calls(w: World, body: JSON, r: web.Request) -> JSON:
    method, chat_id, since = body.get("method"), body.get("chat_id"), int(body.get("since", 0))
    out = []
    for c in w.calls[since:]:
        if method and c["method"].lower() != method.lower():
            continue
        if chat_id is not None and str((c.get("params") or {}).get("chat_id")) != str(chat_id):
            continue
        out.append(c)
    return {"calls": out, "total": len(w.calls)}


@control("flood")
async def c_flood(w: World, body: JSON, r: web.Request) -> JSON:
    for key in ("enabled", "per_bot", "per_private_chat", "per_group_per_minute"):
        if body.get(key) is not None:
            setattr(w.flood, key, type(getattr(w.flood, key))(body[key]))
    return vars(w.flood)


@control("stats")
async def c_stats(w: World, body: JSON, r: web.Request) -> JSON:
    base = dict.fromkeys(
        ("provoked_429", "injected_faults", "sent", "send_calls", "calls", "errors", "updates"), 0
    )
    pending = sum(len(b.updates) for b in w.bots.values())
    return {
        **base,
        **w.stats,
        "pending_updates": pending,
        "users": len(w.users),
        "chats": len(w.chats),
    }


@control("delivered")
async def c_delivered(w: World, body: JSON, r: web.Request) -> JSON:
    return {"counts": {str(k): v for k, v in w.delivered.items()}}


@control("list_bots")
async def c_bots(w: World, body: JSON, r: web.Request) -> JSON:
    return {
        "bots": [
            {**b.as_user(), "webhook": b.webhook, "pending": len(b.updates)}
            for b in w.bots.values()
        ]
    }


async def c_file(request: web.Request) -> web.Response:
    """GET /_emu/files/{file_id}: raw bytes of any stored file."""
    rec = request.app[WORLD].files.get(request.match_info["file_id"])
    if rec is None:
        return web.json_response({"error": "unknown file_id"}, status=404)
    return web.Response(body=rec.content, content_type="application/octet-stream")


def make_app(world: World) -> web.Application:
    """The emulator's aiohttp application."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[WORLD] = world
    app[HOOKS] = {}
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download)
    app.router.add_get("/_emu/files/{file_id}", c_file)
    for name, handler in CONTROL.items():
        app.router.add_post(f"/_emu/{name}", handler)

    async def shutdown(app: web.Application) -> None:
        world.closing.set()
        for bot in world.bots.values():
            bot.wake()
            if bot.webhook_task:
                bot.webhook_task.cancel()
        if "session" in app[HOOKS]:
            await app[HOOKS].pop("session").close()

    app.on_shutdown.append(shutdown)
    return app


class Emulator:
    """The emulator running in-process: `async with Emulator() as emu: ...`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        flood_limits: bool = True,
        per_bot: int = 30,
        per_private_chat: int = 1,
        per_group_per_minute: int = 20,
        bot_username: str = "thidua_test_bot",
    ) -> None:
        self.host, self.port = host, port
        self.flood = FloodConfig(flood_limits, per_bot, per_private_chat, per_group_per_minute)
        self.bot_username = bot_username
        self._runner: web.AppRunner | None = None
        self._clients: list[EmuClient] = []

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Bot API base URL for PTB's base_url."""
        return self.url + "/bot"

    @property
    def base_file_url(self) -> str:
        """File download base URL for PTB's base_file_url."""
        return self.url + "/file/bot"

    async def start(self) -> None:
        """Bind and start serving."""
        self.world = World(self.flood, self.bot_username)
        self._runner = web.AppRunner(
            make_app(self.world), access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Close clients made by client() and stop the server."""
        for c in self._clients:
            await c.close()
        if self._runner is not None:
            self.world.closing.set()
            await self._runner.cleanup()
            self._runner = None

    def client(self) -> EmuClient:
        """A control-API client closed automatically with the emulator."""
        from .client import EmuClient

        c = EmuClient(self.url)
        self._clients.append(c)
        return c

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
