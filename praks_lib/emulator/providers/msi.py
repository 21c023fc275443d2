"""Microsoft.ManagedIdentity user-assigned identities, and the emulated directory of principals.

Azure behaviours kept:
- An identity's ``principalId`` (its service principal's object id), ``clientId`` and ``tenantId``
  are server-owned: a PUT cannot set them and an update keeps them.
- Deleting an identity and creating one with the same name gives a *new* principal (Azure creates a
  new service principal), so role assignments made for the old one no longer apply: they are left
  behind as orphans, as on Azure. Ids are deterministic from the resource id and how many times it
  has been created since the last reset, so notebook outputs stay stable.
- Identity PUT and DELETE are synchronous (200/201, 200/204), with no etag and no
  provisioningState; ids use ``/resourcegroups/`` in lower case, as the MSI service answers them.

The directory: a principal exists when a user-assigned identity or a resource's system-assigned
identity (``identity.principalId``) carries its id; :func:`principal_exists` answers that for the
authorization provider. Other providers give a resource a system-assigned identity with
:func:`system_assigned_identity` and create an identity of their own (AKS's kubelet identity in the
node resource group) with :func:`ensure_identity`.
"""

from __future__ import annotations

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.platform.router import Call
from praks_lib.emulator.platform.stable_ids import stable_uuid

IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
# The emulated Entra ID tenant: fixed, so tokens, identities and error messages agree everywhere.
TENANT_ID = stable_uuid("praks emulated tenant")
SERVER_OWNED = ("principalId", "clientId", "tenantId")

routes = ArmRoutes()


def new_principal_id(tx, owner_id: str, kind: str) -> str:
    """A fresh, deterministic object id for the principal of ``owner_id`` (one per creation)."""
    generation = tx.next_number(f"principal|{kind}|{owner_id.lower()}")
    return stable_uuid(owner_id, kind, "principal", str(generation))


def system_assigned_identity(tx, resource_id: str, existing: dict | None = None) -> dict:
    """The ``identity`` block of a resource with a system-assigned identity (kept on update)."""
    if existing and existing.get("principalId"):
        return {"type": "SystemAssigned", "principalId": existing["principalId"],
                "tenantId": existing.get("tenantId", TENANT_ID)}
    return {"type": "SystemAssigned", "principalId": new_principal_id(tx, resource_id, "system"),
            "tenantId": TENANT_ID}


def principal_exists(tx, principal_id: str) -> bool:
    """Whether the directory knows ``principal_id`` (a managed identity's object id)."""
    wanted = principal_id.lower()
    row = tx.conn.execute(
        "SELECT 1 FROM resources WHERE (type = ? AND lower(json_extract(body, '$.properties.principalId')) = ?)"
        " OR lower(json_extract(body, '$.identity.principalId')) = ? LIMIT 1",
        (IDENTITY_TYPE.lower(), wanted, wanted),
    ).fetchone()
    return row is not None


def identity_id(rid: ResourceId) -> str:
    """The id as the MSI service spells it (``resourcegroups`` in lower case)."""
    return f"/subscriptions/{rid.subscription}/resourcegroups/{rid.resource_group}/providers/" \
           f"{IDENTITY_TYPE}/{rid.name}"


class UserAssignedIdentities(ResourceType):
    type = IDENTITY_TYPE
    long_running = False
    has_etag = False

    def build(self, call, rid, request, existing):
        requested = request.get("properties") or {}
        kept = (existing or {}).get("properties") or {}
        if kept:
            properties = {key: kept[key] for key in SERVER_OWNED}
        else:
            principal = new_principal_id(call.tx, str(rid), "user-assigned")
            properties = {"tenantId": TENANT_ID, "principalId": principal,
                          "clientId": stable_uuid(principal, "client")}
        properties["isolationScope"] = requested.get("isolationScope") or kept.get("isolationScope") \
            or "None"
        request["properties"] = properties
        return request

    def with_arm_fields(self, rid, body, existing):
        resource = super().with_arm_fields(rid, body, existing)
        resource["id"] = existing["id"] if existing else identity_id(rid)
        resource["properties"].pop("provisioningState")
        return resource


IDENTITIES = routes.resource(UserAssignedIdentities())


def ensure_identity(call: Call, rid: ResourceId, location: str, tags: dict | None = None) -> dict:
    """Create a user-assigned identity for another provider (kept as is if it exists); its body."""
    existing = call.tx.get(str(rid))
    if existing is not None:
        return existing
    request = {"location": location, **({"tags": tags} if tags else {})}
    body = IDENTITIES.make(call, rid, request, None)
    IDENTITIES.store(call, rid, body)
    return body
