"""Address plan and naming checks: what Azure would reject, found before anything is created.

Each check is a small function from a Deployment to findings; check_plan runs them all. Where
Azure has an error code for the mistake, the finding carries that code and Azure's wording with the
values filled in, so a reader meets the real error here first. praks's own codes start with
"Praks". Warnings are plans Azure accepts but that defeat this runbook's lockdown.
"""
from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from praks_lib.deployment import Deployment, Subnet, VirtualNetwork
from praks_lib.errors import Finding, RuleSetError
from praks_lib.firewall import load_rule_set

# AKS refuses these for the service, pod and cluster virtual network ranges.
AKS_RESERVED_RANGES = tuple(IPv4Network(r) for r in ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16",
                                                      "192.0.2.0/24"))
# Where private address plans live: RFC 1918 and the shared address space (RFC 6598).
PRIVATE_RANGES = tuple(IPv4Network(r) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
AZURE_RESERVED_PER_SUBNET = 5  # network, gateway, two DNS, broadcast
AZURE_SMALLEST_SUBNET = 29
FIREWALL_SUBNET_NAME = "AzureFirewallSubnet"
FIREWALL_SUBNET_LARGEST_PREFIX = 26
# Names Azure gives special meaning; a subnet for anything else must not use them.
SPECIAL_SUBNET_NAMES = ("AzureFirewallSubnet", "AzureFirewallManagementSubnet", "GatewaySubnet",
                        "AzureBastionSubnet", "RouteServerSubnet")
AZURE_CNI_MAX_PODS = 30  # AKS's default max pods per node with Azure CNI (flat)
OVERLAY_NODE_BLOCK = 256  # Azure CNI Overlay gives each node a /24 from the pod CIDR
DEFAULT_POD_CIDR = IPv4Network("10.244.0.0/16")  # AKS's own default for overlay
NODE_RESOURCE_GROUP_MAX = 80
SERVICE_CIDR_LARGEST_PREFIX = 12  # the service CIDR must be smaller than /12

# Programmatic names of Azure's public-cloud regions (az account list-locations --query [].name).
AZURE_REGIONS = frozenset("""
    australiacentral australiacentral2 australiaeast australiasoutheast austriaeast belgiumcentral brazilsouth
    brazilsoutheast canadacentral canadaeast centralindia centralus chilecentral eastasia eastus eastus2
    francecentral francesouth germanynorth germanywestcentral indonesiacentral israelcentral italynorth
    japaneast japanwest jioindiacentral jioindiawest koreacentral koreasouth malaysiawest mexicocentral
    newzealandnorth northcentralus northeurope norwayeast norwaywest polandcentral qatarcentral
    southafricanorth southafricawest southcentralus southeastasia southindia spaincentral swedencentral
    swedensouth switzerlandnorth switzerlandwest uaecentral uaenorth uksouth ukwest westcentralus
    westeurope westindia westus westus2 westus3
""".split())


@dataclass(frozen=True)
class NameRule:
    """Azure's naming rule for one kind of resource."""

    kind: str
    min_length: int
    max_length: int
    pattern: str  # the whole name must match
    allowed_chars: str  # one character class: what a name may contain
    described: str  # the rule in words
    azure_code: str | None = None  # the code Azure answers with, when known

    def problem(self, value: str) -> str | None:
        """What is wrong with `value`, or None when Azure accepts it."""
        if not self.min_length <= len(value) <= self.max_length or not re.fullmatch(self.pattern, value):
            if self.azure_code == "InvalidResourceName":
                too_short = f" It must be at least {self.min_length} characters long." \
                    if len(value) < self.min_length else ""
                return (f"Resource name {value} is invalid. The name can be up to {self.max_length} characters "
                        "long. It must begin with a word character, and it must end with a word character or "
                        f"with '_'. The name may contain word characters or '.', '-', '_'.{too_short}")
            noun = self.kind if self.kind.endswith("prefix") else f"{self.kind} name"
            return (f"The {noun} '{value}' is invalid ({len(value)} characters): it must be "
                    f"{self.min_length} to {self.max_length} characters of {self.described}.")
        return None

    def suggest(self, value: str) -> str | None:
        """A valid name close to `value`, or None when none can be made from it."""
        kept = "".join(c for c in value if re.fullmatch(self.allowed_chars, c))[: self.max_length]
        candidate = kept.strip("._-()")
        return candidate if candidate != value and self.problem(candidate) is None else None


_NETWORK_CHARS = r"[A-Za-z0-9_.-]"
_NETWORK_PATTERN = r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?"
_NETWORK_WORDS = "letters, digits, '_', '.' and '-', starting with a letter or digit and ending with a letter, digit or '_'"
_ALNUM_ENDS = r"[A-Za-z0-9]([{chars}]*[A-Za-z0-9])?"


def _network_rule(kind: str, min_length: int, max_length: int) -> NameRule:
    return NameRule(kind, min_length, max_length, _NETWORK_PATTERN, _NETWORK_CHARS, _NETWORK_WORDS,
                    "InvalidResourceName")


NAME_RULES = {
    "resource group": NameRule("resource group", 1, 90, r"[\w().-]*[\w()-]", r"[\w().-]",
                               "letters, digits, '_', '(', ')', '-' and '.', not ending in '.'"),
    "virtual network": _network_rule("virtual network", 2, 64),
    "subnet": _network_rule("subnet", 1, 80),
    "virtual network peering": _network_rule("virtual network peering", 1, 80),
    "public IP address": _network_rule("public IP address", 1, 80),
    "route table": _network_rule("route table", 1, 80),
    "route": _network_rule("route", 1, 80),
    "firewall": _network_rule("firewall", 1, 56),
    "managed cluster": NameRule("managed cluster", 1, 63, _ALNUM_ENDS.format(chars="A-Za-z0-9_-"), r"[A-Za-z0-9_-]",
                                "letters, digits, '_' and '-', starting and ending with a letter or digit"),
    "DNS prefix": NameRule("DNS prefix", 1, 54, _ALNUM_ENDS.format(chars="A-Za-z0-9-"), r"[A-Za-z0-9-]",
                           "letters, digits and '-', starting and ending with a letter or digit"),
    "user-assigned identity": NameRule("user-assigned identity", 3, 128, r"[A-Za-z0-9][A-Za-z0-9_-]*",
                                       r"[A-Za-z0-9_-]", "letters, digits, '_' and '-', starting with a letter or digit"),
    "Log Analytics workspace": NameRule("Log Analytics workspace", 4, 63, _ALNUM_ENDS.format(chars="A-Za-z0-9-"),
                                        r"[A-Za-z0-9-]",
                                        "letters, digits and '-', starting and ending with a letter or digit"),
}


# --- helpers ---------------------------------------------------------------------------------------

def _vnets(d: Deployment) -> list[tuple[str, VirtualNetwork]]:
    return [("network.hub", d.network.hub), ("network.spoke", d.network.spoke)]


def _subnets(path: str, vnet: VirtualNetwork) -> list[tuple[str, Subnet]]:
    """(field path, subnet) for each planned subnet of a VNet, in creation order."""
    return [(f"{path}.{field}", getattr(vnet, field)) for field, info in type(vnet).model_fields.items()
            if info.annotation is Subnet]


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
                     others: Iterable[Subnet]) -> str:
    """Name a free prefix for a subnet inside its VNet (growing it in place when that fits)."""
    taken = [o.network for o in others if o is not subnet]
    in_place = (subnet.network.supernet(new_prefix=prefixlen) if prefixlen <= subnet.network.prefixlen
                else None)
    if in_place and in_place.subnet_of(vnet.network) and not any(in_place.overlaps(t) for t in taken):
        found = in_place
    else:
        found = free_prefix(vnet.network, prefixlen, taken)
    if found is not None:
        return f"set {field} to {found} (free inside {vnet.address_space})"
    return f"enlarge {vnet_path}.address_space or choose a smaller {field}"


