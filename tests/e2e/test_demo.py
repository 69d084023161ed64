"""`python -m bot demo` plays the journeys end to end, with no token and no network."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from tests.e2e.conftest import ROOT


@pytest.mark.timeout(150)
def test_the_demo_plays_every_journey_and_exits_cleanly_issue17_item36(tmp_path: Path) -> None:
    out_dir, scratch = tmp_path / "documents", tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out_dir)],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"demo failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    out = done.stdout
    for moment in (
        # The chair claims the school and finishes her profile.
        "[Trần Thị Thu Hà ← bot] Kính chào Thầy/Cô! Thầy/Cô đã nhận vai trò Chủ tịch Hội đồng",
        "[Trần Thị Thu Hà ← bot] (edited) Cảm ơn cô Hà. Cô thuộc tổ nào?",  # item 32
        "Đã cập nhật thông tin",
        # A join request is approved with one tap, and the teacher is told.
        "[Trần Thị Thu Hà ← bot] (edited) Yêu cầu sử dụng bot của Lê Minh Tuấn",
        "[Lê Minh Tuấn ← bot] Chúc mừng thầy Tuấn! Yêu cầu sử dụng bot",
        # A pupil of 7 or more: the pupil's own consent is asked too (item 31).
        "[Vũ Thị Mai ← bot] (edited) Em học sinh (từ 7 tuổi trở lên) đã đồng ý",
        "CMHS và em học sinh đã đồng ý công khai",
        # Only the chair binds the council group.
        "chỉ Chủ tịch Hội đồng mới làm được việc này",
        "đã được gắn làm nhóm Hội đồng",
        # The vice-chair rejects the outsider who had a forwarded link.
        "[Đoàn Văn Khách ← bot] Rất tiếc, yêu cầu sử dụng bot",
        # A stranger without a link gets the polite explanation.
        "[Người lạ ← bot] Kính chào Thầy/Cô! Đây là bot Thi đua – Khen thưởng",
        # A teacher reads /help in English.
        "[Vũ Thị Mai ← bot] Emulation & Commendation bot",
        # The chair sets the school's place, then exports: files, not empty lines.
        "[Trần Thị Thu Hà ← bot] ✅ Đã lưu Địa danh",
        "[Trần Thị Thu Hà ← bot] 📎 bao-cao-nam-hoc-",
        "Demo finished: 18 scenes",
        # The judging round: the council checks in, votes, and the minutes come out.
        "[Trần Thị Thu Hà ← bot] (edited) 🏛 Phiên họp bình xét",
        "Kết quả biểu quyết: Lao động tiên tiến",
        # An initiative is scored by two reviewers and recognised.
        "[Vũ Thị Mai ← bot] 🎉 Sáng kiến “Trò chơi học tập trong giờ Toán lớp 1”",
    ):
        assert moment in out, f"the transcript lacks {moment!r}:\n{out[-3000:]}"
    assert "DEMO FAILED" not in done.stderr
    # Each message is printed where it came, labelled (issue 17, item 36): the answer to /tally
    # and to /export right below them (not notices the chair got earlier), and photos as
    # "[ảnh]" with their caption, never as an empty line.
    lines = out.splitlines()
    for command, answer in (("/tally", "📊 Thống kê thi đua"), ("/export", "✅ Đã gửi báo cáo")):
        after = lines[lines.index(f"[Trần Thị Thu Hà → bot] {command}") + 1]
        assert after.startswith(f"[Trần Thị Thu Hà ← bot] {answer}"), after
    assert "[Hội đồng TĐKT – TH Thượng Thanh ← bot] [ảnh] 📷 Ảnh của câu chuyện #1" in lines
    assert "[Hội đồng TĐKT – TH Thượng Thanh ← bot] [ảnh]" in lines  # the album's second photo
    assert not [line for line in lines if re.fullmatch(r"\[[^]]+ ← bot\]\s*", line)]
    # --out: every document and chart the people received, listed at the end, and openable.
    saved = sorted(p.name for p in out_dir.iterdir())
    suffixes = {name.rsplit(".", 1)[1] for name in saved}
    assert suffixes >= {"xlsx", "csv", "docx", "png"}, saved
    for name in saved:
        assert f"  {out_dir / name}" in out
    report = next(out_dir.glob("*bao-cao*.docx"))
    minutes = next(out_dir.glob("*bien-ban-hop-*.docx"))
    assert "BIÊN BẢN" in "\n".join(p.text for p in Document(str(minutes)).paragraphs)
    text = "\n".join(p.text for p in Document(str(report)).tables[0].rows[1].cells[1].paragraphs)
    assert text.startswith("Long Biên, ngày ")  # the place the chair set in /settings
    # Its database and the PDF conversion lived in temporary folders, all gone.
    assert list(scratch.iterdir()) == []
