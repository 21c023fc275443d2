"""Microsoft.ContainerRegistry registries and their cache rules, as a network-isolated cluster uses them.

Modelled on the REST spec (Azure/azure-rest-api-specs, specification/containerregistry/resource-manager/
Microsoft.ContainerRegistry/Registry/stable/2025-11-01: RegistryCreate.json, RegistryDelete.json,
CacheRuleCreate.json — the api-version of the SDK):
- ``PUT`` of a registry or a cache rule is a long-running create-or-update: 201 on create, 200 on
  update, ``Azure-AsyncOperation`` to poll, ``provisioningState`` Creating/Updating then Succeeded.
  ``DELETE`` answers 202 and ends with the resource gone; a registry's delete takes its cache rules.
- A registry's name is 5-50 letters and digits; ``loginServer`` is ``<name>.azurecr.io`` in lower
  case (as the service answers it; the spec's example keeps the request's case); ``sku.name`` is Basic, Standard or Premium (``sku.tier`` follows it);
  ``publicNetworkAccess`` defaults to Enabled. ``privateEndpointConnections`` lists the private
  endpoints that connect to it (Microsoft.Network's private endpoints write them).
- A cache rule needs ``sourceRepository`` and ``targetRepository``.
- Pulls are decided with the other providers' state: :func:`pull_failure` says why a node could
  not pull its bootstrap artifacts through a registry (no cache rule for mcr.microsoft.com, or a
  kubelet identity without ``registries/pull/read``).
"""
from __future__ import annotations

import copy
import re

from praks_lib.azure import facts
from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import bad_request
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.providers.authorization.permissions import has_permission

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
CACHE_RULE_TYPE = "Microsoft.ContainerRegistry/registries/cacheRules"
SKUS = ("Basic", "Standard", "Premium")
NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
PULL_ACTION = "Microsoft.ContainerRegistry/registries/pull/read"
ISOLATED = facts.load("aks")["network_isolated"]
CREATED_AT = "2026-01-01T00:00:00.0000000Z"  # fixed: notebook outputs stay the same run after run

# As the ACR RP answers (code from the spec's error examples, wording reconstructed).
INVALID_NAME = ("The registry name {name} is invalid: it may contain only alpha numeric characters and must be "
                "between 5 and 50 characters long.")
INVALID_SKU = "The SKU '{sku}' is not valid. Valid values are: Basic, Standard, Premium."
SKU_REQUIRED = "The sku property is required."
REPOSITORY_REQUIRED = "The cache rule property '{name}' is required."

routes = ArmRoutes()


def login_server(name: str) -> str:
    return f"{name.lower()}.{ISOLATED['login_server_suffix']}"


class Registries(ResourceType):
    type = REGISTRY_TYPE
    polls = 1
    in_progress_state = "Updating"

    def build(self, call, rid, request, existing):
        if not NAME.match(rid.name):
            raise bad_request("InvalidParameter", INVALID_NAME.format(name=rid.name))
        sku = (request.get("sku") or {}).get("name") or ((existing or {}).get("sku") or {}).get("name")
        if not sku:
            raise bad_request("InvalidParameter", SKU_REQUIRED)
        if sku not in SKUS:
            raise bad_request("InvalidParameter", INVALID_SKU.format(sku=sku))
        asked = request.get("properties") or {}
        kept = copy.deepcopy((existing or {}).get("properties") or {})
        properties = {
            "loginServer": login_server(rid.name), "creationDate": kept.get("creationDate", CREATED_AT),
            "adminUserEnabled": bool(asked.get("adminUserEnabled", kept.get("adminUserEnabled", False))),
            "publicNetworkAccess": asked.get("publicNetworkAccess") or kept.get("publicNetworkAccess") or "Enabled",
            "zoneRedundancy": asked.get("zoneRedundancy") or kept.get("zoneRedundancy") or "Disabled",
            "networkRuleBypassOptions": asked.get("networkRuleBypassOptions")
            or kept.get("networkRuleBypassOptions") or "AzureServices",
            "dataEndpointEnabled": bool(asked.get("dataEndpointEnabled", kept.get("dataEndpointEnabled", False))),
            "anonymousPullEnabled": bool(asked.get("anonymousPullEnabled", kept.get("anonymousPullEnabled", False))),
            "networkRuleSet": {"defaultAction": "Allow", "ipRules": []},
            "policies": {"quarantinePolicy": {"status": "disabled"}, "trustPolicy": {"type": "Notary",
                                                                                     "status": "disabled"},
                         "retentionPolicy": {"days": 7, "status": "disabled"}, "exportPolicy": {"status": "enabled"},
                         "azureADAuthenticationAsArmPolicy": {"status": "enabled"}},
            "encryption": {"status": "disabled"}, "status": None, "dataEndpointHostNames": [],
            "networkRuleBypassAllowedForTasks": False, "roleAssignmentMode": "LegacyRegistryPermissions",
        }
        return {"location": request.get("location"), "tags": request.get("tags") or {},
                "sku": {"name": sku, "tier": sku}, "properties": properties}

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        body["properties"]["privateEndpointConnections"] = private_endpoint_connections(call.tx, stored["id"])
        return body


