"""Fidelity: Microsoft's REST examples, fed to the emulator; the answers must have the examples'
shape and deserialize into the SDK models (see tests/fixtures/azure-rest-examples/)."""

from dataclasses import dataclass, field

import pytest
from azure.mgmt.network import models as network_models
from azure.mgmt.resource.resources import models as resource_models

from .shapes import load_example, shape_differences, with_subscription

SUB = "00000000-0000-0000-0000-000000000000"
NET = "/subscriptions/{sub}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"


@dataclass
class Case:
    provider: str
    name: str
    path: str
    model: type
    status: int = 201
    # Example keys about resources the request does not create (a NIC, a NAT gateway, a DDoS plan)
    # or that the example's request does not ask for.
    ignore: frozenset = field(default_factory=frozenset)
    setup: tuple = ()          # (path, body) PUTs to run first
    get_example: bool = False  # a GET example: create the resource from its response body first


VNET_SETUP = (NET + "/virtualNetworks/{virtualNetworkName}",
              {"location": "westus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
PEER_SETUP = (
    (NET + "/virtualNetworks/vnet1",
     {"location": "westus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
    (NET + "/virtualNetworks/vnet2",
     {"location": "westus", "properties": {"addressSpace": {"addressPrefixes": ["12.0.0.0/8"]}}}),
)
PIP_NOT_CREATED = frozenset({"properties.ipConfiguration"})

CASES = [
    Case("resources", "CreateResourceGroup", "/subscriptions/{sub}/resourcegroups/{resourceGroupName}",
         resource_models.ResourceGroup),
    Case("network", "VirtualNetworkCreate", NET + "/virtualNetworks/{virtualNetworkName}",
         network_models.VirtualNetwork),
    Case("network", "VirtualNetworkCreateSubnet", NET + "/virtualNetworks/{virtualNetworkName}",
         network_models.VirtualNetwork),
    Case("network", "VirtualNetworkGet", NET + "/virtualNetworks/{virtualNetworkName}",
         network_models.VirtualNetwork, status=200, get_example=True,
         ignore=frozenset({"properties.subnets[].properties.ipConfigurations"})),
    Case("network", "SubnetCreate", NET + "/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
         network_models.Subnet, setup=(VNET_SETUP,)),
    Case("network", "SubnetCreateWithDelegation",
         NET + "/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}", network_models.Subnet,
         setup=(VNET_SETUP,),  # its request asks for no delegation though its response shows one
         ignore=frozenset({"properties.delegations", "properties.purpose"})),
    Case("network", "SubnetGet", NET + "/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
         network_models.Subnet, status=200, get_example=True, setup=(VNET_SETUP,)),
    Case("network", "VirtualNetworkPeeringCreate",
         NET + "/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
         network_models.VirtualNetworkPeering, setup=PEER_SETUP,
         ignore=frozenset({"properties.remoteBgpCommunities"})),
    Case("network", "VirtualNetworkPeeringGet",
         NET + "/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
         network_models.VirtualNetworkPeering, status=200, get_example=True, setup=PEER_SETUP,
         ignore=frozenset({"properties.remoteBgpCommunities"})),
    Case("network", "VirtualNetworkPeeringSync",
         NET + "/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
         network_models.VirtualNetworkPeering, setup=PEER_SETUP,
         ignore=frozenset({"properties.remoteBgpCommunities"})),
    Case("network", "PublicIpAddressCreateCustomizedValues",
         NET + "/publicIPAddresses/{publicIpAddressName}", network_models.PublicIPAddress,
         ignore=PIP_NOT_CREATED),
    Case("network", "PublicIpAddressGet", NET + "/publicIPAddresses/{publicIpAddressName}",
         network_models.PublicIPAddress, status=200, get_example=True,
         ignore=PIP_NOT_CREATED | {"properties.ddosSettings.ddosProtectionPlan"}),
]


def split_parameters(parameters: dict) -> tuple[dict, dict | None]:
    """Path parameters, and the request body (the one parameter that is an object). A list beside
    the body (PublicIpAddressCreateCustomizedValues puts ``zones`` there) belongs in the body."""
    path = {k: v for k, v in parameters.items() if not isinstance(v, (dict, list))}
    bodies = [v for v in parameters.values() if isinstance(v, dict)]
    body = dict(bodies[0]) if bodies else None
    if body is not None:
        body.update({k: v for k, v in parameters.items() if isinstance(v, list)})
    return path, body


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_example_answer_has_the_example_shape(case, arm_call, resources):
    example = with_subscription(load_example(case.provider, case.name),
                                load_example(case.provider, case.name)["parameters"]["subscriptionId"], SUB)
    params, body = split_parameters(example["parameters"])
    params["sub"] = SUB
    api_version = params["api-version"]
    if case.provider == "network":
        resources.resource_groups.create_or_update(params["resourceGroupName"], {"location": "westus"})
    for setup_path, setup_body in case.setup:
        answer = arm_call("PUT", setup_path.format(**params), api_version=api_version, json=setup_body)
        assert answer.status_code in (200, 201), answer.text
    path = case.path.format(**params)
    expected = example["responses"][str(case.status)]["body"]
    if case.get_example:
        request = dict(expected)
        if "publicIPAddresses" in path:  # Basic/Dynamic can no longer be created on Azure
            request["sku"] = {"name": "Standard"}
            request["properties"] = {**expected["properties"], "publicIPAllocationMethod": "Static"}
        created = arm_call("PUT", path, api_version=api_version, json=request)
        assert created.status_code == 201, created.text
        answer = arm_call("GET", path, api_version=api_version)
    else:
        answer = arm_call("PUT", path, api_version=api_version, json=body)
    assert answer.status_code == case.status, answer.text
    actual = answer.json()
    assert shape_differences(actual, expected, case.ignore) == []
    model = case.model(actual)  # the SDK's own model, as its operations build it from the body
    assert model.id == actual["id"]
    assert model.name == actual["name"]
    assert model.as_dict() == actual


def test_default_public_ip_example_is_refused_as_azure_now_does(arm_call, resources):
    """PublicIpAddressCreateDefaults asks for a Basic SKU address, which Azure retired in 2025."""
    example = load_example("network", "PublicIpAddressCreateDefaults")
    params, body = split_parameters(example["parameters"])
    resources.resource_groups.create_or_update(params["resourceGroupName"], {"location": "eastus"})
    path = (NET + "/publicIPAddresses/{publicIpAddressName}").format(sub=SUB, **params)
    answer = arm_call("PUT", path, api_version=params["api-version"], json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "IPv4BasicSkuPublicIpCountLimitReached"


def test_shape_helper_reports_missing_and_mistyped_keys():
    expected = {"a": 1, "b": {"c": "x"}, "d": [{"e": True}]}
    assert shape_differences({"a": 2, "b": {"c": "y"}, "d": [{"e": False}]}, expected) == []
    assert shape_differences({"a": "1", "b": {}, "d": [{"e": 1}]}, expected) == [
        "a: expected number, got string ('1')", "b.c: missing", "d[].e: expected boolean, got number (1)"]
