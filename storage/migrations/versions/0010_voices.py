"""recorded voices for messages

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('voice_recording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=32), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('file_id', sa.String(length=255), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('duration', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_voice_recording_programme_id_programme')),
    sa.ForeignKeyConstraint(['recorded_by'], ['person.id'], name=op.f('fk_voice_recording_recorded_by_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_recording')),
    sa.UniqueConstraint('programme_id', 'message_key', 'locale', name='uq_voice_recording_message')
    )
    with op.batch_alter_table('voice_recording', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_recording_recorded_by'), ['recorded_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('voice_recording', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_recording_recorded_by'))

    op.drop_table('voice_recording')
