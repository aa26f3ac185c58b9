"""dutch practice: a newcomer's share of Dutch words on their screens

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no backfill: None means the role's default (normal for a newcomer).
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dutch_practice", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("dutch_practice")
