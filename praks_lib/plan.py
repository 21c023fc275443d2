"""Address plan and naming checks: what Azure would reject, found before anything is created.

Each check is a small function from a Deployment to findings; check_plan runs them all. Where
Azure has an error code for the mistake, the finding carries that code and Azure's wording with the
values filled in, so a reader meets the real error here first. praks's own codes start with
"Praks". Warnings are plans Azure accepts but that defeat this runbook's lockdown.

Fixes are computed together, not one finding at a time: one mistake (a spoke moved onto the hub)
makes others follow (its subnets now outside it), and fixing each alone would collide. check_plan
repairs the plan the way a person would — the first cause first, then looks again — so the
findings come cause first, a follow-on finding says what it follows from, and applying every
suggested value (:func:`suggested_values`) leaves a plan without errors.
"""
from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network
from typing import Any, NamedTuple
from urllib.parse import urlparse

from praks_lib.azure import clock, cni, facts, kubernetes_versions, regions, ssh_keys, vm_sizes
from praks_lib.azure.ids import resource_id
from praks_lib.azure.messages import azure_error
from praks_lib.azure.names import NAME_RULES
from praks_lib.deployment import Deployment, Subnet, VirtualNetwork
from praks_lib.errors import Finding, RuleSetError
from praks_lib.firewall import Flow, evaluate
from praks_lib.firewall.addresses import parse_address

_NETWORK, _AKS = facts.load("network"), facts.load("aks")
_PROFILE = _AKS["network_profile"]
# AKS refuses these for the service, pod and cluster virtual network ranges.
AKS_RESERVED_RANGES = tuple(IPv4Network(r) for r in _PROFILE["reserved_ranges"])
# Where private address plans live: RFC 1918 and the shared address space (RFC 6598).
PRIVATE_RANGES = tuple(IPv4Network(r) for r in _NETWORK["private_ranges"])
AZURE_RESERVED_PER_SUBNET = _NETWORK["subnet"]["reserved_addresses"]
AZURE_SMALLEST_SUBNET = _NETWORK["subnet"]["smallest_prefix"]
FIREWALL_SUBNET_NAME = _NETWORK["firewall"]["subnet_name"]
FIREWALL_SUBNET_LARGEST_PREFIX = _NETWORK["firewall"]["largest_subnet_prefix"]
# Names Azure gives special meaning; a subnet for anything else must not use them.
SPECIAL_SUBNET_NAMES = tuple(_NETWORK["subnet"]["special_names"])
AZURE_CNI_MAX_PODS = cni.MAX_PODS["azure"]  # AKS's default max pods per node with Azure CNI (flat)
DEFAULT_POD_CIDR = IPv4Network(_PROFILE["pod_cidr"])  # AKS's own default for overlay
NODE_RESOURCE_GROUP_MAX = _AKS["names"]["node_resource_group_max"]
SERVICE_CIDR_LARGEST_PREFIX = _PROFILE["service_cidr_smaller_than_prefix"]  # the service CIDR must be smaller
# Offline (or before a subscription is chosen) a planned resource's id has this in place of the subscription.
SUBSCRIPTION_PLACEHOLDER = "<subscription-id>"


# --- helpers ---------------------------------------------------------------------------------------

class _Issue(NamedTuple):
    """A finding and the values that fix it (dotted field → value; empty when none can be computed)."""

    finding: Finding
    repair: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.finding.code, self.finding.field


def _shown(value: Any) -> str:
    """A value as a parameter file writes it (flow YAML for a block)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return '""' if value == "" else value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)


def _set(field: str, value: Any) -> str:
    return f"set {field} to {_shown(value)}"


def _issue(severity: str, code: str, field: str, message: str, fix: str, repair: dict[str, Any] | None = None) -> _Issue:
    return _Issue(Finding(severity, code, field, message, fix), repair or {})


def _vnets(d: Deployment) -> list[tuple[str, VirtualNetwork]]:
    return [("network.hub", d.network.hub), ("network.spoke", d.network.spoke)]


def _subnets(path: str, vnet: VirtualNetwork) -> list[tuple[str, Subnet]]:
    """(field path, subnet) for each planned subnet of a VNet, in creation order."""
    return [(f"{path}.{field}", subnet) for field, subnet in vnet.subnet_fields()]


def _all_subnets(d: Deployment) -> Iterator[tuple[str, Subnet, VirtualNetwork]]:
    for path, vnet in _vnets(d):
        for subnet_path, subnet in _subnets(path, vnet):
            yield subnet_path, subnet, vnet


def _pod_cidr(d: Deployment) -> IPv4Network | None:
    return IPv4Network(d.aks.pod_cidr) if d.aks.pod_cidr else None


def _address_ranges(d: Deployment) -> list[tuple[str, IPv4Network]]:
    """Every range of the plan that must be unique: both VNets, the service CIDR, the pod CIDR."""
    ranges = [(f"{path}.address_space", vnet.network) for path, vnet in _vnets(d)]
    ranges.append(("aks.service_cidr", IPv4Network(d.aks.service_cidr)))
    if (pods := _pod_cidr(d)) is not None:
        ranges.append(("aks.pod_cidr", pods))
    return ranges


def free_prefix(within: IPv4Network, prefixlen: int, taken: Iterable[IPv4Network]) -> IPv4Network | None:
    """The first /prefixlen block inside `within` that overlaps nothing in `taken`."""
    if prefixlen < within.prefixlen:
        return None
    taken = list(taken)
    for candidate in itertools.islice(within.subnets(new_prefix=prefixlen), 1 << 16):
        if not any(candidate.overlaps(t) for t in taken):
            return candidate
    return None


def _free_private_prefix(prefixlen: int, taken: Iterable[IPv4Network]) -> IPv4Network | None:
    """A free block in the private ranges, clear of AKS's reserved ranges too."""
    taken = [*taken, *AKS_RESERVED_RANGES]
    for space in PRIVATE_RANGES[:3]:
        if (found := free_prefix(space, prefixlen, taken)) is not None:
            return found
    return None


