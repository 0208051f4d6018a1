"""cases: a case out of draft has a submission time

A case leaves draft only through `submit`, which stamps `submitted_at`; the staff lists
rely on it (they walk the submission-date index and leave out NULL dates). The database now
holds it. A row that breaks it (none is known: every path stamps it) is given its creation
time first, so the upgrade cannot fail on old data; the downgrade drops the check only.

Revision ID: 9d3f6b2e8a15
Revises: 5e0c8d2a7b41
Create Date: 2026-11-29 14:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d3f6b2e8a15'
down_revision = '5e0c8d2a7b41'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE cases SET submitted_at = created_at "
               "WHERE status <> 'draft' AND submitted_at IS NULL")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_cases_submitted'),
                                         "status = 'draft' OR submitted_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_submitted'), type_='check')
