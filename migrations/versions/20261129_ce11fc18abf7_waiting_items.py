"""waiting items: what waits on whom (a member's declaration or vote, an open deadline, a
scheduled hearing, a document a case's state calls for), kept per case by office.waits so
the homes read it through an index. Created empty: `flask office rebuild-waits` fills it
(run it once after upgrading, docs/DEPLOY.md; the nightly job also reconciles)

Revision ID: ce11fc18abf7
Revises: 7b2e4c9a1d53
Create Date: 2026-11-29 10:17:13.660625

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ce11fc18abf7'
down_revision = '7b2e4c9a1d53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('waiting_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_waiting_items_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_waiting_items_member_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_items'))
    )
    with op.batch_alter_table('waiting_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiting_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_waiting_items_kind_at', ['kind', 'at', 'id'], unique=False)
        batch_op.create_index('ix_waiting_items_kind_due_on', ['kind', 'due_on', 'id'], unique=False)
        batch_op.create_index('ix_waiting_items_kind_member_at', ['kind', 'member_id', 'at', 'id'], unique=False)
        batch_op.create_index('ix_waiting_items_kind_member_due_on', ['kind', 'member_id', 'due_on', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waiting_items_member_id'), ['member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('waiting_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waiting_items_member_id'))
        batch_op.drop_index('ix_waiting_items_kind_member_due_on')
        batch_op.drop_index('ix_waiting_items_kind_member_at')
        batch_op.drop_index('ix_waiting_items_kind_due_on')
        batch_op.drop_index('ix_waiting_items_kind_at')
        batch_op.drop_index(batch_op.f('ix_waiting_items_case_id'))

    op.drop_table('waiting_items')
