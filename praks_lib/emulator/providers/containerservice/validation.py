"""What AKS refuses when a managed cluster is created or updated: Azure's codes and messages.

Every check runs before anything is written, so a refused request leaves nothing behind (the
store transaction is rolled back with the error). Messages marked *reconstructed* are written from
memory of real errors where no recording was available; the codes are Azure's.
"""
from __future__ import annotations

import ipaddress
import re

from praks_lib.azure import cni, facts, vm_sizes
from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import ArmError, NotEmulated, bad_request, catalog_error
from praks_lib.emulator.providers.authorization.permissions import has_permission, missing_permissions
from praks_lib.emulator.providers.containerregistry import REGISTRY_TYPE
from praks_lib.emulator.world import network_state

NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")
DNS_PREFIX = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,52}[A-Za-z0-9])?$")
_AKS = facts.load("aks")
NODE_GROUP_MAX = _AKS["names"]["node_resource_group_max"]
# Ranges AKS keeps for itself (service CIDR must avoid them).
RESERVED_SERVICE_RANGES = tuple(_AKS["network_profile"]["reserved_ranges"])
RESERVED_POD_RANGES = tuple(_AKS["network_profile"]["reserved_pod_ranges"])
VNET_INTEGRATION = _AKS["api_server_vnet_integration"]
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
SERVICE_CIDR_RESERVED = "The specified service CIDR {cidr} overlaps {reserved}, a range reserved by AKS."
# Azure's code and text (seen in real 400 answers).
ROUTE_TABLE_PERMISSION = ("Managed identity or service principle must be given permission to read and write to custom "
                          "route table {table}. Please see https://aka.ms/aks/customrt for more information")
# Reconstructed (ARM's linked-authorization wording applied to the cluster identity): AKS joins the
# nodes to a bring-your-own subnet with the cluster identity, which needs subnets/join/action there.
SUBNET_PERMISSION = ("The cluster identity with object id '{principal}' does not have permission to perform action "
                     "'{action}' on the linked scope(s) '{subnet}'. Assign it Network Contributor on the subnet "
                     "(https://aka.ms/aks/byo-vnet) and retry.")
SUBNET_NOT_FOUND = "Subnet {subnet} referenced by agent pool {pool} was not found."  # reconstructed
PROPERTY_CHANGE = "Changing property '{name}' is not allowed."
ISOLATED = _AKS["network_isolated"]
# The MSI provider's operation for assigning a user-assigned identity (Managed Identity Operator grants it).
ASSIGN_IDENTITY_ACTION = "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"
MANAGED_REGISTRY_NOT_EMULATED = ("praks emulator: an AKS-managed registry for a network isolated cluster (bootstrapProfile "
                                 "without containerRegistryId) is not emulated; bring your own Premium registry and "
                                 "name it in containerRegistryId.")
IDENTITY_NOT_FOUND = ("Reading managed identity {id} failed: the identity was not found. Create it first or fix "
                      "identity.userAssignedIdentities.")  # reconstructed


def check_names(name: str, dns_prefix: str, node_group: str) -> None:
    if not NAME.match(name):
        raise bad_request("InvalidParameter", INVALID_PARAMETER.format(name="resourceName", rule=NAME_RULE))
    if not DNS_PREFIX.match(dns_prefix):
        raise bad_request("InvalidParameter", INVALID_PARAMETER.format(name="dnsPrefix", rule=DNS_PREFIX_RULE))
    if len(node_group) > NODE_GROUP_MAX:
        raise catalog_error("node_resource_group_too_long", max_length=NODE_GROUP_MAX, length=len(node_group),
                      name=node_group)


def check_service_network(tx, network: dict, subnet: dict | None) -> None:
    """The service CIDR stays clear of the cluster's VNet, its peers and AKS's own ranges; the DNS
    service IP sits inside it."""
    cidr = ipaddress.ip_network(network["serviceCidr"], strict=False)
    for reserved in RESERVED_SERVICE_RANGES:
        if cidr.overlaps(ipaddress.ip_network(reserved)):
            raise bad_request("ServiceCidrOverlapExistingSubnetsCidr",
                              SERVICE_CIDR_RESERVED.format(cidr=network["serviceCidr"], reserved=reserved))
    if (prefix := _overlapping_subnet(tx, subnet, cidr)) is not None:
        raise catalog_error("service_cidr_overlaps_subnet", cidr=network["serviceCidr"], subnet=str(prefix))
    dns_ip = ipaddress.ip_address(network["dnsServiceIP"])
    if dns_ip not in cidr:
        raise catalog_error("dns_service_ip_outside", ip=network["dnsServiceIP"], cidr=network["serviceCidr"])


