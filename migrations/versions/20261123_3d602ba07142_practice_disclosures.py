"""practice disclosures: certificants' S7/S22 disclosures and the parties who answer them

One row per disclosure (status checked in SQL and tied to the dates it needs) and
one per affected party (the nonce of their personal link, its expiry, their answer).

Revision ID: 3d602ba07142
Revises: 9e1b5f89e528
Create Date: 2026-11-23 08:46:40.890963

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d602ba07142'
down_revision = '9e1b5f89e528'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practice_disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('certificant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('disclosed_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawal_due_on', sa.Date(), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('withdrawal_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('conflict', 'dual_relationship')", name=op.f('ck_practice_disclosures_kind')),
    sa.CheckConstraint("status != 'withdrawn' OR (withdrawn_on IS NOT NULL AND withdrawal_confirmed_at IS NOT NULL)", name=op.f('ck_practice_disclosures_withdrawn')),
    sa.CheckConstraint("status IN ('awaiting', 'acknowledged', 'withdrawal_required', 'withdrawn')", name=op.f('ck_practice_disclosures_status')),
    sa.CheckConstraint("status NOT IN ('withdrawal_required', 'withdrawn') OR withdrawal_due_on IS NOT NULL", name=op.f('ck_practice_disclosures_withdrawal_due')),
    sa.CheckConstraint('case_id IS NULL OR flagged_at IS NOT NULL', name=op.f('ck_practice_disclosures_case_flagged')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_practice_disclosures_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['certificant_id'], ['certificants.id'], name=op.f('fk_practice_disclosures_certificant_id_certificants')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_practice_disclosures_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_disclosures'))
    )
    with op.batch_alter_table('practice_disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_disclosures_certificant_id'), ['certificant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_disclosures_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_disclosures_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_disclosures_withdrawal_due_on'), ['withdrawal_due_on'], unique=False)

    op.create_table('practice_disclosure_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('link_nonce', sa.String(length=32), nullable=False),
    sa.Column('link_sent_at', sa.DateTime(), nullable=False),
    sa.Column('link_expires_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.String(length=20), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("answer IS NULL OR answer IN ('acknowledged', 'objected')", name=op.f('ck_practice_disclosure_parties_answer')),
    sa.CheckConstraint("role IN ('client', 'payer', 'employer', 'provider', 'other')", name=op.f('ck_practice_disclosure_parties_role')),
    sa.CheckConstraint('(answer IS NULL AND answered_at IS NULL) OR (answer IS NOT NULL AND answered_at IS NOT NULL)', name=op.f('ck_practice_disclosure_parties_answered')),
    sa.ForeignKeyConstraint(['disclosure_id'], ['practice_disclosures.id'], name='fk_practice_disclosure_parties_disclosure', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_disclosure_parties'))
    )
    with op.batch_alter_table('practice_disclosure_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_disclosure_parties_disclosure_id'), ['disclosure_id'], unique=False)


def downgrade():
    with op.batch_alter_table('practice_disclosure_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_disclosure_parties_disclosure_id'))

    op.drop_table('practice_disclosure_parties')
    with op.batch_alter_table('practice_disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_disclosures_withdrawal_due_on'))
        batch_op.drop_index(batch_op.f('ix_practice_disclosures_status'))
        batch_op.drop_index(batch_op.f('ix_practice_disclosures_owner_id'))
        batch_op.drop_index(batch_op.f('ix_practice_disclosures_certificant_id'))

    op.drop_table('practice_disclosures')