def _free_subnet_fix(field: str, vnet_path: str, vnet: VirtualNetwork, subnet: Subnet, prefixlen: int,
                     others: Iterable[Subnet]) -> tuple[str, dict[str, Any]]:
    """A free prefix for a subnet inside its VNet (growing it in place when that fits): (fix, repair)."""
    taken = [o.network for o in others if o is not subnet]
    in_place = (subnet.network.supernet(new_prefix=prefixlen) if prefixlen <= subnet.network.prefixlen
                else None)
    if in_place and in_place.subnet_of(vnet.network) and not any(in_place.overlaps(t) for t in taken):
        found = in_place
    else:
        found = free_prefix(vnet.network, prefixlen, taken)
    if found is not None:
        return f"{_set(field, str(found))} (free inside {vnet.address_space})", {field: str(found)}
    return f"enlarge {vnet_path}.address_space or choose a smaller {field}", {}


# --- checks ----------------------------------------------------------------------------------------

def _check_location(d: Deployment) -> Iterator[_Issue]:
    if regions.canonical(d.location):
        return
    close = regions.closest(d.location)
    suggestion = f"set location to '{close}'" if close else "set location to a region's programmatic name"
    error = regions.not_available(d.location)
    yield _issue("error", error.code, "location", error.message,
                 f"{suggestion} (az account list-locations --query [].name -o tsv)",
                 {"location": close} if close else None)


def _named_resources(d: Deployment) -> list[tuple[str, str, str]]:
    """(field, value, rule kind) for every name the runbook gives a resource."""
    names = [
        ("resource_groups.kube", d.resource_groups.kube, "resource group"),
        ("resource_groups.network", d.resource_groups.network, "resource group"),
        ("network.hub_to_spoke_peering", d.network.hub_to_spoke_peering, "virtual network peering"),
        ("network.spoke_to_hub_peering", d.network.spoke_to_hub_peering, "virtual network peering"),
        ("firewall.name", d.firewall.name, "firewall"),
        ("firewall.public_ip_name", d.firewall.public_ip_name, "public IP address"),
        ("route.table_name", d.route.table_name, "route table"),
        ("route.route_name", d.route.route_name, "route"),
        ("aks.name", d.aks.name, "managed cluster"),
        ("aks.dns_prefix", d.aks.dns_prefix, "DNS prefix"),
        ("aks.identity.name", d.aks.identity.name, "user-assigned identity"),
    ]
    for path, vnet in _vnets(d):
        names.append((f"{path}.name", vnet.name, "virtual network"))
        names.extend((f"{subnet_path}.name", subnet.name, "subnet") for subnet_path, subnet in _subnets(path, vnet))
    for key in ("firewall_workspace", "cluster_workspace"):
        workspace = getattr(d.monitoring, key)
        names.append((f"monitoring.{key}.name", workspace.name, "Log Analytics workspace"))
        names.append((f"monitoring.{key}.group", workspace.group, "resource group"))
    return names


def _check_names(d: Deployment) -> Iterator[_Issue]:
    for field, value, kind in _named_resources(d):
        rule = NAME_RULES[kind]
        if (problem := rule.problem(value)) is None:
            continue
        suggestion = rule.suggest(value)
        fix = (f"set {field} to '{suggestion}'" if suggestion
               else f"make {field} {rule.min_length}–{rule.max_length} characters of {rule.described}")
        yield _issue("error", rule.azure_code or "PraksInvalidName", field, problem, fix,
                     {field: suggestion} if suggestion else None)


def _check_node_resource_group(d: Deployment) -> Iterator[Finding]:
    name = d.node_resource_group
    if len(name) <= NODE_RESOURCE_GROUP_MAX:
        return
    over = len(name) - NODE_RESOURCE_GROUP_MAX
    error = azure_error("node_resource_group_too_long", max_length=NODE_RESOURCE_GROUP_MAX, length=len(name),
                        name=name)
    shorter = d.aks.name[:len(d.aks.name) - over].rstrip("_-")
    usable = len(shorter) > 0 and NAME_RULES["managed cluster"].problem(shorter) is None
    yield _issue("error", error.code, "aks.name", error.message,
                 f"shorten aks.name or resource_groups.kube by {over} characters in total "
                 f"(AKS names it MC_<resource group>_<cluster>_<location>)"
                 + (f": {_set('aks.name', shorter)}" if usable else ""), {"aks.name": shorter} if usable else None)


def _check_duplicate_names(d: Deployment) -> Iterator[Finding]:
    hub, spoke = d.network.hub, d.network.spoke
    if hub.name.lower() == spoke.name.lower():
        yield _issue("error", "PraksDuplicateName", "network.spoke.name",
                     f"The hub and the spoke virtual network are both named '{spoke.name}' in resource group "
                     f"'{d.resource_groups.network}': creating the spoke would overwrite the hub.",
                     f"set network.spoke.name to another name, e.g. '{spoke.name}-spoke'",
                     {"network.spoke.name": f"{spoke.name}-spoke"})
    for path, vnet in _vnets(d):
        seen: dict[str, str] = {}
        for subnet_path, subnet in _subnets(path, vnet):
            key = subnet.name.lower()  # Azure compares names case-insensitively
            if key in seen:
                yield Finding("error", "PraksDuplicateName", f"{subnet_path}.name",
                              f"Subnets {seen[key]} and {subnet_path} are both named '{subnet.name}' in virtual "
                              f"network '{vnet.name}': the second would overwrite the first.",
                              f"give {subnet_path}.name a name of its own")
            seen.setdefault(key, subnet_path)


def planned_id(d: Deployment, group: str, provider_type: str, *names: str) -> str:
    """The id a planned resource will have: Azure's messages name resources by id."""
    return resource_id(d.backend.subscription_id or SUBSCRIPTION_PLACEHOLDER, group, provider_type, *names)


def _check_firewall_subnet(d: Deployment) -> Iterator[Finding]:
    hub, subnet = d.network.hub, d.network.hub.firewall_subnet
    field = "network.hub.firewall_subnet"
    subnet_id = planned_id(d, d.resource_groups.network, "Microsoft.Network/virtualNetworks/subnets", hub.name,
                           subnet.name)
    firewall_id = planned_id(d, d.resource_groups.network, "Microsoft.Network/azureFirewalls", d.firewall.name)
    if subnet.name != FIREWALL_SUBNET_NAME:
        error = azure_error("firewall_subnet_name", subnet=subnet_id, firewall=firewall_id, name=subnet.name)
        yield _issue("error", error.code, f"{field}.name", error.message, _set(f"{field}.name", FIREWALL_SUBNET_NAME),
                     {f"{field}.name": FIREWALL_SUBNET_NAME})
    if subnet.network.prefixlen > FIREWALL_SUBNET_LARGEST_PREFIX:
        error = azure_error("firewall_subnet_too_small", subnet=subnet_id, firewall=firewall_id,
                            prefix=subnet.prefix)
        yield _issue("error", error.code, f"{field}.prefix", error.message,
                     *_free_subnet_fix(f"{field}.prefix", "network.hub", hub, subnet, FIREWALL_SUBNET_LARGEST_PREFIX,
                                       hub.subnets))


