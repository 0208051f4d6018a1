"""Audit trail: unlocked writes sealed later with HMAC, a removable personal part, append-only trigger

Existing entries are checked against the old SHA-256 chain (the upgrade stops if it is
broken, rather than re-seal tampered history), their actor label and address move to the
personal part, and they are left unsealed: the sealer chains them again in id order.
The downgrade rebuilds the SHA-256 chain in id order, with the personal data that is left.

Revision ID: 2205e2f83c70
Revises: 4c1d2e7a9b30
Create Date: 2026-11-29 09:00:00
"""
import hashlib
import hmac
import json
import secrets

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = '2205e2f83c70'
down_revision = '4c1d2e7a9b30'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
PERSONAL_DETAIL_KEYS = {"name", "email", "member", "address", "reason", "note", "text"}
PAGE = 1000

# Frozen copies of the formats at this revision (app/audit/signing.py may move on).
entries = sa.table(
    "audit_entries",
    sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime),
    sa.column("actor_id", sa.Integer), sa.column("actor_label", sa.String),
    sa.column("action", sa.String), sa.column("target_type", sa.String),
    sa.column("target_id", sa.String), sa.column("details", sa.JSON),
    sa.column("ip_address", sa.String), sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String), sa.column("personal", sa.JSON(none_as_null=True)),
    sa.column("salt", sa.String), sa.column("personal_digest", sa.String),
    sa.column("nonce", sa.String), sa.column("mac", sa.String), sa.column("seq", sa.Integer),
)


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def _stamp(created_at) -> str:
    return created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _old_hash(row, actor_label, details, ip_address, prev_hash) -> str:
    payload = {"created_at": _stamp(row.created_at), "actor_id": row.actor_id,
               "actor_label": actor_label, "action": row.action,
               "target_type": row.target_type, "target_id": row.target_id,
               "details": details or {}, "ip_address": ip_address, "prev_hash": prev_hash}
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _pages(conn, *columns):
    after = 0
    while True:
        rows = conn.execute(sa.select(*columns).where(entries.c.id > after)
                            .order_by(entries.c.id).limit(PAGE)).all()
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _update(conn, values: list[dict]) -> None:
    if values:
        names = [k for k in values[0] if k != "entry_id"]
        conn.execute(entries.update().where(entries.c.id == sa.bindparam("entry_id"))
                     .values({n: sa.bindparam(f"new_{n}") for n in names}),
                     [{"entry_id": v["entry_id"], **{f"new_{n}": v[n] for n in names}}
                      for v in values])


OLD_COLUMNS = ("id", "created_at", "actor_id", "actor_label", "action", "target_type",
               "target_id", "details", "ip_address", "prev_hash", "hash")


def _check_old_chain(conn) -> None:
    """Refuse to re-seal a chain that no longer verifies: that would launder tampering."""
    prev = GENESIS
    for rows in _pages(conn, *[entries.c[n] for n in OLD_COLUMNS]):
        for row in rows:
            if row.prev_hash != prev or row.hash != _old_hash(row, row.actor_label, row.details,
                                                              row.ip_address, prev):
                raise RuntimeError(f"the audit chain is broken at entry {row.id}; "
                                   "not re-sealing it (investigate first)")
            prev = row.hash


