"""ARM resource ids and SDK values, read and written the same way everywhere in the runbook."""
from __future__ import annotations


def resource_id(subscription_id: str, group: str, provider_type: str, *names: str) -> str:
    """e.g. resource_id(sub, rg, "Microsoft.Network/virtualNetworks/subnets", vnet, subnet)."""
    namespace, *types = provider_type.split("/")
    if len(types) != len(names):
        raise ValueError(f"{provider_type} needs {len(types)} names, got {len(names)}")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{namespace}/{path}"


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
