"""Address plan and naming checks: Azure's codes and wording, the field to change, and a fix that works.

The cases change the 2020 walkthrough's design (its subnets, flat CNI, private link), as they were
written; the default (baseline-2026) and each scenario are checked clean below."""
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from praks_lib.azure.names import NAME_RULES
from praks_lib.params import deep_merge, load_deployment
from praks_lib.plan import Finding, check_plan, free_prefix, suggested_values
from praks_lib.project import scenario_file

WALKTHROUGH = Path(__file__).parent / "fixtures" / "walkthrough-2020-plan.yaml"


def plan(overrides: dict) -> list[Finding]:
    return check_plan(load_deployment(WALKTHROUGH, overrides=overrides, check_plan=False))


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
     "Cannot create or update peering /subscriptions/<subscription-id>/resourceGroups/dzpraks1_networks/providers/"
     "Microsoft.Network/virtualNetworks/hub1-firewallvnet/virtualNetworkPeerings/HubToSpoke1. Virtual networks "
     "/subscriptions/<subscription-id>/resourceGroups/dzpraks1_networks/providers/Microsoft.Network/virtualNetworks/"
     "hub1-firewallvnet and /subscriptions/<subscription-id>/resourceGroups/dzpraks1_networks/providers/"
     "Microsoft.Network/virtualNetworks/spoke1-kubenvnet cannot be peered because their address spaces overlap. "
     "Overlapping address prefixes: 10.0.0.0/22, 10.0.2.0/23", "set network.spoke.address_space to 10.0.4.0/23"),
    ({"network": {"hub": {"firewall_subnet": {"name": "FirewallSubnet"}}}}, "AzureFirewallSubnetMissing",
     "network.hub.firewall_subnet.name",
     "Subnet /subscriptions/<subscription-id>/resourceGroups/dzpraks1_networks/providers/Microsoft.Network/"
     "virtualNetworks/hub1-firewallvnet/subnets/FirewallSubnet used by Azure Firewall /subscriptions/<subscription-id>/"
     "resourceGroups/dzpraks1_networks/providers/Microsoft.Network/azureFirewalls/dzpraks1 is named "
     "'FirewallSubnet'. Azure Firewall can only be deployed in a subnet named exactly 'AzureFirewallSubnet'.",
     "set network.hub.firewall_subnet.name to AzureFirewallSubnet"),
    ({"network": {"hub": {"firewall_subnet": {"prefix": "10.0.0.0/27"}}}}, "AzureFirewallSubnetTooSmall",
     "network.hub.firewall_subnet.prefix", "has prefix 10.0.0.0/27. AzureFirewallSubnet must be /26 or larger",
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
    ({"location": "westeuropa"}, "LocationNotAvailableForResourceGroup", "location",
     "The provided location 'westeuropa'", "set location to 'westeurope'"),
    ({"firewall": {"name": "f" * 57}}, "InvalidResourceName", "firewall.name",
     f"Resource name {'f' * 57} is invalid. The name can be up to 56 characters long.",
     f"set firewall.name to '{'f' * 56}'"),
    ({"network": {"hub_to_spoke_peering": "Hub To Spoke"}}, "InvalidResourceName", "network.hub_to_spoke_peering",
     "Resource name Hub To Spoke is invalid.", "set network.hub_to_spoke_peering to 'HubToSpoke'"),
    ({"network": {"spoke": {"name": "s"}}}, "InvalidResourceName", "network.spoke.name",
     "Resource name s is invalid. The name can be up to 64 characters long. It must begin with a word character, "
     "and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.",
     "make network.spoke.name 2–64 characters"),
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
    ({"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.0.0.0/22"}}, "PraksPodCidrOverlap", "aks.pod_cidr",
     "The pod CIDR 10.0.0.0/22 overlaps 10.0.0.0/22 (network.hub.address_space);", "set aks.pod_cidr to 10.244.0.0/16"),
    ({"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.0.4.0/22"}}, "NetworkProfileCIDROverlapVNET",
     "aks.pod_cidr", "NetworkProfile CIDR 10.0.4.0/22 overlaps with VNET subnet CIDR 10.0.4.0/24",
     "set aks.pod_cidr to 10.244.0.0/16"),
    ({"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.2.0.0/16"}}, "InvalidParameter", "aks.pod_cidr",
     "pod CIDR 10.2.0.0/16 overlaps service CIDR 10.2.0.0/24.", "set aks.pod_cidr to 10.244.0.0/16"),
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
    ({"aks": {"outbound_type": "loadBalancer"}}, "PraksEgressBypassesFirewall", "aks.outbound_type",
     "outbound_type loadBalancer gives the cluster its own way out", "set aks.outbound_type to userDefinedRouting"),
    # Kubernetes versions against AKS's calendar on the pinned day (2026-12-01: 1.35, 1.36, 1.37; default 1.36)
    ({"aks": {"kubernetes_version": "1.33"}}, "K8sVersionNotSupported", "aks.kubernetes_version",
     "Managed cluster dzpraks1 is on version 1.33.13, which is only available for Long-Term Support (LTS).",
     "1.33 left community support on 2026-07-31 (LTS until 2027-07-31, which praks does not deploy): "
     "set aks.kubernetes_version to \"\" to take Azure's default (1.36 on 2026-12-01), or pin one of 1.35, 1.36, 1.37"),
    ({"aks": {"kubernetes_version": "1.31.13"}}, "K8sVersionNotSupported", "aks.kubernetes_version",
     "Version 1.31.13 is not supported in this region. Please use [az aks get-versions] command",
     "1.31 reached its end of life on 2026-11-30"),
    ({"aks": {"kubernetes_version": "1.10"}}, "K8sVersionNotSupported", "aks.kubernetes_version",
     "Version 1.10 is not supported in this region.", "1.10 is older than every version in AKS's calendar"),
    # VM sizes and keys Azure refuses
    ({"aks": {"node_pool": {"vm_size": "Standard_Bogus_v9"}}}, "BadRequest", "aks.node_pool.vm_size",
     "The VM size of AgentPoolProfile:nodepool1 is not allowed in your subscription in location 'westeurope'.",
     "set aks.node_pool.vm_size to Standard_D2s_v5"),
    ({"aks": {"node_pool": {"vm_size": "Standard_DS1_v2"}}}, "SystemPoolSkuTooLow", "aks.node_pool.vm_size",
     "System node pool must use VM sku with more than 2 cores and 4GB memory. Nodepool name: nodepool1.",
     "a system pool needs at least 2 vCPU and 4 GiB: set aks.node_pool.vm_size to Standard_DS2_v2"),
    ({"jumpbox": {"vm_size": "Standard_B2"}}, "InvalidParameter", "jumpbox.vm_size",
     "The value Standard_B2 provided for the VM size is not valid. The valid sizes in the current region are: ",
     "set jumpbox.vm_size to Standard_B2s"),
    ({"jumpbox": {"ssh_public_key": "ssh-rsa not-a-key me@laptop"}}, "InvalidParameter", "jumpbox.ssh_public_key",
     "The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.", "not an OpenSSH public key line"),
    ({"jumpbox": {"ssh_public_key": "not a key"}}, "InvalidParameter", "jumpbox.ssh_public_key",
     "The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.", "not an OpenSSH public key line"),
    ({"jumpbox": {"ssh_public_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"}}, "InvalidParameter",
     "jumpbox.ssh_public_key", "keyData is invalid.", "this is a PRIVATE key"),
    # the validation's expectations against the rule set
    ({"validation": {"denied_urls": ["http://azure.archive.ubuntu.com/ubuntu/"], "allowed_urls": []}},
     "PraksValidationExpectationWrong", "validation.denied_urls",
     "http://azure.archive.ubuntu.com/ubuntu/ is expected to be denied, but the rule set 'least-privilege' allows it "
     "(by rule ubuntu-updates/ubuntu-security)", "remove http://azure.archive.ubuntu.com/ubuntu/"),
    ({"validation": {"allowed_urls": ["https://example.com"]}}, "PraksValidationExpectationWrong",
     "validation.allowed_urls", "https://example.com is expected to be allowed, but the rule set 'least-privilege' "
     "denies it (No rule matched. Proceeding with default action)", "remove https://example.com"),
]
# The 2026 designs: firewall tiers, API Server VNet Integration, network-isolated clusters
BASIC = {"firewall": {"sku_tier": "Basic", "rules_as": "policy", "dns_proxy": False}}
BASIC_WITH_MANAGEMENT = deep_merge(BASIC, {"network": {"hub": {"firewall_management_subnet": {
    "name": "AzureFirewallManagementSubnet", "prefix": "10.0.2.0/26"}}}})
