"""Publishing a story to the school's channel."""

from __future__ import annotations

from dataclasses import dataclass

from ui.buttons.base import Button


@dataclass(frozen=True)
class PublishStory(Button, kind="sp"):
    """ "📢 Đăng lên kênh" on an approved story's council card."""

    story_id: int