# --- checks ----------------------------------------------------------------------------------------

def _check_location(d: Deployment) -> Iterator[Finding]:
    if d.location in AZURE_REGIONS:
        return
    normalized = re.sub(r"[^a-z0-9]", "", d.location.lower())
    close = [normalized] if normalized in AZURE_REGIONS else difflib.get_close_matches(normalized, AZURE_REGIONS, n=1)
    suggestion = f"set location to '{close[0]}'" if close else "set location to a region's programmatic name"
    yield Finding("error", "LocationNotAvailableForResourceGroup", "location",
                  f"The provided location '{d.location}' is not available for resource group.",
                  f"{suggestion} (az account list-locations --query [].name -o tsv)")


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


def _check_names(d: Deployment) -> Iterator[Finding]:
    for field, value, kind in _named_resources(d):
        rule = NAME_RULES[kind]
        if (problem := rule.problem(value)) is None:
            continue
        suggestion = rule.suggest(value)
        fix = (f"set {field} to '{suggestion}'" if suggestion
               else f"make {field} {rule.min_length}–{rule.max_length} characters of {rule.described}")
        yield Finding("error", rule.azure_code or "PraksInvalidName", field, problem, fix)


def _check_node_resource_group(d: Deployment) -> Iterator[Finding]:
    name = d.node_resource_group
    if len(name) <= NODE_RESOURCE_GROUP_MAX:
        return
    over = len(name) - NODE_RESOURCE_GROUP_MAX
    yield Finding("error", "InvalidParameter", "aks.name",
                  f"The length of the node resource group name is too long. The maximum length is "
                  f"{NODE_RESOURCE_GROUP_MAX} and the length of the value provided is {len(name)} ({name}).",
                  f"shorten aks.name or resource_groups.kube by {over} characters in total "
                  f"(AKS names it MC_<resource group>_<cluster>_<location>)")


