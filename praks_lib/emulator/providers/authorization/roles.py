"""Azure's built-in role definitions, as data (``data/built-in-roles.yaml``, with its source).

Only built-in roles exist in the emulator (no custom roles). A role permits ``actions`` minus
``not_actions`` (how a pattern matches an action: :mod:`.permissions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

DATA_FILE = "data/built-in-roles.yaml"


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
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    roles = (Role(r["id"], r["name"], r["description"], tuple(r["actions"]), tuple(r.get("not_actions", ())),
                  tuple(r.get("data_actions", ()))) for r in yaml.safe_load(text)["roles"])
    return {role.id: role for role in roles}


#: GUID (lower case) -> role.
BUILT_IN_ROLES: dict[str, Role] = _load()


def role_guid(role_definition_id: str) -> str:
    """The GUID at the end of a role definition id (``…/roleDefinitions/<guid>``), lower case."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
