"""publication: công khai (read receipts, the objection window), objections (kiến nghị),
re-votes and their votes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("published_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closes_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("listed", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_publications_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["published_by"], ["people.id"], name=op.f("fk_publications_published_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_publications_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("round_id", name=op.f("uq_publications_round_id")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_org_id"), ["org_id"], unique=False)

    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("filer_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("show_name", sa.Boolean(), nullable=False),
        sa.Column("attachment_kind", sa.String(length=16), nullable=True),
        sa.Column("attachment_file_id", sa.String(length=200), nullable=True),
        sa.Column("attachment_name", sa.String(length=200), nullable=True),
        sa.Column("stored_file_id", sa.Integer(), nullable=True),
        sa.Column("filed_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["people.id"], name=op.f("fk_objections_answered_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["people.id"], name=op.f("fk_objections_assignee_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_objections_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["filer_id"], ["people.id"], name=op.f("fk_objections_filer_id_people")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_objections_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_objections_stored_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_objections_publication_id_publications"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_objections_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("round_id", "number", name=op.f("uq_objections_round_id_number")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objections_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_objections_round_id"), ["round_id"], unique=False)

    op.create_table(
        "publication_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_publication_receipts_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_publication_receipts_publication_id_publications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_receipts")),
        sa.UniqueConstraint(
            "publication_id",
            "person_id",
            name=op.f("uq_publication_receipts_publication_id_person_id"),
        ),
    )
    with op.batch_alter_table("publication_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publication_receipts_publication_id"), ["publication_id"], unique=False
        )

    op.create_table(
        "revotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(length=16), nullable=False),
        sa.Column("council_size", sa.Integer(), nullable=False),
        sa.Column("needed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("opened_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("yes", sa.Integer(), nullable=True),
        sa.Column("no", sa.Integer(), nullable=True),
        sa.Column("voters", sa.Integer(), nullable=True),
        sa.Column("outcome_before", sa.String(length=16), nullable=True),
        sa.Column("outcome_after", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_revotes_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"], ["objections.id"], name=op.f("fk_revotes_objection_id_objections")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["people.id"], name=op.f("fk_revotes_opened_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revotes")),
    )
    with op.batch_alter_table("revotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revotes_objection_id"), ["objection_id"], unique=False)

    op.create_table(
        "revote_box",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("revote_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["revote_id"], ["revotes.id"], name=op.f("fk_revote_box_revote_id_revotes")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_revote_box")),
    )
    with op.batch_alter_table("revote_box", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revote_box_revote_id"), ["revote_id"], unique=False)

    op.create_table(
        "revote_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revote_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=True),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_revote_votes_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["revote_id"], ["revotes.id"], name=op.f("fk_revote_votes_revote_id_revotes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revote_votes")),
        sa.UniqueConstraint(
            "revote_id", "person_id", name=op.f("uq_revote_votes_revote_id_person_id")
        ),
    )
    with op.batch_alter_table("revote_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revote_votes_revote_id"), ["revote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("revote_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revote_votes_revote_id"))

    op.drop_table("revote_votes")
    with op.batch_alter_table("revote_box", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revote_box_revote_id"))

    op.drop_table("revote_box")
    with op.batch_alter_table("revotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revotes_objection_id"))

    op.drop_table("revotes")
    with op.batch_alter_table("publication_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_receipts_publication_id"))

    op.drop_table("publication_receipts")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objections_round_id"))
        batch_op.drop_index(batch_op.f("ix_objections_org_id"))

    op.drop_table("objections")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_org_id"))

    op.drop_table("publications")