def _check_duplicate_names(d: Deployment) -> Iterator[Finding]:
    hub, spoke = d.network.hub, d.network.spoke
    if hub.name.lower() == spoke.name.lower():
        yield Finding("error", "PraksDuplicateName", "network.spoke.name",
                      f"The hub and the spoke virtual network are both named '{spoke.name}' in resource group "
                      f"'{d.resource_groups.network}': creating the spoke would overwrite the hub.",
                      f"set network.spoke.name to another name, e.g. '{spoke.name}-spoke'")
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


def _check_firewall_subnet(d: Deployment) -> Iterator[Finding]:
    hub, subnet = d.network.hub, d.network.hub.firewall_subnet
    field = "network.hub.firewall_subnet"
    if subnet.name != FIREWALL_SUBNET_NAME:
        yield Finding("error", "AzureFirewallSubnetMissing", f"{field}.name",
                      f"Azure Firewall needs a subnet named exactly '{FIREWALL_SUBNET_NAME}' in virtual network "
                      f"'{hub.name}'; '{subnet.name}' is not that name.",
                      f"set {field}.name to {FIREWALL_SUBNET_NAME}")
    if subnet.network.prefixlen > FIREWALL_SUBNET_LARGEST_PREFIX:
        yield Finding("error", "PraksFirewallSubnetTooSmall", f"{field}.prefix",
                      f"Subnet '{subnet.name}' ({subnet.prefix}) is a /{subnet.network.prefixlen}; Azure Firewall "
                      f"needs a /{FIREWALL_SUBNET_LARGEST_PREFIX} or larger so it can scale out.",
                      _free_subnet_fix(f"{field}.prefix", "network.hub", hub, subnet, FIREWALL_SUBNET_LARGEST_PREFIX,
                                       hub.subnets))


def _check_special_subnet_names(d: Deployment) -> Iterator[Finding]:
    for field, subnet, vnet in _all_subnets(d):
        if field == "network.hub.firewall_subnet":
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
            yield Finding("error", "PraksSubnetTooSmall", f"{field}.prefix",
                          f"Subnet '{subnet.name}' ({subnet.prefix}) is smaller than /{AZURE_SMALLEST_SUBNET}, the "
                          f"smallest subnet Azure allows ({AZURE_RESERVED_PER_SUBNET} addresses of every subnet are "
                          "reserved by Azure).",
                          _free_subnet_fix(f"{field}.prefix", vnet_path, vnet, subnet, AZURE_SMALLEST_SUBNET,
                                           vnet.subnets))


def _check_subnets_inside_vnets(d: Deployment) -> Iterator[Finding]:
    for path, vnet in _vnets(d):
        for field, subnet in _subnets(path, vnet):
            if not subnet.network.subnet_of(vnet.network):
                yield Finding("error", "NetcfgSubnetRangeOutsideVnet", f"{field}.prefix",
                              f"Subnet '{subnet.name}' is not valid because its IP address range is outside the IP "
                              f"address range of virtual network '{vnet.name}'. ({subnet.prefix} is not inside "
                              f"{vnet.address_space}.)",
                              _free_subnet_fix(f"{field}.prefix", path, vnet, subnet,
                                               max(subnet.network.prefixlen, vnet.network.prefixlen), vnet.subnets))