def _overlapping_subnet(tx, node_subnet: dict | None, cidr):
    """The first address prefix of a subnet in the nodes' VNet that overlaps `cidr` (AKS checks subnets,
    not the VNet's whole address space), or None."""
    if node_subnet is None:
        return None
    vnet_id = str(ResourceId.parse(node_subnet["id"]).parent)
    for other in tx.children(vnet_id, network_state.SUBNET_TYPE):
        for prefix in network_state.subnet_networks(other):
            if prefix.version == cidr.version and prefix.overlaps(cidr):
                return prefix
    return None


def check_user_defined_routing(tx, subnet: dict) -> dict:
    """outboundType userDefinedRouting: the subnet's route table sends 0.0.0.0/0 to an appliance
    or a gateway. Returns the route table."""
    table = network_state.route_table_of(tx, subnet)
    if table is None:
        raise catalog_error("route_table_not_associated", subnet=subnet["id"])
    default = [r for r in table["properties"]["routes"] if r["properties"].get("addressPrefix") == "0.0.0.0/0"]
    if not default:
        raise catalog_error("default_route_missing")
    next_hop = default[0]["properties"].get("nextHopType")
    if next_hop not in UDR_NEXT_HOPS:
        raise catalog_error("default_route_invalid_next_hop", next_hop=next_hop)
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


PRIVATE_ZONE_NAME = r"(?:[a-zA-Z0-9-]{{1,32}}\.)?(?:private|privatelink)\.{region}\.azmk8s\.io"
ZONE_ACTIONS = ("Microsoft.Network/privateDnsZones/read", "Microsoft.Network/privateDnsZones/write")


def check_private_dns_zone(tx, zone_id: str, location: str, principal_id: str, identity_type: str) -> dict:
    """A custom private DNS zone for the API server: it exists, is named as AKS requires, the cluster
    has a user-assigned identity, and that identity may read and write the zone. Returns the zone."""
    region = location.replace(" ", "").lower()
    try:
        rid = ResourceId.parse(zone_id)
    except ValueError:
        rid = None
    zone = tx.get(zone_id) if rid else None
    named = rid is not None and re.fullmatch(PRIVATE_ZONE_NAME.format(region=re.escape(region)), rid.name, re.I)
    if zone is None or not named:
        raise catalog_error("private_dns_zone_name_invalid", region=region)
    if identity_type != "UserAssigned":
        raise catalog_error("private_dns_zone_needs_user_assigned_identity", zone=zone_id)
    if missing_permissions(tx, principal_id, [(action, zone_id) for action in ZONE_ACTIONS]):
        raise catalog_error("private_dns_zone_permission", zone=zone_id)
    return zone


def check_pool_size(pool: dict, location: str) -> None:
    """A size Azure offers, and for a system pool one with at least 2 vCPU and 4 GiB."""
    size = vm_sizes.find(pool["vmSize"])
    if size is None:
        raise catalog_error("agent_pool_vm_size_not_allowed", pool=pool["name"], location=location)
    if pool.get("mode", "System") == "System" and not size.fits_system_pool:
        raise catalog_error("system_pool_vm_too_small", pool=pool["name"])


def check_subnet_capacity(subnet: dict, addresses_needed: int, in_use: int) -> None:
    """Azure CNI pre-allocates every node's pod addresses in the subnet when the pool is created."""
    network = network_state.subnet_networks(subnet)[0]
    available = len(network_state.usable_hosts(network)) - in_use
    if addresses_needed > available:
        raise catalog_error("insufficient_subnet_size", needed=addresses_needed, available=available, cidr=str(network),
                      name=subnet["name"])


def check_pod_cidr_capacity(network: dict, nodes: int) -> None:
    """CNI Overlay gives each node a block of the pod CIDR when the pool is created."""
    pods = ipaddress.ip_network(network["podCidr"], strict=False)
    needed = cni.pod_cidr_addresses(nodes)
    if needed > pods.num_addresses:
        raise catalog_error("insufficient_subnet_size", needed=needed, available=pods.num_addresses, cidr=str(pods),
                            name="networkProfile.podCIDR")


def check_pod_cidr(tx, network: dict, subnet: dict | None) -> None:
    """CNI Overlay: the pod CIDR stays clear of AKS's reserved ranges, the service CIDR and every
    subnet of the cluster's VNet (AKS checks the subnets, not the VNet's whole address space)."""
    pods = ipaddress.ip_network(network["podCidr"], strict=False)
    for reserved in RESERVED_POD_RANGES:
        if pods.overlaps(ipaddress.ip_network(reserved)):
            raise catalog_error("pod_cidr_reserved", cidr=network["podCidr"], reserved=reserved)
    if pods.overlaps(ipaddress.ip_network(network["serviceCidr"], strict=False)):
        raise catalog_error("pod_cidr_overlaps_service_cidr", pod_cidr=network["podCidr"],
                            service_cidr=network["serviceCidr"])
    if (prefix := _overlapping_subnet(tx, subnet, pods)) is not None:
        raise catalog_error("pod_cidr_overlaps_subnet", cidr=network["podCidr"], subnet=str(prefix))


