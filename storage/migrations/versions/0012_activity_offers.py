"""activity offers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_by', sa.BigInteger(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_partner_invite_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_partner_invite_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_invite')),
    sa.UniqueConstraint('token', name=op.f('uq_partner_invite_token'))
    )
    with op.batch_alter_table('partner_invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_invite_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('activity_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('municipality', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('activity_kind', sa.String(length=24), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('price', sa.String(length=8), nullable=False),
    sa.Column('price_euros', sa.Integer(), nullable=True),
    sa.Column('dutch_level', sa.String(length=16), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_activity_offer_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_activity_offer_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_offer'))
    )
    with op.batch_alter_table('activity_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_offer_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_activity_offer_programme_municipality', ['programme_id', 'municipality'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('activity_offer', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_offer_programme_municipality')
        batch_op.drop_index(batch_op.f('ix_activity_offer_organisation_id'))

    op.drop_table('activity_offer')
    with op.batch_alter_table('partner_invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_invite_organisation_id'))

    op.drop_table('partner_invite')
