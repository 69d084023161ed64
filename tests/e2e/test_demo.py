"""`python -m bot demo` plays the journeys end to end, with no token and no network."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT


@pytest.mark.timeout(150)
def test_the_demo_plays_every_journey_and_exits_cleanly() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"demo failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    out = done.stdout
    for moment in (
        # The chair claims the school and finishes her profile.
        "[Trần Thị Thu Hà ← bot] Kính chào Thầy/Cô! Thầy/Cô đã nhận vai trò Chủ tịch Hội đồng",
        "Đã hoàn tất hồ sơ",
        # A join request is approved with one tap, and the teacher is told.
        "[Trần Thị Thu Hà ← bot] (edited) Yêu cầu tham gia của Lê Minh Tuấn",
        "[Lê Minh Tuấn ← bot] Chúc mừng Thầy/Cô! Yêu cầu tham gia",
        # Only the chair binds the council group.
        "chỉ Chủ tịch Hội đồng mới làm được việc này",
        "đã được gắn làm nhóm Hội đồng",
        # The vice-chair rejects the outsider who had a forwarded link.
        "[Đoàn Văn Khách ← bot] Rất tiếc, yêu cầu tham gia",
        # A stranger without a link gets the polite explanation.
        "[Người lạ ← bot] Kính chào Thầy/Cô! Đây là bot Thi đua – Khen thưởng",
        # A teacher reads /help in English.
        "[Vũ Thị Mai ← bot] Emulation & Commendation bot",
        "Demo finished: 14 scenes",
    ):
        assert moment in out, f"the transcript lacks {moment!r}:\n{out[-3000:]}"
    assert "DEMO FAILED" not in done.stderr
