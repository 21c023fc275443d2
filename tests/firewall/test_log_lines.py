"""firewall-semantics.md, "Log lines" and "Resource-specific tables": exact msg_s and AZFW* rows."""
from datetime import datetime, timezone

from firewall_builders import app_rule, net, net_rule, rule_set

from praks_lib.azure.log_tables import record_columns
from praks_lib.firewall import DENIED_HTTP_BODY, DENIED_HTTP_STATUS, Flow, evaluate, log_rows, resolve

RESOURCE = "/subscriptions/SUB/resourceGroups/dzpraks1_networks/providers/Microsoft.Network/azureFirewalls/dzpraks1"
NOW = datetime(2025, 11, 6, 12, 0, tzinfo=timezone.utc)
PY_TYPES = {"string": str, "int": int, "bool": bool, "datetime": datetime}


def test_log_line_https_allow_names_collection_and_rule():
    rules = rule_set(application=[net("collection1000", 1000, "Allow", app_rule("rule1002", ["mydestination.com"]))])
    verdict = evaluate(rules, Flow("10.1.0.5", "mydestination.com", 443, "HTTPS", source_port=55640))
    assert verdict.message == ("HTTPS request from 10.1.0.5:55640 to mydestination.com:443. Action: Allow. "
                               "Rule Collection: collection1000. Rule: rule1002")


def test_log_line_http_default_deny():
    verdict = evaluate(rule_set(), Flow("10.0.5.4", "batman.com", 80, "HTTP", source_port=37668))
    assert verdict.message == ("HTTP request from 10.0.5.4:37668 to batman.com:80. Action: Deny. "
                               "No rule matched. Proceeding with default action")


def test_log_line_tcp_network_deny():
    verdict = evaluate(rule_set(), Flow("10.0.2.4", "13.69.65.17", 443, "TCP", source_port=51990))
    assert verdict.message == "TCP request from 10.0.2.4:51990 to 13.69.65.17:443. Action: Deny"


def test_log_line_udp_network_allow():
    rules = rule_set(network=[net("time", 101, "Allow", net_rule("allow network", ["*"], ["123"], ["UDP"]))])
    verdict = evaluate(rules, Flow("10.0.3.4", "51.141.32.51", 123, "UDP", source_port=123))
    assert verdict.message == "UDP request from 10.0.3.4:123 to 51.141.32.51:123. Action: Allow"


def test_log_line_sni_missing():
    verdict = evaluate(rule_set(), Flow("10.0.5.4", "batman.com", 443, "HTTPS", source_port=40000, sni=False))
    assert verdict.message == "HTTPS request from 10.0.5.4:40000 was denied. Reason: SNI TLS extension was missing."


def test_denied_plain_http_client_receives_470_with_reason():
    verdict = evaluate(rule_set(), Flow("10.0.5.4", "batman.com", 80, "HTTP"))
    assert verdict.http_response == {"status": 470, "body": DENIED_HTTP_BODY}
    assert (DENIED_HTTP_STATUS, DENIED_HTTP_BODY) == (470, "Action: Deny. Reason: No rule matched. Proceeding with default action.")
    assert evaluate(rule_set(), Flow("10.0.5.4", "batman.com", 443, "HTTPS")).http_response is None


def _check_types(table, row):
    assert list(row) == list(record_columns(table))
    for column, kind in record_columns(table).items():
        assert type(row[column]) is PY_TYPES[kind], column


def test_application_rows_default_action():
    flow = Flow("10.0.5.4", "batman.com", 80, "HTTP", source_port=37668)
    rows = log_rows(evaluate(rule_set(), flow), flow, RESOURCE, NOW)
    row = rows["AZFWApplicationRule"]
    _check_types("AZFWApplicationRule", row)
    assert row["ActionReason"] == "Default Action" and row["Action"] == "Deny"
    assert (row["Fqdn"], row["SourcePort"], row["DestinationPort"], row["Type"]) == ("batman.com", 37668, 80,
                                                                                      "AZFWApplicationRule")
    assert row["IsTlsInspected"] is False and row["_ResourceId"] == RESOURCE.lower()
    diagnostics = rows["AzureDiagnostics"]
    assert diagnostics["msg_s"].endswith("No rule matched. Proceeding with default action")
    assert (diagnostics["Category"], diagnostics["OperationName"], diagnostics["ResourceType"]) == (
        "AzureFirewallApplicationRule", "AzureFirewallApplicationRuleLog", "AZUREFIREWALLS")
    _check_types("AzureDiagnostics", diagnostics)


def test_network_rows_rule_matched():
    rules = rule_set(network=[net("time", 101, "Allow", net_rule("ntp", ["*"], ["123"], ["UDP"]))])
    flow = Flow("10.0.5.4", "51.141.32.51", 123, "UDP", source_port=123)
    rows = log_rows(evaluate(rules, flow), flow, RESOURCE, NOW)
    row = rows["AZFWNetworkRule"]
    _check_types("AZFWNetworkRule", row)
    assert (row["Action"], row["ActionReason"], row["RuleCollection"], row["Rule"], row["Protocol"]) == (
        "Allow", "", "time", "ntp", "UDP")
    assert rows["AzureDiagnostics"]["Category"] == "AzureFirewallNetworkRule"
    assert rows["AzureDiagnostics"]["OperationName"] == "AzureFirewallNetworkRuleLog"


def test_network_row_for_http_flow_matched_by_network_rule_is_tcp_to_resolved_ip():
    rules = rule_set(network=[net("web", 200, "Allow", net_rule("any-80", ["*"], ["80"]))])
    flow = Flow("10.0.5.4", "batman.com", 80, "HTTP")
    row = log_rows(evaluate(rules, flow), flow, RESOURCE, NOW)["AZFWNetworkRule"]
    assert (row["Protocol"], row["DestinationIp"]) == ("TCP", resolve("batman.com")[0])


def test_nat_rows_have_no_action_column():
    nat = {"name": "nat", "priority": 100, "action": "Dnat", "rules": [{
        "name": "ssh", "source_addresses": ["*"], "destination_addresses": ["20.1.2.3"], "destination_ports": ["22"],
        "protocols": ["TCP"], "translated_address": "10.0.1.4", "translated_port": "2222"}]}
    flow = Flow("203.0.113.9", "20.1.2.3", 22, "TCP")
    rows = log_rows(evaluate(rule_set(nat=[nat]), flow), flow, RESOURCE, NOW)
    _check_types("AZFWNatRule", rows["AZFWNatRule"])
    assert "Action" not in rows["AZFWNatRule"] and rows["AZFWNatRule"]["TranslatedPort"] == 2222
