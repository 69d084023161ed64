"""achievement reports (báo cáo thành tích), the deciding level's decisions and the honours

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "achievement_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("submitted_at", WHEN, nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_achievement_reports_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_achievement_reports_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_achievement_reports_candidate_id_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_achievement_reports_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_achievement_reports_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["people.id"], name=op.f("fk_achievement_reports_reviewer_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["people.id"],
            name=op.f("fk_achievement_reports_confirmed_by_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_reports")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_achievement_reports_candidate_id")),
    )
    with op.batch_alter_table("achievement_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_achievement_reports_org_id"), ["org_id"])
        batch_op.create_index(batch_op.f("ix_achievement_reports_round_id"), ["round_id"])
        batch_op.create_index(batch_op.f("ix_achievement_reports_person_id"), ["person_id"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("signer", sa.String(length=160), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_decisions_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_decisions_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_decisions_created_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_org_id"), ["org_id"])
        batch_op.create_index(batch_op.f("ix_decisions_round_id"), ["round_id"])

    op.create_table(
        "honours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_honours_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_honours_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_honours_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_honours_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_honours_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_honours")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_honours_candidate_id")),
    )
    with op.batch_alter_table("honours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_honours_org_id"), ["org_id"])
        batch_op.create_index(batch_op.f("ix_honours_decision_id"), ["decision_id"])
        batch_op.create_index(batch_op.f("ix_honours_person_id"), ["person_id"])


def downgrade() -> None:
    op.drop_table("honours")
    op.drop_table("decisions")
    op.drop_table("achievement_reports")
