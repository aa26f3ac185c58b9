"""role change: a newcomer's request to become a buddy, and the coordinator's decision

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'role_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('from_role', sa.String(length=16), nullable=False),
        sa.Column('to_role', sa.String(length=16), nullable=False),
        sa.Column('grounds', sa.String(length=16), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ['person_id'],
            ['person.id'],
            name=op.f('fk_role_change_person_id_person'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['programme_id'],
            ['programme.id'],
            name=op.f('fk_role_change_programme_id_programme'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_change')),
    )
    with op.batch_alter_table('role_change', schema=None) as batch_op:
        batch_op.create_index(
            'ix_role_change_person_status', ['person_id', 'status'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('role_change', schema=None) as batch_op:
        batch_op.drop_index('ix_role_change_person_status')
    op.drop_table('role_change')
