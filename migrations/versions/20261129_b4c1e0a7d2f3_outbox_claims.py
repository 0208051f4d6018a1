"""outbox claims: a Message-ID fixed at creation, and a lease held while a message is sent

Existing messages get a Message-ID made from their id.

Revision ID: b4c1e0a7d2f3
Revises: 2205e2f83c70
Create Date: 2026-11-29 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4c1e0a7d2f3'
down_revision = '2205e2f83c70'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
    op.execute("UPDATE outbox_messages SET message_id = "
               "'<outbox-' || CAST(id AS VARCHAR(20)) || '@ethics.invalid>'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('message_id', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_messages_message_id'), ['message_id'])


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_messages_message_id'), type_='unique')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('message_id')
