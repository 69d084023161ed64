"""Telegram's HTML parse mode and automatic entities, with offsets in UTF-16 code units."""

from __future__ import annotations

import re
from typing import Any

TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
NAME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(.*)", re.S)
ATTR_RE = re.compile(r"""([a-zA-Z_][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
CHARREF_RE = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
AUTO_RE = re.compile(
    r"(?P<bot_command>(?<![\w/@])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/]))"
    r"|(?P<mention>(?<![\w@])@[a-zA-Z0-9_]{4,32}(?!\w))"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
    r"|(?P<url>https?://[^\s<>\"]+)"
)


class ParseError(ValueError):
    """An HTML text that Telegram would refuse."""


def u16len(text: str) -> int:
    """Length of `text` in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def u16slice(text: str, offset: int, length: int) -> str:
    """Substring of `text` given a UTF-16 offset and length."""
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


def _attrs(rest: str) -> dict[str, str]:
    return {m[1].lower(): m[2] or m[3] or m[4] or "" for m in ATTR_RE.finditer(rest)}


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and entities; raise ParseError like Telegram."""
    out: list[str] = []
    pos = 0  # current UTF-16 offset in the output
    stack: list[tuple[str, int, dict[str, Any]]] = []
    ent: dict[str, Any]
    entities: list[dict[str, Any]] = []
    i = 0

    def boff(k: int) -> int:
        return len(src[:k].encode())

    def emit(chunk: str) -> None:
        nonlocal pos
        out.append(chunk)
        pos += u16len(chunk)

    while i < len(src):
        c = src[i]
        if c == "&":
            m = CHARREF_RE.match(src, i)
            if m is None:
                emit("&")
                i += 1
                continue
            ref = m[1]
            if ref.startswith("#"):
                code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
                if not 0 < code < 0x110000:
                    raise ParseError(f"Invalid character reference at byte offset {boff(i)}")
                emit(chr(code))
            elif ref in NAMED:
                emit(NAMED[ref])
            else:
                raise ParseError(f'Unsupported HTML entity "&{ref};" at byte offset {boff(i)}')
            i = m.end()
            continue
        if c != "<":
            j = i
            while j < len(src) and src[j] not in "<&":
                j += 1
            emit(src[i:j])
            i = j
            continue
        end = src.find(">", i)
        if end < 0:
            raise ParseError(f"Unclosed start tag at byte offset {boff(i)}")
        body = src[i + 1 : end]
        if body.startswith("/"):
            name = body[1:].strip().lower()
            if not stack:
                raise ParseError(f'Unexpected end tag "{name}" at byte offset {boff(i)}')
            tag, start, ent = stack.pop()
            if name != tag:
                raise ParseError(
                    f'Unmatched end tag at byte offset {boff(i)}, expected "</{tag}>", '
                    f'found "</{name}>"'
                )
            if ent.get("type") and pos > start:
                entities.append({**ent, "offset": start, "length": pos - start})
            i = end + 1
            continue
        m = NAME_RE.fullmatch(body)
        name = m[1].lower() if m else ""
        if m is None or name not in TAGS or (m[2] and not m[2][0].isspace()):
            raise ParseError(f'Unsupported start tag "{name}" at byte offset {boff(i)}')
        attrs = _attrs(m[2])
        ent = {"type": TAGS[name]}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {boff(i)}')
        if name == "a":
            ent = {"type": "text_link", "url": attrs["href"]} if attrs.get("href") else {}
        elif name == "tg-emoji":
            if not attrs.get("emoji-id"):
                raise ParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at {boff(i)}')
            ent["custom_emoji_id"] = attrs["emoji-id"]
        elif name == "blockquote" and "expandable" in attrs:
            ent["type"] = "expandable_blockquote"
        elif name == "code" and stack and stack[-1][0] == "pre":
            lang = attrs.get("class", "")
            if lang.startswith("language-"):
                stack[-1][2]["language"] = lang[9:]
            ent = {}  # <pre><code> is a single pre entity
        stack.append((name, pos, ent))
        i = end + 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), entities


def auto_entities(text: str, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the entities Telegram detects by itself (commands, mentions, hashtags, URLs)."""
    blocked = [
        (e["offset"], e["offset"] + e["length"])
        for e in existing
        if e["type"] in ("code", "pre", "text_link", "bot_command", "mention", "hashtag", "url")
    ]
    found = list(existing)
    for m in AUTO_RE.finditer(text):
        kind = m.lastgroup or "url"
        offset = u16len(text[: m.start()])
        length = u16len(m[0])
        if any(a < offset + length and offset < b for a, b in blocked):
            continue
        found.append({"type": kind, "offset": offset, "length": length})
    return sorted(found, key=lambda e: (e["offset"], -e["length"]))