def _move_to_new_format(conn) -> None:
    key = (current_app.config.get("AUDIT_KEY") or "").encode()
    for rows in _pages(conn, *[entries.c[n] for n in OLD_COLUMNS]):
        values = []
        for row in rows:
            details = dict(row.details or {})
            personal = {k: details.pop(k) for k in sorted(PERSONAL_DETAIL_KEYS & set(details))}
            personal = {k: v for k, v in personal.items() if v is not None}
            if row.actor_label and not (row.actor_id is None and row.actor_label == "system"):
                personal["actor"] = row.actor_label
            if row.ip_address:
                personal["ip"] = row.ip_address
            salt = secrets.token_hex(16) if personal else None
            digest = (hashlib.sha256(salt.encode() + b"\x00" + _canonical(personal)).hexdigest()
                      if personal else None)
            nonce = secrets.token_hex(16)
            mac = hmac.new(key, _canonical({
                "format": 2, "created_at": _stamp(row.created_at), "actor_id": row.actor_id,
                "action": row.action, "target_type": row.target_type,
                "target_id": row.target_id, "details": details, "personal_digest": digest,
                "nonce": nonce}), hashlib.sha256).hexdigest()
            values.append({"entry_id": row.id, "details": details, "personal": personal or None,
                           "salt": salt, "personal_digest": digest, "nonce": nonce, "mac": mac,
                           "prev_hash": None, "hash": None})
        _update(conn, values)


def _back_to_old_format(conn) -> None:
    new = [entries.c[n] for n in ("id", "created_at", "actor_id", "action", "target_type",
                                  "target_id", "details", "personal", "personal_digest")]
    prev = GENESIS
    for rows in _pages(conn, *new):
        values = []
        for row in rows:
            personal = dict(row.personal or {})
            label = personal.pop("actor", None) or (
                "redacted" if row.personal_digest else
                "system" if row.actor_id is None else f"user #{row.actor_id}")
            ip_address = personal.pop("ip", None)
            details = {**(row.details or {}), **personal}
            link = _old_hash(row, label, details, ip_address, prev)
            values.append({"entry_id": row.id, "actor_label": label, "ip_address": ip_address,
                           "details": details, "prev_hash": prev, "hash": link})
            prev = link
        _update(conn, values)


APPEND_ONLY = """
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
            RAISE EXCEPTION 'audit entries are append-only: entries are inserted unsealed';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit entries are append-only: DELETE of entry % refused', OLD.id;
    END IF;
    -- sealing: an unsealed entry gets its chain columns, and nothing else changes
    IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash']
           = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] THEN
        RETURN NEW;
    END IF;
    -- redaction: the personal part and its salt are cleared, and nothing else changes
    IF NEW.personal IS NULL AND NEW.salt IS NULL
       AND to_jsonb(NEW) - ARRAY['personal', 'salt'] = to_jsonb(OLD) - ARRAY['personal', 'salt'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: UPDATE of entry % refused', OLD.id;
END
$$;
CREATE TRIGGER audit_entries_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
"""


def upgrade():
    if not current_app.config.get("AUDIT_KEY"):
        raise RuntimeError("AUDIT_KEY must be set to migrate the audit trail")
    _check_old_chain(op.get_bind())  # before any change, as SQLite's DDL is not rolled back
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('salt', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('personal_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)

    _move_to_new_format(op.get_bind())

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('ip_address')
        batch_op.drop_column('actor_label')
        batch_op.alter_column('nonce', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('mac', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entries_seq'), ['seq'])
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entries_mac'), ['mac'])
    op.create_index('ix_audit_entries_target', 'audit_entries', ['target_type', 'target_id'])
    op.create_index('ix_audit_entries_pending', 'audit_entries', ['id'],
                    postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER audit_entries_append_only ON audit_entries')
        op.execute('DROP FUNCTION audit_entries_append_only()')
    op.drop_index('ix_audit_entries_pending', table_name='audit_entries')
    op.drop_index('ix_audit_entries_target', table_name='audit_entries')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_label', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('ip_address', sa.String(length=64), nullable=True))

    _back_to_old_format(op.get_bind())

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entries_mac'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_audit_entries_seq'), type_='unique')
        batch_op.drop_column('seq')
        batch_op.drop_column('mac')
        batch_op.drop_column('nonce')
        batch_op.drop_column('personal_digest')
        batch_op.drop_column('salt')
        batch_op.drop_column('personal')
        batch_op.alter_column('actor_label', existing_type=sa.String(length=254), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
