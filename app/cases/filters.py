"""The staff case list's filters, shared by the page and its CSV export."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, exists

from app import clock
from app.cases.models import Allegation, Case
from app.catalogue.models import CodeItem
from app.search import among


def filter_cases(query: Select, args) -> Select:
    """Narrow a query of cases by the list's filters (status, standard, filed more than N days ago)."""
    if args.get("status"):
        query = query.where(Case.status == args["status"])
    if args.get("standard"):
        code = args["standard"].strip().upper()
        query = query.where(exists().where(
            Allegation.case_id == Case.id,
            among(Allegation.code_item_id, CodeItem.id, CodeItem.code == code)))
    age = args.get("older_than", type=int)
    if age:
        query = query.where(Case.submitted_at <= clock.now() - timedelta(days=age))
    return query