def _check_special_subnet_names(d: Deployment) -> Iterator[Finding]:
    for field, subnet, vnet in _all_subnets(d):
        if field in ("network.hub.firewall_subnet", "network.hub.firewall_management_subnet"):
            continue
        special = next((n for n in SPECIAL_SUBNET_NAMES if n.lower() == subnet.name.lower()), None)
        if special:
            yield Finding("error", "PraksReservedSubnetName", f"{field}.name",
                          f"'{subnet.name}' is a name Azure reserves for its own services ({special}); "
                          f"subnet {field} of '{vnet.name}' must not use it.",
                          f"set {field}.name to another name")


def _check_subnet_sizes(d: Deployment) -> Iterator[Finding]:
    for field, subnet, vnet in _all_subnets(d):
        if subnet.network.prefixlen > AZURE_SMALLEST_SUBNET:
            vnet_path = field.rsplit(".", 1)[0]
            yield _issue("error", "PraksSubnetTooSmall", f"{field}.prefix",
                         f"Subnet '{subnet.name}' ({subnet.prefix}) is smaller than /{AZURE_SMALLEST_SUBNET}, the "
                         f"smallest subnet Azure allows ({AZURE_RESERVED_PER_SUBNET} addresses of every subnet are "
                         "reserved by Azure).",
                         *_free_subnet_fix(f"{field}.prefix", vnet_path, vnet, subnet, AZURE_SMALLEST_SUBNET,
                                           vnet.subnets))


def _check_subnets_inside_vnets(d: Deployment) -> Iterator[Finding]:
    for path, vnet in _vnets(d):
        for field, subnet in _subnets(path, vnet):
            if not subnet.network.subnet_of(vnet.network):
                error = azure_error("subnet_outside_vnet", subnet=subnet.name, vnet=vnet.name)
                fix, repair = _free_subnet_fix(f"{field}.prefix", path, vnet, subnet,
                                               max(subnet.network.prefixlen, vnet.network.prefixlen), vnet.subnets)
                yield _issue("error", error.code, f"{field}.prefix", error.message,
                             f"{subnet.prefix} is not inside {vnet.address_space}: {fix}", repair)


def _check_subnet_overlaps(d: Deployment) -> Iterator[Finding]:
    for path, vnet in _vnets(d):
        created: list[Subnet] = []
        for field, subnet in _subnets(path, vnet):
            clash = next((c for c in created if c.network.overlaps(subnet.network)), None)
            if clash is not None:
                error = azure_error("subnets_overlap", subnet=subnet.name, vnet=vnet.name)
                fix, repair = _free_subnet_fix(f"{field}.prefix", path, vnet, subnet, subnet.network.prefixlen,
                                               vnet.subnets)
                yield _issue("error", error.code, f"{field}.prefix", error.message,
                             f"{subnet.prefix} overlaps '{clash.name}' {clash.prefix}: {fix}", repair)
            created.append(subnet)


def _check_vnet_overlap(d: Deployment) -> Iterator[Finding]:
    hub, spoke = d.network.hub, d.network.spoke
    if not hub.network.overlaps(spoke.network):
        return
    taken = [hub.network, IPv4Network(d.aks.service_cidr)] + ([p] if (p := _pod_cidr(d)) else [])
    found = _free_private_prefix(spoke.network.prefixlen, taken)
    fix = (_set("network.spoke.address_space", str(found)) if found
           else "give network.spoke.address_space a range that does not overlap the hub")
    vnets = d.resource_groups.network, "Microsoft.Network/virtualNetworks"
    error = azure_error("peering_address_spaces_overlap",
                        peering=planned_id(d, *vnets, hub.name) + f"/virtualNetworkPeerings/{d.network.hub_to_spoke_peering}",
                        local=planned_id(d, *vnets, hub.name), remote=planned_id(d, *vnets, spoke.name),
                        prefixes=f"{hub.address_space}, {spoke.address_space}")
    yield _issue("error", error.code, "network.spoke.address_space", error.message,
                 f"{hub.address_space} and {spoke.address_space} overlap: {fix}",
                 {"network.spoke.address_space": str(found)} if found else None)


def _check_reserved_ranges(d: Deployment) -> Iterator[Finding]:
    ranges = _address_ranges(d)
    for field, net in ranges:
        reserved = next((r for r in AKS_RESERVED_RANGES if net.overlaps(r)), None)
        if reserved is None:
            continue
        others = [other for f, other in ranges if f != field]
        found = _free_private_prefix(max(net.prefixlen, 8), others)
        yield _issue("error", "PraksReservedAddressRange", field,
                     f"{net} overlaps {reserved}: AKS clusters may not use 169.254.0.0/16, 172.30.0.0/16, "
                     "172.31.0.0/16 or 192.0.2.0/24 for the service, pod or virtual network address ranges.",
                     _set(field, str(found)) if found else f"choose {field} outside those ranges",
                     {field: str(found)} if found else None)


def _check_public_ranges(d: Deployment) -> Iterator[Finding]:
    for field, net in _address_ranges(d):
        if any(net.subnet_of(p) for p in PRIVATE_RANGES) or any(net.overlaps(r) for r in AKS_RESERVED_RANGES):
            continue
        yield Finding("warning", "PraksPublicAddressRange", field,
                      f"{net} is not a private range: the real hosts that own these addresses on the internet "
                      "become unreachable from the cluster.",
                      f"use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 for {field}")


def _service_cidr_issue(d: Deployment, service: IPv4Network, code: str, message: str) -> _Issue:
    taken = [vnet.network for _, vnet in _vnets(d)] + ([p] if (p := _pod_cidr(d)) else [])
    found = _free_private_prefix(max(service.prefixlen, SERVICE_CIDR_LARGEST_PREFIX + 4), taken)
    if found is None:
        return _issue("error", code, "aks.service_cidr", message, "choose aks.service_cidr outside every VNet")
    return _issue("error", code, "aks.service_cidr", message,
                  f"{_set('aks.service_cidr', str(found))} (and aks.dns_service_ip inside it)",
                  {"aks.service_cidr": str(found)})


