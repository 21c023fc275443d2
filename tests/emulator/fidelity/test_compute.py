"""Fidelity: Microsoft's REST examples for virtual machines, fed to the emulator; the answers must
have the examples' shape and deserialize into the SDK models
(see tests/fixtures/azure-rest-examples/compute)."""

import json

import pytest
from azure.mgmt.compute.models import RunCommandResult, VirtualMachine
from azure.mgmt.network import models as m

from .shapes import load_example, shape_differences

SUB = "00000000-0000-0000-0000-000000000000"
VM_PATH = f"/subscriptions/{SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/virtualMachines/myVM"
NET = f"/subscriptions/{SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Network"
# What the Get example has that the jumpbox does not use (availability sets, gallery apps, user
# data, boot diagnostics, extensions, scale sets, Windows, data disks).
NOT_MODELLED = frozenset({
    "properties.availabilitySet", "properties.proximityPlacementGroup", "properties.applicationProfile",
    "properties.userData", "properties.diagnosticsProfile", "properties.extensionsTimeBudget",
    "properties.osProfile.windowsConfiguration", "properties.storageProfile.dataDisks", "resources", "managedBy",
})


def create_example() -> dict:
    """The SSH example with our subscription, a NIC named as its answer names it, and the image its
    answer shows in place of the request's placeholders."""
    text = json.dumps(load_example("compute", "VirtualMachine_Create_WithSshAuthentication"))
    for placeholder, value in {"{subscription-id}": SUB, "{existing-nic-name}": "nsgExistingNic",
                               "{your-username}": "azureuser", "{image_sku}": "16.04-LTS",
                               "{image_publisher}": "Canonical", "{image_offer}": "UbuntuServer"}.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


@pytest.fixture
def nic(resources, network):
    """The NIC the example attaches, in a virtual network of the example's region."""
    resources.resource_groups.create_or_update("myResourceGroup", {"location": "westus"})
    network.virtual_networks.begin_create_or_update("myResourceGroup", "vnet", m.VirtualNetwork(
        location="westus", address_space=m.AddressSpace(address_prefixes=["10.0.0.0/16"]),
        subnets=[m.Subnet(name="default", address_prefix="10.0.0.0/24")])).result()
    return network.network_interfaces.begin_create_or_update("myResourceGroup", "nsgExistingNic", m.NetworkInterface(
        location="westus", ip_configurations=[m.NetworkInterfaceIPConfiguration(
            name="ipconfig1", subnet=m.Subnet(id=f"{NET}/virtualNetworks/vnet/subnets/default"))])).result()


def test_create_with_ssh_answers_the_examples_shape(nic, arm_call):
    example = create_example()
    answer = arm_call("PUT", VM_PATH, api_version=example["parameters"]["api-version"],
                      json=example["parameters"]["parameters"])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    expected = example["responses"]["201"]["body"]
    assert shape_differences(body, expected) == []
    assert body["properties"]["provisioningState"] == "Creating"
    assert body["properties"]["osProfile"]["secrets"] == []
    assert body["properties"]["storageProfile"]["osDisk"]["name"] == "myVMosdisk"
    assert body["properties"]["securityProfile"] == {"securityType": "Standard"}  # a Generation 1 image
    assert VirtualMachine(body).os_profile.linux_configuration.ssh.public_keys[0].path == \
        "/home/azureuser/.ssh/authorized_keys"


def test_get_answers_the_examples_shape_and_round_trips_through_the_model(nic, arm_call):
    example = create_example()
    request = dict(example["parameters"]["parameters"], tags={"myTag1": "tagValue1"})
    arm_call("PUT", VM_PATH, api_version="2025-04-01", json=request)
    body = arm_call("GET", VM_PATH, api_version="2025-04-01").json()
    expected = load_example("compute", "VirtualMachine_Get")["responses"]["200"]["body"]
    assert shape_differences(body, expected, ignore=NOT_MODELLED) == []
    model = VirtualMachine(body)
    assert model.as_dict() == body
    # nobody polled the create operation: the VM is still being created, as Azure shows it
    assert (model.etag, model.provisioning_state, model.time_created.year) == ('"1"', "Creating", 2025)
    assert model.storage_profile.os_disk.managed_disk.id == (
        f"/subscriptions/{SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myVMosdisk")


def test_run_command_result_deserializes_into_the_sdk_model(nic, arm_call):
    example = create_example()
    arm_call("PUT", VM_PATH, api_version="2025-04-01", json=example["parameters"]["parameters"])
    posted = arm_call("POST", VM_PATH + "/runCommand", api_version="2025-04-01",
                      json={"commandId": "RunShellScript", "script": ["echo hi"]})
    assert posted.status_code == 202 and posted.content == b""
    assert "monitor=true" in posted.headers["Location"]
    session_get = lambda url: arm_call("GET", url.split("management.azure.com")[1].split("?")[0],  # noqa: E731
                                       api_version="2025-04-01")
    status = session_get(posted.headers["Azure-AsyncOperation"]).json()
    assert status["status"] == "InProgress" and "properties" not in status
    done = session_get(posted.headers["Azure-AsyncOperation"]).json()
    assert done["status"] == "Succeeded"
    result = RunCommandResult(done["properties"]["output"])
    assert result.value[0].message == "Enable succeeded: \n[stdout]\nhi\n\n[stderr]\n"
