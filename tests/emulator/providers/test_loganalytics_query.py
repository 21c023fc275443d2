"""The Log Analytics query API through azure-monitor-query's LogsQueryClient."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import HttpResponseError
from azure.monitor.query import LogsQueryClient, LogsQueryPartialResult, LogsQueryStatus

from praks_lib.emulator.world.logs import wire_format
from praks_lib.emulator.world.logs.store import LogStore

from ..monitoring_world import create_workspace

NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def client(emu):
    return LogsQueryClient(emu.credential, transport=emu.transport())


@pytest.fixture
def workspace(emu, group):
    created = create_workspace(emu)
    LogStore(emu.state_dir).append(created.customer_id, "AZFWApplicationRule", [
        {"TimeGenerated": NOW - timedelta(minutes=10), "Action": "Allow", "Fqdn": "batman.com",
         "SourcePort": 40000, "IsTlsInspected": False},
        {"TimeGenerated": NOW - timedelta(minutes=5), "Action": "Deny", "Fqdn": "robin.com",
         "SourcePort": 40001, "IsTlsInspected": False},
        {"TimeGenerated": NOW - timedelta(days=3), "Action": "Deny", "Fqdn": "joker.com",
         "SourcePort": 40002, "IsTlsInspected": False},
    ])
    return created


def test_rows_and_column_types_come_back_as_azure_sends_them(client, workspace):
    result = client.query_workspace(
        workspace.customer_id,
        "AZFWApplicationRule | order by TimeGenerated asc "
        "| project TimeGenerated, Fqdn, SourcePort, IsTlsInspected, Requests = 1",
        timespan=None)
    assert result.status == LogsQueryStatus.SUCCESS
    table = result.tables[0]
    assert table.name == "PrimaryResult"
    assert table.columns == ["TimeGenerated", "Fqdn", "SourcePort", "IsTlsInspected", "Requests"]
    assert table.columns_types == ["datetime", "string", "int", "bool", "long"]
    assert list(table.rows[0]) == [NOW - timedelta(days=3), "joker.com", 40002, False, 1]


def test_the_timespan_hides_older_rows(client, workspace):
    result = client.query_workspace(workspace.customer_id, "AZFWApplicationRule | project Fqdn",
                                    timespan=timedelta(hours=1))
    assert sorted(row[0] for row in result.tables[0].rows) == ["batman.com", "robin.com"]
    window = (NOW - timedelta(minutes=7), NOW)
    result = client.query_workspace(workspace.customer_id, "AZFWApplicationRule | project Fqdn",
                                    timespan=window)
    assert [row[0] for row in result.tables[0].rows] == ["robin.com"]


def test_a_cut_result_is_a_partial_result_with_azures_error(client, workspace, monkeypatch):
    monkeypatch.setattr(wire_format, "MAX_RESULT_RECORDS", 2)
    result = client.query_workspace(workspace.customer_id, "AZFWApplicationRule", timespan=None)
    assert isinstance(result, LogsQueryPartialResult)
    assert result.status == LogsQueryStatus.PARTIAL
    assert len(result.partial_data[0].rows) == 2
    assert result.partial_error.code == "PartialError"
    assert result.partial_error.message == "There were some errors when processing your query."
    assert "E_QUERY_RESULT_SET_TOO_LARGE" in result.partial_error.details[0]["innererror"]["message"]


def test_a_syntax_error_is_azures_bad_argument_error(client, workspace):
    with pytest.raises(HttpResponseError) as refused:
        client.query_workspace(workspace.customer_id, "AZFWApplicationRule | where (", timespan=None)
    assert refused.value.status_code == 400
    assert refused.value.error.code == "BadArgumentError"
    assert "Query could not be parsed" in str(refused.value)


def test_an_unknown_column_is_a_semantic_error(client, workspace):
    with pytest.raises(HttpResponseError) as refused:
        client.query_workspace(workspace.customer_id, "AZFWApplicationRule | where Nope == 1",
                               timespan=None)
    assert refused.value.status_code == 400
    assert "Failed to resolve" in str(refused.value)


def test_an_unknown_workspace_is_404_path_not_found(client, workspace):
    for unknown in ("11111111-2222-3333-4444-555555555555", "logs"):
        with pytest.raises(HttpResponseError) as refused:
            client.query_workspace(unknown, "AZFWApplicationRule", timespan=None)
        assert (refused.value.status_code, refused.value.error.code) == (404, "PathNotFoundError")
        assert refused.value.error.message == "The requested path does not exist"


def test_a_cross_workspace_query_reads_every_named_workspace(emu, client, workspace):
    second = create_workspace(emu, "second")
    LogStore(emu.state_dir).append(second.customer_id, "AZFWApplicationRule",
                                   [{"Action": "Allow", "Fqdn": "alfred.com"}])
    query = "AZFWApplicationRule | summarize count() by TenantId | order by TenantId asc"
    for reference in (second.customer_id, second.name, second.id):
        result = client.query_workspace(workspace.customer_id, query, timespan=None,
                                        additional_workspaces=[reference])
        assert sorted(map(list, result.tables[0].rows)) == sorted(
            [[workspace.customer_id, 3], [second.customer_id, 1]])
    with pytest.raises(HttpResponseError) as refused:
        client.query_workspace(workspace.customer_id, query, timespan=None,
                               additional_workspaces=["nowhere"])
    assert refused.value.status_code == 400 and "nowhere" in str(refused.value)


def test_get_with_the_query_in_the_url(emu, workspace):
    session = emu.transport().session
    answer = session.get(
        f"https://api.loganalytics.io/v1/workspaces/{workspace.customer_id}/query",
        params={"query": "AZFWApplicationRule | count", "timespan": "PT1H"},
        headers={"Authorization": "Bearer " + emu.credential.get_token("x").token})
    assert answer.status_code == 200
    assert answer.json()["tables"][0]["rows"] == [[2]]


def test_the_query_api_wants_a_token(emu, workspace):
    answer = emu.transport().session.post(
        f"https://api.loganalytics.io/v1/workspaces/{workspace.customer_id}/query",
        json={"query": "AZFWApplicationRule"})
    assert answer.status_code == 401
