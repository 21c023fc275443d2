"""The emulated Log Analytics store and query API (praks_lib.emulator.world.logs)."""

import io
import json
import multiprocessing
from datetime import datetime, timedelta, timezone

import pytest
import requests
import requests.adapters
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import RequestsTransport
from azure.monitor.query import LogsQueryClient, LogsQueryPartialResult, LogsQueryStatus

from praks_lib.azure.log_tables import TABLES
from praks_lib.emulator.world.logs import store as store_module
from praks_lib.emulator.world.logs import wire_format
from praks_lib.emulator.world.logs.columns import LogSchemaError
from praks_lib.emulator.world.logs.pending import PendingRows
from praks_lib.emulator.world.logs.store import LogStore
from praks_lib.emulator.world.logs.wire_format import LogQueryError

WS = "5f2b3c4d-0000-4000-8000-00000000be4c"
OTHER_WS = "0a1b2c3d-0000-4000-8000-0000000000aa"
NOW = datetime.now(timezone.utc)


def app_row(fqdn="batman.com", action="Deny", minutes_ago=1, **extra):
    return {"TimeGenerated": NOW - timedelta(minutes=minutes_ago), "Action": action,
            "Fqdn": fqdn, "SourceIp": "10.0.5.4", "SourcePort": 37668,
            "DestinationPort": 80, "Protocol": "HTTP", **extra}


@pytest.fixture
def store(tmp_path):
    store = LogStore(tmp_path)
    store.append(WS, "AZFWApplicationRule", [
        app_row(ActionReason="Default Action"),
        app_row(minutes_ago=2),
        app_row("mcr.microsoft.com", "Allow", 3, DestinationPort=443, Protocol="HTTPS",
                RuleCollection="aks-egress", Rule="mcr", IsTlsInspected=False),
        app_row("old.example.com", "Deny", 60 * 24 * 3),
    ])
    store.append(WS, "AZFWNetworkRule", [
        {"TimeGenerated": NOW - timedelta(minutes=4), "Action": "Allow", "SourceIp": "10.0.5.4",
         "SourcePort": 123, "DestinationIp": "51.141.32.51", "DestinationPort": 123,
         "Protocol": "UDP"},
    ])
    store.append(WS, "AzureDiagnostics", [{
        "Category": "AzureFirewallApplicationRule",
        "OperationName": "AzureFirewallApplicationRuleLog",
        "msg_s": "HTTP request from 10.0.5.4:37668 to batman.com:80. Action: Deny. "
                 "No rule matched. Proceeding with default action",
    }])
    store.append(WS, "KubePodInventory", [
        {"TimeGenerated": NOW - timedelta(minutes=9), "Name": "coredns-a", "Namespace": "kube-system",
         "PodStatus": "Pending", "PodLabel": '[{"k8s-app": "kube-dns"}]'},
        {"TimeGenerated": NOW - timedelta(minutes=1), "Name": "coredns-a", "Namespace": "kube-system",
         "PodStatus": "Running", "PodLabel": '[{"k8s-app": "kube-dns"}]'},
        {"TimeGenerated": NOW - timedelta(minutes=1), "Name": "web", "Namespace": "default",
         "PodStatus": "Running"},
    ])
    return store


def rows(body):
    return body["tables"][0]["rows"]


def columns(body):
    return [(c["name"], c["type"]) for c in body["tables"][0]["columns"]]


# ------------------------------------------------------------------ the runbook's queries


def test_denied_fqdns(store):
    body = store.query(WS, 'AZFWApplicationRule | where Action == "Deny" | summarize count() by Fqdn')
    assert columns(body) == [("Fqdn", "string"), ("count_", "long")]
    assert sorted(rows(body)) == [["batman.com", 2], ["old.example.com", 1]]


