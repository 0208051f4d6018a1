"""status checks and superseded notes

The database holds each status to its enum: a case's status, a decision's stage and
outcome. A document superseded by events rather than by a correction (a notice of
hearing whose hearing was postponed) keeps a note saying why.

Revision ID: 4c1d2e7a9b30
Revises: 030d08351804
Create Date: 2026-11-29 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c1d2e7a9b30'
down_revision = '030d08351804'
branch_labels = None
depends_on = None

CASE_STATUSES = ("draft", "submitted", "info_requested", "awaiting_response", "investigation",
                 "committee_review", "hearing_scheduled", "deliberation", "decided",
                 "under_appeal", "final", "closed", "dismissed", "abandoned", "withdrawn",
                 "disposed")
STAGES = ("review", "hearing", "appeal")
OUTCOMES = ("dismissed", "caution", "consent", "hearing", "violation", "no_violation",
            "affirm", "modify", "reverse", "remand")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_cases_status'), _in('status', CASE_STATUSES))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_decisions_stage'), _in('stage', STAGES))
        batch_op.create_check_constraint(op.f('ck_decisions_outcome'), _in('outcome', OUTCOMES))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_note', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_documents_superseded_note'),
                                         "status = 'superseded' OR superseded_note = ''")


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_documents_superseded_note'), type_='check')
        batch_op.drop_column('superseded_note')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_decisions_outcome'), type_='check')
        batch_op.drop_constraint(op.f('ck_decisions_stage'), type_='check')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_status'), type_='check')
