"""What AKS refuses when a managed cluster is created or updated: Azure's codes and messages.

Every check runs before anything is written, so a refused request leaves nothing behind (the
store transaction is rolled back with the error). Messages marked *reconstructed* are written from
memory of real errors where no recording was available; the codes are Azure's.
"""
from __future__ import annotations

import ipaddress
import re

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import ArmError, bad_request
from praks_lib.emulator.providers.authorization.permissions import missing_permissions
from praks_lib.emulator.world import network_state

NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")
DNS_PREFIX = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,52}[A-Za-z0-9])?$")
NODE_GROUP_MAX = 80
# Ranges AKS keeps for itself (service CIDR must avoid them).
RESERVED_SERVICE_RANGES = ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")
UDR_NEXT_HOPS = ("VirtualAppliance", "VirtualNetworkGateway")
# What AKS does with a bring-your-own subnet and route table (Network Contributor grants all).
SUBNET_ACTIONS = ("Microsoft.Network/virtualNetworks/subnets/join/action",
                  "Microsoft.Network/virtualNetworks/subnets/read")
ROUTE_TABLE_ACTIONS = ("Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write",
                       "Microsoft.Network/routeTables/join/action", "Microsoft.Network/routeTables/routes/read",
                       "Microsoft.Network/routeTables/routes/write")

# Reconstructed: the AKS RP's wording for parameters it rejects.
INVALID_PARAMETER = "The value of parameter {name} is invalid. Please correct it and try again. {rule}"
NAME_RULE = ("The name can contain only letters, numbers, underscores and hyphens, must start and end with a "
             "letter or number, and must be 1-63 characters long.")
DNS_PREFIX_RULE = ("The DNS prefix can contain only letters, numbers and hyphens, must start and end with a "
                   "letter or number, and must be 1-54 characters long.")
# Reconstructed.
NODE_GROUP_TOO_LONG = ("The node resource group name '{name}' is {length} characters long; it must be at most "
                       "80 characters. Choose a shorter cluster or resource group name, or set nodeResourceGroup.")
SERVICE_CIDR_OVERLAP = "The specified service CIDR {cidr} is conflicted with an existing subnet CIDR {subnet}"
# Reconstructed.
SERVICE_CIDR_RESERVED = "The specified service CIDR {cidr} overlaps {reserved}, a range reserved by AKS."
DNS_IP_OUTSIDE = "The DNS service IP {ip} is out of the range defined by service CIDR {cidr}."
ROUTE_TABLE_NOT_ASSOCIATED = ("An existing route table has not been associated with subnet {subnet}. Please update "
                              "the route table association")
DEFAULT_ROUTE_MISSING = "Default route 0.0.0.0/0 missing from route table"
DEFAULT_ROUTE_INTERNET = ("Default route 0.0.0.0/0 has a next hop of Internet but only next hops of VirtualAppliance "
                          "or VirtualNetworkGateway are allowed")
# Azure's code and text (seen in real 400 answers).
ROUTE_TABLE_PERMISSION = ("Managed identity or service principle must be given permission to read and write to custom "
                          "route table {table}. Please see https://aka.ms/aks/customrt for more information")
# Reconstructed (ARM's linked-authorization wording applied to the cluster identity): AKS joins the
# nodes to a bring-your-own subnet with the cluster identity, which needs subnets/join/action there.
SUBNET_PERMISSION = ("The cluster identity with object id '{principal}' does not have permission to perform action "
                     "'{action}' on the linked scope(s) '{subnet}'. Assign it Network Contributor on the subnet "
                     "(https://aka.ms/aks/byo-vnet) and retry.")
SUBNET_NOT_FOUND = "Subnet {subnet} referenced by agent pool {pool} was not found."  # reconstructed
INSUFFICIENT_SUBNET = ("Pre-allocated IPs {needed} exceeds IPs available {available} in Subnet Cidr {cidr}, "
                       "Subnet Name {name}. http://aka.ms/aks-insufficient-subnet-size")
PROPERTY_CHANGE = "Changing property '{name}' is not allowed."
IDENTITY_NOT_FOUND = ("Reading managed identity {id} failed: the identity was not found. Create it first or fix "
                      "identity.userAssignedIdentities.")  # reconstructed


def check_names(name: str, dns_prefix: str, node_group: str) -> None:
    if not NAME.match(name):
        raise bad_request("InvalidParameter", INVALID_PARAMETER.format(name="resourceName", rule=NAME_RULE))
    if not DNS_PREFIX.match(dns_prefix):
        raise bad_request("InvalidParameter", INVALID_PARAMETER.format(name="dnsPrefix", rule=DNS_PREFIX_RULE))
    if len(node_group) > NODE_GROUP_MAX:
        raise bad_request("InvalidParameter", NODE_GROUP_TOO_LONG.format(name=node_group, length=len(node_group)))