def test_count_by_rule(store):
    body = store.query(WS, "AZFWApplicationRule | summarize count() by RuleCollection, Rule, Action")
    assert sorted(rows(body), key=str) == sorted(
        [[None, None, "Deny", 3], ["aks-egress", "mcr", "Allow", 1]], key=str)


def test_union_binned_by_five_minutes(store):
    body = store.query(WS, "union AZFWApplicationRule, AZFWNetworkRule "
                           "| summarize count() by bin(TimeGenerated, 5m), SourceIp")
    assert columns(body) == [("TimeGenerated", "datetime"), ("SourceIp", "string"),
                             ("count_", "long")]
    assert sum(r[2] for r in rows(body)) == 5
    assert all(r[0].endswith("Z") and r[0][14:16] in {f"{m:02d}" for m in range(0, 60, 5)}
               for r in rows(body))


def test_ntp_flows(store):
    body = store.query(WS, "AZFWNetworkRule | where DestinationPort == 123 "
                           "| project TimeGenerated, SourceIp, DestinationIp, Action")
    assert [name for name, _ in columns(body)] == ["TimeGenerated", "SourceIp", "DestinationIp",
                                                   "Action"]
    assert rows(body)[0][1:] == ["10.0.5.4", "51.141.32.51", "Allow"]


def test_azure_diagnostics_message(store):
    body = store.query(WS, 'AzureDiagnostics | where Category == "AzureFirewallApplicationRule" '
                           "| project msg_s")
    assert rows(body) == [["HTTP request from 10.0.5.4:37668 to batman.com:80. Action: Deny. "
                           "No rule matched. Proceeding with default action"]]


def test_latest_pod_status(store):
    body = store.query(WS, 'KubePodInventory | where Namespace == "kube-system" '
                           "| summarize arg_max(TimeGenerated, *) by Name | project Name, PodStatus")
    assert rows(body) == [["coredns-a", "Running"]]


@pytest.mark.parametrize("query, expected", [
    ("AZFWApplicationRule | where TimeGenerated > ago(1h) | take 10", 3),
    ("AZFWApplicationRule | order by TimeGenerated desc", 4),
    ("AZFWApplicationRule | extend Target = strcat(Fqdn, ':', DestinationPort)", 4),
    ("AZFWApplicationRule | distinct Fqdn", 3),
])
def test_row_counts(store, query, expected):
    assert len(rows(store.query(WS, query))) == expected


def test_order_by_desc_and_extend(store):
    body = store.query(WS, "AZFWApplicationRule | order by TimeGenerated desc "
                           "| extend Target = strcat(Fqdn, ':', DestinationPort) | project Target")
    assert [r[0] for r in rows(body)] == ["batman.com:80", "batman.com:80",
                                          "mcr.microsoft.com:443", "old.example.com:80"]


def test_count_operator(store):
    assert store.query(WS, "AZFWApplicationRule | count") == {
        "tables": [{"name": "PrimaryResult", "columns": [{"name": "Count", "type": "long"}],
                    "rows": [[4]]}]}


# ------------------------------------------------------------------ shape and values


def test_whole_table_has_azure_columns_in_schema_order(store):
    body = store.query(WS, "AZFWApplicationRule | take 1")
    assert columns(body) == list(TABLES["AZFWApplicationRule"].columns.items())
    row = dict(zip([c for c, _ in columns(body)], rows(body)[0]))
    assert row["TenantId"] == WS and row["Type"] == "AZFWApplicationRule"
    assert row["SourceSystem"] == "Azure"


def test_values_are_serialised_as_azure_does(store):
    body = store.query(WS, "AZFWApplicationRule | where Fqdn == 'mcr.microsoft.com' "
                           "| project TimeGenerated, DestinationPort, IsTlsInspected, "
                           "Half = DestinationPort / 2.0, Age = totimespan('01:02:03')")
    time_generated, port, inspected, half, age = rows(body)[0]
    assert datetime.fromisoformat(time_generated.replace("Z", "+00:00")) == (
        NOW - timedelta(minutes=3))
    assert time_generated.endswith("Z")
    assert (port, inspected, half, age) == (443, False, 221.5, "01:02:03")
    assert json.dumps(rows(body)).count("false") == 1