def _check_subnet_overlaps(d: Deployment) -> Iterator[Finding]:
    for path, vnet in _vnets(d):
        created: list[Subnet] = []
        for field, subnet in _subnets(path, vnet):
            clash = next((c for c in created if c.network.overlaps(subnet.network)), None)
            if clash is not None:
                yield Finding("error", "NetcfgSubnetRangesOverlap", f"{field}.prefix",
                              f"Subnet '{subnet.name}' is not valid because its IP address range overlaps with that "
                              f"of an existing subnet in virtual network '{vnet.name}'. ({subnet.prefix} overlaps "
                              f"'{clash.name}' {clash.prefix}.)",
                              _free_subnet_fix(f"{field}.prefix", path, vnet, subnet, subnet.network.prefixlen,
                                               vnet.subnets))
            created.append(subnet)


def _check_vnet_overlap(d: Deployment) -> Iterator[Finding]:
    hub, spoke = d.network.hub, d.network.spoke
    if not hub.network.overlaps(spoke.network):
        return
    taken = [hub.network, IPv4Network(d.aks.service_cidr)] + ([p] if (p := _pod_cidr(d)) else [])
    found = _free_private_prefix(spoke.network.prefixlen, taken)
    fix = (f"set network.spoke.address_space to {found} and move the spoke's subnets into it" if found
           else "give network.spoke.address_space a range that does not overlap the hub")
    yield Finding("error", "VnetAddressSpacesOverlap", "network.spoke.address_space",
                  f"Cannot create or update peering {d.network.hub_to_spoke_peering}. Virtual networks {hub.name} "
                  f"and {spoke.name} cannot be peered because their address spaces overlap. "
                  f"({hub.address_space} and {spoke.address_space}.)", fix)


def _check_reserved_ranges(d: Deployment) -> Iterator[Finding]:
    ranges = _address_ranges(d)
    for field, net in ranges:
        reserved = next((r for r in AKS_RESERVED_RANGES if net.overlaps(r)), None)
        if reserved is None:
            continue
        others = [other for f, other in ranges if f != field]
        found = _free_private_prefix(max(net.prefixlen, 8), others)
        yield Finding("error", "PraksReservedAddressRange", field,
                      f"{net} overlaps {reserved}: AKS clusters may not use 169.254.0.0/16, 172.30.0.0/16, "
                      "172.31.0.0/16 or 192.0.2.0/24 for the service, pod or virtual network address ranges.",
                      f"set {field} to {found}" if found else f"choose {field} outside those ranges")


def _check_public_ranges(d: Deployment) -> Iterator[Finding]:
    for field, net in _address_ranges(d):
        if any(net.subnet_of(p) for p in PRIVATE_RANGES) or any(net.overlaps(r) for r in AKS_RESERVED_RANGES):
            continue
        yield Finding("warning", "PraksPublicAddressRange", field,
                      f"{net} is not a private range: the real hosts that own these addresses on the internet "
                      "become unreachable from the cluster.",
                      f"use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 for {field}")


def _service_cidr_fix(d: Deployment, service: IPv4Network) -> str:
    taken = [vnet.network for _, vnet in _vnets(d)] + ([p] if (p := _pod_cidr(d)) else [])
    found = _free_private_prefix(max(service.prefixlen, SERVICE_CIDR_LARGEST_PREFIX + 4), taken)
    return (f"set aks.service_cidr to {found} (and aks.dns_service_ip inside it)" if found
            else "choose aks.service_cidr outside every VNet")


