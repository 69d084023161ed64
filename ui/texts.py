"""User-facing texts: one Jinja environment, templates per locale, HTML escaped by construction.

Each locale has files under `templates/<locale>/`; every message is a macro in one of them, named
`<file>.<macro>` (e.g. `join.ask_name`). Both locales must define the same macros.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from pathlib import Path
from types import CodeType
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("vi", "en")
_TAG = re.compile(r"<[^>]+>")


def format_date(value: datetime | date, tz: ZoneInfo) -> str:
    """dd/mm/yyyy in the school's zone (a date is already the school's), as Vietnamese offices
    write it."""
    if isinstance(value, datetime):
        value = value.astimezone(tz)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime, tz: ZoneInfo) -> str:
    """hh:mm dd/mm/yyyy in the school's zone."""
    return value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


class _SharedBytecode(BytecodeCache):
    """Compiled templates shared by every `Texts` in the process.

    Tests build a `Texts` per test and per bot they start: without this each compiled the same
    template files again (~50 ms of CPU a file). Jinja keys a template's code by its name and
    checks it against a checksum of the source, so an edited template is compiled again; the
    filters (the school's time zone) are looked up when rendering, not compiled in."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket with the code compiled from the same source earlier, if any."""
        kept = self._code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the code just compiled (code objects are immutable: sharing them is safe)."""
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)


_COMPILED = _SharedBytecode()


class Texts:
    """Renders a message key in a locale; the result is safe HTML for Telegram."""

    def __init__(self, tz: ZoneInfo, default_locale: str = "vi") -> None:
        self.tz = tz
        self.default_locale = default_locale
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates ship with the code: no stat() of the file per message
            bytecode_cache=_COMPILED,
        )
        self.env.filters["date"] = lambda v: format_date(v, tz)
        self.env.filters["datetime"] = lambda v: format_datetime(v, tz)
        # Vietnamese offices write a moment as "08:51 ngày 05/12/2026".
        self.env.filters["datetime_vi"] = lambda v: format_datetime(v, tz).replace(" ", " ngày ", 1)

    def locale(self, wanted: str | None) -> str:
        """The locale to use for a person who chose `wanted` (or nothing)."""
        return wanted if wanted in LOCALES else self.default_locale

    def macro_names(self, locale: str, file: str) -> set[str]:
        """The message keys one template file defines (for the locale-parity test)."""
        module = self.env.get_template(f"{locale}/{file}.html").module
        return {name for name in dir(module) if not name.startswith("_")}

    def render(self, locale: str | None, key: str, /, **values: Any) -> str:
        """Render `key` (`file.macro`) in `locale`; surrounding blank lines are trimmed."""
        file, _, name = key.partition(".")
        module = self.env.get_template(f"{self.locale(locale)}/{file}.html").module
        macro = getattr(module, name)
        result: Markup = macro(**values)
        return str(result).strip()

    def plain(self, locale: str | None, key: str, /, **values: Any) -> str:
        """`key` as plain text, for what Telegram shows unparsed: button labels, alerts, toasts.

        The template's own tags are dropped, then entities are unescaped; values were escaped
        when rendered, so a name typed as `Bùi <b>Văn</b> & Đức` shows exactly as typed.
        """
        return html.unescape(_TAG.sub("", self.render(locale, key, **values)))
