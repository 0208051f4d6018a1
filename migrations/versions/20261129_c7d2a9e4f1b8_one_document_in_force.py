"""one document of a kind in force per case: a partial unique index

Revision ID: c7d2a9e4f1b8
Revises: b4c1e0a7d2f3
Create Date: 2026-11-29 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2a9e4f1b8'
down_revision = 'b4c1e0a7d2f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('uq_documents_in_force', 'documents', ['case_id', 'kind'], unique=True,
                    sqlite_where=sa.text("status = 'issued'"),
                    postgresql_where=sa.text("status = 'issued'"))


def downgrade():
    op.drop_index('uq_documents_in_force', table_name='documents')
