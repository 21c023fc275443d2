"""Fidelity: Microsoft's REST examples for workspaces, diagnostic settings and the Log Analytics
query API, fed to the emulator; the answers must have the examples' shape and deserialize into the
SDK models (see tests/fixtures/azure-rest-examples/)."""

from __future__ import annotations

import json

import pytest
from azure.mgmt.loganalytics.models import Workspace
from azure.mgmt.monitor import MonitorManagementClient

from praks_lib.emulator.world.logs.store import LogStore

from ..monitoring_world import classic_rules, create_workspace, put_firewall
from .shapes import load_example, shape_differences

WORKSPACE_PATH = ("/subscriptions/{sub}/resourcegroups/{resourceGroupName}/providers/"
                  "Microsoft.OperationalInsights/workspaces/{workspaceName}")
QUERY_URL = "https://api.loganalytics.io/v1/workspaces/{workspace}/query"
# The examples' target is a Logic App; ours is the firewall, so its categories stand in.
FIREWALL_CATEGORIES = {"WorkflowRuntime": "AZFWApplicationRule", "WorkflowMetrics": "AllMetrics"}
# Rows are arrays of mixed types; their shape is checked separately (lists of lists).
ROWS = frozenset({"tables[].rows"})


@pytest.mark.parametrize("name, status", [("WorkspacesCreate", 201), ("WorkspacesGet", 200)])
def test_workspace_examples(name, status, emu, arm_call, resources):
    example = load_example("operationalinsights", name)
    params = example["parameters"]
    resources.resource_groups.create_or_update(params["resourceGroupName"], {"location": "westus"})
    path = WORKSPACE_PATH.format(sub=emu.subscription_id, **params)
    expected = example["responses"][str(status)]["body"]
    if status == 201:
        answer = arm_call("PUT", path, api_version=params["api-version"], json=params["parameters"])
    else:
        created = arm_call("PUT", path, api_version=params["api-version"], json=expected)
        assert created.status_code == 201, created.text
        answer = arm_call("GET", path, api_version=params["api-version"])
    assert answer.status_code == status, answer.text
    actual = answer.json()
    assert shape_differences(actual, expected) == []
    assert Workspace(actual).as_dict() == actual


def diagnostic_body(parameters: dict) -> dict:
    text = json.dumps(parameters)
    for theirs, ours in FIREWALL_CATEGORIES.items():
        text = text.replace(f'"{theirs}"', f'"{ours}"')
    return json.loads(text)


@pytest.mark.parametrize("name, get_name", [
    ("createOrUpdateDiagnosticSetting", "getDiagnosticSetting"),
    ("createOrUpdateDiagnosticSettingCategory", "getDiagnosticSettingCategory"),
])
def test_diagnostic_setting_examples(name, get_name, emu, arm_call, group):
    firewall = put_firewall(emu, classic_rules())
    example = load_example("insights", name)
    params = example["parameters"]
    path = f"{firewall}/providers/Microsoft.Insights/diagnosticSettings/{params['name']}"
    answer = arm_call("PUT", path, api_version=params["api-version"],
                      json=diagnostic_body(params["parameters"]))
    assert answer.status_code == 200, answer.text
    actual = answer.json()
    assert shape_differences(actual, example["responses"]["200"]["body"]) == []
    fetched = arm_call("GET", path, api_version=params["api-version"])
    assert fetched.status_code == 200
    assert shape_differences(fetched.json(), load_example("insights", get_name)["responses"]["200"]["body"]) == []
    client = MonitorManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())
    model = client.diagnostic_settings.get(firewall, params["name"])
    assert (model.id, model.storage_account_id) == (actual["id"], actual["properties"]["storageAccountId"])
    assert [log.category for log in model.logs] == [log.get("category") for log in actual["properties"]["logs"]]


@pytest.fixture
def workspaces(emu, group):
    """Two workspaces with AZFWApplicationRule rows (the examples query Usage, which the emulator
    does not keep; the shape is the same for every table)."""
    made = [create_workspace(emu, name) for name in ("draft-test", "draft-test-2")]
    for workspace in made:
        LogStore(emu.state_dir).append(workspace.customer_id, "AZFWApplicationRule",
                                       [{"Action": "Allow", "Fqdn": "batman.com", "SourcePort": 1234}])
    return made


def query(emu, method, workspace, **request):
    session = emu.transport().session
    headers = {"Authorization": "Bearer " + emu.credential.get_token("x").token}
    url = QUERY_URL.format(workspace=workspace.customer_id)
    if method == "GET":
        return session.get(url, params=request, headers=headers)
    return session.post(url, json=request, headers=headers)


def check_query_answer(answer, example_name: str) -> None:
    assert answer.status_code == 200, answer.text
    actual = answer.json()
    expected = load_example("loganalytics-query", example_name)["responses"]["200"]["body"]
    assert shape_differences(actual, expected, ROWS) == []
    assert actual["tables"][0]["rows"] and all(isinstance(r, list) for r in actual["tables"][0]["rows"])


def test_post_query_example(emu, workspaces):
    body = dict(load_example("loganalytics-query", "oms-post-example")["parameters"]["body"])
    body["query"] = body["query"].replace("Usage", "AZFWApplicationRule")
    check_query_answer(query(emu, "POST", workspaces[0], **body), "oms-post-example")


def test_get_query_example(emu, workspaces):
    params = load_example("loganalytics-query", "oms-get-example")["parameters"]
    answer = query(emu, "GET", workspaces[0], query=params["query"].replace("Usage", "AZFWApplicationRule"),
                   timespan=params["timespan"])
    check_query_answer(answer, "oms-get-example")


def test_cross_workspace_query_example(emu, workspaces):
    body = load_example("loganalytics-query", "oms-post-cross-workspace-example")["parameters"]["body"]
    answer = query(emu, "POST", workspaces[0], query=body["query"].replace("union *", "AZFWApplicationRule"),
                   workspaces=body["workspaces"])
    check_query_answer(answer, "oms-post-cross-workspace-example")
    tenants = sorted(row[1] for row in answer.json()["tables"][0]["rows"])
    assert tenants == sorted(w.customer_id for w in workspaces)