def test_dynamic_is_json_text(store):
    """PodLabel is a string of JSON, as Azure's schema says; parsed, it is a dynamic, sent as JSON text."""
    body = store.query(WS, "KubePodInventory | where Name == 'web' or PodStatus == 'Pending' "
                           "| project Name, PodLabel, Labels = parse_json(PodLabel)")
    assert dict(columns(body))["PodLabel"] == "string" and dict(columns(body))["Labels"] == "dynamic"
    name, text, labels = sorted(rows(body), key=str)[0]
    assert (name, text) == ("coredns-a", '[{"k8s-app": "kube-dns"}]')
    assert isinstance(labels, str) and json.loads(labels) == [{"k8s-app": "kube-dns"}]
    assert sorted(rows(body), key=str)[1] == ["web", None, None]


def test_empty_table_still_has_its_columns(store):
    body = store.query(WS, "ContainerInventory")
    assert rows(body) == []
    assert columns(body) == list(TABLES["ContainerInventory"].columns.items())


def test_other_workspaces_see_nothing_unless_named(store):
    assert rows(store.query(OTHER_WS, "AZFWApplicationRule | count")) == [[0]]
    body = store.query(OTHER_WS, "union * | summarize count() by Type, TenantId",
                       additional_workspaces=[WS])
    assert ["AZFWApplicationRule", WS, 4] in rows(body)


# ------------------------------------------------------------------ timespan


@pytest.mark.parametrize("timespan, expected", [
    ("PT3600.0S", 3),
    ("P1D", 3),
    ("P7D", 4),
    (f"{(NOW - timedelta(minutes=2, seconds=30)).isoformat()}/{NOW.isoformat()}", 2),
    (f"{(NOW - timedelta(days=4)).isoformat()}/P1D", 1),
])
def test_timespan_limits_rows_before_the_query(store, timespan, expected):
    body = store.query(WS, "AZFWApplicationRule | count", timespan)
    assert rows(body) == [[expected]]


def test_bad_timespan_is_a_400_naming_the_format(store):
    with pytest.raises(LogQueryError) as caught:
        store.query(WS, "AZFWApplicationRule", "one hour")
    assert caught.value.status == 400
    assert caught.value.body["error"]["code"] == "BadArgumentError"
    assert "ISO 8601" in caught.value.body["error"]["innererror"]["message"]


# ------------------------------------------------------------------ errors


def test_unknown_table_is_azure_semantic_error(store):
    with pytest.raises(LogQueryError) as caught:
        store.query(WS, "AZFWApplicationRules | take 10")
    error = caught.value.body["error"]
    assert caught.value.status == 400
    assert (error["code"], error["message"]) == (
        "BadArgumentError", "The request had some invalid properties")
    assert error["correlationId"]
    assert error["innererror"]["code"] == "SemanticError"
    assert error["innererror"]["innererror"] == {
        "code": "SEM0100",
        "message": "'take' operator: Failed to resolve table or column expression named "
                   "'AZFWApplicationRules'",
    }


def test_syntax_error_is_azure_syntax_error(store):
    with pytest.raises(LogQueryError) as caught:
        store.query(WS, "AZFWApplicationRule | where Action = = 'Deny'")
    inner = caught.value.body["error"]["innererror"]
    assert inner["code"] == "SyntaxError"
    assert inner["innererror"]["code"] == "SYN0002"
    assert {"line", "pos", "token"} <= inner["innererror"].keys()


def test_result_over_the_record_limit_is_a_partial_error(store, monkeypatch):
    monkeypatch.setattr(wire_format, "MAX_RESULT_RECORDS", 2)
    body = store.query(WS, "AZFWApplicationRule")
    assert len(rows(body)) == 2
    assert body["error"]["code"] == "PartialError"
    assert "E_QUERY_RESULT_SET_TOO_LARGE" in json.dumps(body["error"])


