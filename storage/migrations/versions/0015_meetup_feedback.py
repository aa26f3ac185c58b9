"""meetup feedback

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=8), nullable=False),
    sa.Column('meetup_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('commented_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_feedback_event_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meetup_id'], ['meetup.id'], name=op.f('fk_feedback_meetup_id_meetup'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_feedback_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_feedback_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('person_id', 'event_id', name='uq_feedback_person_event'),
    sa.UniqueConstraint('person_id', 'meetup_id', name='uq_feedback_person_meetup')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_person_asked', ['person_id', 'asked_at'], unique=False)
        batch_op.create_index('ix_feedback_programme_asked', ['programme_id', 'asked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_programme_asked')
        batch_op.drop_index('ix_feedback_person_asked')

    op.drop_table('feedback')
