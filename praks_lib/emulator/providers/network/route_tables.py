"""Microsoft.Network route tables and their routes (inline in the table, or as child resources).

Storage: a route table and each route are rows of their own; GET of a table inlines its routes,
and lists the subnets associated with it (``subnets: [{id}]``), read from the subnets themselves
(a subnet is associated by its ``routeTable.id``; see ``vnets``).

Azure behaviours kept:
- A table PUT carries the complete route list: routes left out are deleted.
- A route's ``addressPrefix`` must be CIDR with no host bits set; ``nextHopType`` is one of
  Azure's five; ``VirtualAppliance`` needs ``nextHopIpAddress`` and the other types refuse one.
- A table associated with a subnet cannot be deleted (``InUseRouteTableCannotBeDeleted``).
"""

from __future__ import annotations

import copy
import ipaddress

from praks_lib.emulator.platform.arm.errors import bad_request
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.providers.network.vnet_validation import parse_prefix
from praks_lib.emulator.world import network_state
from praks_lib.emulator.world.network_state import ROUTE_TABLE_TYPE, ROUTE_TYPE

NEXT_HOP_TYPES = ("VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None")

# Azure's message, as quoted in MS Learn's InUseRouteTableCannotBeDeleted troubleshooting page.
ROUTE_TABLE_IN_USE = "Route table {name} is in use and cannot be deleted. {id}"
# The message text is Azure's as users report it (Azure/terraform-azurerm-hubnetworking#48);
# the error code is our reconstruction: no recording of this error was available.
NEXT_HOP_IP_MISSING = (
    "NextHopIpAddress cannot be Null or Empty in route {id} when NextHopType is VirtualAppliance."
)
# Reconstructed (code and text): Azure refuses a next hop address for the other next hop types.
NEXT_HOP_IP_NOT_ALLOWED = (
    "Route {id} has nextHopType {type}; nextHopIpAddress {ip} can only be given when nextHopType "
    "is VirtualAppliance. Remove nextHopIpAddress or set nextHopType to VirtualAppliance."
)
NEXT_HOP_IP_INVALID = (
    "Route {id} has an invalid nextHopIpAddress '{ip}': give the IPv4 address of the virtual "
    "appliance, e.g. the firewall's private IP 10.0.0.4."
)
INVALID_NEXT_HOP_TYPE = (
    "Route {id} has an invalid nextHopType '{type}'. Allowed values: " + ", ".join(NEXT_HOP_TYPES) + "."
)
ROUTE_PREFIX_MISSING = "Route {id} has no addressPrefix: give a CIDR prefix such as 0.0.0.0/0."

routes = ArmRoutes()


def check_route(route_id: str, properties: dict) -> None:
    """Validate one route's properties in place (``nextHopType`` takes Azure's casing)."""
    prefix = properties.get("addressPrefix")
    if not prefix:
        raise bad_request("InvalidRoute", ROUTE_PREFIX_MISSING.format(id=route_id))
    parse_prefix(prefix, route_id, "InvalidAddressPrefixFormat")
    given = properties.get("nextHopType") or ""
    hop = next((t for t in NEXT_HOP_TYPES if t.lower() == given.lower()), None)
    if hop is None:
        raise bad_request("InvalidRoute", INVALID_NEXT_HOP_TYPE.format(id=route_id, type=given))
    properties["nextHopType"] = hop
    ip = properties.get("nextHopIpAddress")
    if hop == "VirtualAppliance":
        if not ip:
            raise bad_request("InvalidRoute", NEXT_HOP_IP_MISSING.format(id=route_id))
        try:
            ipaddress.IPv4Address(ip)
        except ValueError:
            raise bad_request("InvalidRoute", NEXT_HOP_IP_INVALID.format(id=route_id, ip=ip)) from None
    elif ip:
        raise bad_request("InvalidRoute", NEXT_HOP_IP_NOT_ALLOWED.format(id=route_id, type=hop, ip=ip))


class RouteTables(ResourceType):
    type = ROUTE_TABLE_TYPE

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        for route in properties.pop("routes", None) or []:
            check_route(str(rid.child("routes", route.get("name", ""))), route.setdefault("properties", {}))
        properties.pop("subnets", None)
        properties.setdefault("disableBgpRoutePropagation", False)
        properties["resourceGuid"] = stable_uuid(str(rid))
        return request

    def after_write(self, call, rid, stored, request):
        """Make the route rows match the route list of the request."""
        kept = set()
        for route in (request.get("properties") or {}).get("routes") or []:
            route_rid = rid.child("routes", route["name"])
            existing = call.tx.get(str(route_rid))
            body = ROUTES.with_arm_fields(route_rid, ROUTES.normalize(copy.deepcopy(route)), existing)
            if body != existing:
                ROUTES.store(call, route_rid, body)
            kept.add(route["name"].lower())
        for route in call.tx.children(str(rid), ROUTE_TYPE):
            if route["name"].lower() not in kept:
                call.tx.delete_tree(route["id"])

    def view(self, call, stored):
        body = dict(stored)
        properties = dict(body["properties"])
        properties["routes"] = [ROUTES.view(call, r) for r in network_state.routes_of_table(call.tx, stored["id"])]
        subnets = network_state.subnets_using_route_table(call.tx, stored["id"])
        if subnets:
            properties["subnets"] = [{"id": s["id"]} for s in subnets]
        body["properties"] = properties
        return body

    def before_delete(self, call, rid, stored):
        if network_state.subnets_using_route_table(call.tx, stored["id"]):
            raise bad_request("InUseRouteTableCannotBeDeleted",
                              ROUTE_TABLE_IN_USE.format(name=stored["name"], id=stored["id"]))


class Routes(ResourceType):
    type = ROUTE_TYPE
    location_required = False

    def build(self, call, rid, request, existing):
        check_route(str(rid), request.setdefault("properties", {}))
        return self.normalize(request)

    def normalize(self, request):
        request.setdefault("properties", {})
        request.pop("type", None)
        return request


ROUTE_TABLES = routes.resource(RouteTables())
ROUTES = routes.resource(Routes())
