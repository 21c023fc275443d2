"""Every resource type the emulator serves, by full type name: what an operation's end, a resource
group's delete or a provider that builds another provider's resources looks up."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from praks_lib.emulator.platform.arm.resources import ResourceType

RESOURCE_TYPES: dict[str, "ResourceType"] = {}


def register(resource_type: "ResourceType") -> None:
    RESOURCE_TYPES[resource_type.type.lower()] = resource_type


def resource_type_of(type: str) -> "ResourceType | None":
    """The registered type for a full type name (any casing)."""
    return RESOURCE_TYPES.get(type.lower())
