"""evidence excluded: an item disclosed too late for the hearing, excluded by the chair

Revision ID: c2d8f0a4b6e1
Revises: a7c3e9b1d4f6
Create Date: 2026-11-29 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2d8f0a4b6e1'
down_revision = 'a7c3e9b1d4f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('excluded_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('excluded_reason')
        batch_op.drop_column('excluded_at')
