"""indexes for the lists at scale: cases by date and status, outbox by state and time,
accounts by name, the register by finality; full-text search of allegations (PostgreSQL)

Revision ID: e8a4c2f7b915
Revises: b3f9d60e18a7
Create Date: 2026-11-29

Each index answers a list's query checked with EXPLAIN ANALYZE at 100,000 cases
(docs/DESIGN.md, "Bounded pages, pagination, indexes, search, cached public pages").
"""
from alembic import op

revision = "e8a4c2f7b915"
down_revision = "b3f9d60e18a7"
branch_labels = None
depends_on = None

FTS = "to_tsvector('english', facts)"


def upgrade():
    # the case lists' default order (newest first), and the status filter and intake queue
    op.create_index("ix_cases_submitted", "cases", ["submitted_at", "id"])
    op.create_index("ix_cases_status_submitted", "cases", ["status", "submitted_at", "id"])
    # the sender's work list: pending messages that are due
    op.create_index("ix_outbox_messages_status_due", "outbox_messages",
                    ["status", "next_attempt_at"])
    # the accounts list, by name
    op.create_index("ix_users_name", "users", ["name"])
    # the public register, newest final decision first
    op.create_index("ix_decisions_final_at", "decisions", ["final_at"])
    if op.get_bind().dialect.name == "postgresql":
        # Find a case: words of the allegations' facts
        op.execute(f"CREATE INDEX ix_allegations_facts_fts ON allegations USING gin ({FTS})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_allegations_facts_fts")
    op.drop_index("ix_decisions_final_at", table_name="decisions")
    op.drop_index("ix_users_name", table_name="users")
    op.drop_index("ix_outbox_messages_status_due", table_name="outbox_messages")
    op.drop_index("ix_cases_status_submitted", table_name="cases")
    op.drop_index("ix_cases_submitted", table_name="cases")
