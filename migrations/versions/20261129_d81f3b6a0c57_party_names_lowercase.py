"""cases.party_names kept in lower case, so the search compares it with LIKE, not ILIKE

The search box matches a name as a substring whatever its case. ILIKE lowers each row's
text as it rechecks the trigram index's candidates: for a surname borne by 2.5% of
people (4,668 cases at 100,000), 5-6 ms of the search's statement. Kept in lower case
(by the database's own lower(), the one the search applies to what was typed), the
same rows are compared with LIKE in 2.5-3 ms. The trigram index (gin_trgm_ops) serves
LIKE as it served ILIKE and stays as it is; only the text is rewritten, here by the
definition the app keeps it by (app/cases/party_names.py).

Revision ID: d81f3b6a0c57
Revises: c4e7a9d2b610
Create Date: 2026-11-29 21:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd81f3b6a0c57'
down_revision = 'c4e7a9d2b610'
branch_labels = None
depends_on = None

# The text as c4e7a9d2b610 defined it: one line per party (an empty line where there is
# none): the respondent's name as given; the registry record's name and number; the
# complainant's account name.
NAMES = (
    "coalesce(respondent_name, '') || :sep"
    " || coalesce((SELECT certificants.name || ' ' || certificants.cert_number"
    "              FROM certificants WHERE certificants.id = cases.respondent_certificant_id),"
    "             '') || :sep"
    " || coalesce((SELECT users.name FROM users WHERE users.id = cases.complainant_id), '')"
)
FILL = sa.text(f"UPDATE cases SET party_names = lower({NAMES})").bindparams(sep="\n")


def upgrade():
    op.execute(FILL)


def downgrade():
    op.execute(sa.text(f"UPDATE cases SET party_names = {NAMES}").bindparams(sep="\n"))