def check_service_network(tx, network: dict, subnet: dict | None) -> None:
    """The service CIDR stays clear of the cluster's VNet, its peers and AKS's own ranges; the DNS
    service IP sits inside it."""
    cidr = ipaddress.ip_network(network["serviceCidr"], strict=False)
    for reserved in RESERVED_SERVICE_RANGES:
        if cidr.overlaps(ipaddress.ip_network(reserved)):
            raise bad_request("ServiceCidrOverlapExistingSubnetsCidr",
                              SERVICE_CIDR_RESERVED.format(cidr=network["serviceCidr"], reserved=reserved))
    if subnet is not None:
        vnet_id = str(ResourceId.parse(subnet["id"]).parent)
        for other in tx.children(vnet_id, network_state.SUBNET_TYPE):
            for prefix in network_state.subnet_networks(other):
                if prefix.version == cidr.version and prefix.overlaps(cidr):
                    raise bad_request("ServiceCidrOverlapExistingSubnetsCidr", SERVICE_CIDR_OVERLAP.format(
                        cidr=network["serviceCidr"], subnet=str(prefix)))
    dns_ip = ipaddress.ip_address(network["dnsServiceIP"])
    if dns_ip not in cidr:
        raise bad_request("DnsServiceIpOutOfServiceCidr", DNS_IP_OUTSIDE.format(
            ip=network["dnsServiceIP"], cidr=network["serviceCidr"]))


def check_user_defined_routing(tx, subnet: dict) -> dict:
    """outboundType userDefinedRouting: the subnet's route table sends 0.0.0.0/0 to an appliance
    or a gateway. Returns the route table."""
    table = network_state.route_table_of(tx, subnet)
    if table is None:
        raise bad_request("ExistingRouteTableNotAssociatedWithSubnet",
                          ROUTE_TABLE_NOT_ASSOCIATED.format(subnet=subnet["id"]))
    default = [r for r in table["properties"]["routes"] if r["properties"].get("addressPrefix") == "0.0.0.0/0"]
    if not default:
        raise bad_request("RouteTableMissingDefaultRouteError", DEFAULT_ROUTE_MISSING)
    if default[0]["properties"].get("nextHopType") not in UDR_NEXT_HOPS:
        raise bad_request("RouteTableInvalidNextHop", DEFAULT_ROUTE_INTERNET)
    return table


def missing_network_permissions(tx, principal_id: str, subnet_id: str,
                                route_table_id: str | None) -> list[tuple[str, str]]:
    """What a cluster identity lacks on its subnet and (with userDefinedRouting) the subnet's route
    table: ``(action, scope)`` pairs, empty when the identity may create the cluster."""
    required = [(action, subnet_id) for action in SUBNET_ACTIONS]
    if route_table_id:
        required += [(action, route_table_id) for action in ROUTE_TABLE_ACTIONS]
    return missing_permissions(tx, principal_id, required)


def check_identity_permissions(tx, principal_id: str, subnet: dict, route_table: dict | None) -> None:
    """A bring-your-own subnet (and, with UDR, its route table) must be writable by the cluster identity."""
    missing = missing_network_permissions(tx, principal_id, subnet["id"], route_table["id"] if route_table else None)
    on_table = [action for action, scope in missing if route_table and same_id(scope, route_table["id"])]
    if on_table:
        raise bad_request("CustomRouteTableMissingPermission", ROUTE_TABLE_PERMISSION.format(table=route_table["id"]))
    if missing:
        raise bad_request("LinkedAuthorizationFailed", SUBNET_PERMISSION.format(
            principal=principal_id, action=missing[0][0], subnet=subnet["id"]))


def check_subnet_capacity(subnet: dict, addresses_needed: int, in_use: int) -> None:
    """Azure CNI pre-allocates every node's pod addresses in the subnet when the pool is created."""
    network = network_state.subnet_networks(subnet)[0]
    available = len(network_state.usable_hosts(network)) - in_use
    if addresses_needed > available:
        raise bad_request("InsufficientSubnetSize", INSUFFICIENT_SUBNET.format(
            needed=addresses_needed, available=available, cidr=str(network), name=subnet["name"]))


def require_subnet(tx, subnet_id: str, pool: str) -> dict:
    subnet = tx.get(subnet_id)
    if subnet is None:
        raise bad_request("InvalidParameter", SUBNET_NOT_FOUND.format(subnet=subnet_id, pool=pool))
    return subnet


def check_unchanged(existing: dict, requested: dict, paths: tuple[str, ...]) -> None:
    """Properties AKS fixes at creation (dnsPrefix, network settings, …)."""
    for path in paths:
        before, after = _at(existing, path), _at(requested, path)
        if after is not None and before is not None and str(after).lower() != str(before).lower():
            raise bad_request("PropertyChangeNotAllowed", PROPERTY_CHANGE.format(name=path.split(".")[-1]))


def _at(body: dict, path: str):
    for key in path.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


def identity_error(identity_id: str) -> ArmError:
    return bad_request("InvalidParameter", IDENTITY_NOT_FOUND.format(id=identity_id))
