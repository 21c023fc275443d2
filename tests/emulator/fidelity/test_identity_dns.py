"""Fidelity: Microsoft's REST examples for managed identities, role assignments and private DNS,
fed to the emulator; the answers must have the examples' shape and deserialize into the SDK models
(see tests/fixtures/azure-rest-examples/{msi,authorization,privatedns})."""

import json

import pytest
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignment
from azure.mgmt.msi.models import Identity
from azure.mgmt.privatedns.models import PrivateZone, RecordSet, VirtualNetworkLink

from .shapes import load_example, shape_differences

SUB = "00000000-0000-0000-0000-000000000000"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
MSI = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity" \
      "/userAssignedIdentities/{resourceName}"
ZONE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network" \
       "/privateDnsZones/{privateZoneName}"
ASSIGNMENT = "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}"
VNET = f"/subscriptions/{SUB}/resourceGroups/virtualNetworkResourceGroup/providers/Microsoft.Network" \
       "/virtualNetworks/virtualNetworkName"


def example(provider, name, principal=None):
    """The example with every subscription id made ours (and the principal and role made ones the
    emulator knows: the examples name a user and a role outside the built-ins it ships)."""
    text = json.dumps(load_example(provider, name))
    for placeholder in ("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2", "virtualNetworkSubscriptionId",
                        "/subscriptions/subscriptionId/", "/subscriptions/subid/"):
        text = text.replace(placeholder, f"/subscriptions/{SUB}/" if placeholder.startswith("/") else SUB)
    if principal:
        text = text.replace("ce2ce14e-85d7-4629-bdbc-454d0519d987", principal)
        text = text.replace("0b5fe924-9a61-425c-96af-cfe6e287ca2d", READER)
    data = json.loads(text)
    data["parameters"]["subscriptionId"] = SUB
    return data


def request_parts(data):
    params = {k: v for k, v in data["parameters"].items() if not isinstance(v, dict)}
    bodies = [v for v in data["parameters"].values() if isinstance(v, dict)]
    return params, (bodies[0] if bodies else None), params.pop("api-version")


@pytest.fixture
def put(arm_call):
    def send(path, body, api_version, status=(200, 201)):
        answer = arm_call("PUT", path, api_version=api_version, json=body)
        assert answer.status_code in status, answer.text
        return answer.json()
    return send


@pytest.fixture
def identity_principal(resources, put):
    resources.resource_groups.create_or_update("rgName", {"location": "eastus"})
    return put(MSI.format(subscriptionId=SUB, resourceGroupName="rgName", resourceName="setup"),
               {"location": "eastus"}, "2024-11-30")["properties"]["principalId"]


def check(actual, data, status, model):
    assert shape_differences(actual, data["responses"][str(status)]["body"]) == []
    built = model(actual)
    assert built.id == actual["id"] and built.name == actual["name"]


@pytest.mark.parametrize("name", ["IdentityCreate", "IdentityGet"])
def test_identity_examples(name, arm_call, resources, put):
    data = example("msi", name)
    params, body, api_version = request_parts(data)
    resources.resource_groups.create_or_update(params["resourceGroupName"], {"location": "eastus"})
    path = MSI.format(**params)
    answer = put(path, body or {"location": "eastus", "tags": {"key1": "value1", "key2": "value2"}}, api_version, status=(201,))
    if name == "IdentityGet":
        answer = arm_call("GET", path, api_version=api_version).json()
    check(answer, data, 201 if name == "IdentityCreate" else 200, Identity.deserialize)


@pytest.mark.parametrize("name", ["RoleAssignments_CreateForResourceGroup", "RoleAssignments_CreateForResource",
                                  "RoleAssignments_Get"])
def test_role_assignment_examples(name, arm_call, resources, network, put, identity_principal):
    data = example("authorization", name, principal=identity_principal)
    params, body, api_version = request_parts(data)
    resources.resource_groups.create_or_update("testrg", {"location": "eastus"})
    if name.endswith("ForResource"):
        # The example's scope is a Cosmos DB account, which the emulator does not have: a virtual
        # network stands in for "any resource".
        params["scope"] = params["scope"].replace("Microsoft.DocumentDb/databaseAccounts/test-db-account",
                                                  "Microsoft.Network/virtualNetworks/test-vnet")
        network.virtual_networks.begin_create_or_update("testrg", "test-vnet", {
            "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}).result()
    body = body or {"properties": {"roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
                                                       f"roleDefinitions/{READER}", "principalId": identity_principal}}
    path = ASSIGNMENT.format(**params)
    answer = put(path, body, api_version, status=(201,))
    if name == "RoleAssignments_Get":
        answer = arm_call("GET", path, api_version=api_version).json()
    check(answer, data, 201 if "Create" in name else 200, RoleAssignment.deserialize)


@pytest.mark.parametrize("name,model", [
    ("PrivateZonePut", PrivateZone), ("PrivateZoneGet", PrivateZone), ("RecordSetAPut", RecordSet),
    ("VirtualNetworkLinkPut", VirtualNetworkLink), ("VirtualNetworkLinkGet", VirtualNetworkLink)])
def test_private_dns_examples(name, model, arm_call, resources, network, put):
    data = example("privatedns", name)
    params, body, api_version = request_parts(data)
    resources.resource_groups.create_or_update(params["resourceGroupName"], {"location": "westus"})
    resources.resource_groups.create_or_update("virtualNetworkResourceGroup", {"location": "westus"})
    network.virtual_networks.begin_create_or_update("virtualNetworkResourceGroup", "virtualNetworkName", {
        "location": "westus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}).result()
    zone = ZONE.format(**params)
    if name != "PrivateZonePut":
        put(zone, {"location": "Global"}, api_version)
    path = zone
    if "RecordSet" in name:
        path = f"{zone}/{params['recordType']}/{params['relativeRecordSetName']}"
    elif "Link" in name:
        path = f"{zone}/virtualNetworkLinks/{params['virtualNetworkLinkName']}"
    default_body = {"location": "Global", "tags": {"key1": "value1"}}
    if "Link" in name:
        default_body["properties"] = {"virtualNetwork": {"id": VNET}}
    answer = put(path, body or default_body, api_version)
    if name.endswith("Get"):
        answer = arm_call("GET", path, api_version=api_version).json()
    status = 200 if name.endswith("Get") or "RecordSet" in name else 201
    check(answer, data, status, model)
