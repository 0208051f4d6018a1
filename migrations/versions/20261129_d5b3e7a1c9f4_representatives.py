"""representatives: counsel or another person a party names to act for them

Revision ID: d5b3e7a1c9f4
Revises: e8a4c2f7b915
Create Date: 2026-11-29 08:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'd5b3e7a1c9f4'
down_revision = 'e8a4c2f7b915'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'representatives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('party_role', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('named_at', sa.DateTime(), nullable=False),
        sa.Column('named_by_id', sa.Integer(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('revoke_reason', sa.Text(), nullable=False),
        sa.CheckConstraint("party_role IN ('complainant', 'respondent')",
                           name=op.f('ck_representatives_party_role')),
        sa.CheckConstraint("kind IN ('counsel', 'other')", name=op.f('ck_representatives_kind')),
        sa.CheckConstraint('(revoked_at IS NULL) = (revoked_by_id IS NULL)',
                           name=op.f('ck_representatives_revoked')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_representatives_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['named_by_id'], ['users.id'],
                                name=op.f('fk_representatives_named_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'],
                                name=op.f('fk_representatives_revoked_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_representatives_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_representatives')),
    )
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representatives_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_representatives_email', ['email'], unique=False)
        batch_op.create_index('ix_representatives_user', ['user_id'], unique=False)
        batch_op.create_index('uq_representatives_active', ['case_id', 'party_role'], unique=True,
                              sqlite_where=sa.text('revoked_at IS NULL'),
                              postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade():
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.drop_index('uq_representatives_active',
                            sqlite_where=sa.text('revoked_at IS NULL'),
                            postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index('ix_representatives_user')
        batch_op.drop_index('ix_representatives_email')
        batch_op.drop_index(batch_op.f('ix_representatives_case_id'))
    op.drop_table('representatives')
