"""Azure Firewall and Firewall Policy in the emulator, through the real SDK: placement rules,
public IP rules, private IP, DNS proxy, create-or-update of rules, in-use protections."""

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import models as m

from praks_lib.emulator.world import network_state

SUB = "00000000-0000-0000-0000-000000000000"
NET = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network"
FW_SUBNET = f"{NET}/virtualNetworks/hub/subnets/AzureFirewallSubnet"
PIP = f"{NET}/publicIPAddresses/fw-pip"


@pytest.fixture
def hub(network, group):
    """A hub network with AzureFirewallSubnet (/26), a /27 one of the same name elsewhere, a
    wrongly named /24, and a Standard static public IP."""
    network.virtual_networks.begin_create_or_update("rg", "hub", m.VirtualNetwork(
        location="westeurope", address_space=m.AddressSpace(address_prefixes=["10.0.0.0/16"]),
        subnets=[m.Subnet(name="AzureFirewallSubnet", address_prefix="10.0.0.0/26"),
                 m.Subnet(name="jumpbox", address_prefix="10.0.2.0/24")])).result()
    network.virtual_networks.begin_create_or_update("rg", "small", m.VirtualNetwork(
        location="westeurope", address_space=m.AddressSpace(address_prefixes=["10.9.0.0/16"]),
        subnets=[m.Subnet(name="AzureFirewallSubnet", address_prefix="10.9.0.0/27")])).result()
    public_ip(network, "fw-pip")
    return network


def public_ip(network, name):
    return network.public_ip_addresses.begin_create_or_update("rg", name, m.PublicIPAddress(
        location="westeurope", sku=m.PublicIPAddressSku(name="Standard"),
        public_ip_allocation_method="Static")).result()


def firewall(subnet=FW_SUBNET, pip=PIP, **extra):
    return m.AzureFirewall(location="westeurope", ip_configurations=[m.AzureFirewallIPConfiguration(
        name="fw-config", subnet=m.SubResource(id=subnet), public_ip_address=m.SubResource(id=pip))],
        **extra)


def error_of(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.error.code, caught.value.error.message


def nothing_created(network):
    return [f.name for f in network.azure_firewalls.list("rg")] == []


def test_firewall_takes_the_fourth_address_of_its_subnet(hub):
    created = hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall()).result()
    assert created.provisioning_state == "Succeeded"
    assert created.ip_configurations[0].private_ip_address == "10.0.0.4"
    assert created.sku.name == "AZFW_VNet" and created.sku.tier == "Standard"
    assert created.threat_intel_mode == "Alert"
    fetched = hub.azure_firewalls.get("rg", "fw")
    assert fetched.ip_configurations[0].private_ip_address == "10.0.0.4"
    assert fetched.ip_configurations[0].etag == fetched.etag


def test_create_is_long_running_updating_then_succeeded(hub, arm_call):
    body = {"location": "westeurope", "properties": {"ipConfigurations": [{"name": "c", "properties": {
        "subnet": {"id": FW_SUBNET}, "publicIPAddress": {"id": PIP}}}]}}
    answer = arm_call("PUT", f"{NET}/azureFirewalls/fw", json=body)
    assert answer.status_code == 201
    assert answer.json()["properties"]["provisioningState"] == "Updating"
    status_url = answer.headers["Azure-AsyncOperation"]
    statuses = []
    while not statuses or statuses[-1] == "InProgress":
        poll = arm_call("GET", status_url.split("management.azure.com")[1].split("?")[0])
        assert "Retry-After" not in poll.headers
        statuses.append(poll.json()["status"])
    assert statuses == ["InProgress", "InProgress", "Succeeded"]
    assert arm_call("GET", f"{NET}/azureFirewalls/fw").json()["properties"]["provisioningState"] == "Succeeded"