ERRORS += [
    (BASIC, "AzureFirewallManagementIpConfigRequiresSubnetAndPublicIp", "network.hub.firewall_management_subnet",
     "AzureFirewall dzpraks1 management IP configuration requires both a subnet and a public IP address.",
     "set network.hub.firewall_management_subnet to {name: AzureFirewallManagementSubnet, prefix: 10.0.2.0/26}"),
    (deep_merge(BASIC, {"firewall": {"dns_proxy": True}}), "FirewallPolicyHigherTierOnlyProperties",
     "firewall.dns_proxy", "Firewall Policy dzpraks1-policy contains higher tier only properties - DNS Proxy and "
     "Custom DNS", "set firewall.dns_proxy to false"),
    (BASIC_WITH_MANAGEMENT, "AzureFirewallDNSProxyMustBeEnabled", "firewall.rules",
     "In order to use DestinationFqdns in Network Rules, DNS Proxy must be enabled", "turn on firewall.dns_proxy"),
    ({"firewall": {"sku_tier": "Premium", "rules_as": "classic"}}, "AzureFirewallPremiumRequiresPolicy",
     "firewall.rules_as", "Azure Firewall dzpraks1 of tier Premium cannot use classic rule collections",
     "set firewall.rules_as to policy"),
    ({"aks": {"api_server": "vnet_integration"}}, "PraksApiServerSubnetMissing", "network.spoke.apiserver_subnet",
     "delegated to Microsoft.ContainerService/managedClusters; none is planned.",
     "set network.spoke.apiserver_subnet to {name: apiserver-subnet, prefix: 10.0.6.0/28}"),
    ({"aks": {"api_server": "vnet_integration"},
      "network": {"spoke": {"apiserver_subnet": {"name": "api", "prefix": "10.0.6.0/29"}}}}, "InvalidParameter",
     "network.spoke.apiserver_subnet.prefix", "has prefix 10.0.6.0/29; the minimum supported API server subnet "
     "size is /28.", "set network.spoke.apiserver_subnet.prefix to 10.0.6.0/28"),
    ({"aks": {"outbound_type": "none"}, "validation": {"allowed_urls": []}}, "BootstrapArtifactSourceNotAllowed",
     "aks.bootstrap_artifact_source", "When outboundType is \"none\", bootstrapProfile.artifactSource 'Direct' is "
     "not allowed", "set aks.bootstrap_artifact_source to Cache"),
    ({"aks": {"outbound_type": "none", "bootstrap_artifact_source": "Cache"}}, "PraksIsolatedClusterReachesNothing",
     "validation.allowed_urls", "A network-isolated cluster has no way out", "set validation.allowed_urls to []"),
    ({"firewall": {"enabled": False}}, "PraksNoFirewallNoEgress", "firewall.enabled",
     "outbound_type userDefinedRouting sends the cluster's egress to a firewall", "set firewall.enabled to true"),
]
# Findings whose fix names what to change but cannot compute one value for it.
NO_VALUE = {"PraksReservedSubnetName:network.hub.jumpbox_subnet.name", "PraksDuplicateName:network.spoke.aks_subnet.name",
            "InvalidResourceName:network.spoke.name", "PraksInvalidName:monitoring.firewall_workspace.name",
            "AzureFirewallDNSProxyMustBeEnabled:firewall.rules"}


