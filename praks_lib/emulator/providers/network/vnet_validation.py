"""What Microsoft.Network checks in a virtual network, subnet or peering: codes, messages, checks.

Prefixes must be valid CIDR with no host bits set; every subnet lies inside the address space
(``NetcfgSubnetRangeOutsideVnet``) and overlaps no other (``NetcfgSubnetRangesOverlap``); a subnet
in use cannot be deleted (``InUseSubnetCannotBeDeleted``); peered networks must exist and their
address spaces must not overlap (``VnetAddressSpacesOverlap``).
"""

from __future__ import annotations

import ipaddress
from itertools import combinations

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import INVALID_RESOURCE_REFERENCE, bad_request, catalog_error
from praks_lib.emulator.platform.router import Call

INVALID_PREFIX_FORMAT = (
    "Address prefix {prefix} of resource {id} is not formatted correctly. It should follow CIDR "
    "notation, for example 10.0.0.0/24."
)
INVALID_CIDR = (
    "The address prefix {prefix} in resource {id} has an invalid CIDR notation. For the given "
    "prefix length, the address prefix should be {network}."
)
INVALID_SUBNET = "Subnet '{subnet}' is not valid in virtual network '{vnet}': it has no address prefix."
SUBNET_IN_USE = (
    "Subnet {subnet} is in use by {user} and cannot be deleted. In order to delete the subnet, "
    "delete all the resources within the subnet. See aka.ms/deletesubnet."
)
PEERING_REMOTE_MISSING = "The peering {peering} has no remoteVirtualNetwork.id."


def parse_prefix(prefix: str, resource_id: str, malformed_code: str) -> ipaddress.IPv4Network:
    """A CIDR prefix as Azure accepts it: well formed, no host bits set."""
    try:
        if "/" not in prefix:
            raise ValueError(prefix)
        loose = ipaddress.ip_network(prefix, strict=False)
    except (ValueError, TypeError):
        message = INVALID_PREFIX_FORMAT.format(prefix=prefix, id=resource_id)
        raise bad_request(malformed_code, message) from None
    if loose.network_address != ipaddress.ip_address(prefix.split("/")[0]):
        raise bad_request("InvalidCIDRNotation",
                          INVALID_CIDR.format(prefix=prefix, id=resource_id, network=loose))
    return loose


def vnet_prefixes(vnet: dict) -> list[ipaddress.IPv4Network]:
    space = vnet.get("properties", {}).get("addressSpace") or {}
    return [ipaddress.ip_network(p) for p in space.get("addressPrefixes") or []]


def subnet_prefixes(subnet_properties: dict) -> list[str]:
    if subnet_properties.get("addressPrefixes"):
        return list(subnet_properties["addressPrefixes"])
    prefix = subnet_properties.get("addressPrefix")
    return [prefix] if prefix else []


def check_subnets(vnet_rid: ResourceId, space: list, subnets: dict[str, list[str]]) -> None:
    """Every subnet inside the address space and no two overlapping (``subnets``: name → prefixes)."""
    parsed = {}
    for name, prefixes in subnets.items():
        subnet_id = str(vnet_rid.child("subnets", name))
        if not prefixes:
            raise bad_request("NetcfgInvalidSubnet", INVALID_SUBNET.format(subnet=name,
                                                                           vnet=vnet_rid.name))
        parsed[name] = [parse_prefix(p, subnet_id, "NetcfgInvalidSubnet") for p in prefixes]
        for network in parsed[name]:
            if not any(network.subnet_of(outer) for outer in space if outer.version == network.version):
                raise catalog_error("subnet_outside_vnet", subnet=name, vnet=vnet_rid.name)
    for (first, a), (second, b) in combinations(parsed.items(), 2):
        if any(x.overlaps(y) for x in a for y in b):
            raise catalog_error("subnets_overlap", subnet=second, vnet=vnet_rid.name)


def refuse_if_in_use(subnet: dict) -> None:
    users = subnet.get("properties", {}).get("ipConfigurations") or []
    if users:
        raise bad_request("InUseSubnetCannotBeDeleted", SUBNET_IN_USE.format(
            subnet=subnet["id"], user=users[0]["id"]))



def check_peering(call: Call, rid: ResourceId, properties: dict) -> tuple[dict, dict]:
    """The peering's local and remote virtual networks: the remote must exist, the address spaces
    must not overlap."""
    remote_id = (properties.get("remoteVirtualNetwork") or {}).get("id")
    if not remote_id:
        raise bad_request("InvalidRequestFormat", PEERING_REMOTE_MISSING.format(peering=rid))
    remote = call.tx.get(remote_id)
    if remote is None:
        raise bad_request("InvalidResourceReference", INVALID_RESOURCE_REFERENCE.format(
            referenced=remote_id, referrer=rid))
    local = call.tx.get(str(rid.parent))
    overlapping = [(a, b) for a in vnet_prefixes(local) for b in vnet_prefixes(remote) if a.overlaps(b)]
    if overlapping:
        raise catalog_error("peering_address_spaces_overlap", peering=rid, local=local["id"], remote=remote["id"],
                            prefixes=", ".join(f"{a}, {b}" for a, b in overlapping))
    return local, remote
