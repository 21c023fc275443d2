"""Log Analytics workspaces through azure-mgmt-loganalytics: ids, defaults, delete and its data."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku
from azure.mgmt.resource.resources import ResourceManagementClient

from praks_lib.emulator import Emulator
from praks_lib.emulator.world.logs.store import LogStore


@pytest.fixture
def loganalytics(emu):
    return LogAnalyticsManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())


def create(loganalytics, name="logs", group="rg", **fields):
    fields.setdefault("location", "westeurope")
    return loganalytics.workspaces.begin_create_or_update(group, name, Workspace(**fields)).result()


def count_rows(emu, customer_id):
    body = LogStore(emu.state_dir).query(customer_id, "AZFWNetworkRule | count")
    return body["tables"][0]["rows"][0][0]


def test_create_gives_a_deterministic_customer_id_and_azure_defaults(group, loganalytics, tmp_path):
    workspace = create(loganalytics, tags={"owner": "praks"})
    assert workspace.provisioning_state == "Succeeded"
    assert workspace.sku.name == "PerGB2018"
    assert workspace.retention_in_days == 30
    assert workspace.public_network_access_for_query == "Enabled"
    assert workspace.tags == {"owner": "praks"}
    other = Emulator(tmp_path / "elsewhere")  # same resource id in another cloud: same customerId
    ResourceManagementClient(other.credential, other.subscription_id, transport=other.transport()) \
        .resource_groups.create_or_update("rg", {"location": "westeurope"})
    other_client = LogAnalyticsManagementClient(other.credential, other.subscription_id,
                                                transport=other.transport())
    assert create(other_client).customer_id == workspace.customer_id
    assert create(loganalytics, "second").customer_id != workspace.customer_id


def test_update_keeps_the_customer_id_and_changes_retention(group, loganalytics):
    first = create(loganalytics)
    first.retention_in_days = 90
    first.sku = WorkspaceSku(name="PerGB2018")
    updated = loganalytics.workspaces.begin_create_or_update("rg", "logs", first).result()
    assert (updated.customer_id, updated.retention_in_days) == (first.customer_id, 90)
    assert loganalytics.workspaces.get("rg", "logs").retention_in_days == 90


def test_a_client_cannot_choose_the_customer_id(group, loganalytics):
    workspace = create(loganalytics, customer_id="11111111-1111-1111-1111-111111111111")
    assert workspace.customer_id != "11111111-1111-1111-1111-111111111111"


def test_list_by_group_and_subscription(group, loganalytics, resources):
    resources.resource_groups.create_or_update("other", {"location": "westeurope"})
    create(loganalytics, "a")
    create(loganalytics, "b", group="other")
    assert [w.name for w in loganalytics.workspaces.list_by_resource_group("rg")] == ["a"]
    assert [w.name for w in loganalytics.workspaces.list()] == ["a", "b"]


def test_missing_group_and_workspace_answer_like_azure(group, loganalytics):
    with pytest.raises(ResourceNotFoundError) as missing:
        loganalytics.workspaces.get("rg", "nope")
    assert missing.value.error.code == "ResourceNotFound"
    assert "Microsoft.OperationalInsights/workspaces/nope" in missing.value.error.message
    with pytest.raises(ResourceNotFoundError) as no_group:
        create(loganalytics, group="absent")
    assert no_group.value.error.code == "ResourceGroupNotFound"


def test_location_is_required(group, loganalytics):
    with pytest.raises(HttpResponseError) as refused:
        loganalytics.workspaces.begin_create_or_update("rg", "logs", Workspace(location="")).result()
    assert refused.value.error.code == "LocationRequired"


def test_delete_drops_the_log_data_and_a_new_workspace_starts_empty(emu, group, loganalytics):
    workspace = create(loganalytics)
    LogStore(emu.state_dir).append(workspace.customer_id, "AZFWNetworkRule", [{"Action": "Deny"}])
    assert count_rows(emu, workspace.customer_id) == 1
    loganalytics.workspaces.begin_delete("rg", "logs").result()
    assert list(loganalytics.workspaces.list()) == []
    assert count_rows(emu, workspace.customer_id) == 0
    LogStore(emu.state_dir).append(workspace.customer_id, "AZFWNetworkRule", [{"Action": "Deny"}])
    assert create(loganalytics).customer_id == workspace.customer_id
    assert count_rows(emu, workspace.customer_id) == 0


def test_deleting_the_group_drops_its_workspaces_data(emu, group, loganalytics, resources):
    workspace = create(loganalytics)
    LogStore(emu.state_dir).append(workspace.customer_id, "AZFWNetworkRule", [{"Action": "Allow"}])
    resources.resource_groups.begin_delete("rg").result()
    assert count_rows(emu, workspace.customer_id) == 0


def test_an_update_keeps_the_rows(emu, group, loganalytics):
    workspace = create(loganalytics)
    LogStore(emu.state_dir).append(workspace.customer_id, "AZFWNetworkRule", [{"Action": "Allow"}])
    create(loganalytics, retention_in_days=60)
    assert count_rows(emu, workspace.customer_id) == 1