def with_values(overrides: dict, values: dict) -> dict:
    """The overrides with dotted values (as suggested_values gives them) set on top."""
    for field, value in values.items():
        *parents, leaf = field.split(".")
        nested: dict = {leaf: value}
        for part in reversed(parents):
            nested = {part: nested}
        overrides = deep_merge(overrides, nested)
    return overrides


@pytest.mark.parametrize("overrides, code, field", [case[:3] for case in ERRORS],
                         ids=[f"{case[1]}:{case[2]}" for case in ERRORS])
def test_applying_every_suggested_value_leaves_no_error_that_a_value_can_fix(overrides, code, field):
    dep = load_deployment(WALKTHROUGH, overrides=overrides, check_plan=False)
    findings, values = check_plan(dep), suggested_values(dep)
    for changed in values:  # every field to change is named in the fixes a person reads
        assert any(changed in f.fix for f in findings), (changed, findings)
    after = check_plan(load_deployment(WALKTHROUGH, overrides=with_values(overrides, values), check_plan=False))
    left = {f"{f.code}:{f.field}" for f in after if f.severity == "error"}
    assert left <= NO_VALUE, after
    assert (f"{code}:{field}" in left) == (f"{code}:{field}" in NO_VALUE)


def test_an_overlapping_spoke_lists_the_cause_first_and_its_subnets_as_following_from_it():
    """Issue 12: the spoke moved onto the hub; its subnets are then outside it. One fix, not three that collide."""
    findings = plan({"network": {"spoke": {"address_space": "10.0.0.0/22"}}})
    assert [(f.code, f.field) for f in findings] == [
        ("VnetAddressSpacesOverlap", "network.spoke.address_space"),
        ("NetcfgSubnetRangeOutsideVnet", "network.spoke.ingress_subnet.prefix"),
        ("NetcfgSubnetRangeOutsideVnet", "network.spoke.aks_subnet.prefix")]
    assert "set network.spoke.address_space to 10.0.4.0/22" in findings[0].fix
    for follower in findings[1:]:
        assert follower.fix.startswith("follows from network.spoke.address_space: setting "
                                       "network.spoke.address_space to 10.0.4.0/22 fixes this too")
    assert "10.0.0.0/24" not in " ".join(f.fix for f in findings)  # the hub's firewall subnet is not offered


