"""The contest's texts: every key the code names exists in both languages and renders; the
card reads right in each phase."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.contest import ContestView
from services.contest.common import MyEntry
from services.contest.rules import Participation, Tier
from ui.texts import Texts

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "services" / "contest").glob("*.py")),
    *sorted((ROOT / "handlers" / "contest").glob("*.py")),
]


@pytest.fixture
def texts() -> Texts:
    return Texts(ZoneInfo("Asia/Ho_Chi_Minh"), "vi")


def _keys() -> set[str]:
    found = set()
    for path in SOURCES:
        # Message keys, not the audit's actions (action="contest.open").
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"(?<!action=)\"contest\.([a-z_]+)\"", text))
        # Labels named without the file (handlers/contest `label_of(..., "open_button")`).
        if path.parent.name == "contest" and path.parent.parent.name == "handlers":
            found |= set(
                re.findall(
                    r"label(?:_of)?\(\s*(?:update, context, )?\"([a-z_]+)\"", path.read_text()
                )
            )
    return found


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_key_the_contest_names_is_in_both_languages(texts: Texts, locale: str) -> None:
    keys = _keys()
    assert len(keys) > 40
    missing = keys - texts.macro_names(locale, "contest")
    assert not missing, missing


def view(phase: str, **changes: object) -> ContestView:
    base = ContestView(
        id=1,
        title="Viết về gương điển hình tiên tiến, người tốt, việc tốt",
        subject="Viết về những tấm gương <đẹp> & “sáng”",
        starts=date(2027, 3, 1),
        ends=date(2027, 3, 31),
        rounds=2,
        finalists=6,
        phase=phase,
        prizes=(Tier("Giải Nhất", 1), Tier("Giải Nhì", 2)),
        criteria=("Nội dung (40%)",),
        entries=12,
        judges=("Lê Minh Tuấn", "Phạm Thị Lan"),
        may_manage=True,
        is_judge=True,
        accepting=phase == "entries",
        mine=(
            MyEntry("BV-07", "Người giữ cổng", "Bác Tư", "Giải Nhất" if phase == "done" else None),
        ),
        departments=(Participation(1, "Tổ 1", 8, 2, 3), Participation(2, "Tổ 2", 6, 2, 1)),
        sheets_sent=5,
        sheets_total=36,
        to_score=4,
        results=(("Giải Nhất", "BV-07", "Vũ Thị Mai", "Tổ 1", "Bác Tư"),)
        if phase == "done"
        else (),
    )
    return ContestView(**{**base.__dict__, **changes})


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("phase", ["entries", "closed", "scoring", "final", "done"])
def test_the_card_renders_in_every_phase(texts: Texts, locale: str, phase: str) -> None:
    shown = texts.render(locale, "contest.view", v=view(phase))
    assert "&lt;đẹp&gt; &amp;" in shown  # typed text escaped
    assert ("⏳ Tổ 2: 1/2" in shown) and ("✅ Tổ 1: 3/2" in shown)
    assert ("Vũ Thị Mai" in shown) == (phase == "done")


def test_a_staff_member_sees_no_figures_and_no_judges(texts: Texts) -> None:
    shown = texts.render("vi", "contest.view", v=view("scoring", may_manage=False, departments=()))
    assert "Ban giám khảo:" not in shown and "Tổ 1" not in shown
