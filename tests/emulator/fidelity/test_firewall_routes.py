"""Fidelity: Microsoft's REST examples for firewalls, firewall policies, route tables and network
interfaces, fed to the emulator; answers must have the examples' shape and deserialize into the
SDK models (see tests/fixtures/azure-rest-examples/network)."""

import copy
from dataclasses import dataclass, field

import pytest
from azure.mgmt.network import models as m

from .shapes import load_example, shape_differences, with_subscription

SUB = "00000000-0000-0000-0000-000000000000"
NET = "/subscriptions/{sub}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
STANDARD_IP = {"location": "westus", "sku": {"name": "Standard"},
               "properties": {"publicIPAllocationMethod": "Static"}}
FIREWALL_SETUP = (
    (NET + "/virtualNetworks/vnet2", {"location": "westus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "AzureFirewallSubnet", "properties": {"addressPrefix": "10.0.0.0/26"}}]}}),
    (NET + "/publicIPAddresses/pipName", STANDARD_IP),
)
POLICY_SETUP = ((NET + "/firewallPolicies/firewallPolicy", {"location": "westus"}),)
TABLE_SETUP = ((NET + "/routeTables/testrt", {"location": "westus"}),)
NIC_SETUP = (
    (NET + "/virtualNetworks/rg1-vnet", {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["172.20.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "172.20.2.0/24"}}]}}),
    (NET + "/publicIPAddresses/test-ip", {**STANDARD_IP, "location": "eastus"}),
)
# What the examples show but the requests do not create: autoscale settings and IP groups Azure
# adds on some firewalls, groups listed on a policy that its request does not create, a NIC's VM,
# NSG, MAC address and internal DNS suffix (it is attached to no VM).
FIREWALL_EXTRAS = frozenset({
    "properties.autoscaleConfiguration", "properties.ipGroups",
    # The shape check compares every rule with the first one, but the examples' rules differ: the
    # second NAT rule translates to an FQDN, the second network rule names FQDNs, not addresses.
    "properties.natRuleCollections[].properties.rules[].translatedAddress",
    "properties.networkRuleCollections[].properties.rules[].destinationAddresses",
})
# The IP-groups example answers with groups on rules whose request sends none.
IP_GROUPS_NOT_SENT = FIREWALL_EXTRAS | {
    "properties.applicationRuleCollections[].properties.rules[].sourceIpGroups",
    "properties.natRuleCollections[].properties.rules[].sourceIpGroups",
}
NIC_NOT_CREATED = frozenset({
    "properties.macAddress", "properties.networkSecurityGroup", "properties.virtualMachine",
    "properties.dnsSettings.internalDomainNameSuffix", "properties.primary", "properties.tapConfigurations",
    "properties.hostedWorkloads", "properties.nicType", "properties.auxiliaryMode", "properties.auxiliarySku"})


def with_dns_proxy(body: dict) -> dict:
    """The firewall examples use FQDN network rules, which a deployed firewall accepts only with
    DNS proxy on (AzureFirewallDNSProxyMustBeEnabled): turn it on, as the runbook does."""
    body = copy.deepcopy(body)
    body["properties"]["additionalProperties"] = {**body["properties"].get("additionalProperties", {}),
                                                  "Network.DNS.EnableProxy": "true"}
    return body


def first_ip_configuration(body: dict) -> dict:
    """NetworkInterfaceCreate's second IP configuration names no subnet (a prefix delegation the
    emulator does not model); the shape check compares list items with the first one anyway."""
    body = copy.deepcopy(body)
    body["properties"]["ipConfigurations"] = body["properties"]["ipConfigurations"][:1]
    return body


@dataclass
class Case:
    name: str
    path: str
    model: type
    status: int = 201
    ignore: frozenset = field(default_factory=frozenset)
    setup: tuple = ()
    get_example: bool = False
    adapt: object = None  # adjusts the request body (see the functions above)


FIREWALL = NET + "/azureFirewalls/{azureFirewallName}"
GROUP = NET + "/firewallPolicies/{firewallPolicyName}/ruleCollectionGroups/{ruleCollectionGroupName}"
CASES = [
    Case("AzureFirewallPut", FIREWALL, m.AzureFirewall, setup=FIREWALL_SETUP, ignore=FIREWALL_EXTRAS,
         adapt=with_dns_proxy),
    Case("AzureFirewallPutWithAdditionalProperties", FIREWALL, m.AzureFirewall, setup=FIREWALL_SETUP,
         ignore=FIREWALL_EXTRAS, adapt=with_dns_proxy),
    Case("AzureFirewallPutWithIpGroups", FIREWALL, m.AzureFirewall, setup=FIREWALL_SETUP,
         ignore=IP_GROUPS_NOT_SENT, adapt=with_dns_proxy),
    Case("AzureFirewallGet", FIREWALL, m.AzureFirewall, status=200, get_example=True, setup=FIREWALL_SETUP,
         ignore=FIREWALL_EXTRAS, adapt=with_dns_proxy),
    Case("FirewallPolicyPut", NET + "/firewallPolicies/{firewallPolicyName}", m.FirewallPolicy,
         ignore=frozenset({"properties.ruleCollectionGroups"})),
    Case("FirewallPolicyRuleCollectionGroupPut", GROUP, m.FirewallPolicyRuleCollectionGroup, setup=POLICY_SETUP),
    Case("FirewallPolicyRuleCollectionGroupGet", GROUP, m.FirewallPolicyRuleCollectionGroup, status=200,
         get_example=True, setup=POLICY_SETUP),
    Case("FirewallPolicyRuleCollectionGroupWithIpGroupsPut", GROUP, m.FirewallPolicyRuleCollectionGroup,
         setup=POLICY_SETUP),
    Case("FirewallPolicyRuleCollectionGroupWithWebCategoriesPut", GROUP, m.FirewallPolicyRuleCollectionGroup,
         setup=POLICY_SETUP),
    Case("RouteTableCreate", NET + "/routeTables/{routeTableName}", m.RouteTable),
    Case("RouteTableCreateWithRoute", NET + "/routeTables/{routeTableName}", m.RouteTable),
    Case("RouteTableGet", NET + "/routeTables/{routeTableName}", m.RouteTable, status=200, get_example=True),
    Case("RouteTableRouteCreate", NET + "/routeTables/{routeTableName}/routes/{routeName}", m.Route,
         setup=TABLE_SETUP),
    Case("NetworkInterfaceCreate", NET + "/networkInterfaces/{networkInterfaceName}", m.NetworkInterface,
         setup=NIC_SETUP, adapt=first_ip_configuration),
    Case("NetworkInterfaceGet", NET + "/networkInterfaces/{networkInterfaceName}", m.NetworkInterface,
         status=200, get_example=True, setup=NIC_SETUP, ignore=NIC_NOT_CREATED, adapt=first_ip_configuration),
]


def split_parameters(parameters: dict) -> tuple[dict, dict | None]:
    path = {k: v for k, v in parameters.items() if not isinstance(v, (dict, list))}
    bodies = [v for v in parameters.values() if isinstance(v, dict)]
    return path, (dict(bodies[0]) if bodies else None)


def example_of(name: str) -> dict:
    raw = load_example("network", name)
    return with_subscription(raw, raw["parameters"]["subscriptionId"], SUB)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_example_answer_has_the_example_shape(case, arm_call, resources):
    example = example_of(case.name)
    params, body = split_parameters(example["parameters"])
    params["sub"] = SUB
    api_version = params["api-version"]
    resources.resource_groups.create_or_update(params["resourceGroupName"], {"location": "westus"})
    for setup_path, setup_body in case.setup:
        answer = arm_call("PUT", setup_path.format(**params), api_version=api_version, json=setup_body)
        assert answer.status_code in (200, 201), answer.text
    path = case.path.format(**params)
    expected = example["responses"][str(case.status)]["body"]
    request = expected if case.get_example else body
    if case.adapt:
        request = case.adapt(request)
    answer = arm_call("PUT", path, api_version=api_version, json=request)
    assert answer.status_code == 201, answer.text
    if case.get_example:
        answer = arm_call("GET", path, api_version=api_version)
    actual = answer.json()
    assert shape_differences(actual, expected, case.ignore) == []
    model = case.model(actual)
    assert model.id == actual["id"]
    assert model.as_dict() == actual


@pytest.mark.parametrize("name, path, setup, body", [
    ("FirewallPolicyDelete", NET + "/firewallPolicies/{firewallPolicyName}", (), {"location": "westus"}),
    ("FirewallPolicyRuleCollectionGroupDelete", GROUP, POLICY_SETUP, {"properties": {"priority": 100}}),
])
def test_delete_answers_as_the_example_and_network_operations_do(name, path, setup, body, arm_call, resources, emu):
    """202 with Location (and Azure-AsyncOperation, as every Microsoft.Network delete), the operation
    then Succeeded and its result 204; deleting what is gone is 204. The example lists 200, 202, 204."""
    example = example_of(name)
    params, _ = split_parameters(example["parameters"])
    params["sub"] = SUB
    api_version = params["api-version"]
    resources.resource_groups.create_or_update(params["resourceGroupName"], {"location": "westus"})
    for setup_path, setup_body in setup:
        arm_call("PUT", setup_path.format(**params), api_version=api_version, json=setup_body)
    path = path.format(**params)
    created = arm_call("PUT", path, api_version=api_version, json=body)
    assert created.status_code == 201, created.text
    answer = arm_call("DELETE", path, api_version=api_version)
    assert str(answer.status_code) in example["responses"] and answer.status_code == 202
    assert "/operationResults/" in answer.headers["Location"] and "/operations/" in answer.headers["Azure-AsyncOperation"]
    session, token = emu.transport().session, {"Authorization": "Bearer " + emu.credential.get_token().token}
    assert session.get(answer.headers["Azure-AsyncOperation"], headers=token).json() == {"status": "Succeeded"}
    assert session.get(answer.headers["Location"], headers=token).status_code == 204
    assert arm_call("GET", path, api_version=api_version).status_code == 404
    assert arm_call("DELETE", path, api_version=api_version).status_code == 204


def test_effective_route_table_has_the_example_shape(arm_call, resources, network):
    example = example_of("NetworkInterfaceEffectiveRouteTableList")
    params, _ = split_parameters(example["parameters"])
    params["sub"] = SUB
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})
    for setup_path, setup_body in NIC_SETUP:
        assert arm_call("PUT", setup_path.format(**params), json=setup_body).status_code == 201
    nic = {"location": "eastus", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
        "subnet": {"id": (NET + "/virtualNetworks/rg1-vnet/subnets/default").format(**params)}}}]}}
    assert arm_call("PUT", (NET + "/networkInterfaces/nic1").format(**params), json=nic).status_code == 201
    result = network.network_interfaces.begin_get_effective_route_table("rg1", "nic1").result()
    actual = {"value": [route.as_dict() for route in result.value]}
    expected = example["responses"]["200"]["body"]
    assert shape_differences(actual, expected) == []
    # the example's NIC sits in a 172.20.2.0/24 network: the same routes, in Azure's order
    assert [(r["addressPrefix"], r["nextHopType"]) for r in actual["value"]] == [
        (["172.20.0.0/16"], "VnetLocal"), (["0.0.0.0/0"], "Internet"), (["10.0.0.0/8"], "None"),
        (["172.16.0.0/12"], "None"), (["192.168.0.0/16"], "None"), (["100.64.0.0/10"], "None")]
