"""Address plan and naming checks: Azure's codes and wording, the field to change, and a fix that works."""
import re
from ipaddress import IPv4Network

import pytest

from praks_lib.params import deep_merge, load_deployment
from praks_lib.plan import NAME_RULES, Finding, check_plan, free_prefix


def plan(overrides: dict) -> list[Finding]:
    return check_plan(load_deployment(overrides=overrides, check_plan=False))


def spoke(ingress: str = "10.0.4.0/24", aks: str = "10.0.5.0/24", space: str = "10.0.4.0/22") -> dict:
    return {"network": {"spoke": {"address_space": space, "ingress_subnet": {"prefix": ingress},
                                  "aks_subnet": {"prefix": aks}}}}


def test_defaults_have_no_findings():
    assert check_plan(load_deployment()) == []


def test_overlay_with_the_default_pod_cidr_has_no_findings():
    assert plan({"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16"}}) == []


ERRORS = [
    # (overrides, code, field, message fragment, fix fragment)
    (spoke(aks="10.0.8.0/24"), "NetcfgSubnetRangeOutsideVnet", "network.spoke.aks_subnet.prefix",
     "Subnet 'aks-2-subnet' is not valid because its IP address range is outside the IP address range of virtual "
     "network 'spoke1-kubenvnet'.", "set network.spoke.aks_subnet.prefix to 10.0.5.0/24"),
    ({"network": {"hub": {"jumpbox_subnet": {"prefix": "10.0.0.128/25"}}}}, "NetcfgSubnetRangesOverlap",
     "network.hub.jumpbox_subnet.prefix",
     "Subnet 'jumpbox-subnet' is not valid because its IP address range overlaps with that of an existing subnet "
     "in virtual network 'hub1-firewallvnet'.", "set network.hub.jumpbox_subnet.prefix to 10.0.1.0/25"),
    (spoke(space="10.0.2.0/23", ingress="10.0.2.0/24", aks="10.0.3.0/24"), "VnetAddressSpacesOverlap",
     "network.spoke.address_space",
     "Cannot create or update peering HubToSpoke1. Virtual networks hub1-firewallvnet and spoke1-kubenvnet cannot "
     "be peered because their address spaces overlap.", "set network.spoke.address_space to 10.0.4.0/23"),
    ({"network": {"hub": {"firewall_subnet": {"name": "FirewallSubnet"}}}}, "AzureFirewallSubnetMissing",
     "network.hub.firewall_subnet.name", "needs a subnet named exactly 'AzureFirewallSubnet'",
     "set network.hub.firewall_subnet.name to AzureFirewallSubnet"),
    ({"network": {"hub": {"firewall_subnet": {"prefix": "10.0.0.0/27"}}}}, "PraksFirewallSubnetTooSmall",
     "network.hub.firewall_subnet.prefix", "Azure Firewall needs a /26 or larger",
     "set network.hub.firewall_subnet.prefix to 10.0.0.0/26"),
    ({"network": {"hub": {"jumpbox_subnet": {"name": "GatewaySubnet"}}}}, "PraksReservedSubnetName",
     "network.hub.jumpbox_subnet.name", "'GatewaySubnet' is a name Azure reserves", "network.hub.jumpbox_subnet.name"),
    ({"network": {"spoke": {"aks_subnet": {"name": "ING-1-subnet"}}}}, "PraksDuplicateName",
     "network.spoke.aks_subnet.name", "are both named 'ING-1-subnet'", "network.spoke.aks_subnet.name"),
    ({"network": {"spoke": {"name": "hub1-firewallvnet"}}}, "PraksDuplicateName", "network.spoke.name",
     "creating the spoke would overwrite the hub", "set network.spoke.name to another name"),
    ({"network": {"hub": {"jumpbox_subnet": {"prefix": "10.0.1.0/30"}}}}, "PraksSubnetTooSmall",
     "network.hub.jumpbox_subnet.prefix", "smaller than /29", "set network.hub.jumpbox_subnet.prefix to 10.0.1.0/29"),
    ({"aks": {"service_cidr": "10.0.5.0/24", "dns_service_ip": "10.0.5.10"}}, "ServiceCidrOverlapExistingSubnetsCidr",
     "aks.service_cidr",
     "The specified service CIDR 10.0.5.0/24 is conflicted with an existing subnet CIDR 10.0.5.0/24",
     "set aks.service_cidr to 10.0.8.0/24"),
    ({"aks": {"service_cidr": "10.0.7.0/24", "dns_service_ip": "10.0.7.10"}}, "PraksServiceCidrOverlapsVnet",
     "aks.service_cidr", "overlaps the address space 10.0.4.0/22 of virtual network 'spoke1-kubenvnet'",
     "set aks.service_cidr to 10.0.8.0/24"),
    ({"aks": {"service_cidr": "10.0.0.0/8"}}, "PraksServiceCidrTooLarge", "aks.service_cidr",
     "The service CIDR 10.0.0.0/8 is too large: AKS needs it smaller than /12.", "set aks.service_cidr to 10.1.0.0/16"),
    ({"aks": {"service_cidr": "172.30.0.0/16", "dns_service_ip": "172.30.0.10"}}, "PraksReservedAddressRange",
     "aks.service_cidr", "172.30.0.0/16 overlaps 172.30.0.0/16: AKS clusters may not use", "set aks.service_cidr to "),
    ({"aks": {"dns_service_ip": "10.3.0.10"}}, "DnsServiceIpOutOfServiceCidr", "aks.dns_service_ip",
     "The DNS service IP 10.3.0.10 is out of the range defined by service CIDR 10.2.0.0/24.",
     "set aks.dns_service_ip to 10.2.0.10"),
    ({"aks": {"dns_service_ip": "10.2.0.1"}}, "PraksDnsServiceIpReserved", "aks.dns_service_ip",
     "is the first address of service CIDR 10.2.0.0/24", "set aks.dns_service_ip to 10.2.0.10"),
    ({"aks": {"dns_service_ip": "10.2.0.0"}}, "PraksDnsServiceIpReserved", "aks.dns_service_ip",
     "is the network address of service CIDR 10.2.0.0/24", "set aks.dns_service_ip to 10.2.0.10"),
    ({"location": "West Europe"}, "LocationNotAvailableForResourceGroup", "location",
     "The provided location 'West Europe' is not available for resource group.", "set location to 'westeurope'"),
    ({"location": "westeuropa"}, "LocationNotAvailableForResourceGroup", "location",
     "The provided location 'westeuropa'", "set location to 'westeurope'"),
    ({"firewall": {"name": "f" * 57}}, "InvalidResourceName", "firewall.name",
     f"Resource name {'f' * 57} is invalid. The name can be up to 56 characters long.",
     f"set firewall.name to '{'f' * 56}'"),
    ({"network": {"hub_to_spoke_peering": "Hub To Spoke"}}, "InvalidResourceName", "network.hub_to_spoke_peering",
     "Resource name Hub To Spoke is invalid.", "set network.hub_to_spoke_peering to 'HubToSpoke'"),
    ({"network": {"spoke": {"name": "s"}}}, "InvalidResourceName", "network.spoke.name",
     "Resource name s is invalid. The name can be up to 64 characters long. It must begin with a word character, "
     "and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'. "
     "It must be at least 2 characters long.", "make network.spoke.name 2–64 characters"),
    ({"aks": {"name": "my.cluster"}}, "PraksInvalidName", "aks.name",
     "The managed cluster name 'my.cluster' is invalid (10 characters): it must be 1 to 63 characters of letters, "
     "digits, '_' and '-'", "set aks.name to 'mycluster'"),
    ({"aks": {"dns_prefix": "-private-"}}, "PraksInvalidName", "aks.dns_prefix",
     "The DNS prefix '-private-' is invalid", "set aks.dns_prefix to 'private'"),
    ({"aks": {"name": "kube_1"}}, "PraksInvalidName", "aks.dns_prefix",  # derived from the cluster name
     "The DNS prefix 'kube_1' is invalid", "set aks.dns_prefix to 'kube1'"),
    ({"resource_groups": {"kube": "kube."}}, "PraksInvalidName", "resource_groups.kube",
     "The resource group name 'kube.' is invalid", "set resource_groups.kube to 'kube'"),
    ({"monitoring": {"firewall_workspace": {"name": "log"}}}, "PraksInvalidName", "monitoring.firewall_workspace.name",
     "The Log Analytics workspace name 'log' is invalid (3 characters): it must be 4 to 63 characters",
     "monitoring.firewall_workspace.name"),
    ({"aks": {"name": "c" * 60, "dns_prefix": "c"}}, "InvalidParameter", "aks.name",
     "The length of the node resource group name is too long. The maximum length is 80 and the length of the value "
     "provided is 88", "shorten aks.name or resource_groups.kube by 8 characters"),
    ({"aks": {"pod_cidr": "10.244.0.0/16"}}, "PraksPodCidrWithoutOverlay", "aks.pod_cidr",
     "pod_cidr 10.244.0.0/16 is only used with network_plugin_mode: overlay", "remove aks.pod_cidr"),
    ({"aks": {"network_plugin_mode": "overlay"}}, "PraksPodCidrMissing", "aks.pod_cidr",
     "Azure CNI Overlay gives pods addresses from aks.pod_cidr, which is not set", "set aks.pod_cidr to 10.244.0.0/16"),
    ({"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.0.0.0/16"}}, "PraksPodCidrOverlap", "aks.pod_cidr",
     "The pod CIDR 10.0.0.0/16 overlaps 10.0.0.0/22 (network.hub.address_space), 10.0.4.0/22 "
     "(network.spoke.address_space);", "set aks.pod_cidr to 10.244.0.0/16"),
    ({"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/24"}}, "InsufficientSubnetSize",
     "aks.pod_cidr", "Pre-allocated IPs 1024 exceeds IPs available 256 in Subnet Cidr 10.244.0.0/24, Subnet Name "
     "networkProfile.podCIDR.", "/22 or larger"),
    (spoke(aks="10.0.5.0/26"), "InsufficientSubnetSize", "network.spoke.aks_subnet.prefix",
     "Pre-allocated IPs 124 exceeds IPs available 59 in Subnet Cidr 10.0.5.0/26, Subnet Name aks-2-subnet.",
     "network_plugin_mode: overlay"),
    ({"route": {"address_prefix": "10.0.0.0/8"}}, "RouteTableMissingDefaultRouteError", "route.address_prefix",
     "Default route 0.0.0.0/0 missing from route table", "set route.address_prefix to 0.0.0.0/0"),
    ({"route": {"next_hop_type": "Internet"}}, "RouteTableInvalidNextHop", "route.next_hop_type",
     "Default route 0.0.0.0/0 has a next hop of Internet but only next hops of VirtualAppliance or "
     "VirtualNetworkGateway are allowed", "set route.next_hop_type to VirtualAppliance"),
]


