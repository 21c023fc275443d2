"""Stage 02 with firewall.rules_as: policy — a Firewall Policy with rule collection groups, linked to
the firewall, DNS proxy on the policy — and the tier rules as Azure enforces them, on the emulator."""
import pytest
from azure.mgmt.network.models import AddressSpace, VirtualNetwork

from praks_lib.deploy.converge import read_or_none
from praks_lib.deploy.firewall import DNS_PROXY_KEY, ensure_firewall_stage
from praks_lib.deploy.network import ensure_network
from praks_lib.errors import StageError
from praks_lib.firewall import lint
from praks_lib.labs import live_rules
from praks_lib.params import load_deployment
from praks_lib.stages.firewall import firewall_table, firewall_verdict
from praks_lib.teardown import plan_teardown, teardown
from praks_lib.validate import PASS, check_public_ips

POLICY = {"firewall": {"rules_as": "policy"}}
CLASSIC = {"firewall": {"rules_as": "classic"}}
MANAGEMENT = {"network": {"hub": {"firewall_management_subnet": {"name": "AzureFirewallManagementSubnet",
                                                                 "prefix": "10.0.2.0/26"}}}}
# Basic has no DNS proxy, so no FQDNs in network rules: the 2020 rule set has none.
BASIC = {"firewall": {"rules_as": "policy", "sku_tier": "Basic", "dns_proxy": False, "rules": "seed-2020"},
         **MANAGEMENT}


def deployed(clients, overrides):
    dep = load_deployment(overrides=overrides, check_plan=False)
    ensure_network(clients, dep)
    return dep, ensure_firewall_stage(clients, dep)


def test_policy_holds_the_rules_and_dns_proxy_and_a_rerun_changes_nothing(clients):
    dep, first = deployed(clients, POLICY)
    assert [(c.kind, c.name, c.action) for c in first[:4]] == [
        ("public IP", "dzpraks1", "created"), ("Firewall Policy", "dzpraks1-policy", "created"),
        ("firewall", "dzpraks1", "created"), ("rule collection group", "dzpraks1-policy/aks-egress", "created")]
    group, network = dep.resource_groups.network, clients.network
    firewall = network.azure_firewalls.get(group, "dzpraks1")
    policy = network.firewall_policies.get(group, "dzpraks1-policy")
    assert firewall.firewall_policy.id == policy.id
    assert (firewall.network_rule_collections, firewall.application_rule_collections) == ([], [])
    assert DNS_PROXY_KEY not in (firewall.additional_properties or {})
    assert policy.dns_settings.enable_proxy is True and policy.sku.tier == "Standard"
    assert policy.tags == dep.tags
    assert [g.name for g in network.firewall_policy_rule_collection_groups.list(group, policy.name)] == ["aks-egress"]
    assert {c.action for c in ensure_firewall_stage(clients, dep)} == {"unchanged"}
    assert "in Firewall Policy dzpraks1-policy" in firewall_verdict(clients, dep)


def test_switching_between_classic_and_policy_moves_the_rules(clients):
    """Each switch is one firewall PUT that sets one rule source and empties the other (Azure refuses
    a firewall with both)."""
    classic, _ = deployed(clients, CLASSIC)
    as_policy, changes = deployed(clients, POLICY)
    assert ("firewall", "updated") in [(c.kind, c.action) for c in changes]
    assert "in Firewall Policy" in firewall_verdict(clients, as_policy)
    group, network = classic.resource_groups.network, clients.network
    firewall = network.azure_firewalls.get(group, "dzpraks1")
    assert [f.id for f in network.firewall_policies.get(group, "dzpraks1-policy").firewalls] == [firewall.id]
    changes = ensure_firewall_stage(clients, classic)
    assert ("firewall", "updated") in [(c.kind, c.action) for c in changes]
    firewall = network.azure_firewalls.get(group, "dzpraks1")
    assert firewall.firewall_policy is None and firewall.additional_properties[DNS_PROXY_KEY] == "true"
    assert "as classic collections" in firewall_verdict(clients, classic)
    assert network.firewall_policies.get(group, "dzpraks1-policy").firewalls == []  # free to delete
    changes = ensure_firewall_stage(clients, as_policy)  # and back to the policy, as the first switch
    assert ("firewall", "updated") in [(c.kind, c.action) for c in changes]


