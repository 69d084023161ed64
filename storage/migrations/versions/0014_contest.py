"""the writing contest: what a contest keeps besides its review call

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("finalists", sa.Integer(), nullable=False),
        sa.Column("prizes", sa.JSON(), nullable=False),
        sa.Column("min_score", sa.Integer(), nullable=False),
        sa.Column("target_entries", sa.Integer(), nullable=False),
        sa.Column("target_share", sa.Integer(), nullable=False),
        sa.Column("scoring_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["review_calls.id"], name=op.f("fk_contests_call_id_review_calls")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_contests_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contests")),
        sa.UniqueConstraint("call_id", name=op.f("uq_contests_call_id")),
    )
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contests_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contests_org_id"))
    op.drop_table("contests")