def test_prefer_header_adds_statistics_and_render(store):
    body = store.query(WS, "AZFWApplicationRule | summarize count() by Action | render piechart",
                       prefer="wait=60,include-statistics=true,include-render=true")
    assert body["render"] == {"visualization": "piechart"}
    assert body["statistics"]["query"]["executionTime"] >= 0
    assert "render" not in store.query(WS, "AZFWApplicationRule | render piechart")


# ------------------------------------------------------------------ appending


def test_unknown_table_on_append_names_the_known_ones(store):
    with pytest.raises(LogSchemaError, match="Unknown Log Analytics table 'AZFWAppRule'.*AZFWNatRule"):
        store.append(WS, "AZFWAppRule", [{"Action": "Deny"}])


def test_unknown_column_on_append_names_it_and_the_columns(store):
    with pytest.raises(LogSchemaError, match=r"no column\(s\) \['Url'\].*TargetUrl"):
        store.append(WS, "AZFWApplicationRule", [{"Action": "Deny", "Url": "http://x"}])


def test_bad_value_on_append_names_the_column(store):
    with pytest.raises(LogSchemaError, match="AZFWApplicationRule.SourcePort is int"):
        store.append(WS, "AZFWApplicationRule", [{"SourcePort": "high"}])
    assert rows(store.query(WS, "AZFWApplicationRule | count")) == [[4]]


def test_pending_rows_are_checked_when_given_and_written_together_by_flush(tmp_path):
    store = LogStore(tmp_path)
    pending = PendingRows(store)
    pending.append(WS, "AZFWApplicationRule", [app_row("a.com")])
    with pytest.raises(LogSchemaError, match="AZFWApplicationRule.SourcePort is int"):
        pending.append(WS, "AZFWApplicationRule", [{"SourcePort": "high"}])
    pending.append(WS, "AZFWApplicationRule", [app_row("b.com"), app_row("c.com")])
    assert rows(store.query(WS, "AZFWApplicationRule | count")) == [[0]]
    pending.flush()
    pending.flush()  # nothing left to write
    assert len(list((tmp_path / "logs" / WS / "AZFWApplicationRule").glob("seg-*.parquet"))) == 1
    assert rows(store.query(WS, "AZFWApplicationRule | project Fqdn")) == [["a.com"], ["b.com"], ["c.com"]]


def test_compaction_keeps_every_row_once(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "COMPACT_AT", 3)
    store = LogStore(tmp_path)
    for i in range(10):
        store.append(WS, "AZFWApplicationRule", [app_row(f"host{i}.com"), app_row()])
    table_dir = tmp_path / "logs" / WS / "AZFWApplicationRule"
    assert len(list(table_dir.glob("base-*.parquet"))) == 1
    assert len(list(table_dir.glob("seg-*.parquet"))) < 3
    store.compact()
    assert [p.name for p in table_dir.glob("*.parquet")] == ["base-00000004.parquet"]
    assert rows(store.query(WS, "AZFWApplicationRule | count")) == [[20]]


def test_segments_a_crashed_compaction_left_are_not_counted_twice(tmp_path):
    store = LogStore(tmp_path)
    store.append(WS, "AZFWApplicationRule", [app_row()])
    table_dir = tmp_path / "logs" / WS / "AZFWApplicationRule"
    segment = next(table_dir.glob("seg-*.parquet"))
    kept = segment.read_bytes()
    store.compact()
    segment.write_bytes(kept)  # as if the compactor died before deleting it
    assert rows(store.query(WS, "AZFWApplicationRule | count")) == [[1]]
    store.compact()
    assert not segment.exists()
    assert rows(store.query(WS, "AZFWApplicationRule | count")) == [[1]]