def test_a_group_the_rule_set_no_longer_has_is_removed(clients):
    dep, _ = deployed(clients, POLICY)
    groups = clients.network.firewall_policy_rule_collection_groups
    stale = groups.get(dep.resource_groups.network, "dzpraks1-policy", "aks-egress")
    stale.name = "old-rules"
    groups.begin_create_or_update(dep.resource_groups.network, "dzpraks1-policy", "old-rules", stale).result()
    changes = ensure_firewall_stage(clients, dep)
    assert [c.detail for c in changes if c.action == "updated"] == [
        "rule collection group old-rules removed: not in the rule set 'least-privilege'"]
    assert [g.name for g in groups.list(dep.resource_groups.network, "dzpraks1-policy")] == ["aks-egress"]


def test_basic_tier_deploys_its_management_ip_configuration_and_second_public_ip(clients):
    dep, changes = deployed(clients, BASIC)
    assert [(c.kind, c.name) for c in changes[:3]] == [
        ("public IP", "dzpraks1"), ("public IP", "dzpraks1-mgmt"), ("Firewall Policy", "dzpraks1-policy")]
    firewall = clients.network.azure_firewalls.get(dep.resource_groups.network, "dzpraks1")
    assert firewall.management_ip_configuration.subnet.id.endswith("/subnets/AzureFirewallManagementSubnet")
    assert firewall.management_ip_configuration.private_ip_address == "10.0.2.4"
    policy = clients.network.firewall_policies.get(dep.resource_groups.network, "dzpraks1-policy")
    assert policy.sku.tier == "Basic" and policy.dns_settings is None
    assert firewall_table(clients, dep).loc["management IP configuration", "value"] == \
        "AzureFirewallManagementSubnet, public IP dzpraks1-mgmt"
    assert {c.action for c in ensure_firewall_stage(clients, dep)} == {"unchanged"}
    # Two public IPs, both the firewall's: the validation names the second for what it is.
    rows = check_public_ips(clients, dep)
    assert [(r.target, r.expected, r.result) for r in rows] == [
        ("dzpraks1_networks/dzpraks1", "only the firewall's public IP", PASS),
        ("dzpraks1_networks/dzpraks1-mgmt", "only the firewall's management public IP", PASS)]


def test_premium_tier_deploys_a_premium_policy(clients):
    dep, _ = deployed(clients, {"firewall": {"rules_as": "policy", "sku_tier": "Premium"}})
    firewall = clients.network.azure_firewalls.get(dep.resource_groups.network, "dzpraks1")
    policy = clients.network.firewall_policies.get(dep.resource_groups.network, "dzpraks1-policy")
    assert (firewall.sku.tier, policy.sku.tier) == ("Premium", "Premium")
    assert firewall_verdict(clients, dep).startswith("PASS")


def _read(clients, dep, kind):
    group, fw, network = dep.resource_groups.network, dep.firewall, clients.network
    return read_or_none({
        "firewall": lambda: network.azure_firewalls.get(group, fw.name),
        "policy": lambda: network.firewall_policies.get(group, fw.policy_name),
        "group": lambda: network.firewall_policy_rule_collection_groups.get(group, fw.policy_name, "aks-egress"),
    }[kind])


