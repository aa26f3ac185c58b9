"""recruitment links and waiting-list care

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'recruitment_channel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['programme_id'],
            ['programme.id'],
            name=op.f('fk_recruitment_channel_programme_id_programme'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_channel')),
        sa.UniqueConstraint('programme_id', 'code', name='uq_recruitment_channel'),
    )
    with op.batch_alter_table('recruitment_channel', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_recruitment_channel_programme_id'), ['programme_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('recruitment_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recruitment_channel_programme_id'))
    op.drop_table('recruitment_channel')
