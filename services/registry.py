"""All use cases, built once at start-up with their dependencies bound (see services/base.py)."""

from __future__ import annotations

from services.base import Env
from services.broadcasts import Broadcasts
from services.campaigns import Campaigns
from services.conversations import Conversations
from services.dossier import Dossiers
from services.initiatives import Initiatives
from services.judging import Ballots, DepartmentHeads, Facts, Meetings, Minutes, Rounds
from services.judging.achievements import Achievements
from services.judging.decisions import Decisions
from services.judging.publication import Publications
from services.members import Members
from services.orgs import Orgs
from services.people import People
from services.proposals import Proposals
from services.publishing import Publishing
from services.reviews import Reviews
from services.school import SchoolSettings
from services.stories import Stories
from services.tallies import Tallies


class Services:
    """The use cases of every area; a handler reaches them as `context.services.<area>`."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.people = People(env)
        self.members = Members(env)
        self.orgs = Orgs(env)
        self.stories = Stories(env)
        self.proposals = Proposals(env)
        self.campaigns = Campaigns(env)
        self.broadcasts = Broadcasts(env)
        self.tallies = Tallies(env)
        self.publishing = Publishing(env)
        self.conversations = Conversations(env)
        self.school = SchoolSettings(env)
        self.rounds = Rounds(env)
        self.facts = Facts(env)
        self.dept_heads = DepartmentHeads(env)
        self.meetings = Meetings(env)
        self.ballots = Ballots(env)
        self.minutes = Minutes(env)
        self.dossiers = Dossiers(env)
        self.reviews = Reviews(env)
        self.initiatives = Initiatives(env)
        self.publication = Publications(env)
        self.achievements = Achievements(env)  # ---- achievements ----
        self.decisions = Decisions(env)  # ---- decisions ----
