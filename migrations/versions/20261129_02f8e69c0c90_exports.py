"""exports: record ZIPs and own-data ZIPs built in the background; documents.attests (the manifest an index certifies)

Revision ID: 02f8e69c0c90
Revises: d5b3e7a1c9f4
Create Date: 2026-11-29 07:53:12.404799

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '02f8e69c0c90'
down_revision = 'd5b3e7a1c9f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('stored_name', sa.String(length=80), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('index_number', sa.String(length=40), nullable=True),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind = 'own_data' OR case_id IS NOT NULL", name=op.f('ck_exports_record_has_case')),
    sa.CheckConstraint("kind IN ('record', 'own_data')", name=op.f('ck_exports_kind')),
    sa.CheckConstraint("status <> 'done' OR stored_name IS NOT NULL", name=op.f('ck_exports_done_has_file')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')", name=op.f('ck_exports_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_exports_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_exports_requester_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exports')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_exports_stored_name'))
    )
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exports_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exports_requested_at'), ['requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exports_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exports_status'), ['status'], unique=False)
        batch_op.create_index('uq_exports_in_progress', ['requester_id', 'scope'], unique=True, sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attests', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('attests')

    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_index('uq_exports_in_progress', sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))
        batch_op.drop_index(batch_op.f('ix_exports_status'))
        batch_op.drop_index(batch_op.f('ix_exports_requester_id'))
        batch_op.drop_index(batch_op.f('ix_exports_requested_at'))
        batch_op.drop_index(batch_op.f('ix_exports_case_id'))

    op.drop_table('exports')
