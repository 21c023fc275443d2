"""Recording real runs (scrubbed) and comparing recordings with the emulator, request by request."""
import json
from pathlib import Path

import pytest
import yaml
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from praks_lib.compare import Replayer, compare, report
from praks_lib.emulator import Emulator
from praks_lib.recording import SCRUBBED, ZERO_GUID, Cassette, RecordingPolicy, interaction

RECORDINGS = Path(__file__).parent / "fixtures" / "azure-cli-recordings"
REAL_SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def replayer(tmp_path) -> Replayer:
    emu = Emulator(tmp_path / "fresh")
    return Replayer(emu.credential, emu.transport())


def test_a_recorded_exchange_keeps_what_azure_said_and_loses_every_secret():
    body = {"kubeconfigs": [{"name": "clusterUser", "value": "YXBpVmVyc2lvbjogdjE="}],
            "properties": {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "provisioningState": "Succeeded",
                           "linuxProfile": {"ssh": {"publicKeys": [{"keyData": "ssh-rsa AAAAB3 me"}]}}}}
    entry = interaction("POST", f"https://management.azure.com/subscriptions/{REAL_SUBSCRIPTION}/x?api-version=1",
                        json.dumps({"token": "abc"}), 200, "OK",
                        {"Authorization": "Bearer eyJabc", "Azure-AsyncOperation": "https://x/operations/1",
                         "x-ms-request-id": "r", "Set-Cookie": "secret"}, json.dumps(body))
    text = yaml.safe_dump(entry)
    for secret in (REAL_SUBSCRIPTION, "72f988bf", "YXBpVmVyc2lvbjogdjE=", "ssh-rsa", "eyJabc", "Set-Cookie", "abc"):
        assert secret not in text
    assert ZERO_GUID in entry["request"]["uri"]
    assert set(entry["response"]["headers"]) == {"Azure-AsyncOperation"}
    kept = json.loads(entry["response"]["body"]["string"])
    assert kept["properties"]["provisioningState"] == "Succeeded" and kept["kubeconfigs"][0]["value"] == SCRUBBED


def test_a_recorded_emulator_run_replays_without_a_difference(tmp_path):
    emu = Emulator(tmp_path / "recorded")
    policy = [RecordingPolicy(Cassette(tmp_path / "run.yaml"))]
    options = {"transport": emu.transport(), "per_retry_policies": policy}
    ResourceManagementClient(emu.credential, emu.subscription_id, **options).resource_groups.create_or_update(
        "rg", {"location": "westeurope"})
    network = NetworkManagementClient(emu.credential, emu.subscription_id, **options)
    network.virtual_networks.begin_create_or_update("rg", "hub", {
        "location": "westeurope", "address_space": {"address_prefixes": ["10.0.0.0/22"]},
        "subnets": [{"name": "AzureFirewallSubnet", "address_prefix": "10.0.0.0/26"}]}).result()
    network.virtual_networks.begin_delete("rg", "hub").result()
    result = compare(tmp_path / "run.yaml", replayer(tmp_path))
    assert result.requests >= 4 and result.matches, report([result])


def test_differences_name_the_request_and_what_differs(tmp_path):
    vnet = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/" \
           "providers/Microsoft.Network/virtualNetworks/spoke?api-version=2024-05-01"
    body = {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.4.0/22"]},
            "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.4.0/24"}},
                        {"name": "b", "properties": {"addressPrefix": "10.0.4.0/25"}}]}}
    cassette = {"interactions": [{"request": {"method": "PUT", "uri": vnet, "body": json.dumps(body)},
                                  "response": {"status": {"code": 201}, "headers": {},
                                               "body": {"string": json.dumps({"properties": {
                                                   "provisioningState": "Updating"}})}}}]}
    path = tmp_path / "synthetic.yaml"
    path.write_text(yaml.safe_dump(cassette))
    result = compare(path, replayer(tmp_path))
    found = {(d.what, d.recorded, d.emulated) for d in result.differences}
    assert ("status", "201", "400") in found and ("error code", "", "NetcfgSubnetRangesOverlap") in found
    assert "#0   PUT    /subscriptions/" in report([result])


@pytest.mark.parametrize("name", ["test_azure_firewall.yaml", "test_azure_firewall_rules.yaml"])
def test_the_firewall_recordings_match_in_status_error_and_state(tmp_path, name):
    result = compare(RECORDINGS / name, replayer(tmp_path))
    assert result.requests == len(yaml.safe_load((RECORDINGS / name).read_text())["interactions"])
    assert not [d for d in result.differences if d.what in ("status", "error code", "provisioning state")], \
        report([result])


def test_the_2023_cluster_recording_shows_that_its_version_is_out_of_support_today(tmp_path):
    result = compare(RECORDINGS / "test_aks_private_cluster.yaml", replayer(tmp_path))
    assert ("error code", "", "K8sVersionNotSupported") in {(d.what, d.recorded, d.emulated) for d in result.differences}


def test_praks_run_records_each_stage_and_the_recording_replays_clean(tmp_path, monkeypatch):
    from praks_lib.runner import run_suite

    for name in ("PRAKS_RECORD_DIR", "PRAKS_RECORD_NAME", "PRAKS_STATE_DIR"):  # run_suite sets them for its kernels
        monkeypatch.setenv(name, "")
    result = run_suite(up_to="01", runs_dir=tmp_path / "runs", state_dir=tmp_path / "state",
                       record_dir=tmp_path / "recording", echo=lambda line: None)
    assert result.ok
    recorded = sorted(p.name for p in (tmp_path / "recording").glob("*.yaml"))
    assert recorded == ["01_network.yaml"]  # 00_plan asks the cloud nothing
    comparison = compare(tmp_path / "recording" / "01_network.yaml", replayer(tmp_path))
    assert comparison.requests > 5 and comparison.matches, report([comparison])