def _check_service_cidr(d: Deployment) -> Iterator[Finding]:
    service = IPv4Network(d.aks.service_cidr)
    if service.prefixlen <= SERVICE_CIDR_LARGEST_PREFIX:
        yield _service_cidr_issue(d, service, "PraksServiceCidrTooLarge",
                                  f"The service CIDR {service} is too large: AKS needs it smaller than "
                                  f"/{SERVICE_CIDR_LARGEST_PREFIX}.")
    for _, vnet in _vnets(d):
        if not service.overlaps(vnet.network):
            continue
        subnet = next((s for s in vnet.subnets if s.network.overlaps(service)), None)
        if subnet is not None:
            error = azure_error("service_cidr_overlaps_subnet", cidr=service, subnet=subnet.prefix)
            yield _service_cidr_issue(d, service, error.code, error.message)
        else:
            yield _service_cidr_issue(d, service, "PraksServiceCidrOverlapsVnet",
                                      f"The service CIDR {service} overlaps the address space {vnet.address_space} of "
                                      f"virtual network '{vnet.name}'; cluster IPs there would shadow addresses in "
                                      "the network.")


def _check_dns_service_ip(d: Deployment) -> Iterator[Finding]:
    service, ip = IPv4Network(d.aks.service_cidr), IPv4Address(d.aks.dns_service_ip)
    usual = str(service.network_address + (10 if service.num_addresses > 10 else 2))
    fix, repair = _set("aks.dns_service_ip", usual), {"aks.dns_service_ip": usual}
    if ip not in service:
        error = azure_error("dns_service_ip_outside", ip=ip, cidr=service)
        yield _issue("error", error.code, "aks.dns_service_ip", error.message, fix, repair)
    elif ip == service.network_address:
        yield _issue("error", "PraksDnsServiceIpReserved", "aks.dns_service_ip",
                     f"The DNS service IP {ip} is the network address of service CIDR {service}.", fix, repair)
    elif ip == service.network_address + 1:
        yield _issue("error", "PraksDnsServiceIpReserved", "aks.dns_service_ip",
                     f"The DNS service IP {ip} is the first address of service CIDR {service}, which Kubernetes "
                     "gives to the kubernetes.default service.", fix, repair)


def _check_pod_cidr(d: Deployment) -> Iterator[Finding]:
    aks, pods = d.aks, _pod_cidr(d)
    needed = cni.pod_cidr_addresses(aks.node_pool.count)
    needed_len = 32 - math.ceil(math.log2(needed))
    taken = [vnet.network for _, vnet in _vnets(d)] + [IPv4Network(aks.service_cidr)]
    if aks.network_plugin_mode != "overlay":
        if pods is not None:
            yield _issue("error", "PraksPodCidrWithoutOverlay", "aks.pod_cidr",
                         f"pod_cidr {pods} is only used with network_plugin_mode: overlay; with Azure CNI (flat) "
                         "pods take their addresses from the AKS subnet.",
                         "remove aks.pod_cidr (set it to null), or set aks.network_plugin_mode: overlay",
                         {"aks.pod_cidr": None})
        return
    suggestion = (DEFAULT_POD_CIDR if not any(DEFAULT_POD_CIDR.overlaps(t) for t in taken)
                  else _free_private_prefix(min(16, needed_len), taken))
    repair = {"aks.pod_cidr": str(suggestion)} if suggestion else None
    if pods is None:
        yield _issue("error", "PraksPodCidrMissing", "aks.pod_cidr",
                     "Azure CNI Overlay gives pods addresses from aks.pod_cidr, which is not set; praks needs it "
                     "explicit to check it against the VNets and the service CIDR.",
                     f"set aks.pod_cidr to {suggestion}", repair)
        return
    # What AKS itself refuses: a subnet of the cluster's VNet (it checks subnets, not the address
    # space) or the service CIDR under the pod CIDR.
    spoke, service = d.network.spoke, IPv4Network(aks.service_cidr)
    subnet = next((s for s in spoke.subnets if s.network.overlaps(pods)), None)
    if subnet is not None:
        error = azure_error("pod_cidr_overlaps_subnet", cidr=pods, subnet=subnet.prefix)
        yield _issue("error", error.code, "aks.pod_cidr", error.message, f"set aks.pod_cidr to {suggestion}", repair)
    if pods.overlaps(service):
        error = azure_error("pod_cidr_overlaps_service_cidr", pod_cidr=pods, service_cidr=service)
        yield _issue("error", error.code, "aks.pod_cidr", error.message, f"set aks.pod_cidr to {suggestion}", repair)
    # What Azure accepts but breaks the design: the rest of a VNet's address space, the peered hub.
    ranges = [(f"{path}.address_space", vnet.network) for path, vnet in _vnets(d)
              if not (vnet is spoke and subnet is not None)]
    clashes = [f"{net} ({field})" for field, net in ranges if pods.overlaps(net)]
    if clashes:
        yield _issue("error", "PraksPodCidrOverlap", "aks.pod_cidr",
                     f"The pod CIDR {pods} overlaps {', '.join(clashes)}; pod traffic to those addresses would "
                     "never leave the node.",
                     f"set aks.pod_cidr to {suggestion}", repair)
    if needed > pods.num_addresses:
        error = azure_error("insufficient_subnet_size", needed=needed, available=pods.num_addresses,
                            cidr=pods, name="networkProfile.podCIDR")
        larger = (DEFAULT_POD_CIDR if DEFAULT_POD_CIDR.prefixlen <= needed_len and
                  not any(DEFAULT_POD_CIDR.overlaps(t) for t in taken) else _free_private_prefix(needed_len, taken))
        yield _issue("error", error.code, "aks.pod_cidr", error.message,
                     f"use a pod CIDR of /{needed_len} or larger for aks.pod_cidr (each node takes a /24)"
                     + (f": {_set('aks.pod_cidr', str(larger))}" if larger else ""),
                     {"aks.pod_cidr": str(larger)} if larger else None)


