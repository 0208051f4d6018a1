"""intake flag reviews: the chair's record that repeat and related complaints were considered

Revision ID: f3a9c2d1e7b4
Revises: c2d8f0a4b6e1
Create Date: 2026-11-29 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c2d1e7b4'
down_revision = 'c2d8f0a4b6e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_flag_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_intake_flag_reviews_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_intake_flag_reviews_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_flag_reviews'))
    )
    with op.batch_alter_table('intake_flag_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_flag_reviews_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_flag_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_flag_reviews_case_id'))
    op.drop_table('intake_flag_reviews')
