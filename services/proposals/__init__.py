"""Commendation proposals (đề nghị khen thưởng): a council member proposes, the chair decides.

A proposal starts from an approved story (its doer is commended) or from a title registration
(the registrant). The form comes from the school's list (Org.commendation_forms, plus the title
itself for a registrant) and the level from the school's levels; both are school settings. The
chair confirms or declines with a reason; one conditional UPDATE decides, so of two presses only
one wins. Every step is audited, and the notices go through the outbox in the same commit.

- targets.py: who would be commended, for what, the forms and levels offered; who may act
- decisions.py: a proposal recorded, the chair's decision (services/reasons.py for the reason)
- usecases.py: `Proposals`, what the handlers call
"""

from __future__ import annotations

from services.proposals.decisions import (
    DECLINE_REASONS,
    REASONS,
    ProposalView,
    await_reason,
    awaited,
    card_ref,
    check_can_decide,
    decide,
    propose,
    view,
)
from services.proposals.targets import (
    SOURCES,
    FormChoice,
    Target,
    check_council,
    target,
)
from services.proposals.usecases import Proposals

__all__ = [
    "DECLINE_REASONS",
    "REASONS",
    "SOURCES",
    "FormChoice",
    "ProposalView",
    "Proposals",
    "Target",
    "await_reason",
    "awaited",
    "card_ref",
    "check_can_decide",
    "check_council",
    "decide",
    "propose",
    "target",
    "view",
]