@pytest.mark.parametrize("subnet, code, words", [
    (f"{NET}/virtualNetworks/hub/subnets/jumpbox", "AzureFirewallSubnetMissing", "named exactly 'AzureFirewallSubnet'"),
    (f"{NET}/virtualNetworks/small/subnets/AzureFirewallSubnet", "AzureFirewallSubnetTooSmall", "/26 or larger"),
    (f"{NET}/virtualNetworks/hub/subnets/nope", "InvalidResourceReference", "was not found"),
])
def test_firewall_subnet_must_be_azurefirewallsubnet_of_26_or_larger(hub, subnet, code, words):
    got_code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update(
        "rg", "fw", firewall(subnet=subnet)).result())
    assert got_code == code
    assert words in message
    assert nothing_created(hub)


def store_old_public_ip(emu, name, sku, method):
    """A public IP made before Azure retired Basic SKU (the API can no longer create one)."""
    rid = f"{NET}/publicIPAddresses/{name}"
    body = {"id": rid, "name": name, "type": "Microsoft.Network/publicIPAddresses", "location": "westeurope",
            "sku": {"name": sku, "tier": "Regional"},
            "properties": {"provisioningState": "Succeeded", "publicIPAllocationMethod": method,
                           "publicIPAddressVersion": "IPv4"}}
    with emu.store.transaction() as tx:
        tx.put(rid, body, type=body["type"], scope=f"/subscriptions/{SUB}/resourceGroups/rg")
    return rid


@pytest.mark.parametrize("sku, method, code", [
    ("Basic", "Static", "AzureFirewallPublicIpSkuNotStandard"),
    ("Basic", "Dynamic", "AzureFirewallPublicIpSkuNotStandard"),
    ("Standard", "Dynamic", "AzureFirewallPublicIpNotStatic"),
])
def test_firewall_public_ip_must_be_standard_and_static(hub, emu, sku, method, code):
    pip = store_old_public_ip(emu, "old-pip", sku, method)
    got_code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update(
        "rg", "fw", firewall(pip=pip)).result())
    assert got_code == code
    assert "old-pip" in message
    assert nothing_created(hub)


def test_missing_public_ip_is_an_invalid_reference(hub):
    code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update(
        "rg", "fw", firewall(pip=f"{NET}/publicIPAddresses/ghost")).result())
    assert code == "InvalidResourceReference"
    assert "publicIPAddresses/ghost" in message and "was not found" in message
    no_ip = m.AzureFirewall(location="westeurope", ip_configurations=[m.AzureFirewallIPConfiguration(
        name="c", subnet=m.SubResource(id=FW_SUBNET))])
    code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw", no_ip).result())
    assert code == "AzureFirewallPublicIpMissing"
    assert nothing_created(hub)


def test_public_ip_of_one_firewall_cannot_serve_another(hub):
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall()).result()
    code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw2", firewall()).result())
    assert code == "PublicIPAddressInUse"
    assert "fw2" in message


def test_dns_proxy_round_trips_through_additional_properties(hub):
    fw = firewall(additional_properties={"Network.DNS.EnableProxy": "true"})
    hub.azure_firewalls.begin_create_or_update("rg", "fw", fw).result()
    fetched = hub.azure_firewalls.get("rg", "fw")
    assert fetched.additional_properties == {"Network.DNS.EnableProxy": "true"}


def network_collection(name, rules, priority=200):
    return m.AzureFirewallNetworkRuleCollection(
        name=name, priority=priority, action=m.AzureFirewallRCAction(type="Allow"), rules=rules)


def test_rule_update_is_create_or_update_and_replaces_the_rules(hub, arm_call):
    first = m.AzureFirewallNetworkRule(name="ntp", protocols=["UDP"], source_addresses=["10.1.0.0/24"],
                                       destination_addresses=["*"], destination_ports=["123"])
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        network_rule_collections=[network_collection("time", [first])])).result()
    current = hub.azure_firewalls.get("rg", "fw")
    second = m.AzureFirewallNetworkRule(name="dns", protocols=["UDP"], source_addresses=["10.1.0.0/24"],
                                        destination_addresses=["*"], destination_ports=["53"])
    current.network_rule_collections = [network_collection("dns", [second], priority=300)]
    answer = arm_call("PUT", f"{NET}/azureFirewalls/fw", api_version="2024-10-01", json=current.as_dict())
    assert answer.status_code == 200
    hub.azure_firewalls.begin_create_or_update("rg", "fw", current).result()
    collections = hub.azure_firewalls.get("rg", "fw").network_rule_collections
    assert [(c.name, [r.name for r in c.rules]) for c in collections] == [("dns", ["dns"])]
    rule = collections[0].rules[0]
    assert rule.destination_fqdns == [] and rule.source_ip_groups == []  # Azure echoes empty lists
    assert collections[0].id.endswith("/azureFirewalls/fw/networkRuleCollections/dns")


