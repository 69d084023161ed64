"""Texts: both languages define the same messages, and user text is escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.texts import TEMPLATES, Texts

FILES = sorted(p.stem for p in (TEMPLATES / "vi").glob("*.html"))


@pytest.mark.parametrize("file", FILES)
def test_english_defines_every_vietnamese_message(texts: Texts, file: str) -> None:
    assert (TEMPLATES / "en" / f"{file}.html").exists()
    assert texts.macro_names("vi", file) == texts.macro_names("en", file)


def test_user_text_is_escaped(texts: Texts) -> None:
    html = texts.render("vi", "join.ask_department", name="<b>Hà</b> & <script>")
    assert "&lt;b&gt;Hà&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "<b>Hà</b>" not in html


def test_vietnamese_is_the_default_and_english_is_chosen(texts: Texts) -> None:
    assert "Tiếng Việt" in texts.render(None, "common.lang_set")
    assert "English" in texts.render("en", "common.lang_set")
    assert texts.locale("fr") == "vi"


def test_templates_are_under_the_package() -> None:
    assert Path(TEMPLATES).is_dir()
