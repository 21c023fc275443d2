"""Microsoft.Network private DNS zones, their record sets and their virtual network links.

Azure behaviours kept:
- Zones and links live in location ``global`` (any other location: ARM's
  ``LocationNotAvailableForResourceType``); both are long-running operations.
- A new zone gets its SOA record set ``@``; the zone shows how many record sets and links it has.
  Record-set names are stored in lower case (``recordA`` → ``recorda``), their fqdn ends with a dot;
  record-set PUT is synchronous. Etags are plain GUIDs, as the private DNS service writes them.
- A link names a virtual network that must exist (``BadRequest``: "Virtual network resource not
  found for ..."); a virtual network cannot be linked to two zones with the same name, nor twice to
  one zone (``BadRequest``: "A virtual network cannot be linked to multiple zones with overlapping
  namespaces. ..."). Azure accepts that PUT and fails its operation; the emulator refuses the PUT
  with the same code and message, so no Failed link is left behind. AKS wraps that message in its
  own ``CreateOrUpdateVirtualNetworkLinkFailed`` (see :func:`overlapping_zone`).
- Links are ``virtualNetworkLinkState: Completed`` once created; name resolution from a virtual
  network uses the zones linked to it (``praks_lib.emulator.world.azure_dns``).

For other providers (AKS creates the cluster's zone, its A record and the link to the cluster's
virtual network): :func:`ensure_zone`, :func:`set_a_record`, :func:`link_virtual_network`.
"""

from __future__ import annotations

import ipaddress
from http import HTTPStatus

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import bad_request
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, etag_of, require
from praks_lib.emulator.platform.router import Call, Response

ZONE_TYPE = "Microsoft.Network/privateDnsZones"
LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
# Record type → the property that holds its records (SOA and CNAME hold one record, not a list).
RECORD_PROPERTIES = {
    "A": "aRecords", "AAAA": "aaaaRecords", "CNAME": "cnameRecord", "MX": "mxRecords",
    "PTR": "ptrRecords", "SOA": "soaRecord", "SRV": "srvRecords", "TXT": "txtRecords",
}
DEFAULT_TTL = 3600
SOA_TTL = 3600
SOA_RECORD = {
    "host": "azureprivatedns.net", "email": "azureprivatedns-host.microsoft.com",
    "serialNumber": 1, "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTtl": 10,
}
ZONE_LIMITS = {
    "maxNumberOfRecordSets": 25000,
    "maxNumberOfVirtualNetworkLinks": 1000,
    "maxNumberOfVirtualNetworkLinksWithRegistration": 100,
}

LOCATION_NOT_AVAILABLE = (
    "The provided location '{location}' is not available for resource type '{type}'. List of "
    "available regions for the resource type is 'global'."
)
VNET_NOT_FOUND = "Virtual network resource not found for '{id}'"
OVERLAPPING_NAMESPACES = (
    "A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried "
    "to link virtual network with '{existing}' and '{new}' zones."
)
INVALID_ADDRESS = "The {family} address '{address}' in record set '{name}' is not valid."

routes = ArmRoutes()


def plain_etag(body: dict) -> str:
    """The private DNS service's etags are bare GUIDs (no ``W/"…"``); same content, same etag."""
    return etag_of(body).removeprefix('W/"').removesuffix('"')


def require_global(request: dict, resource_type: str) -> None:
    location = request.get("location", "")
    if location.replace(" ", "").lower() != "global":
        raise bad_request("LocationNotAvailableForResourceType", LOCATION_NOT_AVAILABLE.format(
            location=location, type=resource_type))
    request["location"] = "global"


def zone_name_of(resource_id: str) -> str:
    """The zone a record set or link belongs to, from its id."""
    return ResourceId.parse(resource_id).names[0]


# zones -----------------------------------------------------------------------------------


class PrivateZones(ResourceType):
    type = ZONE_TYPE

    def build(self, call, rid, request, existing):
        require_global(request, ZONE_TYPE)
        request["properties"] = {}  # every zone property is the service's (counts and limits)
        return request

    def with_arm_fields(self, rid, body, existing):
        resource = super().with_arm_fields(rid, body, existing)
        resource["etag"] = plain_etag(resource)
        return resource

    def after_write(self, call, rid, stored, request):
        """Every zone has its SOA record set at the apex."""
        soa_rid = rid.child("SOA", "@")
        if call.tx.get(str(soa_rid)) is None:
            soa = RECORD_SETS["SOA"]
            soa.store(call, soa_rid, soa.make(call, soa_rid, {
                "properties": {"ttl": SOA_TTL, "soaRecord": dict(SOA_RECORD)}}, None))

    def view(self, call, stored):
        body = dict(stored)
        record_sets = sum(len(call.tx.children(stored["id"], t.type)) for t in RECORD_SETS.values())
        links = call.tx.children(stored["id"], LINK_TYPE)
        registering = [link for link in links if link["properties"].get("registrationEnabled")]
        body["properties"] = {
            **ZONE_LIMITS,
            "numberOfRecordSets": record_sets,
            "numberOfVirtualNetworkLinks": len(links),
            "numberOfVirtualNetworkLinksWithRegistration": len(registering),
            "provisioningState": stored["properties"]["provisioningState"],
        }
        return body


# record sets -----------------------------------------------------------------------------


