"""the review engine: calls (đợt), juries, entries and their files, reviewers' score sheets

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-05 09:51:55.519569
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("opens_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submit_by", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("review_by", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("same_department_ok", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_review_calls_created_by_people")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_review_calls_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_calls")),
    )
    with op.batch_alter_table("review_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_calls_org_kind", ["org_id", "kind", "status"], unique=False
        )

    op.create_table(
        "jury_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.Column("added_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["people.id"], name=op.f("fk_jury_members_added_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["review_calls.id"], name=op.f("fk_jury_members_call_id_review_calls")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_jury_members_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_members")),
        sa.UniqueConstraint("call_id", "person_id", name=op.f("uq_jury_members_call_id_person_id")),
    )
    with op.batch_alter_table("jury_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jury_members_call_id"), ["call_id"], unique=False)

    op.create_table(
        "review_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("coauthor_ids", sa.JSON(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("registered_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("tier", sa.String(length=80), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_review_entries_author_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["review_calls.id"], name=op.f("fk_review_entries_call_id_review_calls")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["people.id"], name=op.f("fk_review_entries_decided_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_review_entries_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_review_entries_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_entries")),
        sa.UniqueConstraint("call_id", "code", name=op.f("uq_review_entries_call_id_code")),
    )
    with op.batch_alter_table("review_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_entries_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index("ix_review_entries_call_status", ["call_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_entries_org_id"), ["org_id"], unique=False)

    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("third", sa.Boolean(), nullable=False),
        sa.Column("same_department", sa.Boolean(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("assigned_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("submitted_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["people.id"], name=op.f("fk_review_assignments_assigned_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["review_entries.id"],
            name=op.f("fk_review_assignments_entry_id_review_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["people.id"], name=op.f("fk_review_assignments_reviewer_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint(
            "entry_id",
            "stage",
            "reviewer_id",
            name=op.f("uq_review_assignments_entry_id_stage_reviewer_id"),
        ),
    )
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_assignments_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_assignments_reviewer_id"), ["reviewer_id"], unique=False
        )

    op.create_table(
        "review_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=True),
        sa.Column("tg_file_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("mime", sa.String(length=120), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("added_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["review_entries.id"],
            name=op.f("fk_review_files_entry_id_review_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_review_files_stored_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_files")),
    )
    with op.batch_alter_table("review_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_files_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_files_entry_id"))

    op.drop_table("review_files")
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_assignments_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_review_assignments_entry_id"))

    op.drop_table("review_assignments")
    with op.batch_alter_table("review_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_entries_org_id"))
        batch_op.drop_index("ix_review_entries_call_status")
        batch_op.drop_index(batch_op.f("ix_review_entries_author_id"))

    op.drop_table("review_entries")
    with op.batch_alter_table("jury_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jury_members_call_id"))

    op.drop_table("jury_members")
    with op.batch_alter_table("review_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_review_calls_org_kind")

    op.drop_table("review_calls")
