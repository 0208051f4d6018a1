"""case-less documents: a document about no one case (the annual report) has no case

Revision ID: a8d4e6f2b1c9
Revises: f3a9c2d1e7b4
Create Date: 2026-11-29 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8d4e6f2b1c9'
down_revision = 'f3a9c2d1e7b4'
branch_labels = None
depends_on = None


def _index():
    op.create_index('uq_documents_in_force', 'documents', ['case_id', 'kind'], unique=True,
                    sqlite_where=sa.text("status = 'issued'"),
                    postgresql_where=sa.text("status = 'issued'"))


def upgrade():
    # SQLite rebuilds the table; the partial index is dropped and made again around it
    op.drop_index('uq_documents_in_force', table_name='documents')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
    _index()


def downgrade():
    # case-less documents (annual reports) cannot exist before this revision
    op.execute("DELETE FROM documents WHERE case_id IS NULL")
    op.drop_index('uq_documents_in_force', table_name='documents')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
    _index()
