"""set aside: a hearing or decision set aside on appeal, with when and why

Revision ID: a7c3e9b1d4f6
Revises: f14a01c3e5d2
Create Date: 2026-11-29 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9b1d4f6'
down_revision = 'f14a01c3e5d2'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('hearings', 'decisions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('set_aside_at', sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column('set_aside_reason', sa.Text(), nullable=True))


def downgrade():
    for table in ('decisions', 'hearings'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('set_aside_reason')
            batch_op.drop_column('set_aside_at')