def test_invalid_rules_are_refused_naming_collection_and_rule(hub):
    bad = m.AzureFirewallNetworkRule(name="web", protocols=["TCP"], source_addresses=["10.1.0.0/24"],
                                     destination_addresses=["*"], destination_ports=["99999"])
    code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        network_rule_collections=[network_collection("egress", [bad], priority=50)])).result())
    assert code == "AzureFirewallInvalidRuleCollection"
    assert "egress" in message and "priority" in message
    assert nothing_created(hub)


def test_fqdn_network_rules_need_dns_proxy_on_a_deployed_firewall(hub):
    rule = m.AzureFirewallNetworkRule(name="ntp", protocols=["UDP"], source_addresses=["*"],
                                      destination_fqdns=["ntp.ubuntu.com"], destination_ports=["123"])
    code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        network_rule_collections=[network_collection("time", [rule])])).result())
    assert (code, message) == ("AzureFirewallDNSProxyMustBeEnabled",
                               "In order to use DestinationFqdns in Network Rules, DNS Proxy must be enabled, or "
                               "RequireProxyForNetworkRules must be set to 'false'. See rule ntp in network rule "
                               "collection time")
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        additional_properties={"Network.DNS.EnableProxy": "true"},
        network_rule_collections=[network_collection("time", [rule])])).result()


def test_subnet_and_public_ip_in_use_cannot_be_deleted_until_the_firewall_goes(hub):
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall()).result()
    config_id = f"{NET}/azureFirewalls/fw/ipConfigurations/fw-config"
    subnet = hub.subnets.get("rg", "hub", "AzureFirewallSubnet")
    assert [c.id for c in subnet.ip_configurations] == [config_id]
    assert hub.public_ip_addresses.get("rg", "fw-pip").ip_configuration.id == config_id
    code, _ = error_of(lambda: hub.subnets.begin_delete("rg", "hub", "AzureFirewallSubnet").result())
    assert code == "InUseSubnetCannotBeDeleted"
    code, message = error_of(lambda: hub.public_ip_addresses.begin_delete("rg", "fw-pip").result())
    assert code == "PublicIPAddressCannotBeDeleted" and config_id in message
    hub.azure_firewalls.begin_delete("rg", "fw").result()
    assert not hub.subnets.get("rg", "hub", "AzureFirewallSubnet").ip_configurations
    assert hub.public_ip_addresses.get("rg", "fw-pip").ip_configuration is None
    hub.public_ip_addresses.begin_delete("rg", "fw-pip").result()


def test_resource_group_delete_releases_what_the_firewall_used(hub, resources):
    resources.resource_groups.create_or_update("fw-rg", {"location": "westeurope"})
    hub.azure_firewalls.begin_create_or_update("fw-rg", "fw", firewall()).result()
    resources.resource_groups.begin_delete("fw-rg").result()
    assert not hub.subnets.get("rg", "hub", "AzureFirewallSubnet").ip_configurations
    assert hub.public_ip_addresses.get("rg", "fw-pip").ip_configuration is None


def test_data_plane_finds_the_firewall_and_subnet_by_address(hub, emu):
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall()).result()
    with emu.store.transaction() as tx:
        assert network_state.firewall_by_private_ip(tx, "10.0.0.4")["name"] == "fw"
        assert network_state.firewall_by_private_ip(tx, "10.0.0.5") is None
        assert network_state.subnet_of(tx, "10.0.2.9")["name"] == "jumpbox"
        assert network_state.subnet_of(tx, "192.168.0.1") is None


