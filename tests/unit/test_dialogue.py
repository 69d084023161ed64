"""The private-text router: every dialogue kind has its step handler, the areas' own ones."""

from __future__ import annotations

from handlers import (
    admin,
    broadcast,
    campaigns,
    dialogue,
    facts,
    heads,
    join,
    minutes,
    proposals,
    publishing,
    settings,
    stories,
)
from services.conversations import Kind


def test_every_dialogue_kind_has_a_step() -> None:
    assert set(dialogue.STEPS) == set(Kind)


def test_the_members_steps_are_their_own_functions() -> None:
    assert dialogue.STEPS[Kind.JOIN] is join.on_join_text
    assert dialogue.STEPS[Kind.PROFILE] is join.on_join_text
    assert dialogue.STEPS[Kind.DEPARTMENT] is admin.on_department_name


def test_a_department_heads_note_reaches_its_step() -> None:
    assert dialogue.STEPS[Kind.DEPT_NOTE] is heads.on_note_text


def test_other_areas_texts_reach_their_own_handlers() -> None:
    expected = {
        Kind.REPORT: stories.on_report_text,
        Kind.REASON: stories.on_reason_text,
        Kind.CAMPAIGN: campaigns.on_text,
        Kind.CAMPAIGN_EDIT: campaigns.on_text,
        Kind.BROADCAST: broadcast.on_compose_text,
        Kind.CHANNEL: publishing.on_channel_text,
        Kind.PROPOSAL_REASON: proposals.on_reason_text,
        Kind.SETTING: settings.on_text,
        Kind.REMARKS: minutes.on_remark_text,
        Kind.FACTS: facts.on_text,
    }
    for kind, handler in expected.items():
        assert getattr(dialogue.STEPS[kind], "__wrapped__", None) is handler, kind
