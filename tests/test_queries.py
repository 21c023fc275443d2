"""The runbook's KQL files run against firewall logs written by the emulator's data plane."""
import pytest

from praks_lib import queries
from praks_lib.deploy.firewall import ensure_firewall_stage
from praks_lib.deploy.network import ensure_network
from praks_lib.deploy.route import ensure_egress_route
from praks_lib.emulator import Emulator
from praks_lib.emulator.world.dataplane import send
from praks_lib.emulator.world.logs import wire_format
from praks_lib.errors import QueryError


@pytest.fixture
def logged(clients, dep, tmp_path):
    ensure_network(clients, dep)
    ensure_firewall_stage(clients, dep)
    ensure_egress_route(clients, dep)
    emulator = Emulator(tmp_path / "cloud")
    send(emulator, "10.0.5.4", "batman.com", 80, "HTTP")
    send(emulator, "10.0.5.4", "batman.com", 443, "HTTPS")
    send(emulator, "10.0.5.5", "mcr.microsoft.com", 443, "HTTPS")
    send(emulator, "10.0.5.5", "azure.archive.ubuntu.com", 80, "HTTP")
    ws = dep.monitoring.firewall_workspace
    return clients, clients.loganalytics.workspaces.get(ws.group, ws.name).customer_id


def test_every_query_file_runs(logged):
    clients, workspace = logged
    assert set(queries.names()) >= {"denied_by_fqdn", "allowed_by_rule_collection", "traffic_by_source_subnet",
                                    "requests_from_source", "system_pod_inventory"}
    for name in ["denied_by_fqdn", "allowed_by_rule_collection", "traffic_by_source_subnet"]:
        assert not queries.run(clients, workspace, name).empty, name


def test_denied_by_fqdn(logged):
    table = queries.run(*logged, "denied_by_fqdn")
    assert table.to_dict("records") == [{"Fqdn": "batman.com", "ActionReason": "Default Action", "Requests": 2}]


def test_allowed_by_rule_collection(logged):
    table = queries.run(*logged, "allowed_by_rule_collection")
    assert sorted(map(tuple, table[["RuleCollection", "Rule", "Requests"]].values.tolist())) == [
        ("aks-required", "mcr", 1), ("ubuntu-updates", "ubuntu-security", 1)]


def test_traffic_by_source_subnet(logged):
    table = queries.run(*logged, "traffic_by_source_subnet")
    assert set(table["SourceSubnet"]) == {"10.0.5.0/24"}
    assert table.groupby("Action")["Requests"].sum().to_dict() == {"Allow": 2, "Deny": 2}


def test_requests_from_source_binds_the_parameter(logged):
    table = queries.run(*logged, "requests_from_source", source_ip="10.0.5.4")
    assert list(table["Fqdn"]) == ["batman.com", "batman.com"] and set(table["Action"]) == {"Deny"}


def test_parameters_are_values_never_query_text():
    text = queries.load("requests_from_source", source_ip='x" | take 0 //')
    assert text.startswith('let source_ip = "x\\" | take 0 //";\n')
    with pytest.raises(ValueError, match="unknown query 'nope'"):
        queries.load("nope")


def test_a_query_azure_refuses_is_a_query_error_naming_the_file_and_azures_reason(logged, tmp_path, monkeypatch):
    (tmp_path / "unknown_table.kql").write_text("NoSuchTable | take 1\n")
    monkeypatch.setattr(queries, "QUERIES", tmp_path)
    with pytest.raises(QueryError) as refused:
        queries.run(*logged, "unknown_table")
    assert "refused the query praks_lib/queries/unknown_table.kql" in refused.value.message
    assert "(BadArgumentError)" in refused.value.message and "'NoSuchTable'" in refused.value.message
    assert "tables and columns" in refused.value.fix


def test_a_result_cut_at_the_record_limit_is_a_query_error_not_a_short_table(logged, monkeypatch):
    monkeypatch.setattr(wire_format, "MAX_RESULT_RECORDS", 1)  # two rows now exceed the limit
    with pytest.raises(QueryError) as partial:
        queries.run(*logged, "traffic_by_source_subnet")
    assert partial.value.message.startswith("the query praks_lib/queries/traffic_by_source_subnet.kql returned only "
                                            "part of its result: (PartialError)")
    assert "exceeded the internal record count limit 1" in partial.value.message
    assert "500,000 records" in partial.value.fix