def test_firewall_policy_with_rule_collection_group(hub):
    policy = hub.firewall_policies.begin_create_or_update("rg", "policy", m.FirewallPolicy(
        location="westeurope", dns_settings=m.DnsSettings(enable_proxy=True))).result()
    assert policy.threat_intel_mode == "Alert"
    group = m.FirewallPolicyRuleCollectionGroup(priority=200, rule_collections=[
        m.FirewallPolicyFilterRuleCollection(
            name="aks", priority=100, action=m.FirewallPolicyFilterRuleCollectionAction(type="Allow"),
            rules=[m.ApplicationRule(name="mcr", source_addresses=["10.1.0.0/24"], target_fqdns=["mcr.microsoft.com"],
                                     protocols=[m.FirewallPolicyRuleApplicationProtocol(protocol_type="Https", port=443)])])])
    hub.firewall_policy_rule_collection_groups.begin_create_or_update("rg", "policy", "egress", group).result()
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        firewall_policy=m.SubResource(id=policy.id))).result()
    fetched = hub.firewall_policies.get("rg", "policy")
    assert [g.id.rsplit("/", 1)[1] for g in fetched.rule_collection_groups] == ["egress"]
    assert [f.id.rsplit("/", 1)[1] for f in fetched.firewalls] == ["fw"]
    assert hub.azure_firewalls.get("rg", "fw").firewall_policy.id == policy.id


def test_invalid_policy_rules_are_refused(hub):
    hub.firewall_policies.begin_create_or_update("rg", "policy", m.FirewallPolicy(location="westeurope")).result()
    group = m.FirewallPolicyRuleCollectionGroup(priority=200, rule_collections=[
        m.FirewallPolicyFilterRuleCollection(
            name="aks", priority=100, action=m.FirewallPolicyFilterRuleCollectionAction(type="Allow"),
            rules=[m.NetworkRule(name="ntp", source_addresses=["10.1.0.0/24"], destination_addresses=["*"],
                                 destination_ports=["0"], ip_protocols=["UDP"])])])
    code, message = error_of(lambda: hub.firewall_policy_rule_collection_groups.begin_create_or_update(
        "rg", "policy", "egress", group).result())
    assert code == "AzureFirewallInvalidRuleCollection"
    assert "aks" in message and "ntp" in message


RECORDINGS = Path(__file__).resolve().parents[2] / "fixtures" / "azure-cli-recordings"


def without_etags(value):
    if isinstance(value, dict):
        return {k: without_etags(v) for k, v in value.items() if k != "etag"}
    if isinstance(value, list):
        return [without_etags(v) for v in value]
    return value


@pytest.mark.parametrize("recording", ["test_azure_firewall.yaml", "test_azure_firewall_rules.yaml"])
def test_recorded_firewall_puts_get_the_recorded_answers(recording, arm_call, resources):
    """Replay the Azure CLI's recorded firewall PUTs: same status, same body (etags aside)."""
    interactions = yaml.safe_load((RECORDINGS / recording).read_text())["interactions"]
    group = recording.removesuffix(".yaml").replace("test_", "cli_test_", 1) + "000001"
    resources.resource_groups.create_or_update(group, {"location": "westus"})
    puts = [i for i in interactions if i["request"]["method"] == "PUT" and "/azureFirewalls/" in i["request"]["uri"]]
    assert puts
    for interaction in puts:
        url = urlsplit(interaction["request"]["uri"])
        answer = arm_call("PUT", url.path, api_version=parse_qs(url.query)["api-version"][0],
                          json=json.loads(interaction["request"]["body"]))
        assert answer.status_code == interaction["response"]["status"]["code"], answer.text
        recorded = json.loads(interaction["response"]["body"]["string"])
        assert without_etags(answer.json()) == without_etags(recorded)


# tiers: what Basic and Premium demand, refused as Azure refuses them --------------------------