def _check_aks_subnet_capacity(d: Deployment) -> Iterator[Finding]:
    """Azure CNI (flat) reserves max-pods + 1 addresses per node in the AKS subnet up front."""
    subnet, overlay = d.network.spoke.aks_subnet, d.aks.network_plugin_mode == "overlay"
    nodes = d.aks.node_pool.count + cni.SURGE_NODES
    per_node = 1 if overlay else AZURE_CNI_MAX_PODS + 1
    needed = cni.subnet_addresses(d.aks.node_pool.count, AZURE_CNI_MAX_PODS, overlay)
    available = subnet.network.num_addresses - AZURE_RESERVED_PER_SUBNET
    if needed <= available:
        return
    needed_len = 32 - math.ceil(math.log2(needed + AZURE_RESERVED_PER_SUBNET))
    overlay = "" if overlay else (
        f", or set aks.network_plugin_mode: overlay with aks.pod_cidr {DEFAULT_POD_CIDR} (pods then take no "
        "subnet addresses)")
    error = azure_error("insufficient_subnet_size", needed=needed, available=available, cidr=subnet.prefix,
                        name=subnet.name)
    spoke, field = d.network.spoke, "network.spoke.aks_subnet.prefix"
    larger, repair = _free_subnet_fix(field, "network.spoke", spoke, subnet, needed_len, spoke.subnets)
    yield _issue("error", error.code, field, error.message,
                 f"{nodes} nodes including one upgrade surge node need {per_node} addresses each, a /{needed_len} or "
                 f"larger: {larger}; or lower aks.node_pool.count{overlay}", repair)


def _check_egress_route(d: Deployment) -> Iterator[Finding]:
    if d.aks.outbound_type == "none":
        return  # network-isolated: no egress path at all (_check_network_isolation)
    if d.aks.outbound_type != "userDefinedRouting":
        yield _issue("error", "PraksEgressBypassesFirewall", "aks.outbound_type",
                     f"outbound_type {d.aks.outbound_type} gives the cluster its own way out to the internet: its "
                     "egress would not pass the firewall, so the cluster would not be private and the lockdown "
                     "validation would fail after everything is built.",
                     "set aks.outbound_type to userDefinedRouting (egress through the firewall)",
                     {"aks.outbound_type": "userDefinedRouting"})
        return
    route = d.route
    if route.address_prefix != "0.0.0.0/0":
        error = azure_error("default_route_missing")
        yield _issue("error", error.code, "route.address_prefix", error.message,
                     f"the planned route covers only {route.address_prefix}: set route.address_prefix to 0.0.0.0/0",
                     {"route.address_prefix": "0.0.0.0/0"})
    if route.next_hop_type in ("Internet", "None"):
        error = azure_error("default_route_invalid_next_hop", next_hop=route.next_hop_type)
        yield _issue("error", error.code, "route.next_hop_type", error.message,
                     "set route.next_hop_type to VirtualAppliance (the firewall's private IP)",
                     {"route.next_hop_type": "VirtualAppliance"})
    elif route.next_hop_type == "VirtualNetworkGateway":
        yield Finding("warning", "PraksEgressBypassesFirewall", "route.next_hop_type",
                      "The default route sends egress to a virtual network gateway, not to the firewall.",
                      "set route.next_hop_type to VirtualAppliance")


def _check_private_cluster(d: Deployment) -> Iterator[Finding]:
    if not d.aks.private_cluster:
        yield Finding("warning", "PraksPublicApiServer", "aks.private_cluster",
                      "private_cluster is false: the API server gets a public endpoint, which this runbook exists "
                      "to avoid.",
                      "set aks.private_cluster to true")


def _check_rule_set(d: Deployment) -> Iterator[Finding]:
    """The rule set must load and fit the firewall it is deployed to."""
    if not d.firewall.enabled:
        return
    try:
        rules = d.rule_set()
    except RuleSetError as error:
        yield Finding("error", "PraksRuleSetInvalid", "firewall.rules", f"rule set '{d.firewall.rules}': {error}",
                      "name a file under parameters/firewall/ (least-privilege, seed-2020) or a path to one")
        return
    if rules.rule_collection_groups and d.firewall.rules_as == "classic":
        yield Finding("error", "PraksRuleSetNeedsPolicy", "firewall.rules",
                      f"rule set '{d.firewall.rules}' uses Firewall Policy rule collection groups, but "
                      "firewall.rules_as is classic.",
                      "set firewall.rules_as to policy, or write the rules as network_rule_collections / "
                      "application_rule_collections")
        return
    yield from _check_network_rule_fqdns(d, rules)
    subnet = IPv4Network(d.network.spoke.aks_subnet.prefix)
    sources = {spec for rule in rules.all_rules() for spec in rule.source_addresses}
    covered = any(parse_address(spec)[0] <= int(subnet.network_address) and
                  int(subnet.broadcast_address) <= parse_address(spec)[1] for spec in sources)
    if sources and not covered:
        yield Finding("error", "PraksRuleSetSourceMismatch", "firewall.rules",
                      f"no rule of rule set '{d.firewall.rules}' applies to traffic from the AKS subnet {subnet} (its "
                      f"rules name {', '.join(sorted(sources))}): the firewall would deny everything the cluster needs.",
                      f"set the rules' source_addresses to {subnet} (the AKS subnet), or choose a rule set written "
                      "for this address plan")
        return
    yield from _check_url_expectations(d, rules)


def _check_url_expectations(d: Deployment, rules) -> Iterator[Finding]:
    """The validation's allowed and denied URLs must agree with the rule set, or 07 fails by design."""
    source = str(IPv4Network(d.network.spoke.aks_subnet.prefix).network_address + 4)
    for field, urls, expected in (("validation.allowed_urls", d.validation.allowed_urls, "Allow"),
                                  ("validation.denied_urls", d.validation.denied_urls, "Deny")):
        for url in urls:
            parsed = urlparse(url)
            protocol = parsed.scheme.upper()
            port = parsed.port or (443 if protocol == "HTTPS" else 80)
            verdict = evaluate(rules, Flow(source, parsed.hostname, port, protocol))
            if verdict.action == expected:
                continue
            decided = (f"by rule {verdict.rule_collection}/{verdict.rule}" if verdict.action == "Allow"
                       else verdict.reason)
            yield _issue("error", "PraksValidationExpectationWrong", field,
                         f"{url} is expected to be {'allowed' if expected == 'Allow' else 'denied'}, but the rule set "
                         f"'{d.firewall.rules}' {'denies' if expected == 'Allow' else 'allows'} it ({decided}); "
                         "07_validate would fail on it after everything is built.",
                         f"remove {url} from {field}, or change the rule set so that it is "
                         f"{'allowed' if expected == 'Allow' else 'denied'}",
                         {field: [other for other in urls if other != url]})


