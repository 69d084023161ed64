"""The end-of-year judging round (bình xét): candidates, the facts their conditions need, the
department heads' proposals, the council's meeting with a quorum, the votes, the minutes.

One module per concern: rules (pure conditions and counts), rounds (open a round, gather and list
candidates, the result list), facts (ratings, start dates, discipline, initiatives: XLSX or chat),
departments (department heads propose), meetings (schedule, remind, check in, quorum), ballots
(votes open or secret, close, results), minutes (the biên bản and every version of it).
"""

from __future__ import annotations

from services.judging.ballots import Ballots
from services.judging.departments import DepartmentHeads
from services.judging.facts import Facts
from services.judging.meetings import Meetings
from services.judging.minutes import Minutes
from services.judging.rounds import Rounds

__all__ = ["Ballots", "DepartmentHeads", "Facts", "Meetings", "Minutes", "Rounds"]