MGMT_SUBNET = f"{NET}/virtualNetworks/hub/subnets/AzureFirewallManagementSubnet"
MGMT_PIP = f"{NET}/publicIPAddresses/fw-mgmt"


@pytest.fixture
def basic_hub(hub):
    """The hub with AzureFirewallManagementSubnet (/26), a /27 one, and a second public IP."""
    hub.subnets.begin_create_or_update("rg", "hub", "AzureFirewallManagementSubnet", m.Subnet(
        address_prefix="10.0.3.0/26")).result()
    hub.subnets.begin_create_or_update("rg", "hub", "mgmt-small", m.Subnet(address_prefix="10.0.4.0/27")).result()
    public_ip(hub, "fw-mgmt")
    return hub


def policy(network, name="policy", tier="Standard", **extra):
    return network.firewall_policies.begin_create_or_update("rg", name, m.FirewallPolicy(
        location="westeurope", sku=m.FirewallPolicySku(tier=tier), **extra)).result()


def management(subnet=MGMT_SUBNET, pip=MGMT_PIP):
    return m.AzureFirewallIPConfiguration(name="fw-management", subnet=m.SubResource(id=subnet) if subnet else None,
                                          public_ip_address=m.SubResource(id=pip) if pip else None)


def basic_firewall(network, **extra):
    return firewall(sku=m.AzureFirewallSku(name="AZFW_VNet", tier="Basic"),
                    firewall_policy=m.SubResource(id=policy(network, "basic", "Basic").id), **extra)


def test_basic_firewall_takes_a_management_ip_configuration_and_its_second_public_ip(basic_hub):
    created = basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", basic_firewall(
        basic_hub, management_ip_configuration=management())).result()
    assert created.management_ip_configuration.private_ip_address == "10.0.3.4"
    assert created.management_ip_configuration.provisioning_state == "Succeeded"
    assert basic_hub.public_ip_addresses.get("rg", "fw-mgmt").ip_configuration.id == \
        f"{NET}/azureFirewalls/fw/ipConfigurations/fw-management"
    code, _ = error_of(lambda: basic_hub.public_ip_addresses.begin_delete("rg", "fw-mgmt").result())
    assert code == "PublicIPAddressCannotBeDeleted"
    basic_hub.azure_firewalls.begin_delete("rg", "fw").result()
    assert basic_hub.public_ip_addresses.get("rg", "fw-mgmt").ip_configuration is None


@pytest.mark.parametrize("config", [None, management(pip=None), management(subnet=None)],
                         ids=["missing", "no public IP", "no subnet"])
def test_basic_firewall_without_a_complete_management_ip_configuration_is_refused(basic_hub, config):
    code, message = error_of(lambda: basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", basic_firewall(
        basic_hub, management_ip_configuration=config)).result())
    assert (code, message) == ("AzureFirewallManagementIpConfigRequiresSubnetAndPublicIp",
                               "AzureFirewall fw management IP configuration requires both a subnet and a public "
                               "IP address.")
    assert nothing_created(basic_hub)


def test_management_subnet_must_be_azurefirewallmanagementsubnet(basic_hub):
    wrong = f"{NET}/virtualNetworks/hub/subnets/mgmt-small"
    code, message = error_of(lambda: basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", basic_firewall(
        basic_hub, management_ip_configuration=management(subnet=wrong))).result())
    assert (code, message) == ("AzureFirewallManagementSubnetName",
                               "The firewall's management IP configuration needs a subnet named exactly "
                               "'AzureFirewallManagementSubnet'; 'mgmt-small' is not that name.")
    assert nothing_created(basic_hub)


