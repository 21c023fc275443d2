"""The emulator's gate, transport, router and store, through the real SDK pipeline."""

import multiprocessing

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources import ResourceManagementClient

from praks_lib.emulator import Emulator, default_state_dir
from praks_lib.emulator.platform.router import Router, Routes
from praks_lib.emulator.providers import PROVIDERS

ARM = "https://management.azure.com"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"


def test_transport_is_an_azure_core_transport_and_never_sleeps(emu):
    transport = emu.transport()
    assert isinstance(transport, HttpTransport)
    transport.sleep(3600)  # returns at once


def test_credential_gives_a_fake_token(emu):
    assert "not-a-real" in emu.credential.get_token("https://management.azure.com/.default").token
    assert emu.credential.get_token_info("scope").token == emu.credential.get_token("s").token


def test_missing_authorization_is_401_authentication_failed(arm_call, emu):
    answer = arm_call("GET", SUB + "/resourcegroups", token=False)
    assert answer.status_code == 401
    assert answer.json()["error"] == {
        "code": "AuthenticationFailed",
        "message": "Authentication failed. The 'Authorization' header is missing.",
    }


def test_missing_api_version_is_400(arm_call, emu):
    answer = arm_call("GET", SUB + "/resourcegroups", api_version=None)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "MissingApiVersionParameter"
    assert answer.json()["error"]["message"] == (
        "The api-version query parameter (?api-version=) is required for all requests."
    )


def test_other_subscription_is_not_found(arm_call, emu):
    answer = arm_call("GET", "/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "SubscriptionNotFound"


def test_unknown_provider_and_type(arm_call, emu, group):
    unknown_ns = arm_call("GET", SUB + "/resourceGroups/rg/providers/Microsoft.Nope/things/a")
    assert unknown_ns.status_code == 400
    assert unknown_ns.json()["error"]["code"] == "NoRegisteredProviderFound"
    unknown_type = arm_call("GET", SUB + "/resourceGroups/rg/providers/Microsoft.Network/nopes/a")
    assert unknown_type.status_code == 400
    assert unknown_type.json()["error"]["code"] == "InvalidResourceType"


def test_other_hosts_are_refused_with_a_clear_error(emu):
    client = ResourceManagementClient(emu.credential, emu.subscription_id,
                                      base_url="https://example.com", transport=emu.transport())
    with pytest.raises(ServiceRequestError, match="serves only"):
        client.resource_groups.get("rg", retry_total=0)


def test_log_analytics_host_is_served_not_refused(emu):
    answer = emu.transport().session.get("https://api.loganalytics.io/v1/nothing-here",
                                         headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401  # reached the emulator's gate


def test_sdk_send_request_works(emu, resources, group):
    response = resources.send_request(
        HttpRequest("GET", f"{ARM}{SUB}/resourcegroups/rg?api-version=2025-04-01"))
    assert response.status_code == 200
    assert response.json()["name"] == "rg"


def test_router_is_case_insensitive_like_arm(arm_call, emu, group):
    answer = arm_call("GET", SUB.upper() + "/RESOURCEGROUPS/RG")
    assert answer.status_code == 200
    assert answer.json()["name"] == "rg"


def test_state_is_shared_by_two_emulators_on_one_folder(tmp_path):
    first, second = Emulator(tmp_path), Emulator(tmp_path)
    client = ResourceManagementClient(first.credential, first.subscription_id,
                                      transport=first.transport())
    client.resource_groups.create_or_update("shared", {"location": "westeurope"})
    other = ResourceManagementClient(second.credential, second.subscription_id,
                                     transport=second.transport())
    assert other.resource_groups.get("shared").location == "westeurope"
    second.reset()
    assert not client.resource_groups.check_existence("shared")


def test_state_survives_a_new_emulator_object(tmp_path):
    emu = Emulator(tmp_path)
    ResourceManagementClient(emu.credential, emu.subscription_id, transport=emu.transport()) \
        .resource_groups.create_or_update("kept", {"location": "westeurope"})
    del emu
    again = Emulator(tmp_path)
    client = ResourceManagementClient(again.credential, again.subscription_id,
                                      transport=again.transport())
    assert client.resource_groups.check_existence("kept")


def _create_groups(state_dir, prefix, count):
    emu = Emulator(state_dir)
    client = ResourceManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())
    for i in range(count):
        client.resource_groups.create_or_update(f"{prefix}-{i}", {"location": "westeurope",
                                                                  "tags": {"writer": prefix}})


def test_concurrent_writers_in_separate_processes_lose_nothing(tmp_path):
    Emulator(tmp_path)  # create the schema once
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_create_groups, args=(tmp_path, f"w{n}", 15))
               for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    emu = Emulator(tmp_path)
    client = ResourceManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())
    names = {g.name for g in client.resource_groups.list()}
    assert names == {f"w{n}-{i}" for n in range(3) for i in range(15)}


def test_default_state_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PRAKS_STATE_DIR", str(tmp_path / "here"))
    assert default_state_dir() == (tmp_path / "here").resolve()
    monkeypatch.delenv("PRAKS_STATE_DIR")
    monkeypatch.chdir(tmp_path)
    assert default_state_dir() == tmp_path / ".praks"


def test_emulator_creates_its_folder(tmp_path):
    Emulator(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


def test_raw_error_reaches_the_sdk_as_http_response_error(emu, resources):
    with pytest.raises(HttpResponseError) as error:
        resources.resource_groups.create_or_update("rg", {"tags": {}})
    assert error.value.error.code == "LocationRequired"


def test_an_emulator_fault_is_azures_500_and_changes_nothing(emu, arm_call, resources):
    """A handler that fails unexpectedly: Azure's error body, no traceback through the SDK, no half write."""
    def broken(call):
        call.tx.put(SUB + "/resourceGroups/half", {"id": SUB + "/resourceGroups/half", "name": "half",
                                                   "location": "westeurope"}, type="Microsoft.Resources/resourceGroups",
                    scope=SUB)
        raise KeyError("properties")

    table = Routes()
    table.add("GET", "/subscriptions/{subscriptionId}/providers/Praks.Test/broken", broken)
    emu.router = Router([table, *PROVIDERS])
    answer = arm_call("GET", SUB + "/providers/Praks.Test/broken")
    assert answer.status_code == 500
    assert answer.json() == {"error": {"code": "InternalServerError", "message": (
        f"Encountered internal server error. praks emulator: GET {SUB}/providers/Praks.Test/broken failed with "
        "KeyError: 'properties'. This is a fault of the emulator, not of the request; please report it with the "
        "request.")}}
    assert not resources.resource_groups.check_existence("half")
