"""commendation forms per school

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (not imported from the models): a migration must not change when the code does.
FORMS = [
    {"name": "Giấy khen của Hiệu trưởng", "level": "Trường"},
    {"name": "Giấy khen của Chủ tịch UBND phường/xã", "level": "Phường/Xã"},
    {"name": "Bằng khen của Chủ tịch UBND thành phố", "level": "Thành phố"},
]


def upgrade() -> None:
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "commendation_forms",
                sa.JSON(),
                nullable=False,
                server_default=json.dumps(FORMS, ensure_ascii=False),
            )
        )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.create_index("ix_stories_org_submitted", ["org_id", "submitted_at"], unique=False)
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index("ix_proposals_story_id", ["story_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_story_id")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index("ix_stories_org_submitted")
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_column("commendation_forms")
