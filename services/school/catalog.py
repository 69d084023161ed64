"""The catalog of a school's settings, read from defaults.toml: what each is, its kind, its
default and the default's source. Values are parsed from what a person types and shown back the
same way, so a value read back and typed again is unchanged."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.errors import Invalid

DEFAULTS = Path(__file__).with_name("defaults.toml")
SECTIONS = ("facts", "calendar", "lists", "rules", "contest")  # ---- contest: its own section ----
KINDS = ("text", "day_month", "int", "percent", "fraction", "bool", "choice", "lines", "forms")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})$", re.ASCII)
_FRACTION = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})$", re.ASCII)
_INT = re.compile(r"^\d{1,4}$", re.ASCII)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Invisible and direction-changing characters: they let shown text differ from what it says.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f]")
YES = {"có", "co", "yes", "true", "1", "x", "bật", "bat", "on"}
NO = {"không", "khong", "no", "false", "0", "tắt", "tat", "off"}
LINES_MAX = 30


@dataclass(frozen=True)
class Setting:
    """One setting of the catalog."""

    key: str
    section: str
    kind: str
    default: Any
    vi: str
    en: str
    source: str = ""
    column: str | None = None
    options: tuple[str, ...] = ()
    options_vi: tuple[str, ...] = ()
    min: int = 0
    max: int = 200
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self, locale: str) -> str:
        """The setting's name in this language."""
        return self.en if locale == "en" else self.vi

    @property
    def to_check(self) -> bool:
        """Its default could not be confirmed: the school checks it."""
        return "kiểm tra" in self.source

    def parse(self, raw: str) -> Any:
        """The value a person typed, checked; Invalid with a polite key if it is not one."""
        text = raw.strip()
        if _INVISIBLE.search(text):
            raise Invalid("settings.invisible_characters")
        kind = self.kind
        if kind == "text":
            text = " ".join(text.split())
            if len(text) > self.max:
                raise Invalid("settings.too_long", limit=self.max)
            return text
        if kind == "day_month":
            m = _DAY_MONTH.match(text)
            if (
                not m
                or not (1 <= int(m[2]) <= 12)
                or not 1 <= int(m[1]) <= _DAYS_IN_MONTH[int(m[2]) - 1]
            ):
                raise Invalid("settings.bad_day_month")
            return f"{int(m[1]):02d}/{int(m[2]):02d}"
        if kind in ("int", "percent"):
            low, high = (0, 100) if kind == "percent" else (self.min, self.max)
            text = text.removesuffix("%").strip()
            if not _INT.match(text) or not low <= int(text) <= high:
                raise Invalid("settings.bad_number", low=low, high=high)
            return int(text)
        if kind == "fraction":
            m = _FRACTION.match(text)
            if not m or not 0 < int(m[1]) <= int(m[2]):
                raise Invalid("settings.bad_fraction")
            return f"{int(m[1])}/{int(m[2])}"
        if kind == "bool":
            word = text.lower()
            if word in YES | {"yes"}:
                return True
            if word in NO:
                return False
            raise Invalid("settings.bad_yes_no")
        if kind == "choice":
            word = " ".join(text.lower().split())
            if word in self.options_vi:
                return self.options[self.options_vi.index(word)]
            if word not in self.options:
                shown = self.options_vi or self.options
                raise Invalid("settings.bad_choice", options=", ".join(shown))
            return word
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        if not lines or len(lines) > LINES_MAX or any(len(line) > 200 for line in lines):
            raise Invalid("settings.bad_lines", limit=LINES_MAX)
        if len({line.casefold() for line in lines}) != len(lines):
            raise Invalid("settings.duplicate_lines")
        if kind == "forms":
            for line in lines:
                name, bar, level = line.partition("|")
                if not bar or not name.strip() or not level.strip():
                    raise Invalid("settings.bad_form", line=line)
            return [" | ".join(p.strip() for p in line.split("|", 1)) for line in lines]
        return lines

    def show(self, value: Any) -> str:
        """The value written the way it is typed."""
        if self.kind == "bool":
            return "có" if value else "không"
        if self.kind in ("lines", "forms"):
            return "\n".join(str(v) for v in value)
        return str(value)

    def display(self, value: Any, locale: str) -> str:
        """The value as shown in a message (one line)."""
        vi = locale != "en"
        if self.kind == "bool":
            return ("có" if value else "không") if vi else ("yes" if value else "no")
        if self.kind == "choice" and vi and value in self.options and self.options_vi:
            return self.options_vi[self.options.index(value)]
        if self.kind in ("lines", "forms"):
            return "; ".join(str(v) for v in value)
        if self.kind == "percent":
            return f"{value} %"
        if value in ("", None):
            return "(chưa đặt)" if vi else "(not set)"
        return str(value)

    # -- values kept in a column of `orgs` (older settings): the same value, stored as before --

    def from_column(self, stored: Any) -> Any:
        """The value, from how its column keeps it."""
        if stored is None:
            return self.default
        if self.kind == "day_month":
            month, _, day = str(stored).partition("-")
            return f"{day}/{month}"
        if self.kind == "forms":
            return [f"{f['name']} | {f['level']}" for f in stored] or self.default
        if self.kind == "lines":
            return list(stored) or self.default
        return stored

    def to_column(self, value: Any) -> Any:
        """The value as its column keeps it."""
        if self.kind == "day_month":
            day, _, month = str(value).partition("/")
            return f"{month}-{day}"
        if self.kind == "forms":
            return [
                {"name": n.strip(), "level": lv.strip()}
                for n, _, lv in (str(v).partition("|") for v in value)
            ]
        if self.kind == "text" and value == "":
            return None
        return value


def _load(path: Path) -> dict[str, Setting]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    catalog: dict[str, Setting] = {}
    known = {"key", "section", "kind", "default", "vi", "en", "source", "column", "options"}
    known |= {"options_vi"}
    for item in data["setting"]:
        if item["section"] not in SECTIONS or item["kind"] not in KINDS or item["key"] in catalog:
            raise ValueError(f"{path}: bad setting {item.get('key')!r}")
        setting = Setting(
            key=item["key"],
            section=item["section"],
            kind=item["kind"],
            default=item["default"],
            vi=item["vi"],
            en=item["en"],
            source=item.get("source", ""),
            column=item.get("column"),
            options=tuple(item.get("options", ())),
            options_vi=tuple(item.get("options_vi", ())),
            min=int(item.get("min", 0)),
            max=int(item.get("max", 200)),
            extra={k: v for k, v in item.items() if k not in known | {"min", "max"}},
        )
        setting.parse(setting.show(setting.default))  # a default must be a value it accepts
        catalog[setting.key] = setting
    return catalog


CATALOG: dict[str, Setting] = _load(DEFAULTS)


def setting(key: str) -> Setting:
    """The setting with this key; Invalid if there is none."""
    try:
        return CATALOG[key]
    except KeyError:
        raise Invalid("settings.no_such_setting", name=key) from None


def in_section(section: str) -> list[Setting]:
    """The settings of one section, in the catalog's order."""
    return [s for s in CATALOG.values() if s.section == section]