def _check_kubernetes_version(d: Deployment) -> Iterator[Finding]:
    """A pinned version must be one AKS offers to new clusters today; empty means Azure's default."""
    today, version = clock.today(), d.aks.kubernetes_version
    if not version:
        return
    offered = ", ".join(m.version for m in kubernetes_versions.offered(today))
    default = kubernetes_versions.default(today)
    fix = (f"set aks.kubernetes_version to \"\" to take Azure's default ({default.version} on {today}), "
           f"or pin one of {offered}")
    minor = kubernetes_versions.find(version)
    newest = kubernetes_versions.newest_known()
    checked = facts.source("kubernetes-versions").checked
    if minor is None and kubernetes_versions.minor_of(version) and \
            tuple(map(int, kubernetes_versions.minor_of(version).split("."))) > newest.key:
        yield Finding("warning", "PraksKubernetesVersionUnknown", "aks.kubernetes_version",
                      f"Kubernetes {version} is newer than every version in praks's AKS calendar (checked {checked}); "
                      "praks cannot tell whether AKS offers it yet.", fix)
        return
    support = minor.support(today) if minor else "ended"
    if support == "lts-only":
        error = azure_error("k8s_version_lts_only", cluster=d.aks.name,
                            version=version if version.count(".") == 2 else minor.patch)
        yield _issue("error", error.code, "aks.kubernetes_version", error.message,
                     f"{minor.version} left community support on {minor.end_of_life} (LTS until {minor.lts_end}, "
                     f"which praks does not deploy): {fix}", {"aks.kubernetes_version": ""})
    elif support in ("ended", "not yet"):
        error = azure_error("k8s_version_not_supported", version=version)
        oldest = min(kubernetes_versions.minors(), key=lambda m: m.key)
        when = (f"{minor.version} reached its end of life on {minor.lts_end}" if minor and support == "ended"
                else f"{minor.version} is not GA before {minor.ga}" if minor
                else f"{version} is older than every version in AKS's calendar (the oldest listed, {oldest.version}, "
                     f"ended on {oldest.lts_end})")
        yield _issue("error", error.code, "aks.kubernetes_version", error.message, f"{when}: {fix}",
                     {"aks.kubernetes_version": ""})
    elif (minor.end_of_life - today).days <= kubernetes_versions.WARN_BEFORE_END_DAYS:
        yield Finding("warning", "PraksKubernetesVersionEndingSoon", "aks.kubernetes_version",
                      f"Kubernetes {minor.version} leaves AKS community support on {minor.end_of_life}, "
                      f"{(minor.end_of_life - today).days} days from {today}; new clusters cannot use it after that.",
                      fix)


def _check_facts_age(d: Deployment) -> Iterator[Finding]:
    """Azure changes monthly: say when praks's facts were checked too long ago to be trusted blindly."""
    today = clock.today()
    for source in facts.stale(today):
        yield Finding("warning", "PraksFactsStale", f"(facts: {source.subject})",
                      f"praks's facts on {source.subject} were last checked on {source.checked}, "
                      f"{source.age_days(today)} days before {today} (more than {facts.STALE_AFTER_DAYS}); Azure may "
                      "have changed since.",
                      f"re-check them against {source.where[0]} and update praks_lib/azure/data/{source.subject}.yaml "
                      "(or update praks)")


def _check_vm_sizes(d: Deployment) -> Iterator[Finding]:
    pool = d.aks.node_pool
    size = vm_sizes.find(pool.vm_size)
    if size is None:
        error = azure_error("agent_pool_vm_size_not_allowed", pool=pool.name, location=d.location)
        close = vm_sizes.closest(pool.vm_size, system_pool=True)
        yield _issue("error", error.code, "aks.node_pool.vm_size", error.message, vm_sizes.fix_for(
            "aks.node_pool.vm_size", pool.vm_size, system_pool=True),
            {"aks.node_pool.vm_size": close[0] if close else "Standard_D2s_v5"})
    elif not size.fits_system_pool:
        error = azure_error("system_pool_vm_too_small", pool=pool.name)
        fitting = (vm_sizes.smallest_fitting(size.series) or vm_sizes.find("Standard_D2s_v5")).name
        yield _issue("error", error.code, "aks.node_pool.vm_size", error.message,
                     f"{size.name} has {size.vcpus} vCPU and {size.memory_gib:g} GiB; a system pool needs at least "
                     f"{vm_sizes.SYSTEM_POOL_MINIMUM['vcpus']} vCPU and {vm_sizes.SYSTEM_POOL_MINIMUM['memory_gib']} "
                     f"GiB: set aks.node_pool.vm_size to {fitting}", {"aks.node_pool.vm_size": fitting})
    elif size.series in vm_sizes.NOT_FOR_SYSTEM_POOLS:
        yield Finding("warning", "PraksBurstableSystemPool", "aks.node_pool.vm_size",
                      f"{size.name} is a B-series (burstable) size, which AKS does not support for system node pools.",
                      "set aks.node_pool.vm_size to a D-series size such as Standard_D2s_v5")
    if vm_sizes.find(d.jumpbox.vm_size) is None:
        error = azure_error("vm_size_invalid", size=d.jumpbox.vm_size, sizes=",".join(vm_sizes.names()))
        close = vm_sizes.closest(d.jumpbox.vm_size)
        yield _issue("error", error.code, "jumpbox.vm_size", error.message,
                     vm_sizes.fix_for("jumpbox.vm_size", d.jumpbox.vm_size, usual="Standard_B2s"),
                     {"jumpbox.vm_size": close[0] if close else "Standard_B2s"})


def _check_ssh_key(d: Deployment) -> Iterator[Finding]:
    key = d.jumpbox.ssh_public_key
    if key is None:
        return
    problem = ssh_keys.problem(key)
    if problem:
        error = azure_error("vm_ssh_key_invalid")
        yield _issue("error", error.code, "jumpbox.ssh_public_key", error.message,
                     f"{problem}: paste the one-line public key (the .pub file, e.g. from ssh-keygen -t ed25519), "
                     "or leave jumpbox.ssh_public_key empty to reach the jumpbox through run command only",
                     {"jumpbox.ssh_public_key": None})


FIREWALL_TIERS = _NETWORK["firewall"]["tiers"]
MANAGEMENT_SUBNET_NAME = _NETWORK["firewall"]["management_subnet_name"]
MANAGEMENT_SUBNET_LARGEST_PREFIX = _NETWORK["firewall"]["management_largest_subnet_prefix"]
VNET_INTEGRATION = _AKS["api_server_vnet_integration"]
ISOLATED = _AKS["network_isolated"]


