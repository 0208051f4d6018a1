"""cases.party_names: the names a case is found by, kept on the case with one trigram index

Find a case matched a name through three tables: the name given for the respondent
(cases), the respondent's registry record (certificants) and the complainant's account
(users). A surname borne by 2.5% of people gathered 4,668 cases through three indexes and
two lists of thousands of keys: 19 ms of a 35 ms statement at 100,000 cases. The names
are now kept on the case as one text, one per line (app/cases/party_names.py keeps it
before each commit), found through one trigram index; the respondent name's own trigram
index, which only the search read, goes.

The text is filled here by the same definition the app keeps it by (SQL over the three
tables; a line is empty where there is no such party).

Revision ID: c4e7a9d2b610
Revises: a7c3e91d4b26
Create Date: 2026-11-29 18:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4e7a9d2b610'
down_revision = 'a7c3e91d4b26'
branch_labels = None
depends_on = None

FILL = sa.text(
    "UPDATE cases SET party_names = coalesce(respondent_name, '') || :sep"
    " || coalesce((SELECT certificants.name || ' ' || certificants.cert_number"
    "              FROM certificants WHERE certificants.id = cases.respondent_certificant_id),"
    "             '') || :sep"
    " || coalesce((SELECT users.name FROM users WHERE users.id = cases.complainant_id), '')"
).bindparams(sep="\n")


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_names', sa.Text(), server_default='',
                                      nullable=False))
    op.execute(FILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_cases_party_names_trgm ON cases"
                   " USING gin (party_names gin_trgm_ops)")
        op.execute("DROP INDEX IF EXISTS ix_cases_respondent_name_trgm")
    else:
        # SQLite has no trigram index: a plain one under the model's name, as for the
        # others (migration e8a4c2f7b915)
        op.create_index('ix_cases_party_names_trgm', 'cases', ['party_names'])
        op.drop_index('ix_cases_respondent_name_trgm', table_name='cases')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_cases_respondent_name_trgm ON cases"
                   " USING gin (respondent_name gin_trgm_ops)")
        op.execute("DROP INDEX IF EXISTS ix_cases_party_names_trgm")
    else:
        op.create_index('ix_cases_respondent_name_trgm', 'cases', ['respondent_name'])
        op.drop_index('ix_cases_party_names_trgm', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('party_names')
