"""Microsoft.Network virtual networks, their subnets and their peerings.

Storage: a virtual network, each subnet and each peering is a row of its own; GET of a virtual
network inlines its subnets and peerings from those rows, so it always agrees with GET of a subnet.

Azure behaviours kept:
- A virtual network PUT carries the complete subnet list: subnets left out are deleted (refused
  with ``InUseSubnetCannotBeDeleted`` when something uses them). Peerings given inline are ignored;
  they are managed through their own API (the SDK's GET-modify-PUT sends them back unchanged).
- Every subnet must lie inside the address space (``NetcfgSubnetRangeOutsideVnet``) and must not
  overlap another subnet (``NetcfgSubnetRangesOverlap``); prefixes must be valid CIDR with no host
  bits set.
- A peering is ``Initiated`` until the remote network has a peering back, then both sides are
  ``Connected``; deleting one side leaves the other ``Disconnected`` (delete and re-create it, as on
  Azure). Overlapping address spaces cannot be peered (``VnetAddressSpacesOverlap``).

The checks, codes and messages are in :mod:`.vnet_validation`.
"""

from __future__ import annotations

import copy

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import INVALID_RESOURCE_REFERENCE, bad_request
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, check_name, etag_of, location_of
from praks_lib.emulator.platform.router import Call
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.providers.network.vnet_validation import (
    check_peering,
    check_subnets,
    parse_prefix,
    refuse_if_in_use,
    subnet_prefixes,
    vnet_prefixes,
)

VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
PEERING_TYPE = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"

# Subnet properties that Azure fills in and a client cannot set (kept from the stored subnet).
SUBNET_SERVER_OWNED = (
    "ipConfigurations", "ipConfigurationProfiles", "privateEndpoints", "serviceAssociationLinks",
    "resourceNavigationLinks", "purpose",
)
PEERING_DEFAULTS = {
    "allowVirtualNetworkAccess": True,
    "allowForwardedTraffic": False,
    "allowGatewayTransit": False,
    "useRemoteGateways": False,
}

routes = ArmRoutes()


# virtual networks ------------------------------------------------------------------------


class VirtualNetworks(ResourceType):
    type = VNET_TYPE

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        space = [parse_prefix(p, str(rid), "InvalidAddressPrefixFormat")
                 for p in (properties.get("addressSpace") or {}).get("addressPrefixes") or []]
        inline = {s.get("name", ""): subnet_prefixes(s.get("properties") or {})
                  for s in properties.pop("subnets", None) or []}
        for name in inline:
            check_name(SUBNET_TYPE, name)
        check_subnets(rid, space, inline)
        if existing is not None:
            kept = {name.lower() for name in inline}
            for subnet in call.tx.children(str(rid), SUBNET_TYPE):
                if subnet["name"].lower() not in kept:
                    refuse_if_in_use(subnet)
        properties.pop("virtualNetworkPeerings", None)
        properties["resourceGuid"] = stable_uuid(str(rid))
        properties.setdefault("enableDdosProtection", False)
        return request

    def after_write(self, call, rid, stored, request):
        """Make the subnet rows match the subnet list of the request."""
        inline = (request.get("properties") or {}).get("subnets") or []
        kept = set()
        for subnet in inline:
            subnet_rid = ResourceId.parse(stored["id"]).child("subnets", subnet["name"])
            existing = call.tx.get(str(subnet_rid))
            body = SUBNETS.with_arm_fields(
                subnet_rid, SUBNETS.normalize(call, subnet_rid, copy.deepcopy(subnet), existing),
                existing)
            if body != existing:
                SUBNETS.store(call, subnet_rid, body)
            kept.add(subnet["name"].lower())
        for subnet in call.tx.children(str(rid), SUBNET_TYPE):
            if subnet["name"].lower() not in kept:
                call.tx.delete_tree(subnet["id"])

    def view(self, call, stored):
        body = dict(stored)
        properties = dict(body.get("properties", {}))
        properties["subnets"] = [SUBNETS.view(call, s) for s in call.tx.children(stored["id"], SUBNET_TYPE)]
        properties["virtualNetworkPeerings"] = [
            PEERINGS.view(call, p) for p in call.tx.children(stored["id"], PEERING_TYPE)
        ]
        body["properties"] = properties
        return body

    def before_delete(self, call, rid, stored):
        for subnet in call.tx.children(str(rid), SUBNET_TYPE):
            refuse_if_in_use(subnet)

    def after_delete(self, call, rid, stored):
        """Peerings elsewhere that point at this network are left Disconnected."""
        for peering in call.tx.list(PEERING_TYPE, f"/subscriptions/{rid.subscription}"):
            if same_id(peering["properties"]["remoteVirtualNetwork"]["id"], str(rid)):
                set_peering_state(call, peering, "Disconnected")