def check_api_server_subnet(tx, access: dict, node_subnet: dict | None, principal_id: str) -> dict | None:
    """API Server VNet Integration: the API server subnet is given (with a bring-your-own VNet), exists,
    is in the nodes' VNet, is delegated to AKS, holds nothing but AKS API servers' load balancers, is
    /28 or larger, and the cluster identity may join it.
    Returns the subnet (None on an AKS-managed VNet, which is not emulated further)."""
    subnet_id = access.get("subnetId")
    if not subnet_id:
        if node_subnet is not None:
            raise catalog_error("apiserver_subnet_required")
        return None
    subnet = tx.get(subnet_id)
    if subnet is None or subnet.get("type", "").lower() != network_state.SUBNET_TYPE.lower():
        raise catalog_error("apiserver_subnet_not_found", subnet=subnet_id)
    if node_subnet is not None and not same_id(str(ResourceId.parse(subnet["id"]).parent),
                                               str(ResourceId.parse(node_subnet["id"]).parent)):
        raise catalog_error("apiserver_subnet_other_vnet", subnet=subnet["id"], node_subnet=node_subnet["id"])
    delegations = subnet["properties"].get("delegations") or []
    if not any((d.get("properties") or {}).get("serviceName", "").lower() == VNET_INTEGRATION["delegation"].lower()
               for d in delegations):
        raise catalog_error("apiserver_subnet_not_delegated", subnet=subnet["id"])
    used = network_state.addresses_in_use(tx, subnet["id"])  # NICs (VMs, private endpoints), firewalls
    if used:
        raise catalog_error("apiserver_subnet_in_use", subnet=subnet["id"], used=next(iter(used.values())))
    network = network_state.subnet_networks(subnet)[0]
    if network.prefixlen > VNET_INTEGRATION["smallest_subnet_prefix"]:
        raise catalog_error("apiserver_subnet_too_small", subnet=subnet["id"], prefix=str(network))
    if principal_id:
        missing = missing_permissions(tx, principal_id, [(action, subnet["id"]) for action in SUBNET_ACTIONS])
        if missing:
            raise catalog_error("apiserver_subnet_permission", principal=principal_id, action=missing[0][0],
                                subnet=subnet["id"])
    return subnet


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


def check_bootstrap(tx, network: dict, bootstrap: dict, version: str) -> dict | None:
    """Where the nodes get their artifacts: outbound type none needs the registry cache; the cache needs
    Kubernetes 1.30 or later, a plugin other than kubenet and an existing Premium registry. Returns the
    registry (None: Microsoft Artifact Registry, directly)."""
    source = bootstrap.get("artifactSource") or "Direct"
    if network["outboundType"] == "none" and source != "Cache":
        raise catalog_error("outbound_none_needs_cache")
    if source != "Cache":
        return None
    if network["networkPlugin"] in ISOLATED["unsupported_network_plugins"]:
        raise catalog_error("network_isolated_kubenet")
    minimum = tuple(map(int, ISOLATED["minimum_version"].split(".")))
    if tuple(map(int, version.split(".")[:2])) < minimum:
        raise catalog_error("network_isolated_needs_version", version=version)
    registry_id = bootstrap.get("containerRegistryId")
    if not registry_id:
        raise NotEmulated(MANAGED_REGISTRY_NOT_EMULATED)
    registry = tx.get(registry_id)
    if registry is None or registry["type"].lower() != REGISTRY_TYPE.lower():
        raise catalog_error("bootstrap_registry_not_found", registry=registry_id)
    if registry["sku"]["name"] != ISOLATED["registry_sku"]:
        raise catalog_error("bootstrap_registry_not_premium", registry=registry["id"], sku=registry["sku"]["name"])
    return registry


def check_kubelet_identity(tx, profile: dict, principal_id: str) -> dict:
    """A bring-your-own kubelet identity: it exists and the cluster identity may assign it (Managed
    Identity Operator on it). Returns ``identityProfile.kubeletidentity`` as AKS shows it."""
    identity_id = ((profile or {}).get("kubeletidentity") or {}).get("resourceId")
    found = tx.get(identity_id) if identity_id else None
    if found is None:
        raise identity_error(identity_id)
    if not has_permission(tx, principal_id, ASSIGN_IDENTITY_ACTION, found["id"]):
        raise catalog_error("kubelet_identity_not_assignable")
    return {"resourceId": found["id"], "clientId": found["properties"]["clientId"],
            "objectId": found["properties"]["principalId"]}
