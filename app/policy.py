"""Who may do what: the one place access is decided.

`can(user, action, target)` looks the action up in RULES. A rule names the
roles that may take it (``ANYONE`` = any signed-in account) and, optionally, a
check on the target. An unknown action raises, so a typo never grants access.
Views call `authorize()`; templates call `can()`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from flask_login import current_user

from app.accounts.models import Role

ANYONE = "anyone"  # any signed-in, active account


class UnknownAction(KeyError):
    """Raised for an action name the policy does not know."""


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    check: Callable[[Any, Any], bool] | None = None
    # What a refusal looks like: 403, or 404 where even existence is private.
    deny_status: int = 403
    description: str = field(default="", compare=False)


def rule(*roles: str, check=None, deny_status: int = 403, description: str = "") -> Rule:
    return Rule(frozenset(str(r) for r in roles), check, deny_status, description)


ADMIN, CHAIR, MEMBER = Role.ADMIN, Role.CHAIR, Role.MEMBER


def _own_account(user, target) -> bool:
    return target is not None and target.id == user.id


def _not_self(user, target) -> bool:
    return target is not None and target.id != user.id


RULES: dict[str, Rule] = {
    # Own account
    "account.profile": rule(ANYONE, description="see and edit one's own profile"),
    "account.change_password": rule(ANYONE),
    "account.request_link": rule(ANYONE, description="claim a registry record"),
    # Administration of accounts
    "accounts.list": rule(ADMIN),
    "accounts.edit_roles": rule(ADMIN, check=_not_self,
                                description="administrators cannot change their own roles"),
    "accounts.deactivate": rule(ADMIN, check=_not_self),
    "accounts.reactivate": rule(ADMIN),
    # Registry
    "registry.search": rule(ADMIN, CHAIR, MEMBER),
    "registry.view": rule(ADMIN, CHAIR, MEMBER),
    "registry.import": rule(ADMIN),
    "registry.edit": rule(ADMIN),
    "registry.decide_link": rule(ADMIN),
    # Code catalogue: everyone reads (complainants pick allegations from it)
    "catalogue.view": rule(ANYONE),
    "catalogue.add_version": rule(ADMIN),
    "catalogue.edit_item": rule(ADMIN),
    "catalogue.delete_item": rule(ADMIN),
    # Oversight
    "audit.view": rule(ADMIN),
    "outbox.view": rule(ADMIN),
    # Homes
    "home.committee": rule(CHAIR, MEMBER),
    "home.admin": rule(ADMIN),
}


def can(user, action: str, target: Any = None) -> bool:
    """Return whether `user` may take `action` on `target`."""
    try:
        r = RULES[action]
    except KeyError:
        raise UnknownAction(action) from None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if ANYONE not in r.roles and not (r.roles & user.role_names):
        return False
    return r.check(user, target) if r.check else True


def authorize(action: str, target: Any = None) -> None:
    """Abort the request unless the current user may take the action."""
    if not can(current_user, action, target):
        abort(RULES[action].deny_status)


def get_or_404(model, ident, action: str):
    """Load an object (404 if absent) and authorize an action on it."""
    from app.extensions import db

    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    authorize(action, obj)
    return obj