class CacheRules(ResourceType):
    type = CACHE_RULE_TYPE
    location_required = False
    polls = 1

    def build(self, call, rid, request, existing):
        asked = request.get("properties") or {}
        for key in ("sourceRepository", "targetRepository"):
            if not asked.get(key):
                raise bad_request("InvalidParameter", REPOSITORY_REQUIRED.format(name=key))
        kept = (existing or {}).get("properties") or {}
        properties = {"sourceRepository": asked["sourceRepository"], "targetRepository": asked["targetRepository"],
                      "creationDate": kept.get("creationDate", CREATED_AT)}
        if asked.get("credentialSetResourceId"):
            properties["credentialSetResourceId"] = asked["credentialSetResourceId"]
        return {"properties": properties}


REGISTRIES = routes.resource(Registries())
CACHE_RULES = routes.resource(CacheRules())

PRIVATE_ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"


def private_endpoint_connections(tx, registry_id: str) -> list[dict]:
    """The private endpoints whose connection names this registry, as the registry lists them."""
    connections = []
    for endpoint in tx.list(PRIVATE_ENDPOINT_TYPE, f"/subscriptions/{ResourceId.parse(registry_id).subscription}"):
        for connection in endpoint["properties"].get("privateLinkServiceConnections") or []:
            if same_id(connection["properties"].get("privateLinkServiceId"), registry_id):
                connections.append({
                    "id": f"{registry_id}/privateEndpointConnections/{endpoint['name']}",
                    "name": endpoint["name"],
                    "type": f"{REGISTRY_TYPE}/privateEndpointConnections",
                    "properties": {"privateEndpoint": {"id": endpoint["id"]},
                                   "privateLinkServiceConnectionState": {
                                       "status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"},
                                   "provisioningState": "Succeeded"}})
    return connections


def registry_by_login_server(tx, name: str) -> dict | None:
    """The registry answering at ``name`` (``<registry>.azurecr.io`` or its data endpoint), if any."""
    host = name.lower().rstrip(".")
    for registry in tx.list(REGISTRY_TYPE, "/subscriptions"):
        server = registry["properties"]["loginServer"]
        if host == server or (host.endswith(".data." + ISOLATED["login_server_suffix"])
                              and host.startswith(registry["name"].lower() + ".")):
            return registry
    return None


def pull_failure(tx, registry: dict, kubelet_principal: str) -> str | None:
    """Why nodes cannot pull their bootstrap artifacts through ``registry`` (a catalog error key), or None."""
    if not has_permission(tx, kubelet_principal, PULL_ACTION, registry["id"]):
        return "bootstrap_registry_unauthorized"
    source = ISOLATED["cache_rule"]["source"]
    rules = tx.children(registry["id"], CACHE_RULE_TYPE)
    if not any(rule["properties"]["sourceRepository"] == source for rule in rules):
        return "bootstrap_cache_rule_missing"
    return None
