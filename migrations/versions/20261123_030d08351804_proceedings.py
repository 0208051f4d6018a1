"""proceedings: investigation, committee review, hearings, decisions, sanctions, appeals

Who serves on a case in which capacity (case_assignments), the investigation file,
requests for documents, evidence access (chain of custody), confidential votes,
decisions with findings and sanctions, hearings and postponements, appeals, and
interim measures (interim suspension, stay).

Revision ID: 030d08351804
Revises: deadb204dc5b
Create Date: 2026-11-23 09:30:21.953120

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '030d08351804'
down_revision = 'deadb204dc5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=300), server_default='',
                                      nullable=False))
    op.create_table('case_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.String(length=20), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("capacity IN ('investigator', 'hearing_panel', 'appeal_panel')", name=op.f('ck_case_assignments_capacity')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_case_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assignments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_case_assignments_member_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_assignments')),
    sa.UniqueConstraint('case_id', 'member_id', 'capacity', name=op.f('uq_case_assignments_case_id'))
    )
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assignments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_assignments_member_id'), ['member_id'], unique=False)

    op.create_table('case_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.Column('lifted_reason', sa.Text(), nullable=False),
    sa.Column('registry_status_before', sa.String(length=20), nullable=True),
    sa.CheckConstraint("kind IN ('interim_suspension', 'stay')", name=op.f('ck_case_measures_kind')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_measures_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_case_measures_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_measures'))
    )
    with op.batch_alter_table('case_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_measures_case_id'), ['case_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('appeal_due_on', sa.Date(), nullable=True),
    sa.Column('final_at', sa.DateTime(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decisions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_decisions_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_case_id'), ['case_id'], unique=False)

    op.create_table('hearings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('video_link', sa.String(length=500), nullable=False),
    sa.Column('allegation_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(), nullable=False),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=False),
    sa.Column('attendance', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('recording_ref', sa.String(length=300), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('scheduled', 'postponed', 'held')", name=op.f('ck_hearings_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_hearings_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['users.id'], name=op.f('fk_hearings_scheduled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearings'))
    )
    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hearings_case_id'), ['case_id'], unique=False)

    op.create_table('investigation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('held_at', sa.DateTime(), nullable=True),
    sa.Column('shareable', sa.Boolean(), nullable=False),
    sa.Column('shared_at', sa.DateTime(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('task', 'interview', 'note', 'report')", name=op.f('ck_investigation_items_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_investigation_items_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_investigation_items_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation_items'))
    )
    with op.batch_alter_table('investigation_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investigation_items_case_id'), ['case_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=40), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_votes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_votes_member_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('case_id', 'stage', 'round', 'question', 'member_id', name=op.f('uq_votes_case_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_case_id'), ['case_id'], unique=False)

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('appellant_id', sa.Integer(), nullable=False),
    sa.Column('appellant_role', sa.String(length=20), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('outcome_decision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['appellant_id'], ['users.id'], name=op.f('fk_appeals_appellant_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_appeals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_appeals_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['outcome_decision_id'], ['decisions.id'], name=op.f('fk_appeals_outcome_decision_id_decisions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_case_id'), ['case_id'], unique=False)

    op.create_table('document_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('addressee_role', sa.String(length=20), nullable=False),
    sa.Column('addressee_name', sa.String(length=200), nullable=False),
    sa.Column('addressee_email', sa.String(length=254), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_document_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'], name=op.f('fk_document_requests_deadline_id_deadlines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_document_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_requests'))
    )
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_requests_case_id'), ['case_id'], unique=False)

    op.create_table('evidence_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('how', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_accesses_evidence_id_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evidence_accesses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_accesses'))
    )
    with op.batch_alter_table('evidence_accesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_accesses_evidence_id'), ['evidence_id'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('allegation_id', sa.Integer(), nullable=False),
    sa.Column('violated', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['allegation_id'], ['allegations.id'], name=op.f('fk_findings_allegation_id_allegations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_findings_decision_id_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings')),
    sa.UniqueConstraint('decision_id', 'allegation_id', name=op.f('uq_findings_decision_id'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_decision_id'), ['decision_id'], unique=False)

    op.create_table('hearing_postponements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'granted', 'refused')", name=op.f('ck_hearing_postponements_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_hearing_postponements_decided_by_id_users')),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_hearing_postponements_hearing_id_hearings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_hearing_postponements_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_postponements'))
    )
    with op.batch_alter_table('hearing_postponements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hearing_postponements_hearing_id'), ['hearing_id'], unique=False)

    op.create_table('sanctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('bar_years', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('registry_status_before', sa.String(length=20), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'in_force', 'completed', 'lifted', 'breached')", name=op.f('ck_sanctions_status')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_sanctions_decision_id_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanctions_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sanctions_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanctions_status'))
        batch_op.drop_index(batch_op.f('ix_sanctions_decision_id'))

    op.drop_table('sanctions')
    with op.batch_alter_table('hearing_postponements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hearing_postponements_hearing_id'))

    op.drop_table('hearing_postponements')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_decision_id'))

    op.drop_table('findings')
    with op.batch_alter_table('evidence_accesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_accesses_evidence_id'))

    op.drop_table('evidence_accesses')
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_requests_case_id'))

    op.drop_table('document_requests')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_case_id'))

    op.drop_table('appeals')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_case_id'))

    op.drop_table('votes')
    with op.batch_alter_table('investigation_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_investigation_items_case_id'))

    op.drop_table('investigation_items')
    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hearings_case_id'))

    op.drop_table('hearings')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_case_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('case_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_measures_case_id'))

    op.drop_table('case_measures')
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assignments_member_id'))
        batch_op.drop_index(batch_op.f('ix_case_assignments_case_id'))

    op.drop_table('case_assignments')
