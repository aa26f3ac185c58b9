"""first meeting

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('first_meeting_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('meetup_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.String(length=16), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meetup_id'], ['meetup.id'], name=op.f('fk_first_meeting_answer_meetup_id_meetup'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], name=op.f('fk_first_meeting_answer_pair_id_pair'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_first_meeting_answer_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_first_meeting_answer_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_first_meeting_answer')),
    sa.UniqueConstraint('person_id', 'pair_id', 'question', name='uq_first_meeting_answer_question')
    )
    with op.batch_alter_table('first_meeting_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_first_meeting_answer_pair_id'), ['pair_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_first_meeting_answer_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('first_meeting_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_first_meeting_answer_person_id'))
        batch_op.drop_index(batch_op.f('ix_first_meeting_answer_pair_id'))

    op.drop_table('first_meeting_answer')