def test_management_subnet_smaller_than_26_is_refused(basic_hub):
    basic_hub.virtual_networks.begin_create_or_update("rg", "small", m.VirtualNetwork(
        location="westeurope", address_space=m.AddressSpace(address_prefixes=["10.9.0.0/16"]),
        subnets=[m.Subnet(name="AzureFirewallSubnet", address_prefix="10.9.0.0/26"),
                 m.Subnet(name="AzureFirewallManagementSubnet", address_prefix="10.9.1.0/27")])).result()
    small = f"{NET}/virtualNetworks/small/subnets"
    request = basic_firewall(basic_hub, management_ip_configuration=management(
        subnet=f"{small}/AzureFirewallManagementSubnet"))
    request.ip_configurations[0].subnet = m.SubResource(id=f"{small}/AzureFirewallSubnet")
    code, message = error_of(lambda: basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", request).result())
    assert (code, message) == ("AzureFirewallManagementSubnetTooSmall",
                               "AzureFirewallManagementSubnet 10.9.1.0/27 is smaller than the minimum /26.")
    assert nothing_created(basic_hub)


def test_a_management_ip_configuration_cannot_be_added_to_a_deployed_firewall(basic_hub):
    basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall()).result()
    code, message = error_of(lambda: basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        management_ip_configuration=management())).result())
    assert code == "AzureFirewallManagementIpConfigCannotBeAdded"
    assert message.startswith("AzureFirewall fw management IP configuration cannot be added to an existing firewall.")
    assert basic_hub.azure_firewalls.get("rg", "fw").management_ip_configuration is None


@pytest.mark.parametrize("tier", ["Premium", "Basic"])
def test_premium_and_basic_take_no_classic_rules(basic_hub, tier):
    rule = m.AzureFirewallApplicationRule(name="mcr", source_addresses=["*"], target_fqdns=["mcr.microsoft.com"],
                                          protocols=[m.AzureFirewallApplicationRuleProtocol(protocol_type="Https",
                                                                                            port=443)])
    collection = m.AzureFirewallApplicationRuleCollection(name="aks", priority=200, rules=[rule],
                                                          action=m.AzureFirewallRCAction(type="Allow"))
    request = firewall(sku=m.AzureFirewallSku(name="AZFW_VNet", tier=tier), application_rule_collections=[collection],
                       management_ip_configuration=management() if tier == "Basic" else None)
    code, message = error_of(lambda: basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", request).result())
    assert (code, message) == ("AzureFirewallPremiumRequiresPolicy",
                               f"Azure Firewall fw of tier {tier} cannot use classic rule collections; attach a "
                               f"Firewall Policy of tier {tier} instead.")
    assert nothing_created(basic_hub)
    request.application_rule_collections = []  # and deployed without any rules: a policy still needed
    code, _ = error_of(lambda: basic_hub.azure_firewalls.begin_create_or_update("rg", "fw", request).result())
    assert code == "AzureFirewallPremiumRequiresPolicy" and nothing_created(basic_hub)


@pytest.mark.parametrize("firewall_tier, policy_tier, allowed", [
    ("Standard", "Premium", "Standard"), ("Standard", "Basic", "Standard"), ("Premium", "Basic", "Standard or Premium")])
def test_a_firewall_takes_only_a_policy_of_a_tier_it_supports(hub, firewall_tier, policy_tier, allowed):
    linked = policy(hub, tier=policy_tier)
    code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        sku=m.AzureFirewallSku(name="AZFW_VNet", tier=firewall_tier),
        firewall_policy=m.SubResource(id=linked.id))).result())
    assert (code, message) == ("AzureFirewallPolicyTierNotSupported",
                               f"Firewall Policy policy of tier {policy_tier} cannot be attached to Azure Firewall fw "
                               f"of tier {firewall_tier}. A {firewall_tier} firewall takes a policy of tier {allowed}.")
    assert nothing_created(hub)


def test_a_premium_firewall_takes_a_standard_or_premium_policy(hub):
    for tier in ("Standard", "Premium"):
        linked = policy(hub, name=f"p-{tier}", tier=tier)
        created = hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
            sku=m.AzureFirewallSku(name="AZFW_VNet", tier="Premium"),
            firewall_policy=m.SubResource(id=linked.id))).result()
        assert created.firewall_policy.id == linked.id


