"""Injected faults: transient errors the SDK retries, errors that outlast retries, failed operations."""

import multiprocessing

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import models as m

from praks_lib.emulator import Emulator

STANDARD_IP = m.PublicIPAddress(location="westeurope", sku=m.PublicIPAddressSku(name="Standard"))


def test_a_transient_429_is_retried_by_the_sdk(emu, network, group, arm_call):
    emu.inject_fault("PUT", r"/publicIPAddresses/ip$", status=429, times=2)
    assert network.public_ip_addresses.begin_create_or_update("rg", "ip", STANDARD_IP).result().ip_address


def test_a_fault_answers_azure_error_shape_and_retry_after(emu, group, arm_call):
    emu.inject_fault("GET", r"/resourcegroups/rg$", status=429)
    answer = arm_call("GET", "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    again = arm_call("GET", "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg")
    assert again.status_code == 200  # used up


def test_a_lasting_500_surfaces_after_the_sdk_retries(emu, resources, group):
    emu.inject_fault("GET", r"/resourcegroups/rg$", status=500, times=50)
    with pytest.raises(HttpResponseError) as caught:
        resources.resource_groups.get("rg", retry_total=2)
    assert caught.value.status_code == 500
    emu.clear_faults()
    assert resources.resource_groups.get("rg").name == "rg"


def test_a_failed_operation_fails_the_poller_and_the_resource(emu, network, group):
    emu.fail_operation("PUT", r"/publicIPAddresses/", code="InternalServerError",
                       message="Allocation failed.")
    with pytest.raises(HttpResponseError, match="Allocation failed"):
        network.public_ip_addresses.begin_create_or_update("rg", "ip", STANDARD_IP).result()
    assert network.public_ip_addresses.get("rg", "ip").provisioning_state == "Failed"
    retried = network.public_ip_addresses.begin_create_or_update("rg", "ip", STANDARD_IP).result()
    assert retried.provisioning_state == "Succeeded"


def test_a_put_of_the_same_body_on_a_failed_resource_provisions_it_again(emu, network, group, arm_call):
    """As on Azure: the way out of Failed is a PUT of the desired state, even one that changes nothing."""
    emu.fail_operation("PUT", r"/publicIPAddresses/")
    with pytest.raises(HttpResponseError):
        network.public_ip_addresses.begin_create_or_update("rg", "ip", STANDARD_IP).result()
    path = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip"
    again = arm_call("PUT", path, json={"location": "westeurope", "sku": {"name": "Standard"}})
    assert again.status_code == 200
    assert again.json()["properties"]["provisioningState"] == "Updating"  # an operation runs, as for a change
    assert "Azure-AsyncOperation" in again.headers


def _inject(state_dir):
    Emulator(state_dir).inject_fault("*", r"/resourcegroups/rg$", status=503, times=1)


def test_faults_reach_other_processes(emu, resources, group, arm_call):
    process = multiprocessing.get_context("spawn").Process(target=_inject, args=(emu.state_dir,))
    process.start()
    process.join(60)
    answer = arm_call("GET", "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg")
    assert answer.status_code == 503