def test_reset_deletes_one_workspace_or_all(store):
    store.append(OTHER_WS, "AZFWNetworkRule", [{"Action": "Deny"}])
    store.reset(WS)
    assert rows(store.query(WS, "AZFWApplicationRule | count")) == [[0]]
    assert rows(store.query(OTHER_WS, "AZFWNetworkRule | count")) == [[1]]
    store.reset()
    assert rows(store.query(OTHER_WS, "AZFWNetworkRule | count")) == [[0]]


def _append_many(state_dir, worker, appends):
    store = LogStore(state_dir)
    for i in range(appends):
        store.append(WS, "AZFWApplicationRule",
                     [app_row(f"w{worker}-{i}-{j}.com") for j in range(5)])


def test_appends_from_several_processes_lose_nothing(tmp_path):
    """4 processes append at once (compacting as they go) while this one queries."""
    workers, appends = 4, 30
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_append_many, args=(tmp_path, w, appends))
                 for w in range(workers)]
    for process in processes:
        process.start()
    store = LogStore(tmp_path)
    while any(p.is_alive() for p in processes):
        store.query(WS, "AZFWApplicationRule | count")  # reading during compactions never fails
    for process in processes:
        process.join()
        assert process.exitcode == 0
    expected = workers * appends * 5
    assert rows(store.query(WS, "AZFWApplicationRule | count")) == [[expected]]
    assert rows(store.query(WS, "AZFWApplicationRule | distinct Fqdn | count")) == [[expected]]


# ------------------------------------------------------------------ through azure-monitor-query


class _Credential:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("token", 4102444800)


class _LogsAdapter(requests.adapters.BaseAdapter):
    """Answers the SDK's POST .../workspaces/{id}/query from a LogStore (as the router will)."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def send(self, request, **kwargs):
        workspace = request.url.split("/workspaces/")[1].split("/")[0]
        body = json.loads(request.body)
        try:
            status, payload = 200, self.store.query(
                workspace, body["query"], body.get("timespan"),
                additional_workspaces=body.get("workspaces"),
                prefer=request.headers.get("Prefer"))
        except LogQueryError as exc:
            status, payload = exc.status, exc.body
        response = requests.Response()
        response.status_code = status
        response.raw = io.BytesIO(json.dumps(payload).encode())
        response.headers["Content-Type"] = "application/json"
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass


@pytest.fixture
def client(store):
    session = requests.Session()
    session.mount("https://api.loganalytics.io/", _LogsAdapter(store))
    return LogsQueryClient(_Credential(), transport=RequestsTransport(session=session))


def test_sdk_reads_tables_columns_and_native_values(client):
    result = client.query_workspace(WS, "AZFWApplicationRule | where Fqdn == 'mcr.microsoft.com'",
                                    timespan=timedelta(hours=1))
    assert result.status == LogsQueryStatus.SUCCESS
    table = result.tables[0]
    row = table.rows[0]
    assert table.columns_types[table.columns.index("SourcePort")] == "int"
    assert isinstance(row["TimeGenerated"], datetime) and row["TimeGenerated"].tzinfo
    assert (row["Fqdn"], row["DestinationPort"], row["IsTlsInspected"]) == (
        "mcr.microsoft.com", 443, False)


def test_sdk_reads_partial_results(client, monkeypatch):
    monkeypatch.setattr(wire_format, "MAX_RESULT_RECORDS", 1)
    result = client.query_workspace(WS, "AZFWApplicationRule", timespan=None)
    assert isinstance(result, LogsQueryPartialResult)
    assert result.partial_error.code == "PartialError"
    assert len(result.partial_data[0].rows) == 1


def test_sdk_raises_kusto_message_for_bad_query(client):
    with pytest.raises(HttpResponseError) as caught:
        client.query_workspace(WS, "Nope | take 1", timespan=(NOW - timedelta(days=1), NOW))
    assert caught.value.status_code == 400
    assert "Failed to resolve table or column expression named 'Nope'" in str(caught.value)