def _check_service_cidr(d: Deployment) -> Iterator[Finding]:
    service = IPv4Network(d.aks.service_cidr)
    if service.prefixlen <= SERVICE_CIDR_LARGEST_PREFIX:
        yield Finding("error", "PraksServiceCidrTooLarge", "aks.service_cidr",
                      f"The service CIDR {service} is too large: AKS needs it smaller than "
                      f"/{SERVICE_CIDR_LARGEST_PREFIX}.", _service_cidr_fix(d, service))
    for _, vnet in _vnets(d):
        if not service.overlaps(vnet.network):
            continue
        subnet = next((s for s in vnet.subnets if s.network.overlaps(service)), None)
        if subnet is not None:
            yield Finding("error", "ServiceCidrOverlapExistingSubnetsCidr", "aks.service_cidr",
                          f"The specified service CIDR {service} is conflicted with an existing subnet CIDR "
                          f"{subnet.prefix}", _service_cidr_fix(d, service))
        else:
            yield Finding("error", "PraksServiceCidrOverlapsVnet", "aks.service_cidr",
                          f"The service CIDR {service} overlaps the address space {vnet.address_space} of virtual "
                          f"network '{vnet.name}'; cluster IPs there would shadow addresses in the network.",
                          _service_cidr_fix(d, service))


def _check_dns_service_ip(d: Deployment) -> Iterator[Finding]:
    service, ip = IPv4Network(d.aks.service_cidr), IPv4Address(d.aks.dns_service_ip)
    usual = service.network_address + (10 if service.num_addresses > 10 else 2)
    fix = f"set aks.dns_service_ip to {usual}"
    if ip not in service:
        yield Finding("error", "DnsServiceIpOutOfServiceCidr", "aks.dns_service_ip",
                      f"The DNS service IP {ip} is out of the range defined by service CIDR {service}.", fix)
    elif ip == service.network_address:
        yield Finding("error", "PraksDnsServiceIpReserved", "aks.dns_service_ip",
                      f"The DNS service IP {ip} is the network address of service CIDR {service}.", fix)
    elif ip == service.network_address + 1:
        yield Finding("error", "PraksDnsServiceIpReserved", "aks.dns_service_ip",
                      f"The DNS service IP {ip} is the first address of service CIDR {service}, which Kubernetes "
                      "gives to the kubernetes.default service.", fix)


def _nodes_with_surge(d: Deployment) -> int:
    """Nodes that may hold addresses at once: the pool plus one surge node during upgrades."""
    return d.aks.node_pool.count + 1


def _check_pod_cidr(d: Deployment) -> Iterator[Finding]:
    aks, pods = d.aks, _pod_cidr(d)
    nodes = _nodes_with_surge(d)
    needed_len = 32 - math.ceil(math.log2(nodes * OVERLAY_NODE_BLOCK))
    taken = [vnet.network for _, vnet in _vnets(d)] + [IPv4Network(aks.service_cidr)]
    if aks.network_plugin_mode != "overlay":
        if pods is not None:
            yield Finding("error", "PraksPodCidrWithoutOverlay", "aks.pod_cidr",
                          f"pod_cidr {pods} is only used with network_plugin_mode: overlay; with Azure CNI (flat) "
                          "pods take their addresses from the AKS subnet.",
                          "remove aks.pod_cidr, or set aks.network_plugin_mode: overlay")
        return
    suggestion = (DEFAULT_POD_CIDR if not any(DEFAULT_POD_CIDR.overlaps(t) for t in taken)
                  else _free_private_prefix(min(16, needed_len), taken))
    if pods is None:
        yield Finding("error", "PraksPodCidrMissing", "aks.pod_cidr",
                      "Azure CNI Overlay gives pods addresses from aks.pod_cidr, which is not set; praks needs it "
                      "explicit to check it against the VNets and the service CIDR.",
                      f"set aks.pod_cidr to {suggestion}")
        return
    ranges = [(f"{path}.address_space", vnet.network) for path, vnet in _vnets(d)]
    ranges.append(("aks.service_cidr", IPv4Network(aks.service_cidr)))
    clashes = [f"{net} ({field})" for field, net in ranges if pods.overlaps(net)]
    if clashes:
        yield Finding("error", "PraksPodCidrOverlap", "aks.pod_cidr",
                      f"The pod CIDR {pods} overlaps {', '.join(clashes)}; pod traffic to those addresses would "
                      "never leave the node.",
                      f"set aks.pod_cidr to {suggestion}")
    if nodes * OVERLAY_NODE_BLOCK > pods.num_addresses:
        yield Finding("error", "InsufficientSubnetSize", "aks.pod_cidr",
                      f"Pre-allocated IPs {nodes * OVERLAY_NODE_BLOCK} exceeds IPs available {pods.num_addresses} in "
                      f"Subnet Cidr {pods}, Subnet Name networkProfile.podCIDR.",
                      f"use a pod CIDR of /{needed_len} or larger for aks.pod_cidr (each node takes a /24)")


