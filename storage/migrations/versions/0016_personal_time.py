"""personal time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each person's own days off and holiday pause (domain/quiet.py); existing people get
    # none (the server default fills their rows).
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('days_off', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('away_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('away_until')
        batch_op.drop_column('days_off')
