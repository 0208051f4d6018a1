"""conflict of interest: committee members' declarations, parties' objections, recusals (S7)

One declaration per member and case ("none" or a disclosure, whose relationship and
text are then required); objections to a disclosure, withdrawn by a date, never
deleted; recusals with their cause, open until a reinstatement, which only an
objection's recusal can have, with who and why.

Revision ID: deadb204dc5b
Revises: 3d602ba07142
Create Date: 2026-11-23 09:05:10.894517

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'deadb204dc5b'
down_revision = '3d602ba07142'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coi_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('relationship', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind = 'none' OR (relationship IS NOT NULL AND text != '')", name=op.f('ck_coi_declarations_disclosure_complete')),
    sa.CheckConstraint("kind IN ('none', 'disclosure')", name=op.f('ck_coi_declarations_kind')),
    sa.CheckConstraint("relationship IS NULL OR relationship IN ('family', 'friend', 'employment', 'business', 'professional', 'other')", name=op.f('ck_coi_declarations_relationship')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_coi_declarations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_coi_declarations_member_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coi_declarations')),
    sa.UniqueConstraint('case_id', 'member_id', name='uq_coi_declarations_case_member')
    )
    with op.batch_alter_table('coi_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coi_declarations_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coi_declarations_member_id'), ['member_id'], unique=False)

    op.create_table('coi_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('party_role', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("party_role IN ('complainant', 'respondent')", name=op.f('ck_coi_objections_party_role')),
    sa.ForeignKeyConstraint(['declaration_id'], ['coi_declarations.id'], name=op.f('fk_coi_objections_declaration_id_coi_declarations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coi_objections_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coi_objections'))
    )
    with op.batch_alter_table('coi_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coi_objections_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('recusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('reinstated_at', sa.DateTime(), nullable=True),
    sa.Column('reinstated_by_id', sa.Integer(), nullable=True),
    sa.Column('reinstatement_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("cause IN ('objection', 'self', 'party', 'system')", name=op.f('ck_recusals_cause')),
    sa.CheckConstraint("reinstated_at IS NULL OR (cause = 'objection' AND reinstated_by_id IS NOT NULL AND reinstatement_reason != '')", name=op.f('ck_recusals_reinstatement')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_recusals_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_recusals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_recusals_member_id_users')),
    sa.ForeignKeyConstraint(['objection_id'], ['coi_objections.id'], name=op.f('fk_recusals_objection_id_coi_objections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reinstated_by_id'], ['users.id'], name=op.f('fk_recusals_reinstated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recusals'))
    )
    with op.batch_alter_table('recusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recusals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recusals_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recusals_member_id'))
        batch_op.drop_index(batch_op.f('ix_recusals_case_id'))

    op.drop_table('recusals')
    with op.batch_alter_table('coi_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coi_objections_declaration_id'))

    op.drop_table('coi_objections')
    with op.batch_alter_table('coi_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coi_declarations_member_id'))
        batch_op.drop_index(batch_op.f('ix_coi_declarations_case_id'))

    op.drop_table('coi_declarations')