"""representatives confirmed by the office: a respondent's naming where the complainant's
identity is withheld takes effect only once the office confirms it (confirmed_at, by whom);
every other naming is confirmed as it is made

Revision ID: 7b2e4c9a1d53
Revises: 02f8e69c0c90
Create Date: 2026-11-29 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7b2e4c9a1d53'
down_revision = '02f8e69c0c90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_representatives_confirmed_by_id_users'),
                                    'users', ['confirmed_by_id'], ['id'])
    # every naming made so far took effect when it was made
    op.execute("UPDATE representatives SET confirmed_at = named_at")


def downgrade():
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_representatives_confirmed_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('confirmed_at')
