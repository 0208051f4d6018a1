"""Catalogue rules: versions, items, and which version governs a date."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.audit.services import record
from app.catalogue.models import CodeItem, CodeVersion, ItemKind
from app.catalogue.seed import RULES, STANDARDS, VERSION_2009
from app.extensions import db


class CatalogueError(Exception):
    """A catalogue rule was not met; the message is for the user, next to `field`."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


STALE_ITEM = ("Someone else edited this item while you were working on it. Your text is "
              "kept below; compare it with the current wording and save again.")


def versions() -> list[CodeVersion]:
    return list(db.session.execute(
        select(CodeVersion).order_by(CodeVersion.effective_date.desc())
    ).scalars())


def version_by_name(name: str) -> CodeVersion | None:
    return db.session.execute(
        select(CodeVersion).where(CodeVersion.name == name)
    ).scalar_one_or_none()


def governing_version(on: date) -> CodeVersion | None:
    """Return the version in force on a date: the latest that took effect by then."""
    return db.session.execute(
        select(CodeVersion).where(CodeVersion.effective_date <= on)
        .order_by(CodeVersion.effective_date.desc()).limit(1)
    ).scalar_one_or_none()


def add_version(name: str, effective_date: date, notes: str, actor,
                copy_from: CodeVersion | None = None) -> CodeVersion:
    name = name.strip()
    if version_by_name(name):
        raise CatalogueError(f"A version named {name!r} already exists.")
    clash = db.session.execute(
        select(CodeVersion).where(CodeVersion.effective_date == effective_date)
    ).scalar_one_or_none()
    if clash:
        raise CatalogueError(f"Version {clash.name!r} already takes effect on that date.",
                             field="effective_date")
    version = CodeVersion(name=name, effective_date=effective_date, notes=notes.strip())
    if copy_from is not None:
        version.items = [CodeItem(kind=i.kind, code=i.code, title=i.title, summary=i.summary,
                                  position=i.position) for i in copy_from.items]
    db.session.add(version)
    db.session.flush()
    record("catalogue.version_added", actor=actor, target=version, name=name,
           effective_date=effective_date.isoformat(),
           copied_from=copy_from.name if copy_from else None, items=len(version.items))
    return version


def _next_position(version: CodeVersion, kind: str) -> int:
    base = 0 if kind == ItemKind.STANDARD else 100
    return base + sum(1 for i in version.items if i.kind == kind) + 1


def add_item(version: CodeVersion, kind: str, code: str, title: str, summary: str,
             actor) -> CodeItem:
    code = code.strip().upper()
    if any(i.code == code for i in version.items):
        raise CatalogueError(f"{code} already exists in version {version.name}.")
    item = CodeItem(kind=kind, code=code, title=title.strip(), summary=summary.strip(),
                    position=_next_position(version, kind))
    version.items.append(item)
    db.session.flush()
    record("catalogue.item_added", actor=actor, target=item, version=version.name, code=code)
    return item


def edit_item(item: CodeItem, title: str, summary: str, seen_revision: int, actor) -> None:
    """Change an item's wording; refuse if it changed since the editor loaded it."""
    if seen_revision != item.revision:
        raise CatalogueError(STALE_ITEM)
    changes = {k: [getattr(item, k), v.strip()] for k, v in
               (("title", title), ("summary", summary)) if getattr(item, k) != v.strip()}
    if not changes:
        return
    item.title, item.summary = title.strip(), summary.strip()
    db.session.flush()
    record("catalogue.item_edited", actor=actor, target=item, code=item.code,
           version=item.version.name, changes=changes)


def item_usage(item: CodeItem) -> int:
    """Count rows in any table that refers to this item (allegations, findings...)."""
    total = 0
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == CodeItem.__tablename__ and table.name != "code_items":
                total += db.session.execute(
                    select(func.count()).select_from(table).where(fk.parent == item.id)
                ).scalar_one()
    return total


def delete_item(item: CodeItem, actor) -> None:
    if item_usage(item):
        raise CatalogueError(f"{item.code} is cited by an allegation and cannot be deleted. "
                             "Edit its wording instead, or add a new version.")
    record("catalogue.item_deleted", actor=actor, target=item, code=item.code,
           version=item.version.name, title=item.title)
    db.session.delete(item)
    db.session.flush()


def ensure_2009_code(actor=None) -> CodeVersion:
    """Load the 2009 standards and rules if they are not there (idempotent)."""
    version = version_by_name(VERSION_2009["name"])
    if version is None:
        version = CodeVersion(**VERSION_2009)
        db.session.add(version)
    existing = {i.code for i in version.items}
    for position, (code, title, summary) in enumerate(RULES, start=101):
        if code not in existing:
            version.items.append(CodeItem(kind=ItemKind.RULE, code=code, title=title,
                                          summary=summary, position=position))
    for position, (code, title, summary) in enumerate(STANDARDS, start=1):
        if code not in existing:
            version.items.append(CodeItem(kind=ItemKind.STANDARD, code=code, title=title,
                                          summary=summary, position=position))
    if db.session.new:
        db.session.flush()
        record("catalogue.seeded", actor=actor, target=version, items=len(version.items))
    return version
