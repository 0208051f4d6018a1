"""panel replacement: a panel member appointed in place of one who can no longer serve

Revision ID: f14a01c3e5d2
Revises: f3a8c1d2e7b4
Create Date: 2026-11-29 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f14a01c3e5d2'
down_revision = 'f3a8c1d2e7b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_assignments_replaces_id_users'),
                                    'users', ['replaces_id'], ['id'])


def downgrade():
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_assignments_replaces_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('replaces_id')