@pytest.mark.parametrize("overrides, code, field, message, fix", ERRORS,
                         ids=[f"{case[1]}:{case[2]}" for case in ERRORS])
def test_error_finding(overrides, code, field, message, fix):
    matching = [f for f in plan(overrides) if (f.code, f.field) == (code, field)]
    assert len(matching) == 1, plan(overrides)
    finding = matching[0]
    assert finding.severity == "error"
    assert message in finding.message
    assert fix in finding.fix


def _apply(fix: str) -> dict | None:
    """The override a fix of the form "set <field> to <value>" asks for."""
    match = re.match(r"set ([\w.]+) to (?:'([^']+)'|([\d./]+|[A-Za-z]+)\b)", fix)
    if not match:
        return None
    *parents, leaf = match.group(1).split(".")
    override: dict = {leaf: match.group(2) or match.group(3)}
    for part in reversed(parents):
        override = {part: override}
    return override


@pytest.mark.parametrize("overrides, code, field", [case[:3] for case in ERRORS],
                         ids=[f"{case[1]}:{case[2]}" for case in ERRORS])
def test_the_suggested_value_clears_the_finding(overrides, code, field):
    finding = next(f for f in plan(overrides) if (f.code, f.field) == (code, field))
    fix = _apply(finding.fix)
    if fix is None:
        pytest.skip(f"no value computed: {finding.fix}")
    after = plan(deep_merge(overrides, fix))
    assert (code, field) not in {(f.code, f.field) for f in after}


