"""audit_entries: the index on the target becomes (target_type, target_id, id), so that a
target's newest entries are read from the index's end and the read stops at its limit

The case page's "opened by" lists a case's latest reads (its 20 newest entries of the
read actions): with the old index every entry of the case was read and sorted first, and
each view adds one, so a much-opened case grew slower (6,781 entries: 10.5 ms). The
audit log filtered by target reads newest first the same way. The old index's lookups
are the new one's prefix.

Revision ID: a7c3e91d4b26
Revises: 9d3f6b2e8a15
Create Date: 2026-11-29 17:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3e91d4b26'
down_revision = '9d3f6b2e8a15'
branch_labels = None
depends_on = None


def upgrade():
    # (plain index operations, not a batch: the table keeps its append-only triggers)
    op.create_index('ix_audit_entries_target_newest', 'audit_entries',
                    ['target_type', 'target_id', 'id'])
    op.drop_index('ix_audit_entries_target', table_name='audit_entries')


def downgrade():
    op.create_index('ix_audit_entries_target', 'audit_entries', ['target_type', 'target_id'])
    op.drop_index('ix_audit_entries_target_newest', table_name='audit_entries')
