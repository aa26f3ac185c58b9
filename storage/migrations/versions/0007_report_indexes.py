"""covering indexes of the hours ledger for the funder report

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:30:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('hour_entry', schema=None) as batch_op:
        batch_op.create_index(
            'ix_hour_entry_report_pair',
            ['programme_id', 'status', 'pair_id', 'started_at', 'minutes'],
            unique=False,
        )
        batch_op.create_index(
            'ix_hour_entry_report_time',
            ['programme_id', 'status', 'started_at', 'activity_kind', 'minutes'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('hour_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_hour_entry_report_time')
        batch_op.drop_index('ix_hour_entry_report_pair')