def _check_firewall_tier(d: Deployment) -> Iterator[Finding]:
    """What each tier needs: Basic a management subnet and no DNS proxy, Premium and Basic a policy."""
    fw, hub = d.firewall, d.network.hub
    if not fw.enabled:
        return
    tier = FIREWALL_TIERS[fw.sku_tier]
    if fw.rules_as == "classic" and not tier["classic_rules"]:
        error = azure_error("firewall_needs_policy", firewall=fw.name, tier=fw.sku_tier)
        yield _issue("error", error.code, "firewall.rules_as", error.message, "set firewall.rules_as to policy",
                     {"firewall.rules_as": "policy"})
    if fw.dns_proxy and not tier["dns_proxy"]:
        error = azure_error("firewall_policy_higher_tier_properties", policy=fw.policy_name,
                            properties="DNS Proxy and Custom DNS")
        yield _issue("error", error.code, "firewall.dns_proxy", error.message,
                     f"the {fw.sku_tier} tier has no DNS proxy: set firewall.dns_proxy to false (and use no FQDNs in "
                     "network rules), or set firewall.sku_tier to Standard", {"firewall.dns_proxy": False})
    management = hub.firewall_management_subnet
    if tier["management_ip_configuration"] == "required" and management is None:
        error = azure_error("firewall_management_ip_configuration", firewall=fw.name)
        taken = [s.network for s in hub.subnets]
        found = free_prefix(hub.network, MANAGEMENT_SUBNET_LARGEST_PREFIX, taken)
        yield _issue("error", error.code, "network.hub.firewall_management_subnet", error.message,
                     f"the {fw.sku_tier} tier routes its management traffic through a subnet named "
                     f"{MANAGEMENT_SUBNET_NAME} with a second public IP ({fw.management_public_ip_name}): set "
                     f"network.hub.firewall_management_subnet to {{name: {MANAGEMENT_SUBNET_NAME}, prefix: "
                     f"{found or f'a free /{MANAGEMENT_SUBNET_LARGEST_PREFIX} of the hub'}}}",
                     {"network.hub.firewall_management_subnet": {"name": MANAGEMENT_SUBNET_NAME, "prefix": str(found)}}
                     if found else None)
    if management is not None:
        if management.name != MANAGEMENT_SUBNET_NAME:
            error = azure_error("firewall_management_subnet_name", name=management.name)
            yield _issue("error", error.code, "network.hub.firewall_management_subnet.name", error.message,
                         f"set network.hub.firewall_management_subnet.name to {MANAGEMENT_SUBNET_NAME}",
                         {"network.hub.firewall_management_subnet.name": MANAGEMENT_SUBNET_NAME})
        if management.network.prefixlen > MANAGEMENT_SUBNET_LARGEST_PREFIX:
            error = azure_error("firewall_management_subnet_too_small", prefix=management.prefix,
                                largest_prefix=MANAGEMENT_SUBNET_LARGEST_PREFIX)
            yield _issue("error", error.code, "network.hub.firewall_management_subnet.prefix", error.message,
                         *_free_subnet_fix("network.hub.firewall_management_subnet.prefix", "network.hub", hub,
                                           management, MANAGEMENT_SUBNET_LARGEST_PREFIX, hub.subnets))


def _check_network_rule_fqdns(d: Deployment, rules) -> Iterator[Finding]:
    """FQDNs in network rules need the firewall's DNS proxy (and clients resolving through it)."""
    if d.firewall.dns_proxy:
        return
    grouped = (c for g in rules.rule_collection_groups for c in g.rule_collections)
    for collection in (*rules.network_rule_collections, *grouped):
        for rule in collection.rules:
            if getattr(rule, "destination_fqdns", ()):
                error = azure_error("firewall_dns_proxy_for_fqdns", rule=rule.name, collection=collection.name)
                yield Finding("error", error.code, "firewall.rules", error.message,
                              "turn on firewall.dns_proxy (Standard or Premium tier), or give the rule "
                              "destination_addresses instead of destination_fqdns")
                return


def _check_api_server_subnet(d: Deployment) -> Iterator[Finding]:
    subnet, field = d.network.spoke.apiserver_subnet, "network.spoke.apiserver_subnet"
    smallest = VNET_INTEGRATION["smallest_subnet_prefix"]
    if d.aks.api_server != "vnet_integration":
        if subnet is not None:
            yield Finding("warning", "PraksUnusedSubnet", field,
                          f"{field} is planned but aks.api_server is {d.aks.api_server}: the subnet stays empty.",
                          "remove it, or set aks.api_server to vnet_integration")
        return
    spoke = d.network.spoke
    if subnet is None:
        taken = [s.network for s in spoke.subnets]
        found = free_prefix(spoke.network, smallest, taken)
        yield _issue("error", "PraksApiServerSubnetMissing", field,
                     "API Server VNet Integration puts the API server's address in a subnet of the cluster's VNet "
                     f"delegated to {VNET_INTEGRATION['delegation']}; none is planned.",
                     f"set {field} to {{name: apiserver-subnet, prefix: "
                     f"{found or f'a free /{smallest} of the spoke'}}}",
                     {field: {"name": "apiserver-subnet", "prefix": str(found)}} if found else None)
    elif subnet.network.prefixlen > smallest:
        subnet_id = planned_id(d, d.resource_groups.network, "Microsoft.Network/virtualNetworks/subnets", spoke.name,
                               subnet.name)
        error = azure_error("apiserver_subnet_too_small", subnet=subnet_id, prefix=subnet.prefix)
        yield _issue("error", error.code, f"{field}.prefix", error.message,
                     *_free_subnet_fix(f"{field}.prefix", "network.spoke", spoke, subnet, smallest, spoke.subnets))


