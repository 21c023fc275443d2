"""Microsoft.Network private endpoints: the API server's, which AKS builds for a private cluster, and
the ones a user creates for a service (a container registry, for a network-isolated cluster).

AKS creates ``kube-apiserver`` in the node resource group (``containerservice.node_group``). A user's
``PUT`` (long-running, 201/200) needs an existing subnet and an existing target
(``privateLinkServiceConnections[].privateLinkServiceId``) with a group id the target offers
(``registry`` for a container registry); the endpoint gets a NIC of its own
(``<endpoint>.nic.<guid>``, untagged, as Azure makes it) with one address per member of the group
(a registry: its login server and its regional data endpoint) and ``customDnsConfigs`` naming them,
which the private DNS records are written from. The connection is approved at once (same
subscription, as Azure auto-approves with the owner's rights). Deleting the endpoint deletes its NIC.
"""

from __future__ import annotations

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import bad_request
from praks_lib.emulator.platform.arm.registry import resource_type_of
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.world import network_state

PRIVATE_ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"
REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
# The private link group ids a target type offers.
GROUP_IDS = {REGISTRY_TYPE.lower(): ("registry",)}

# Reconstructed (Microsoft.Network's codes for a private endpoint's bad references).
SUBNET_MISSING = "Subnet {subnet} referenced by private endpoint {endpoint} was not found."
TARGET_MISSING = ("Private link service {target} referenced by private endpoint {endpoint} was not found; create "
                  "it first.")
GROUP_INVALID = ("Private endpoint {endpoint}: group id '{group}' is not offered by {target}; valid group ids: "
                 "{valid}.")
CONNECTION_REQUIRED = "Private endpoint {endpoint} needs one privateLinkServiceConnection."

routes = ArmRoutes()


class PrivateEndpoints(ResourceType):
    type = PRIVATE_ENDPOINT_TYPE

    def build(self, call, rid, request, existing):
        asked = request.get("properties") or {}
        subnet_id = (asked.get("subnet") or {}).get("id")
        subnet = call.tx.get(subnet_id) if subnet_id else None
        if subnet is None:
            raise bad_request("InvalidResourceReference", SUBNET_MISSING.format(subnet=subnet_id, endpoint=rid))
        connections = asked.get("privateLinkServiceConnections") or []
        if len(connections) != 1:
            raise bad_request("InvalidRequestFormat", CONNECTION_REQUIRED.format(endpoint=rid))
        connection = connections[0]
        target_id = (connection.get("properties") or {}).get("privateLinkServiceId")
        target = call.tx.get(target_id) if target_id else None
        if target is None:
            raise bad_request("PrivateLinkServiceNotFound", TARGET_MISSING.format(target=target_id, endpoint=rid))
        valid = GROUP_IDS.get(target["type"].lower(), ())
        groups = connection["properties"].get("groupIds") or []
        if len(groups) != 1 or groups[0] not in valid:
            raise bad_request("InvalidPrivateLinkServiceGroupId", GROUP_INVALID.format(
                endpoint=rid, group=",".join(groups), target=target_id, valid=", ".join(valid) or "none"))
        fqdns = _member_names(target)
        nic_id, addresses = _ensure_nic(call, rid, request["location"], subnet["id"], len(fqdns))
        return {"location": request["location"], "tags": request.get("tags") or {}, "properties": {
            "subnet": {"id": subnet["id"]}, "networkInterfaces": [{"id": nic_id}],
            "privateLinkServiceConnections": [{
                "name": connection.get("name") or rid.name, "id": f"{rid}/privateLinkServiceConnections/"
                                                                 f"{connection.get('name') or rid.name}",
                "properties": {"privateLinkServiceId": target["id"], "groupIds": groups,
                               "privateLinkServiceConnectionState": {
                                   "status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"},
                               "provisioningState": "Succeeded"}}],
            "manualPrivateLinkServiceConnections": [],
            "customDnsConfigs": [{"fqdn": fqdn, "ipAddresses": [address]} for fqdn, address in zip(fqdns, addresses)],
        }}

    def after_delete(self, call, rid, stored):
        for nic in stored["properties"].get("networkInterfaces") or []:
            if call.tx.get(nic["id"]) is not None:
                call.tx.delete_tree(nic["id"])
                network_state.relink(call.tx, nic["id"], [])


def _member_names(target: dict) -> list[str]:
    """The names a private endpoint to ``target`` answers for: a registry's data endpoint and login server."""
    if target["type"].lower() == REGISTRY_TYPE.lower():
        region = target["location"].replace(" ", "").lower()
        server = target["properties"]["loginServer"]
        return [f"{target['name'].lower()}.{region}.data.{server.split('.', 1)[1]}", server]
    return [target["name"]]


def _ensure_nic(call, rid: ResourceId, location: str, subnet_id: str, count: int) -> tuple[str, list[str]]:
    """The endpoint's NIC, one IP configuration per member name; its id and addresses."""
    nic_type = resource_type_of(network_state.NIC_TYPE)
    nic_rid = ResourceId.parse(f"{rid.group_id}/providers/{network_state.NIC_TYPE}/"
                               f"{rid.name}.nic.{stable_uuid(str(rid), 'nic')}")
    request = {"location": location, "properties": {"ipConfigurations": [
        {"name": f"privateEndpointIpConfig.{stable_uuid(str(rid), str(index))}",
         "properties": {"subnet": {"id": subnet_id}, "privateIPAllocationMethod": "Dynamic"}}
        for index in range(count)]}}
    existing = call.tx.get(str(nic_rid))
    nic = nic_type.make(call, nic_rid, request, existing)
    nic["properties"]["privateEndpoint"] = {"id": str(rid)}
    nic_type.store(call, nic_rid, nic)
    nic_type.after_write(call, nic_rid, nic, request)
    stored = call.tx.get(str(nic_rid))
    return stored["id"], [c["properties"]["privateIPAddress"] for c in stored["properties"]["ipConfigurations"]]


PRIVATE_ENDPOINTS = routes.resource(PrivateEndpoints())
