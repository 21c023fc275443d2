"""Azure RBAC's answer to "may this principal do this here?", for the providers that ask (AKS).

An assignment at a scope applies to everything below it; a role permits its ``actions`` minus its
``not_actions``; ``*`` in a pattern stands for any characters; case does not matter. Assignments
are stored under their subscription (:func:`assignments_in`), their ids under their scope.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from praks_lib.azure.roles import BUILT_IN_ROLES, Role, role_guid
from praks_lib.emulator.platform.store import Transaction

ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"


def normalize_scope(scope: str) -> str:
    """``/subscriptions/…`` with one leading slash and none at the end."""
    return "/" + scope.strip("/")


def within(scope: str, ancestor: str) -> bool:
    """Whether ``scope`` is ``ancestor`` or lies below it (case-insensitive, whole segments)."""
    scope, ancestor = normalize_scope(scope).lower(), normalize_scope(ancestor).lower()
    return scope == ancestor or scope.startswith(ancestor.rstrip("/") + "/")


def subscription_scope(scope: str) -> str:
    return "/subscriptions/" + normalize_scope(scope).split("/")[2]


def assignments_in(tx: Transaction, scope: str) -> list[dict]:
    """Every role assignment of the subscription ``scope`` lies in."""
    return tx.list(ASSIGNMENT_TYPE, subscription_scope(scope))


@lru_cache(maxsize=1024)
def _pattern(permission: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in permission.split("*")), re.IGNORECASE)


def _matches(permission: str, action: str) -> bool:
    return _pattern(permission).fullmatch(action) is not None


def allows(role: Role, action: str) -> bool:
    """Whether ``role`` permits ``action``: some action pattern matches and no notAction does."""
    return any(_matches(p, action) for p in role.actions) and \
        not any(_matches(p, action) for p in role.not_actions)


def has_permission(tx: Transaction, principal_id: str, action: str, scope: str) -> bool:
    """Whether ``principal_id`` may perform ``action`` (e.g. ``Microsoft.Network/routeTables/
    write``) on ``scope``: some role assigned to it at the scope or above allows the action."""
    for assignment in assignments_in(tx, scope):
        props = assignment["properties"]
        if props["principalId"].lower() != principal_id.lower() or not within(scope, props["scope"]):
            continue
        role = BUILT_IN_ROLES.get(role_guid(props["roleDefinitionId"]))
        if role is not None and allows(role, action):
            return True
    return False


def missing_permissions(tx: Transaction, principal_id: str,
                        required: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``(action, scope)`` pairs of ``required`` that ``principal_id`` lacks, in order."""
    return [(action, scope) for action, scope in required
            if not has_permission(tx, principal_id, action, scope)]