class RecordSets(ResourceType):
    """One record type's record sets (``…/privateDnsZones/<zone>/A/<name>``)."""

    location_required = False
    long_running = False

    def __init__(self, record_type: str):
        self.record_type = record_type
        self.type = f"{ZONE_TYPE}/{record_type}"

    def resource_id(self, call):
        rid = super().resource_id(call)
        return ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.types,
                          (rid.names[0], rid.names[1].lower()))

    def build(self, call, rid, request, existing):
        requested = request.get("properties") or {}
        key = RECORD_PROPERTIES[self.record_type]
        zone = call.tx.get(str(rid.parent))["name"]
        properties = {
            "ttl": requested.get("ttl", DEFAULT_TTL),
            "fqdn": f"{zone}." if rid.name == "@" else f"{rid.name}.{zone}.",
            "isAutoRegistered": False,
            key: requested.get(key) or ({} if key in ("soaRecord", "cnameRecord") else []),
        }
        if "metadata" in requested:
            properties["metadata"] = requested["metadata"]
        if self.record_type in ("A", "AAAA"):
            field, family = ("ipv4Address", "IPv4") if self.record_type == "A" else ("ipv6Address", "IPv6")
            for record in properties[key]:
                try:
                    ipaddress.ip_address(record.get(field, ""))
                except ValueError:
                    raise bad_request("BadRequest", INVALID_ADDRESS.format(
                        family=family, address=record.get(field), name=rid.name)) from None
        return {"properties": properties}

    def with_arm_fields(self, rid, body, existing):
        resource = super().with_arm_fields(rid, body, existing)
        resource["properties"].pop("provisioningState")
        resource["etag"] = plain_etag(resource)
        return resource


# virtual network links -------------------------------------------------------------------


def overlapping_zone(tx, zone_name: str, vnet_id: str, except_link_id: str | None = None) -> str | None:
    """The id of a zone named ``zone_name`` that ``vnet_id`` is already linked to, if any."""
    subscription = ResourceId.parse(vnet_id).subscription
    for link in tx.list(LINK_TYPE, f"/subscriptions/{subscription}"):
        if same_id(link["id"], except_link_id):
            continue
        if same_id(link["properties"]["virtualNetwork"]["id"], vnet_id) and \
                zone_name_of(link["id"]).lower() == zone_name.lower():
            return str(ResourceId.parse(link["id"]).parent)
    return None


class VirtualNetworkLinks(ResourceType):
    type = LINK_TYPE

    def build(self, call, rid, request, existing):
        require_global(request, LINK_TYPE)
        properties = request.setdefault("properties", {})
        vnet_id = (properties.get("virtualNetwork") or {}).get("id") or ""
        vnet = call.tx.get(vnet_id) if vnet_id else None
        if vnet is None or vnet["type"].lower() != VNET_TYPE.lower():
            raise bad_request("BadRequest", VNET_NOT_FOUND.format(id=vnet_id))
        zone = call.tx.get(str(rid.parent))["name"]
        if overlapping_zone(call.tx, zone, vnet["id"], str(rid)) is not None:
            raise bad_request("BadRequest", OVERLAPPING_NAMESPACES.format(existing=zone, new=zone))
        properties["virtualNetwork"] = {"id": vnet["id"]}
        properties["registrationEnabled"] = bool(properties.get("registrationEnabled", False))
        properties.setdefault("resolutionPolicy", "Default")
        properties["virtualNetworkLinkState"] = "Completed"
        return request

    def with_arm_fields(self, rid, body, existing):
        resource = super().with_arm_fields(rid, body, existing)
        resource["etag"] = plain_etag(resource)
        return resource


ZONES = routes.resource(PrivateZones())
LINKS = routes.resource(VirtualNetworkLinks())
RECORD_SETS = {record_type: routes.resource(RecordSets(record_type)) for record_type in RECORD_PROPERTIES}


@routes.get("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            + ZONE_TYPE + "/{privateZoneName}/ALL")
def list_all_record_sets(call: Call) -> Response:
    """Every record set of a zone, of every type (``record_sets.list``)."""
    zone = ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"], "Microsoft.Network",
                      ("privateDnsZones",), (call.params["privateZoneName"],))
    require(call, zone)
    items = [item for t in RECORD_SETS.values() for item in call.tx.children(str(zone), t.type)]
    return Response(HTTPStatus.OK, {"value": items})


# for other providers ---------------------------------------------------------------------


def _write(call: Call, resource_type: ResourceType, rid: ResourceId, request: dict) -> dict:
    """Create or update a resource on behalf of another provider (no operation, no response)."""
    existing = call.tx.get(str(rid))
    body = resource_type.make(call, rid, request, existing)
    if body != existing:
        resource_type.store(call, rid, body)
    resource_type.after_write(call, rid, body, request)
    return body


def ensure_zone(call: Call, rid: ResourceId, tags: dict | None = None) -> dict:
    """A private DNS zone (with its SOA record set); kept as is if it exists."""
    existing = call.tx.get(str(rid))
    if existing is not None:
        return existing
    return _write(call, ZONES, rid, {"location": "global", **({"tags": tags} if tags else {})})


def set_a_record(call: Call, zone_rid: ResourceId, name: str, addresses: list[str],
                 ttl: int = DEFAULT_TTL) -> dict:
    """The A record set ``name`` of a zone, holding exactly ``addresses``."""
    return _write(call, RECORD_SETS["A"], zone_rid.child("A", name.lower()), {"properties": {
        "ttl": ttl, "aRecords": [{"ipv4Address": address} for address in addresses]}})


def link_virtual_network(call: Call, zone_rid: ResourceId, link_name: str, vnet_id: str,
                         registration_enabled: bool = False) -> dict:
    """Link a zone to a virtual network (raises the service's ArmError on an overlapping link)."""
    return _write(call, LINKS, zone_rid.child("virtualNetworkLinks", link_name), {
        "location": "global",
        "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": registration_enabled}})