@pytest.mark.parametrize("overrides, code, message, not_created", [
    ({"firewall": {"rules_as": "policy", "sku_tier": "Basic", "dns_proxy": False, "rules": "seed-2020"}},
     "AzureFirewallManagementIpConfigRequiresSubnetAndPublicIp",
     "AzureFirewall dzpraks1 management IP configuration requires both a subnet and a public IP address.",
     "firewall"),
    ({"firewall": {"rules_as": "classic", "sku_tier": "Premium"}}, "AzureFirewallPremiumRequiresPolicy",
     "Azure Firewall dzpraks1 of tier Premium cannot use classic rule collections; attach a Firewall Policy of "
     "tier Premium instead.", "firewall"),
    ({"firewall": {"rules_as": "policy", "sku_tier": "Basic", "dns_proxy": True}, **MANAGEMENT},
     "FirewallPolicyHigherTierOnlyProperties",
     "Firewall Policy dzpraks1-policy contains higher tier only properties - DNS Proxy and Custom DNS", "policy"),
    ({"firewall": {"rules_as": "policy", "sku_tier": "Basic", "dns_proxy": False}, **MANAGEMENT},
     "AzureFirewallDNSProxyMustBeEnabled",
     "In order to use DestinationFqdns in Network Rules, DNS Proxy must be enabled, or RequireProxyForNetworkRules "
     "must be set to 'false'. See rule ntp in network rule collection aks-network", "group"),
], ids=["basic-without-management", "premium-classic", "basic-dns-proxy", "basic-fqdn-network-rule"])
def test_each_tier_rule_is_refused_with_azure_s_words_and_creates_nothing(clients, overrides, code, message,
                                                                        not_created):
    dep = load_deployment(overrides=overrides, check_plan=False)
    ensure_network(clients, dep)
    with pytest.raises(StageError) as refused:
        ensure_firewall_stage(clients, dep)
    assert f"({code}) {message}" in str(refused.value)
    assert _read(clients, dep, not_created) is None


def test_lint_and_preflight_read_the_deployed_policy(clients):
    dep, _ = deployed(clients, POLICY)
    live = live_rules(clients, dep)
    assert live.policy == "dzpraks1-policy" and live.dns_proxy is True
    assert [g.name for g in live.rule_collection_groups] == ["aks-egress"]
    assert lint(live) == lint(dep.rule_set().in_policy())
    policy = clients.network.firewall_policies.get(dep.resource_groups.network, "dzpraks1-policy")
    policy.dns_settings.enable_proxy = False  # refused by Azure while the ntp rule needs it: lint says why
    with pytest.raises(Exception, match="AzureFirewallDNSProxyMustBeEnabled"):
        clients.network.firewall_policies.begin_create_or_update(dep.resource_groups.network, policy.name,
                                                                 policy).result()
    assert "fqdn-needs-dns-proxy" in {f.code for f in lint(live, dns_proxy=False)}


def test_teardown_removes_the_policy_after_the_firewall_and_keeps_what_is_not_tagged(clients):
    dep, _ = deployed(clients, POLICY)
    group = dep.resource_groups.network
    # Someone else's VNet in the network group: the group stays, so each tagged resource goes on its own.
    clients.network.virtual_networks.begin_create_or_update(group, "their-vnet", VirtualNetwork(
        location=dep.location, address_space=AddressSpace(address_prefixes=["10.9.0.0/16"]))).result()
    plan = plan_teardown(clients, dep)
    kinds = [i.kind for i in plan if i.action == "delete resource"]
    assert kinds.index("Microsoft.Network/firewallPolicies") == kinds.index("Microsoft.Network/azureFirewalls") + 1
    deleted = teardown(clients, dep, plan, confirm="dzpraks1", echo=lambda _: None)
    assert "Microsoft.Network/firewallPolicies dzpraks1-policy" in deleted
    assert list(clients.resource.resources.list(
        filter="tagName eq 'praks-deployment' and tagValue eq 'dzpraks1'")) == []
    assert list(clients.network.firewall_policies.list(group)) == []
    assert [v.name for v in clients.network.virtual_networks.list(group)] == ["their-vnet"]


def test_labs_write_their_rules_into_the_policy_the_firewall_uses(clients):
    from praks_lib.firewall import RuleSet
    from praks_lib.labs import apply_rules
    from praks_lib.labs.broad_rule import BROAD

    dep, _ = deployed(clients, POLICY)
    data = dep.rule_set().to_yaml_dict()
    data["network_rule_collections"] = [BROAD, *data["network_rule_collections"]]
    apply_rules(clients, dep, RuleSet.from_dict(data))
    firewall = clients.network.azure_firewalls.get(dep.resource_groups.network, "dzpraks1")
    assert firewall.network_rule_collections == [] and firewall.firewall_policy is not None
    assert "broad-network-rule" in {f.code for f in lint(live_rules(clients, dep))}
    apply_rules(clients, dep, dep.rule_set())
    assert firewall_verdict(clients, dep).startswith("PASS")
