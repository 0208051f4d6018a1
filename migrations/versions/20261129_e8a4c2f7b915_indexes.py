"""indexes for the lists at scale: cases by date and status, outbox by state and time,
accounts by name, the register by finality; on PostgreSQL, full-text search of
allegations and trigram indexes for name searches

Revision ID: e8a4c2f7b915
Revises: c5e1b7a3d9f2
Create Date: 2026-11-29

Each index answers a list's query checked with EXPLAIN ANALYZE at 100,000 cases
(docs/DESIGN.md, "Bounded pages, pagination, indexes, search, cached public pages").
"""
from alembic import op

revision = "e8a4c2f7b915"
down_revision = "c5e1b7a3d9f2"
branch_labels = None
depends_on = None

FTS = "to_tsvector('english', facts)"
# Substring searches (ILIKE '%…%') on names: trigram GIN indexes (pg_trgm)
TRIGRAM = [("ix_certificants_name_trgm", "certificants", "name"),
           ("ix_certificants_cert_number_trgm", "certificants", "cert_number"),
           ("ix_cases_number_trgm", "cases", "number"),
           ("ix_users_name_trgm", "users", "name"),
           ("ix_cases_respondent_name_trgm", "cases", "respondent_name")]


def upgrade():
    # the case lists' default order (newest first), and the status filter and intake queue
    op.create_index("ix_cases_submitted", "cases", ["submitted_at", "id"])
    op.create_index("ix_cases_status_submitted", "cases", ["status", "submitted_at", "id"])
    # a member's declarations as one index-only scan (the home's counts, the case lists'
    # "declared" test over many cases)
    op.create_index("ix_coi_declarations_member_case", "coi_declarations",
                    ["member_id", "case_id"])
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
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
    else:
        # SQLite has no trigram index; a plain one under the same name keeps the schema
        # the models declare (Alembic compares index names, not their methods)
        for name, table, column in TRIGRAM:
            op.create_index(name, table, [column])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP INDEX IF EXISTS ix_allegations_facts_fts")
        # pg_trgm stays installed: other objects in the database may use it
    else:
        for name, table, _ in TRIGRAM:
            op.drop_index(name, table_name=table)
    op.drop_index("ix_decisions_final_at", table_name="decisions")
    op.drop_index("ix_users_name", table_name="users")
    op.drop_index("ix_outbox_messages_status_due", table_name="outbox_messages")
    op.drop_index("ix_coi_declarations_member_case", table_name="coi_declarations")
    op.drop_index("ix_cases_status_submitted", table_name="cases")
    op.drop_index("ix_cases_submitted", table_name="cases")
