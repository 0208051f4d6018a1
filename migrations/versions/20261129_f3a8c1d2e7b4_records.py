"""records (S20): versioned retention schedules, legal holds, disposal batches and their cases; documents.disposed_at

Revision ID: f3a8c1d2e7b4
Revises: e42b8f6a0c53
Create Date: 2026-11-29 06:14:42.959438

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8c1d2e7b4'
down_revision = 'e42b8f6a0c53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('disposal_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('warned_at', sa.DateTime(), nullable=False),
    sa.Column('due_by', sa.Date(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('warned', 'confirmed', 'done')", name=op.f('ck_disposal_batches_status')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_disposal_batches_confirmed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_batches'))
    )
    op.create_table('retention_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('years', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_retention_schedules_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_schedules')),
    sa.UniqueConstraint('version', name=op.f('uq_retention_schedules_version'))
    )
    op.create_table('disposal_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('disposal_on', sa.Date(), nullable=False),
    sa.Column('rule', sa.String(length=300), nullable=False),
    sa.Column('disposed_at', sa.DateTime(), nullable=True),
    sa.Column('destroyed', sa.JSON(), nullable=False),
    sa.Column('skipped', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['disposal_batches.id'], name=op.f('fk_disposal_items_batch_id_disposal_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disposal_items_case_id_cases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_items')),
    sa.UniqueConstraint('batch_id', 'case_id', name=op.f('uq_disposal_items_batch_id'))
    )
    with op.batch_alter_table('disposal_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposal_items_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disposal_items_case_id'), ['case_id'], unique=False)

    op.create_table('legal_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('certificant_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=False),
    sa.Column('placed_at', sa.DateTime(), nullable=False),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("lifted_at IS NULL OR lift_reason <> ''", name=op.f('ck_legal_holds_lift_reason')),
    sa.CheckConstraint('(case_id IS NULL) <> (certificant_id IS NULL)', name=op.f('ck_legal_holds_one_target')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_legal_holds_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['certificant_id'], ['certificants.id'], name=op.f('fk_legal_holds_certificant_id_certificants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_legal_holds_lifted_by_id_users')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_legal_holds_placed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds'))
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_holds_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_holds_certificant_id'), ['certificant_id'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disposed_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('disposed_at')

    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_holds_certificant_id'))
        batch_op.drop_index(batch_op.f('ix_legal_holds_case_id'))

    op.drop_table('legal_holds')
    with op.batch_alter_table('disposal_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposal_items_case_id'))
        batch_op.drop_index(batch_op.f('ix_disposal_items_batch_id'))

    op.drop_table('disposal_items')
    op.drop_table('retention_schedules')
    op.drop_table('disposal_batches')
