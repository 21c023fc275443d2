"""Azure's built-in role definitions, as data (``data/built-in-roles.yaml``, with its source).

The runbook assigns roles by name (their GUIDs come from here, not from memory); the emulator's
permission check matches the same roles' actions. A role permits ``actions`` minus ``not_actions``.
"""
from __future__ import annotations

from dataclasses import dataclass

from praks_lib.azure import facts


@dataclass(frozen=True)
class Role:
    """A built-in role: its GUID, name, and what it permits (``actions`` minus ``not_actions``)."""

    id: str
    name: str
    description: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()


def _load() -> dict[str, Role]:
    roles = (Role(r["id"], r["name"], r["description"], tuple(r["actions"]), tuple(r.get("not_actions", ())),
                  tuple(r.get("data_actions", ()))) for r in facts.load("built-in-roles")["roles"])
    return {role.id: role for role in roles}


#: GUID (lower case) -> role.
BUILT_IN_ROLES: dict[str, Role] = _load()


def by_name(name: str) -> Role:
    """A built-in role by its name (Network Contributor, Private DNS Zone Contributor, …)."""
    return next(role for role in BUILT_IN_ROLES.values() if role.name == name)


def role_guid(role_definition_id: str) -> str:
    """The GUID at the end of a role definition id (``…/roleDefinitions/<guid>``), lower case."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