def _check_aks_subnet_capacity(d: Deployment) -> Iterator[Finding]:
    """Azure CNI (flat) reserves max-pods + 1 addresses per node in the AKS subnet up front."""
    subnet = d.network.spoke.aks_subnet
    nodes = _nodes_with_surge(d)
    per_node = 1 if d.aks.network_plugin_mode == "overlay" else AZURE_CNI_MAX_PODS + 1
    needed, available = nodes * per_node, subnet.network.num_addresses - AZURE_RESERVED_PER_SUBNET
    if needed <= available:
        return
    needed_len = 32 - math.ceil(math.log2(needed + AZURE_RESERVED_PER_SUBNET))
    overlay = "" if d.aks.network_plugin_mode == "overlay" else (
        f", or set aks.network_plugin_mode: overlay with aks.pod_cidr {DEFAULT_POD_CIDR} (pods then take no "
        "subnet addresses)")
    yield Finding("error", "InsufficientSubnetSize", "network.spoke.aks_subnet.prefix",
                  f"Pre-allocated IPs {needed} exceeds IPs available {available} in Subnet Cidr {subnet.prefix}, "
                  f"Subnet Name {subnet.name}. ({nodes} nodes including one upgrade surge node × {per_node} "
                  "addresses each.)",
                  f"make network.spoke.aks_subnet.prefix a /{needed_len} or larger, lower aks.node_pool.count"
                  f"{overlay}")


def _check_egress_route(d: Deployment) -> Iterator[Finding]:
    if d.aks.outbound_type != "userDefinedRouting":
        yield Finding("warning", "PraksEgressBypassesFirewall", "aks.outbound_type",
                      f"outbound_type {d.aks.outbound_type} gives the cluster its own way out to the internet; its "
                      "egress would not pass the firewall and the lockdown validation would fail.",
                      "set aks.outbound_type to userDefinedRouting")
        return
    route = d.route
    if route.address_prefix != "0.0.0.0/0":
        yield Finding("error", "RouteTableMissingDefaultRouteError", "route.address_prefix",
                      "Default route 0.0.0.0/0 missing from route table "
                      f"(the planned route covers only {route.address_prefix}).",
                      "set route.address_prefix to 0.0.0.0/0")
    if route.next_hop_type in ("Internet", "None"):
        yield Finding("error", "RouteTableInvalidNextHop", "route.next_hop_type",
                      f"Default route 0.0.0.0/0 has a next hop of {route.next_hop_type} but only next hops of "
                      "VirtualAppliance or VirtualNetworkGateway are allowed",
                      "set route.next_hop_type to VirtualAppliance (the firewall's private IP)")
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
    """The rule set must load, and be classic rule collections: that is what the firewall gets."""
    try:
        rules = load_rule_set(d.rule_set_file)
    except RuleSetError as error:
        yield Finding("error", "PraksRuleSetInvalid", "firewall.rules", f"rule set '{d.firewall.rules}': {error}",
                      "name a file under parameters/firewall/ (least-privilege, seed-2020) or a path to one")
        return
    if rules.rule_collection_groups:
        yield Finding("error", "PraksRuleSetNeedsPolicy", "firewall.rules",
                      f"rule set '{d.firewall.rules}' uses Firewall Policy rule collection groups; the firewall "
                      "stage deploys classic rule collections.",
                      "write the rules as network_rule_collections / application_rule_collections")


_CHECKS: tuple[Callable[[Deployment], Iterable[Finding]], ...] = (
    _check_location,
    _check_names,
    _check_node_resource_group,
    _check_duplicate_names,
    _check_firewall_subnet,
    _check_special_subnet_names,
    _check_subnet_sizes,
    _check_subnets_inside_vnets,
    _check_subnet_overlaps,
    _check_vnet_overlap,
    _check_reserved_ranges,
    _check_public_ranges,
    _check_service_cidr,
    _check_dns_service_ip,
    _check_pod_cidr,
    _check_aks_subnet_capacity,
    _check_egress_route,
    _check_private_cluster,
    _check_rule_set,
)


def check_plan(deployment: Deployment) -> list[Finding]:
    """Every finding about the deployment's address plan and names, in check order."""
    return [finding for check in _CHECKS for finding in check(deployment)]
