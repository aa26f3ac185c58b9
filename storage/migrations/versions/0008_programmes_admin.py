"""programmes, the admin role and their settings (issue: many programmes)

Who coordinates which programme gets its own table: a coordinator may coordinate several
programmes and works in one at a time (their person row's programme). The settings of a
programme stay in its JSON column, with typed defaults in domain/programmes.py.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('programme_coordinator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_programme_coordinator_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_coordinator_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_coordinator')),
    sa.UniqueConstraint('programme_id', 'person_id', name=op.f('uq_programme_coordinator_programme_id'))
    )
    with op.batch_alter_table('programme_coordinator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_coordinator_person_id'), ['person_id'], unique=False)
    # Today's coordinators coordinate the programme they are in.
    op.execute(
        "INSERT INTO programme_coordinator (programme_id, person_id, created_at) "
        "SELECT programme_id, id, created_at FROM person WHERE role = 'coordinator'"
    )


def downgrade() -> None:
    with op.batch_alter_table('programme_coordinator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_coordinator_person_id'))
    op.drop_table('programme_coordinator')