def test_a_moved_spoke_takes_its_subnets_along_in_one_fix():
    overrides = spoke(space="10.0.8.0/22")  # subnets left at 10.0.4.0/24 and 10.0.5.0/24
    dep = load_deployment(WALKTHROUGH, overrides=overrides, check_plan=False)
    assert suggested_values(dep) == {"network.spoke.ingress_subnet.prefix": "10.0.8.0/24",
                                     "network.spoke.aks_subnet.prefix": "10.0.9.0/24"}
    ingress, aks = plan(overrides)
    assert "set network.spoke.ingress_subnet.prefix to 10.0.8.0/24" in ingress.fix
    assert "set network.spoke.aks_subnet.prefix to 10.0.9.0/24" in aks.fix  # not the ingress subnet's range again


def test_a_repair_that_needs_another_value_says_both():
    findings = plan({"aks": {"service_cidr": "10.0.5.0/24", "dns_service_ip": "10.0.5.10"}})
    [finding] = findings
    assert finding.fix.endswith("; then also set aks.dns_service_ip to 10.0.8.10")


def test_a_plan_with_many_mistakes_is_clean_once_every_suggested_value_is_set():
    overrides = deep_merge(spoke(space="10.0.0.0/22", aks="10.0.5.0/26"), {
        "location": "West Europe", "route": {"next_hop_type": "Internet"},
        "aks": {"service_cidr": "10.0.0.0/24", "dns_service_ip": "10.9.0.10", "kubernetes_version": "1.31"},
        "network": {"hub": {"jumpbox_subnet": {"prefix": "10.0.0.128/25"}}}})
    dep = load_deployment(WALKTHROUGH, overrides=overrides, check_plan=False)
    fields = [f.field for f in check_plan(dep) if f.severity == "error"]
    assert fields.index("network.spoke.address_space") < fields.index("network.spoke.ingress_subnet.prefix")
    after = check_plan(load_deployment(WALKTHROUGH, overrides=with_values(overrides, suggested_values(dep)), check_plan=False))
    assert [f for f in after if f.severity == "error"] == []


