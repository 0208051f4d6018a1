"""case messages: a thread per party, messages and their files, witness links, stock replies, alert settings and pending digest alerts

Revision ID: e42b8f6a0c53
Revises: a17e5c3d9b21
Create Date: 2026-11-29 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e42b8f6a0c53'
down_revision = 'a17e5c3d9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_alert_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("mode IN ('each', 'daily')", name=op.f('ck_message_alert_settings_mode')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_alert_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_message_alert_settings'))
    )
    op.create_table('stock_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_stock_replies_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_replies')),
    sa.UniqueConstraint('title', name=op.f('uq_stock_replies_title'))
    )
    op.create_table('witness_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('letter_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_witness_links_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_witness_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['letter_version_id'], ['letter_versions.id'], name=op.f('fk_witness_links_letter_version_id_letter_versions')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_witness_links_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_witness_links'))
    )
    with op.batch_alter_table('witness_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_witness_links_case_id'), ['case_id'], unique=False)

    op.create_table('message_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_key', sa.String(length=40), nullable=False),
    sa.Column('party_role', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('witness_link_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_party_at', sa.DateTime(), nullable=True),
    sa.Column('last_office_at', sa.DateTime(), nullable=True),
    sa.Column('office_answered', sa.Boolean(), nullable=False),
    sa.Column('office_read_at', sa.DateTime(), nullable=True),
    sa.Column('party_read_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(party_role = 'witness') = (witness_link_id IS NOT NULL)", name=op.f('ck_message_threads_witness_link')),
    sa.CheckConstraint("party_role IN ('complainant', 'respondent', 'witness', 'representative')", name=op.f('ck_message_threads_party_role')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_message_threads_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_threads_user_id_users')),
    sa.ForeignKeyConstraint(['witness_link_id'], ['witness_links.id'], name=op.f('fk_message_threads_witness_link_id_witness_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_threads')),
    sa.UniqueConstraint('case_id', 'party_key', name=op.f('uq_message_threads_case_id')),
    sa.UniqueConstraint('witness_link_id', name=op.f('uq_message_threads_witness_link_id'))
    )
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_threads_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_message_threads_waiting', ['office_answered', 'last_party_at'], unique=False)

    op.create_table('message_pending_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_message_pending_alerts_thread_id_message_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_pending_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_pending_alerts')),
    sa.UniqueConstraint('user_id', 'thread_id', name=op.f('uq_message_pending_alerts_user_id'))
    )
    with op.batch_alter_table('message_pending_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_pending_alerts_user_id'), ['user_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('after_closure', sa.Boolean(), nullable=False),
    sa.Column('letter_version_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("sender IN ('office', 'party')", name=op.f('ck_messages_sender')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
    sa.ForeignKeyConstraint(['letter_version_id'], ['letter_versions.id'], name=op.f('fk_messages_letter_version_id_letter_versions')),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_messages_thread_id_message_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_thread_id'), ['thread_id'], unique=False)

    op.create_table('message_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_message_attachments_evidence_id_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_attachments_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_attachments')),
    sa.UniqueConstraint('evidence_id', name=op.f('uq_message_attachments_evidence_id'))
    )
    with op.batch_alter_table('message_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_attachments_message_id'), ['message_id'], unique=False)


def downgrade():
    with op.batch_alter_table('message_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_attachments_message_id'))

    op.drop_table('message_attachments')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_thread_id'))

    op.drop_table('messages')
    with op.batch_alter_table('message_pending_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_pending_alerts_user_id'))

    op.drop_table('message_pending_alerts')
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_message_threads_waiting')
        batch_op.drop_index(batch_op.f('ix_message_threads_case_id'))

    op.drop_table('message_threads')
    with op.batch_alter_table('witness_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_witness_links_case_id'))

    op.drop_table('witness_links')
    op.drop_table('stock_replies')
    op.drop_table('message_alert_settings')
