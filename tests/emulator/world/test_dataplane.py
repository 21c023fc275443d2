"""The data plane: routes, firewall verdicts, what the client sees, and the rows logged."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timezone

import pytest
from azure.mgmt.monitor.models import LogSettings
from azure.mgmt.network.models import DhcpOptions
from azure.monitor.query import LogsQueryClient, LogsQueryStatus

from praks_lib.emulator import Emulator
from praks_lib.emulator.world.dataplane import DataPlaneError, send
from praks_lib.firewall import DENIED_HTTP_BODY, DENIED_HTTP_STATUS, Flow

from ..monitoring_world import (
    AKS_NODE,
    FIREWALL_IP,
    GROUP,
    INGRESS_VM,
    build_networks,
    build_world,
    classic_rules,
    clients,
    create_workspace,
    diagnose,
    firewall_id,
    group_id,
    put_firewall,
    put_route_table,
)

WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(emu):
    return build_world(emu)


def source_port(destination, port, protocol="HTTP"):
    """The ephemeral port the engine picks for a flow from the AKS node (stable per flow)."""
    return Flow(AKS_NODE, destination, port, protocol).source_port


def query(emu, workspace, kql):
    result = LogsQueryClient(emu.credential, transport=emu.transport()).query_workspace(
        workspace.customer_id, kql, timespan=None)
    assert result.status == LogsQueryStatus.SUCCESS
    return [list(row) for row in result.tables[0].rows]


def test_allowed_http_through_the_firewall_is_logged_in_the_azfw_table(emu, world):
    outcome = send(emu, AKS_NODE, "batman.com", 80, "HTTP", time=WHEN)
    assert (outcome.action, outcome.status, outcome.error) == ("Allow", 200, None)
    assert "batman.com" in outcome.body
    assert outcome.verdict.rule_collection == "aks-fqdns"
    assert outcome.route.next_hop_type == "VirtualAppliance"
    assert outcome.path[0] == "10.2.1.4 in subnet spoke/aks"
    rows = query(emu, world, "AZFWApplicationRule | project TimeGenerated, SourceIp, Fqdn, Action, "
                             "RuleCollection, Rule, _ResourceId")
    assert rows == [[WHEN.replace(tzinfo=timezone.utc), AKS_NODE, "batman.com", "Allow", "aks-fqdns",
                     "web", firewall_id(emu).lower()]]


def test_denied_http_gets_the_firewall_470_page(emu, world):
    outcome = send(emu, AKS_NODE, "robin.com", 80, "HTTP", time=WHEN)
    assert (outcome.action, outcome.status, outcome.body) == ("Deny", DENIED_HTTP_STATUS, DENIED_HTTP_BODY)
    rows = query(emu, world, "AZFWApplicationRule | project Fqdn, Action, ActionReason")
    assert rows == [["robin.com", "Deny", "Default Action"]]


def test_denied_https_fails_the_tls_handshake(emu, world):
    outcome = send(emu, AKS_NODE, "robin.com", 443, "HTTPS")
    assert (outcome.action, outcome.status, outcome.error) == ("Deny", None, "tls handshake failure")
    assert "connection reset" in outcome.body


def test_denied_tcp_times_out_and_logs_a_network_rule_row(emu, world):
    outcome = send(emu, AKS_NODE, "203.0.113.10", 22, "TCP")
    assert (outcome.action, outcome.error) == ("Deny", "timeout")
    assert query(emu, world, "AZFWNetworkRule | project DestinationIp, DestinationPort, Action") == [
        ["203.0.113.10", 22, "Deny"]]


def test_allowed_udp_by_network_rule(emu, world):
    outcome = send(emu, AKS_NODE, "ntp.ubuntu.com", 123, "UDP")
    assert (outcome.action, outcome.verdict.rule) == ("Allow", "ntp")


def test_dedicated_all_logs_also_writes_the_legacy_azurediagnostics_line(emu, world):
    send(emu, AKS_NODE, "robin.com", 80, "HTTP")
    rows = query(emu, world, "AzureDiagnostics | project Category, msg_s")
    assert rows == [["AzureFirewallApplicationRule",
                     f"HTTP request from {AKS_NODE}:{source_port('robin.com', 80)} to robin.com:80. "
                     "Action: Deny. No rule matched. Proceeding with default action"]]


def test_azurediagnostics_destination_keeps_everything_in_azurediagnostics(emu):
    workspace = build_world(emu, destination_type=None)
    outcome = send(emu, AKS_NODE, "batman.com", 443, "HTTPS")
    assert {(r.table, r.row["Category"]) for r in outcome.rows} == {
        ("AzureDiagnostics", "AzureFirewallApplicationRule"),
        ("AzureDiagnostics", "AZFWApplicationRule")}
    assert query(emu, workspace, "AZFWApplicationRule | count") == [[0]]
    assert query(emu, workspace, "AzureDiagnostics | where isnotempty(msg_s) | project msg_s")[0][0] \
        .endswith("Action: Allow. Rule Collection: aks-fqdns. Rule: web")


def test_only_the_enabled_categories_are_logged(emu):
    build_networks(emu)
    put_firewall(emu, classic_rules())
    workspace = create_workspace(emu)
    diagnose(emu, workspace, logs=[LogSettings(category="AZFWNetworkRule", enabled=True),
                                   LogSettings(category="AZFWApplicationRule", enabled=False)])
    assert send(emu, AKS_NODE, "robin.com", 80, "HTTP").rows == []
    assert [r.table for r in send(emu, AKS_NODE, "10.9.9.9", 22, "TCP").rows] == []  # dropped
    assert [r.table for r in send(emu, AKS_NODE, "198.51.100.7", 22, "TCP").rows] == ["AZFWNetworkRule"]


def test_every_workspace_of_every_setting_gets_the_rows(emu, world):
    second = create_workspace(emu, "security")
    diagnose(emu, second, name="to-security")
    send(emu, AKS_NODE, "batman.com", 80, "HTTP")
    for workspace in (world, second):
        assert query(emu, workspace, "AZFWApplicationRule | count") == [[1]]


def test_a_firewall_without_diagnostic_settings_logs_nothing(emu):
    build_networks(emu)
    put_firewall(emu, classic_rules())
    outcome = send(emu, AKS_NODE, "batman.com", 80, "HTTP")
    assert (outcome.action, outcome.rows) == ("Allow", [])


def test_peered_and_local_traffic_stays_inside_azure(emu, world):
    to_hub = send(emu, AKS_NODE, "10.0.1.10", 443, "TCP")
    assert (to_hub.action, to_hub.route.next_hop_type, to_hub.verdict) == ("Allow", "VNetPeering", None)
    local = send(emu, AKS_NODE, "10.2.2.4", 80, "HTTP")
    assert (local.action, local.route.next_hop_type, local.status) == ("Allow", "VnetLocal", 200)
    assert to_hub.rows == local.rows == []


def test_a_subnet_without_the_route_goes_straight_to_the_internet(emu, world):
    outcome = send(emu, INGRESS_VM, "robin.com", 80, "HTTP")
    assert (outcome.action, outcome.status, outcome.verdict, outcome.rows) == ("Direct", 200, None, [])
    assert outcome.reached
    assert "not through the firewall" in outcome.path[-1]


def test_a_private_subnet_has_no_way_to_the_internet(emu, world):
    _, network, _, _ = clients(emu)
    subnet = network.subnets.get(GROUP, "spoke", "ingress")
    subnet.default_outbound_access = False
    network.subnets.begin_create_or_update(GROUP, "spoke", "ingress", subnet).result()
    outcome = send(emu, INGRESS_VM, "robin.com", 80, "HTTP")
    assert (outcome.action, outcome.error, outcome.status, outcome.rows) == ("Dropped", "timeout", None, [])
    assert not outcome.reached
    assert "private subnet" in outcome.path[-1]
    assert send(emu, INGRESS_VM, "10.2.1.4", 80, "HTTP").action == "Allow"  # inside the VNet it still works


def test_a_next_hop_no_firewall_holds_drops_the_flow(emu):
    build_networks(emu)
    put_firewall(emu, classic_rules(), private_ip="10.0.1.5")  # the route still says 10.0.1.4
    outcome = send(emu, AKS_NODE, "batman.com", 80, "HTTP")
    assert (outcome.action, outcome.error, outcome.status) == ("Dropped", "timeout", None)
    assert "no appliance" in outcome.path[-1]


def test_private_ranges_outside_the_networks_are_dropped(emu, world):
    outcome = send(emu, INGRESS_VM, "192.168.1.1", 80, "TCP")
    assert (outcome.action, outcome.route.next_hop_type) == ("Dropped", "None")


def test_fqdn_network_rules_need_the_dns_proxy(emu):
    rules = classic_rules()
    rules["networkRuleCollections"][0]["properties"]["rules"].append(
        {"name": "ssh", "sourceAddresses": ["10.2.0.0/16"], "protocols": ["TCP"],
         "destinationFqdns": ["git.example.com"], "destinationPorts": ["22"]})
    build_networks(emu)
    put_firewall(emu, rules)
    assert send(emu, AKS_NODE, "git.example.com", 22, "TCP").action == "Deny"
    rules["additionalProperties"] = {"Network.DNS.EnableProxy": "true"}
    put_firewall(emu, rules)
    assert send(emu, AKS_NODE, "git.example.com", 22, "TCP").action == "Allow"


def test_an_fqdn_network_rule_matches_only_clients_that_resolve_through_the_firewall(emu):
    """A name served by a pool (ntp.ubuntu.com): a client asking Azure DNS gets another member than
    the firewall does, so the rule misses its connection; through the DNS proxy it matches."""
    rules = classic_rules(dns_proxy=True)
    rules["networkRuleCollections"][0]["properties"]["rules"] = [
        {"name": "ntp", "sourceAddresses": ["10.2.0.0/16"], "protocols": ["UDP"],
         "destinationFqdns": ["ntp.ubuntu.com"], "destinationPorts": ["123"]}]
    build_networks(emu)
    put_firewall(emu, rules)
    assert send(emu, AKS_NODE, "ntp.ubuntu.com", 123, "UDP").action == "Deny"
    network = clients(emu)[1]
    spoke = network.virtual_networks.get(GROUP, "spoke")
    spoke.dhcp_options = DhcpOptions(dns_servers=[FIREWALL_IP])
    network.virtual_networks.begin_create_or_update(GROUP, "spoke", spoke).result()
    outcome = send(emu, AKS_NODE, "ntp.ubuntu.com", 123, "UDP")
    assert (outcome.action, outcome.verdict.rule) == ("Allow", "ntp")


def test_a_firewall_policy_is_evaluated_with_its_name_in_the_log(emu, world):
    policy_id = f"{group_id(emu)}/providers/Microsoft.Network/firewallPolicies/pol"
    group_rid = f"{policy_id}/ruleCollectionGroups/egress"
    with emu.store.transaction() as tx:
        tx.put(policy_id, {"id": policy_id, "name": "pol", "type": "Microsoft.Network/firewallPolicies",
                           "location": "westeurope", "properties": {"threatIntelMode": "Alert"}},
               type="Microsoft.Network/firewallPolicies", scope=group_id(emu))
        tx.put(group_rid, {"id": group_rid, "name": "egress",
                           "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
                           "properties": {"priority": 200, "ruleCollections": [{
                               "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
                               "name": "web", "priority": 300, "action": {"type": "Allow"},
                               "rules": [{"ruleType": "ApplicationRule", "name": "robin",
                                          "sourceAddresses": ["*"],
                                          "protocols": [{"protocolType": "Http", "port": 80}],
                                          "targetFqdns": ["robin.com"]}]}]}},
               type="Microsoft.Network/firewallPolicies/ruleCollectionGroups",
               scope=group_id(emu), parent=policy_id)
    put_firewall(emu, {"firewallPolicy": {"id": policy_id}})
    outcome = send(emu, AKS_NODE, "robin.com", 80, "HTTP")
    assert (outcome.action, outcome.verdict.policy, outcome.verdict.rule) == ("Allow", "pol", "robin")
    assert query(emu, world, "AZFWApplicationRule | project Policy, RuleCollectionGroup") == [["pol", "egress"]]


def test_a_source_in_no_subnet_is_refused_with_a_hint(emu, world):
    with pytest.raises(DataPlaneError, match="No subnet holds source IP 172.16.0.4"):
        send(emu, "172.16.0.4", "batman.com", 80, "HTTP")


def test_send_inside_an_open_transaction(emu, world):
    with emu.store.transaction() as tx:
        outcome = send(tx, AKS_NODE, "batman.com", 80, "HTTP")
    assert outcome.action == "Allow"
    assert query(emu, world, "AZFWApplicationRule | count") == [[1]]


def test_sends_in_one_transaction_write_one_segment_per_table_in_the_order_sent(emu, world):
    with emu.store.transaction() as tx:
        outcomes = [send(tx, AKS_NODE, host, 80, "HTTP") for host in ("batman.com", "robin.com", "batman.com")]
        assert not (emu.state_dir / "logs").exists()  # written when the transaction ends
    tables = {row.table for outcome in outcomes for row in outcome.rows}
    assert tables == {"AZFWApplicationRule", "AzureDiagnostics"}
    for table in tables:
        assert len(list((emu.state_dir / "logs" / world.customer_id / table).glob("seg-*.parquet"))) == 1
    assert query(emu, world, "AZFWApplicationRule | project Fqdn") == [["batman.com"], ["robin.com"], ["batman.com"]]


def test_traffic_sent_in_a_transaction_that_fails_is_still_logged(emu, world):
    with pytest.raises(RuntimeError), emu.store.transaction() as tx:
        send(tx, AKS_NODE, "batman.com", 80, "HTTP")
        raise RuntimeError("the operation failed after its traffic was sent")
    assert query(emu, world, "AZFWApplicationRule | project Fqdn") == [["batman.com"]]


def test_a_later_route_table_change_changes_the_path(emu, world):
    put_route_table(emu, next_hop_ip="10.0.1.99")
    assert send(emu, AKS_NODE, "batman.com", 80, "HTTP").action == "Dropped"


# several processes at once -----------------------------------------------------------------

PROCESSES = 4
FLOWS_PER_PROCESS = 25


def _send_many(state_dir: str, worker: int) -> None:
    emu = Emulator(state_dir)
    for n in range(FLOWS_PER_PROCESS):
        destination = "batman.com" if n % 2 else f"site{worker}-{n}.example.com"
        send(emu, AKS_NODE, destination, 80, "HTTP")


def test_flows_from_several_processes_lose_no_log_row(emu, world):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_send_many, args=(str(emu.state_dir), w)) for w in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    total = PROCESSES * FLOWS_PER_PROCESS
    allowed = PROCESSES * (FLOWS_PER_PROCESS // 2)
    assert query(emu, world, "AZFWApplicationRule | summarize count() by Action | order by Action asc") == [
        ["Allow", allowed], ["Deny", total - allowed]]
    assert query(emu, world, "AzureDiagnostics | count") == [[total]]