WARNINGS = [
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
    load_deployment(WALKTHROUGH, overrides=overrides)


def test_every_problem_of_a_bad_plan_is_reported_at_once():
    findings = plan(deep_merge({"location": "mars", "aks": {"dns_service_ip": "10.3.0.10", "private_cluster": False},
                                 "network": {"hub": {"firewall_subnet": {"prefix": "10.0.0.0/28"}}}},
                                spoke(aks="10.0.9.0/24")))
    assert {(f.code, f.field) for f in findings} == {
        ("LocationNotAvailableForResourceGroup", "location"),
        ("DnsServiceIpOutOfServiceCidr", "aks.dns_service_ip"),
        ("AzureFirewallSubnetTooSmall", "network.hub.firewall_subnet.prefix"),
        ("NetcfgSubnetRangeOutsideVnet", "network.spoke.aks_subnet.prefix"),
        ("PraksPublicApiServer", "aks.private_cluster"),
    }


@pytest.mark.parametrize("scenario", ["walkthrough-2020", "baseline-2026", "isolated"])
def test_each_scenario_has_no_findings(scenario):
    assert check_plan(load_deployment(scenario_file(scenario))) == []


def test_a_basic_firewall_with_its_management_subnet_and_no_fqdn_rules_is_clean():
    findings = plan(BASIC_WITH_MANAGEMENT)
    assert [f.code for f in findings] == ["AzureFirewallDNSProxyMustBeEnabled"]  # the ntp rule


def test_a_region_s_display_name_is_read_as_arm_reads_it():
    dep = load_deployment(WALKTHROUGH, overrides={"location": "West Europe"})
    assert dep.location == "westeurope" and dep.node_resource_group.endswith("_westeurope")


def test_burstable_system_pool_is_a_warning():
    [finding] = plan({"aks": {"node_pool": {"vm_size": "Standard_B2ms"}}})
    assert (finding.severity, finding.code) == ("warning", "PraksBurstableSystemPool")


def test_a_version_near_its_end_of_support_is_a_warning_with_the_date(monkeypatch):
    monkeypatch.setenv("PRAKS_TODAY", "2027-02-15")
    [finding] = plan({"aks": {"kubernetes_version": "1.35"}})
    assert (finding.severity, finding.code, finding.field) == ("warning", "PraksKubernetesVersionEndingSoon",
                                                               "aks.kubernetes_version")
    assert "leaves AKS community support on 2027-03-31, 44 days from 2027-02-15" in finding.message


def test_a_version_newer_than_the_calendar_is_a_warning():
    [finding] = plan({"aks": {"kubernetes_version": "1.40"}})
    assert (finding.severity, finding.code) == ("warning", "PraksKubernetesVersionUnknown")


def test_facts_checked_long_ago_are_named_with_their_age(monkeypatch):
    monkeypatch.setenv("PRAKS_TODAY", "2027-04-01")
    stale = {f.field: f for f in plan({}) if f.code == "PraksFactsStale"}
    assert "(facts: kubernetes-versions)" in stale and all(f.severity == "warning" for f in stale.values())
    assert "last checked on 2026-12-01, 121 days before 2027-04-01 (more than 90)" in \
        stale["(facts: kubernetes-versions)"].message


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


def test_a_rule_set_scoped_to_another_subnet_is_refused(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("network_rule_collections:\n  - {name: c, priority: 200, action: Allow, rules: [\n"
                     "      {name: r, source_addresses: [10.9.9.0/24], destination_addresses: [AzureMonitor],\n"
                     "       destination_ports: ['443'], protocols: [TCP]}]}\n")
    [finding] = [f for f in plan({"firewall": {"rules": str(rules)}}) if f.field == "firewall.rules"]
    assert finding.code == "PraksRuleSetSourceMismatch"
    assert "no rule of rule set" in finding.message and "10.9.9.0/24" in finding.message