WARNINGS = [
    ({"aks": {"outbound_type": "loadBalancer"}}, "PraksEgressBypassesFirewall", "aks.outbound_type",
     "outbound_type loadBalancer gives the cluster its own way out"),
    ({"route": {"next_hop_type": "VirtualNetworkGateway"}}, "PraksEgressBypassesFirewall", "route.next_hop_type",
     "sends egress to a virtual network gateway"),
    ({"aks": {"private_cluster": False}}, "PraksPublicApiServer", "aks.private_cluster",
     "the API server gets a public endpoint"),
    ({"aks": {"service_cidr": "20.2.0.0/24", "dns_service_ip": "20.2.0.10"}}, "PraksPublicAddressRange",
     "aks.service_cidr", "20.2.0.0/24 is not a private range"),
]


@pytest.mark.parametrize("overrides, code, field, message", WARNINGS, ids=[f"{c[1]}:{c[2]}" for c in WARNINGS])
def test_warning_finding_does_not_stop_loading(overrides, code, field, message):
    [finding] = plan(overrides)
    assert (finding.severity, finding.code, finding.field) == ("warning", code, field)
    assert message in finding.message and finding.fix.startswith(("set ", "use "))
    load_deployment(overrides=overrides)


def test_every_problem_of_a_bad_plan_is_reported_at_once():
    findings = plan(deep_merge({"location": "mars", "aks": {"dns_service_ip": "10.3.0.10", "private_cluster": False},
                                 "network": {"hub": {"firewall_subnet": {"prefix": "10.0.0.0/28"}}}},
                                spoke(aks="10.0.9.0/24")))
    assert {(f.code, f.field) for f in findings} == {
        ("LocationNotAvailableForResourceGroup", "location"),
        ("DnsServiceIpOutOfServiceCidr", "aks.dns_service_ip"),
        ("PraksFirewallSubnetTooSmall", "network.hub.firewall_subnet.prefix"),
        ("NetcfgSubnetRangeOutsideVnet", "network.spoke.aks_subnet.prefix"),
        ("PraksPublicApiServer", "aks.private_cluster"),
    }


def test_free_prefix_skips_taken_blocks_and_refuses_impossible_sizes():
    hub = IPv4Network("10.0.0.0/22")
    taken = [IPv4Network("10.0.0.0/24"), IPv4Network("10.0.1.0/24")]
    assert free_prefix(hub, 24, taken) == IPv4Network("10.0.2.0/24")
    assert free_prefix(hub, 21, taken) is None
    assert free_prefix(IPv4Network("10.0.0.0/24"), 24, taken) is None


@pytest.mark.parametrize("kind, good, bad", [
    ("resource group", "dzpraks1_kube", "rg."),
    ("virtual network", "hub1-firewallvnet", "-hub"),
    ("subnet", "a", "subnet-"),
    ("firewall", "f" * 56, "f" * 57),
    ("managed cluster", "dz_praks-1", "_dz"),
    ("DNS prefix", "dz-praks-1", "dz_praks"),
    ("user-assigned identity", "id_1", "id"),
    ("Log Analytics workspace", "dzpraks1", "dz-"),
])
def test_name_rules(kind, good, bad):
    rule = NAME_RULES[kind]
    assert rule.problem(good) is None
    assert rule.problem(bad) is not None
