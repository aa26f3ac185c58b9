"""duo placements

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('volunteering_placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=120), nullable=False),
    sa.Column('municipality', sa.String(length=8), nullable=True),
    sa.Column('when_text', sa.String(length=80), nullable=False),
    sa.Column('duos', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('posted_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_volunteering_placement_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posted_by'], ['person.id'], name=op.f('fk_volunteering_placement_posted_by_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_volunteering_placement_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteering_placement'))
    )
    with op.batch_alter_table('volunteering_placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteering_placement_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteering_placement_programme_id'), ['programme_id'], unique=False)

    op.create_table('placement_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('applied_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['applied_by'], ['person.id'], name=op.f('fk_placement_application_applied_by_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['person.id'], name=op.f('fk_placement_application_decided_by_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], name=op.f('fk_placement_application_pair_id_pair'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placement_id'], ['volunteering_placement.id'], name=op.f('fk_placement_application_placement_id_volunteering_placement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_placement_application_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_application')),
    sa.UniqueConstraint('placement_id', 'pair_id', name=op.f('uq_placement_application_placement_id'))
    )
    with op.batch_alter_table('placement_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_application_pair_id'), ['pair_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_application_placement_id'), ['placement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_application_programme_id'), ['programme_id'], unique=False)

    with op.batch_alter_table('hour_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hour_entry_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('hour_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hour_entry_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_column('organisation_id')

    with op.batch_alter_table('placement_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_application_programme_id'))
        batch_op.drop_index(batch_op.f('ix_placement_application_placement_id'))
        batch_op.drop_index(batch_op.f('ix_placement_application_pair_id'))

    op.drop_table('placement_application')
    with op.batch_alter_table('volunteering_placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteering_placement_programme_id'))
        batch_op.drop_index(batch_op.f('ix_volunteering_placement_organisation_id'))

    op.drop_table('volunteering_placement')