def test_a_basic_policy_has_no_dns_proxy_and_only_premium_has_idps(hub):
    code, message = error_of(lambda: policy(hub, tier="Basic", dns_settings=m.DnsSettings(enable_proxy=True)))
    assert (code, message) == ("FirewallPolicyHigherTierOnlyProperties",
                               "Firewall Policy policy contains higher tier only properties - DNS Proxy and Custom DNS")
    code, message = error_of(lambda: policy(hub, tier="Standard", intrusion_detection=m.FirewallPolicyIntrusionDetection(
        mode="Alert")))
    assert (code, message) == ("FirewallPolicyHigherTierOnlyProperties",
                               "Firewall Policy policy contains higher tier only properties - Intrusion Detection")
    assert list(hub.firewall_policies.list("rg")) == []
    assert policy(hub, tier="Premium", intrusion_detection=m.FirewallPolicyIntrusionDetection(mode="Alert")).sku.tier \
        == "Premium"


def test_a_policy_keeps_its_tier(hub):
    policy(hub, tier="Standard")
    code, message = error_of(lambda: policy(hub, tier="Premium"))
    assert (code, message) == ("FirewallPolicySkuChangeDisallowed",
                               "Firewall Policy policy cannot change sku from SKU Tier=Standard to SKU Tier=Premium")
    assert hub.firewall_policies.get("rg", "policy").sku.tier == "Standard"


def fqdn_group():
    return m.FirewallPolicyRuleCollectionGroup(priority=200, rule_collections=[
        m.FirewallPolicyFilterRuleCollection(
            name="time", priority=100, action=m.FirewallPolicyFilterRuleCollectionAction(type="Allow"),
            rules=[m.NetworkRule(name="ntp", source_addresses=["10.1.0.0/24"], destination_fqdns=["ntp.ubuntu.com"],
                                 destination_ports=["123"], ip_protocols=["UDP"])])])


FQDN_REFUSED = ("AzureFirewallDNSProxyMustBeEnabled",
                "In order to use DestinationFqdns in Network Rules, DNS Proxy must be enabled, or "
                "RequireProxyForNetworkRules must be set to 'false'. See rule ntp in network rule collection time")


def test_a_basic_policy_refuses_fqdns_in_network_rules(hub):
    policy(hub, tier="Basic")
    groups = hub.firewall_policy_rule_collection_groups
    assert error_of(lambda: groups.begin_create_or_update("rg", "policy", "egress", fqdn_group()).result()) \
        == FQDN_REFUSED
    assert list(groups.list("rg", "policy")) == []


def test_fqdn_network_rules_need_the_policy_s_dns_proxy_once_a_deployed_firewall_uses_it(hub):
    linked = policy(hub)
    groups = hub.firewall_policy_rule_collection_groups
    groups.begin_create_or_update("rg", "policy", "egress", fqdn_group()).result()  # no firewall uses it yet
    assert error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        firewall_policy=m.SubResource(id=linked.id))).result()) == FQDN_REFUSED
    assert nothing_created(hub)
    policy(hub, dns_settings=m.DnsSettings(enable_proxy=True))
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(firewall_policy=m.SubResource(id=linked.id))).result()
    assert error_of(lambda: policy(hub, dns_settings=m.DnsSettings(enable_proxy=False))) == FQDN_REFUSED
    groups.begin_delete("rg", "policy", "egress").result()
    policy(hub, dns_settings=m.DnsSettings(enable_proxy=False))  # no FQDN rules left: allowed
    assert error_of(lambda: groups.begin_create_or_update("rg", "policy", "egress", fqdn_group()).result()) \
        == FQDN_REFUSED
    assert list(groups.list("rg", "policy")) == []


# a policy and what uses it: one rule source per firewall, no deleting what is in use ------------

def classic_collection():
    rule = m.AzureFirewallNetworkRule(name="ntp", protocols=["UDP"], source_addresses=["10.1.0.0/24"],
                                      destination_addresses=["*"], destination_ports=["123"])
    return network_collection("time", [rule])