class Subnets(ResourceType):
    type = SUBNET_TYPE
    location_required = False

    def build(self, call, rid, request, existing):
        """A subnet PUT of its own: check it against the address space and its siblings."""
        vnet = call.tx.get(str(rid.parent))
        subnets = {s["name"]: subnet_prefixes(s["properties"])
                   for s in call.tx.children(str(rid.parent), SUBNET_TYPE)
                   if s["name"].lower() != rid.name.lower()}
        subnets[rid.name] = subnet_prefixes(request.get("properties") or {})
        check_subnets(ResourceId.parse(vnet["id"]), vnet_prefixes(vnet), subnets)
        return self.normalize(call, rid, request, existing)

    def normalize(self, call, rid, request, existing):
        """Azure's defaults; server-owned properties come from the stored subnet, not the client."""
        properties = request.setdefault("properties", {})
        associate_route_table(call, rid, properties)
        for key in SUBNET_SERVER_OWNED:
            properties.pop(key, None)
            if existing and key in existing.get("properties", {}):
                properties[key] = existing["properties"][key]
        properties.setdefault("privateEndpointNetworkPolicies", "Disabled")
        properties.setdefault("privateLinkServiceNetworkPolicies", "Enabled")
        properties["delegations"] = [
            delegation(rid, d) for d in properties.get("delegations") or []
        ]
        return request

    def before_delete(self, call, rid, stored):
        refuse_if_in_use(stored)


def associate_route_table(call: Call, subnet_rid: ResourceId, properties: dict) -> None:
    """A subnet's ``routeTable`` must name an existing table in the network's region (Azure's
    InvalidResourceReference otherwise); the id is echoed in the table's own casing."""
    reference = properties.get("routeTable")
    if not reference:
        properties.pop("routeTable", None)
        return
    table_id = reference.get("id") or ""
    table = call.tx.get(table_id) if table_id else None
    region = location_of(call, subnet_rid).replace(" ", "").lower()
    if table is None or table.get("location", "").replace(" ", "").lower() != region:
        raise bad_request("InvalidResourceReference", INVALID_RESOURCE_REFERENCE.format(
            referenced=table_id, referrer=subnet_rid))
    properties["routeTable"] = {"id": table["id"]}


def delegation(subnet_rid: ResourceId, request: dict) -> dict:
    name = request.get("name", "")
    body = {
        "id": f"{subnet_rid}/delegations/{name}",
        "name": name,
        "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
        "properties": {**(request.get("properties") or {}), "provisioningState": "Succeeded"},
    }
    body["properties"].setdefault("actions", [])
    body["etag"] = etag_of(body)
    return body


# peerings --------------------------------------------------------------------------------


def set_peering_state(call: Call, peering: dict, state: str) -> None:
    if peering["properties"].get("peeringState") != state:
        peering["properties"]["peeringState"] = state
        PEERINGS.store(call, ResourceId.parse(peering["id"]), peering)


def reverse_peering(call: Call, local_vnet_id: str, remote_vnet_id: str) -> dict | None:
    for peering in call.tx.children(remote_vnet_id, PEERING_TYPE):
        if same_id(peering["properties"]["remoteVirtualNetwork"]["id"], local_vnet_id):
            return peering
    return None


class VirtualNetworkPeerings(ResourceType):
    type = PEERING_TYPE
    location_required = False

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        local, remote = check_peering(call, rid, properties)
        for key, value in PEERING_DEFAULTS.items():
            properties.setdefault(key, value)
        properties["remoteVirtualNetwork"] = {"id": remote["id"]}
        space = {"addressPrefixes": [str(p) for p in vnet_prefixes(remote)]}
        properties["remoteAddressSpace"] = space
        properties["remoteVirtualNetworkAddressSpace"] = space
        if reverse_peering(call, local["id"], remote["id"]) is not None:
            state = "Connected"
        elif existing and existing["properties"].get("peeringState") == "Disconnected":
            state = "Disconnected"
        else:
            state = "Initiated"
        properties["peeringState"] = state
        properties["peeringSyncLevel"] = "FullyInSync"
        properties["resourceGuid"] = stable_uuid(str(rid))
        return request

    def after_write(self, call, rid, stored, request):
        """The first side of a peering turns Connected when this one connects to it."""
        if stored["properties"]["peeringState"] == "Connected":
            remote_id = stored["properties"]["remoteVirtualNetwork"]["id"]
            reverse = reverse_peering(call, str(rid.parent), remote_id)
            set_peering_state(call, reverse, "Connected")

    def after_delete(self, call, rid, stored):
        remote_id = stored["properties"]["remoteVirtualNetwork"]["id"]
        reverse = reverse_peering(call, str(rid.parent), remote_id)
        if reverse is not None and call.tx.get(str(rid.parent)) is not None:
            set_peering_state(call, reverse, "Disconnected")


VNETS = routes.resource(VirtualNetworks())
SUBNETS = routes.resource(Subnets())
PEERINGS = routes.resource(VirtualNetworkPeerings())
