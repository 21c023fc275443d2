"""ARM resource ids, read and written one way by the runbook and the emulator, and SDK values as text.

:class:`ResourceId` parses and builds ids of the form
``/subscriptions/<s>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>[/<type>/<name>…]``;
:func:`resource_id`, :func:`name_of` and :func:`group_of` are the short forms the runbook uses.
ARM compares ids without case (:func:`same_id`); the names keep the casing they were created with.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceId:
    """A resource group (no ``namespace``) or a resource, top-level or nested (``types``/``names``)."""

    subscription: str
    resource_group: str | None = None
    namespace: str | None = None
    types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, resource_id: str) -> "ResourceId":
        parts = resource_id.strip("/").split("/")
        if len(parts) < 2 or parts[0].lower() != "subscriptions":
            raise ValueError(f"not an ARM resource id: {resource_id!r}")
        subscription, rest = parts[1], parts[2:]
        group = None
        if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
            group, rest = rest[1], rest[2:]
        if not rest:
            return cls(subscription, group)
        if rest[0].lower() != "providers" or len(rest) < 4 or len(rest) % 2:
            raise ValueError(f"not an ARM resource id: {resource_id!r}")
        namespace, pairs = rest[1], rest[2:]
        return cls(subscription, group, namespace, tuple(pairs[0::2]), tuple(pairs[1::2]))

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else self.resource_group

    @property
    def type(self) -> str:
        """Full type, e.g. ``Microsoft.Network/virtualNetworks/subnets``."""
        if not self.namespace:
            return "Microsoft.Resources/resourceGroups"
        return "/".join((self.namespace, *self.types))

    @property
    def group_id(self) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"

    @property
    def parent(self) -> "ResourceId | None":
        """The enclosing resource of a child resource (a subnet's virtual network)."""
        if len(self.names) < 2:
            return None
        return ResourceId(self.subscription, self.resource_group, self.namespace,
                          self.types[:-1], self.names[:-1])

    @property
    def top(self) -> "ResourceId":
        """The top-level resource (the virtual network of a subnet)."""
        return ResourceId(self.subscription, self.resource_group, self.namespace,
                          self.types[:1], self.names[:1])

    def child(self, type: str, name: str) -> "ResourceId":
        return ResourceId(self.subscription, self.resource_group, self.namespace,
                          (*self.types, type), (*self.names, name))

    def __str__(self) -> str:
        if not self.namespace:
            return self.group_id
        pairs = "/".join(f"{t}/{n}" for t, n in zip(self.types, self.names))
        return f"{self.group_id}/providers/{self.namespace}/{pairs}"


def same_id(a: str | None, b: str | None) -> bool:
    """Whether two ids name the same resource (ARM ignores case)."""
    return (a or "").lower() == (b or "").lower()


def resource_id(subscription_id: str, group: str, provider_type: str, *names: str) -> str:
    """e.g. resource_id(sub, rg, "Microsoft.Network/virtualNetworks/subnets", vnet, subnet)."""
    namespace, *types = provider_type.split("/")
    if len(types) != len(names):
        raise ValueError(f"{provider_type} needs {len(types)} names, got {len(names)}")
    return str(ResourceId(subscription_id, group, namespace, tuple(types), names))


def name_of(resource_id: str | None) -> str | None:
    return resource_id.rstrip("/").rsplit("/", 1)[-1] if resource_id else None


def group_of(resource_id: str) -> str:
    parts = resource_id.strip("/").split("/")
    return parts[parts.index("resourceGroups") + 1] if "resourceGroups" in parts else parts[3]


def state_text(value) -> str | None:
    """SDK enums (ProvisioningState.SUCCEEDED) and plain strings both become 'Succeeded'."""
    if value is None:
        return None
    return str(getattr(value, "value", value))