def test_a_firewall_takes_a_policy_or_classic_rules_not_both(hub):
    linked = policy(hub)
    code, message = error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        firewall_policy=m.SubResource(id=linked.id), network_rule_collections=[classic_collection()])).result())
    assert (code, message) == ("AzureFirewallPolicyAndRuleCollectionsCannotCoexist",
                               "Firewall Policy and Rule Collections cannot coexist: Azure Firewall fw uses Firewall "
                               "Policy policy, so its applicationRuleCollections, networkRuleCollections and "
                               "natRuleCollections must be empty.")
    assert nothing_created(hub)
    assert hub.firewall_policies.get("rg", "policy").firewalls == []


def test_switching_between_classic_rules_and_a_policy_is_one_put_each_way(hub):
    linked = policy(hub)
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(
        network_rule_collections=[classic_collection()])).result()
    current = hub.azure_firewalls.get("rg", "fw")
    current.firewall_policy, current.network_rule_collections = m.SubResource(id=linked.id), []
    switched = hub.azure_firewalls.begin_create_or_update("rg", "fw", current).result()
    assert switched.firewall_policy.id == linked.id and switched.network_rule_collections == []
    current = hub.azure_firewalls.get("rg", "fw")
    current.network_rule_collections.append(classic_collection())  # rules added, the policy kept: refused
    code, _ = error_of(lambda: hub.azure_firewalls.begin_create_or_update("rg", "fw", current).result())
    assert code == "AzureFirewallPolicyAndRuleCollectionsCannotCoexist"
    assert hub.azure_firewalls.get("rg", "fw").network_rule_collections == []
    current.firewall_policy = None
    back = hub.azure_firewalls.begin_create_or_update("rg", "fw", current).result()
    assert back.firewall_policy is None and [c.name for c in back.network_rule_collections] == ["time"]
    assert hub.firewall_policies.get("rg", "policy").firewalls == []


def test_a_policy_a_firewall_uses_is_deleted_only_after_the_firewall(hub):
    linked = policy(hub)
    hub.azure_firewalls.begin_create_or_update("rg", "fw", firewall(firewall_policy=m.SubResource(id=linked.id))).result()
    code, message = error_of(lambda: hub.firewall_policies.begin_delete("rg", "policy").result())
    assert (code, message) == ("FirewallPolicyHasAzureFirewallReferences",
                               f"Firewall Policy '{linked.id}' cannot be deleted since there are Azure Firewalls "
                               f"using this resource: {NET}/azureFirewalls/fw.")
    assert hub.firewall_policies.get("rg", "policy").provisioning_state == "Succeeded"
    assert hub.azure_firewalls.get("rg", "fw").firewall_policy.id == linked.id
    hub.azure_firewalls.begin_delete("rg", "fw").result()
    hub.firewall_policies.begin_delete("rg", "policy").result()
    assert list(hub.firewall_policies.list("rg")) == []


def test_a_base_policy_is_deleted_only_after_its_child_policies(hub):
    base = policy(hub, name="base")
    child = policy(hub, name="child", base_policy=m.SubResource(id=base.id))
    assert [p.id for p in hub.firewall_policies.get("rg", "base").child_policies] == [child.id]
    code, message = error_of(lambda: hub.firewall_policies.begin_delete("rg", "base").result())
    assert (code, message) == ("FirewallPolicyHasChildPolicyReferences",
                               f"Firewall Policy '{base.id}' cannot be deleted since there are child Firewall Policies "
                               f"using it as their base policy: {child.id}.")
    hub.firewall_policies.begin_delete("rg", "child").result()
    hub.firewall_policies.begin_delete("rg", "base").result()
    assert list(hub.firewall_policies.list("rg")) == []


def test_a_resource_group_delete_takes_the_firewall_and_its_policy_together(hub, resources):
    resources.resource_groups.create_or_update("fw-rg", {"location": "westeurope"})
    linked = hub.firewall_policies.begin_create_or_update("fw-rg", "policy", m.FirewallPolicy(
        location="westeurope")).result()
    hub.azure_firewalls.begin_create_or_update("fw-rg", "fw", firewall(
        firewall_policy=m.SubResource(id=linked.id))).result()
    resources.resource_groups.begin_delete("fw-rg").result()
    assert not resources.resource_groups.check_existence("fw-rg")