def _check_network_isolation(d: Deployment) -> Iterator[Finding]:
    aks, fw = d.aks, d.firewall
    if aks.outbound_type == "none" and aks.bootstrap_artifact_source != "Cache":
        error = azure_error("outbound_none_needs_cache")
        yield _issue("error", error.code, "aks.bootstrap_artifact_source", error.message,
                     "set aks.bootstrap_artifact_source to Cache (praks brings the registry cache), or "
                     "aks.outbound_type to userDefinedRouting", {"aks.bootstrap_artifact_source": "Cache"})
    if aks.bootstrap_artifact_source == "Cache":
        minimum = tuple(map(int, ISOLATED["minimum_version"].split(".")))
        minor = kubernetes_versions.minor_of(aks.kubernetes_version) if aks.kubernetes_version else None
        if minor and tuple(map(int, minor.split("."))) < minimum:
            error = azure_error("network_isolated_needs_version", version=aks.kubernetes_version)
            yield _issue("error", error.code, "aks.kubernetes_version", error.message,
                         f"set aks.kubernetes_version to \"\" (Azure's default) or {ISOLATED['minimum_version']} "
                         "or later", {"aks.kubernetes_version": ""})
        if not aks.private_cluster:
            yield _issue("error", "PraksIsolationNeedsPrivateCluster", "aks.private_cluster",
                         "A network-isolated cluster must be private (private link or API Server VNet Integration).",
                         "set aks.private_cluster to true", {"aks.private_cluster": True})
    if aks.outbound_type == "none" and d.validation.allowed_urls:
        yield _issue("error", "PraksIsolatedClusterReachesNothing", "validation.allowed_urls",
                     f"A network-isolated cluster has no way out, so {', '.join(d.validation.allowed_urls)} cannot "
                     "be reached; 07_validate proves that nothing leaves.",
                     "set validation.allowed_urls to [] (and list what must fail in validation.denied_urls)",
                     {"validation.allowed_urls": []})
    if not fw.enabled and aks.outbound_type != "none":
        yield _issue("error", "PraksNoFirewallNoEgress", "firewall.enabled",
                     f"firewall.enabled is false but outbound_type {aks.outbound_type} sends the cluster's egress to "
                     "a firewall: nothing would route it.",
                     "set firewall.enabled to true, or make the cluster network-isolated (outbound_type none, "
                     "bootstrap_artifact_source Cache)", {"firewall.enabled": True})


# Cause first: a virtual network's range decides where its subnets may go, the subnets decide what
# the cluster's ranges must avoid, and the rest follows. check_plan repairs in this order.
_CHECKS: tuple[Callable[[Deployment], Iterable[Finding | _Issue]], ...] = (
    _check_location,
    _check_names,
    _check_node_resource_group,
    _check_duplicate_names,
    _check_vnet_overlap,
    _check_reserved_ranges,
    _check_public_ranges,
    _check_firewall_subnet,
    _check_special_subnet_names,
    _check_subnets_inside_vnets,
    _check_subnet_overlaps,
    _check_subnet_sizes,
    _check_service_cidr,
    _check_dns_service_ip,
    _check_pod_cidr,
    _check_aks_subnet_capacity,
    _check_egress_route,
    _check_private_cluster,
    _check_rule_set,
    _check_firewall_tier,
    _check_api_server_subnet,
    _check_network_isolation,
    _check_kubernetes_version,
    _check_vm_sizes,
    _check_ssh_key,
    _check_facts_age,
)
REPAIR_STEPS = 40  # more than any plan needs; a repair that undid another would otherwise loop


def _issues(d: Deployment) -> list[_Issue]:
    return [item if isinstance(item, _Issue) else _Issue(item, {}) for check in _CHECKS for item in check(d)]


def _repaired(d: Deployment, repair: dict[str, Any]) -> Deployment | None:
    """The deployment with the repair's values set, or None when they do not make a valid one."""
    data = d.model_dump(mode="json")
    for field, value in repair.items():
        *parents, leaf = field.split(".")
        block = data
        for part in parents:
            block = block.setdefault(part, {})
        block[leaf] = copy.deepcopy(value)
    try:
        return Deployment.model_validate(data, context={"source_dir": d.source_dir})
    except ValueError:  # pydantic's ValidationError: the repair does not fit the model
        return None


@dataclass(frozen=True)
class _Step:
    """One repair of the plan: the issue it fixed (as the plan stood then) and what was left after it."""

    issue: _Issue
    left: frozenset[tuple[str, str]]


def _repair_steps(d: Deployment, found: list[_Issue]) -> list[_Step]:
    """Repair the plan as a person would: the first error (in cause order) that has a value, then look again.

    ``found`` are the issues of ``d``; each plan's issues are computed once (all the checks run each time)."""
    steps: list[_Step] = []
    tried: set[tuple[str, str]] = set()
    current = d
    for _ in range(REPAIR_STEPS):
        pending = [i for i in found if i.finding.severity == "error" and i.repair and i.key not in tried]
        if not pending:
            break
        issue = pending[0]
        tried.add(issue.key)
        repaired = _repaired(current, issue.repair)
        if repaired is None:
            continue
        current, found = repaired, _issues(repaired)
        steps.append(_Step(issue, frozenset(i.key for i in found)))
    return steps


def suggested_values(deployment: Deployment) -> dict[str, Any]:
    """Every value the findings suggest, computed together: set them all and the plan has no errors
    that a value can fix (dotted field → value; None means "remove it")."""
    values: dict[str, Any] = {}
    for step in _repair_steps(deployment, _issues(deployment)):
        values.update(step.issue.repair)
    return values


def check_plan(deployment: Deployment) -> list[Finding]:
    """Every finding about the deployment's address plan and names, cause first.

    A finding fixed by repairing an earlier one says so ("follows from …"); a value the earlier
    repair makes necessary elsewhere (the DNS service IP inside a moved service CIDR) is added to
    that repair's fix, so the fixes read together are one consistent plan.
    """
    found = _issues(deployment)
    listed = {issue.key for issue in found}
    ordered: list[Finding] = []
    fixes: dict[tuple[str, str], str] = {}
    also: dict[tuple[str, str], list[str]] = {}
    remaining = list(found)
    cause: tuple[str, str] | None = None
    for step in _repair_steps(deployment, found):
        key = step.issue.key
        if key not in listed:  # made necessary by an earlier repair: part of that repair's fix
            if cause is not None:
                also[cause] += [f"{field} to {_shown(value)}" for field, value in step.issue.repair.items()]
            continue
        cause, fixes[key], also[key] = key, step.issue.finding.fix, []
        own = [i for i in remaining if i.key == key]
        follows = [i for i in remaining if i.key != key and i.key not in step.left]
        ordered += [i.finding for i in own]
        setting = " and ".join(f"{field} to {_shown(value)}" for field, value in step.issue.repair.items())
        ordered += [replace(i.finding, fix=f"follows from {step.issue.finding.field}: setting {setting} fixes this "
                                           "too") for i in follows]
        remaining = [i for i in remaining if i not in own and i not in follows]
    ordered += [i.finding for i in remaining]
    for key, more in also.items():
        if more:
            fixes[key] += "; then also set " + " and ".join(more)
    return [replace(f, fix=fixes[(f.code, f.field)]) if (f.code, f.field) in fixes else f for f in ordered]
