"""Validation on the emulator: every check passes on the 2020 walkthrough's deployment (classic rules, flat
Azure CNI, private link) with real evidence, and each break scenario makes the right check fail with a hint
naming the stage and parameter to fix. The default (baseline-2026) is proven by test_cluster_variants_run."""
import shutil

import pytest
from azure.mgmt.network.models import DhcpOptions, PublicIPAddress, PublicIPAddressSku

from praks_lib.cloud import connect
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.deploy.api_server_dns import HUB_LINK, cluster_dns_zone
from praks_lib.deploy.monitoring import DIAGNOSTIC_SETTING
from praks_lib.errors import StageError
from praks_lib.params import load_deployment
from praks_lib.project import scenario_file
from praks_lib.stages.validation import validation_verdict
from praks_lib.validate import proven_design, run_checks

# No waiting for logs offline: the emulator writes them as the traffic passes.
OVERRIDES = {"validation": {"log_deadline_minutes": 0}}
WALKTHROUGH = scenario_file("walkthrough-2020")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The whole deployment, built once; each test works on its own copy of the emulated cloud."""
    state = tmp_path_factory.mktemp("template") / "cloud"
    dep = load_deployment(WALKTHROUGH, overrides=OVERRIDES)
    deploy_all(connect(dep, state_dir=state), dep)
    return state


@pytest.fixture
def world(template, tmp_path):
    state = tmp_path / "cloud"
    shutil.copytree(template, state)
    dep = load_deployment(WALKTHROUGH, overrides=OVERRIDES)
    return connect(dep, state_dir=state), dep


def failed(table, check):
    rows = table[(table["check"] == check) & (table["result"] == "FAIL")]
    return rows.to_dict("records")


def test_the_walkthrough_deployment_passes_with_evidence(world):
    clients, dep = world
    table, egress, pod_ip = run_checks(clients, dep, echo=lambda _: None)
    assert set(table["result"]) == {"PASS"}, table[table["result"] == "FAIL"].to_dict("records")
    verdict = validation_verdict(table, proven_design(clients, dep))
    assert verdict.startswith("PASS: 62 checks proved private API server (private link) · Azure CNI (flat) · egress "
                              "through the firewall")
    assert set(table["check"]) == {"system pods", "egress from test pod", "firewall log evidence",
                                   "private DNS from hub", "API server not in public DNS", "no public IPs",
                                   "routing"}
    pods = table[table["check"] == "system pods"]
    assert len(pods) >= 20 and all("pod IP 10.0.5." in e for e in pods["evidence"])
    deny = table[(table["check"] == "firewall log evidence") & (table["target"] == "http://batman.com")].iloc[0]
    assert deny["observed"] == "Deny by Default Action"
    assert deny["evidence"] == f"AZFWApplicationRule: HTTP {pod_ip} → batman.com:80 Deny"
    page = table[(table["check"] == "egress from test pod") & (table["target"] == "http://batman.com")].iloc[0]
    assert "Action: Deny. Reason: No rule matched. Proceeding with default action." in page["evidence"]


def test_second_deploy_changes_nothing_and_still_passes(world):
    clients, dep = world
    assert {c.action for c in deploy_all(clients, dep)} == {"unchanged"}
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    assert set(table["result"]) == {"PASS"}


def test_ubuntu_rule_removed(world):
    clients, dep = world
    rules = dep.rule_set().without_rule("ubuntu-updates", "ubuntu-security")
    group = dep.resource_groups.network
    firewall = clients.network.azure_firewalls.get(group, dep.firewall.name)
    for attribute, collections in rules.to_sdk_firewall_collections().items():
        setattr(firewall, attribute, collections)
    clients.network.azure_firewalls.begin_create_or_update(group, dep.firewall.name, firewall).result()
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    [egress] = failed(table, "egress from test pod")
    assert egress["target"] == "http://azure.archive.ubuntu.com/ubuntu/"
    assert egress["observed"] == "Deny (HTTP 470 deny page from the firewall)"
    assert egress["hint"].startswith("02_firewall: add an application rule") and "firewall.rules" in egress["hint"]
    [log] = failed(table, "firewall log evidence")
    assert log["observed"] == "Deny by Default Action"
    with pytest.raises(StageError, match="FAIL: 2 of .* checks failed"):
        validation_verdict(table, proven_design(clients, dep))


def test_hub_dns_link_missing(world):
    clients, dep = world
    group, zone = cluster_dns_zone(clients, dep)
    clients.privatedns.virtual_network_links.begin_delete(group, zone, HUB_LINK).result()
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    [dns] = failed(table, "private DNS from hub")
    assert dns["observed"] == "no answer" and "NXDOMAIN" in dns["evidence"]
    assert dns["hint"].startswith("05_private_access: link the cluster's private DNS zone to the hub VNet")
    assert len(table[table["result"] == "FAIL"]) == 1


def test_spoke_dns_pointed_at_a_server_that_does_not_answer(world):
    clients, dep = world
    group, spoke = dep.resource_groups.network, dep.network.spoke.name
    vnet = clients.network.virtual_networks.get(group, spoke)
    vnet.dhcp_options = DhcpOptions(dns_servers=["10.0.1.250"])
    clients.network.virtual_networks.begin_create_or_update(group, spoke, vnet).result()
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    unresolved = failed(table, "egress from test pod")
    # every host, allowed or denied: a name that does not resolve proves nothing about the firewall
    assert {r["observed"] for r in unresolved} == {"Unresolved (name could not be resolved)"}
    assert len(unresolved) == len(table[table["check"] == "egress from test pod"])
    assert "Could not resolve host" in unresolved[0]["evidence"]
    assert unresolved[0]["hint"].startswith("02_firewall: the pod's DNS gave no answer")
    assert not failed(table, "private DNS from hub")  # the hub still resolves through the firewall


def test_diagnostic_settings_absent(world):
    clients, dep = world
    firewall = clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
    clients.monitor.diagnostic_settings.delete(firewall.id, DIAGNOSTIC_SETTING)
    table, egress, _ = run_checks(clients, dep, echo=lambda _: None)
    logs = failed(table, "firewall log evidence")
    assert len(logs) == len(egress) and {r["observed"] for r in logs} == {"no log row"}
    assert logs[0]["hint"].startswith("02_firewall: no diagnostic setting sends the firewall's logs")
    assert failed(table, "egress from test pod") == []


def test_route_table_not_associated(world):
    clients, dep = world
    group, spoke = dep.resource_groups.network, dep.network.spoke
    subnet = clients.network.subnets.get(group, spoke.name, spoke.aks_subnet.name)
    subnet.route_table = None
    clients.network.subnets.begin_create_or_update(group, spoke.name, spoke.aks_subnet.name, subnet).result()
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    [route] = failed(table, "routing")
    assert route["observed"] == "Internet" and route["hint"].startswith("03_egress_route")
    denied = {r["target"] for r in failed(table, "egress from test pod")}
    assert denied == {"http://batman.com", "https://batman.com"}  # they now reach the internet directly
    logs = failed(table, "firewall log evidence")
    assert logs and logs[0]["hint"].startswith("03_egress_route: the AKS subnet's traffic does not pass the firewall")


def test_extra_public_ip_in_the_spoke(world):
    clients, dep = world
    group = dep.resource_groups.network
    clients.network.public_ip_addresses.begin_create_or_update(group, "spoke-extra", PublicIPAddress(
        location=dep.location, sku=PublicIPAddressSku(name="Standard"), public_ip_allocation_method="Static")).result()
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    [extra] = failed(table, "no public IPs")
    assert extra["target"] == f"{group}/spoke-extra"
    assert "remove this public IP" in extra["hint"]
    firewall_ip = table[(table["check"] == "no public IPs") & (table["result"] == "PASS")]
    assert list(firewall_ip["target"]) == [f"{group}/dzpraks1"]


def test_a_cluster_with_a_public_fqdn_fails_with_the_parameter_to_fix(world):
    clients, dep = world
    clusters = clients.containerservice.managed_clusters
    cluster = clusters.get(dep.resource_groups.kube, dep.aks.name)
    cluster.api_server_access_profile.enable_private_cluster_public_fqdn = True  # Azure's default
    clusters.begin_create_or_update(dep.resource_groups.kube, dep.aks.name, cluster).result()
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    [row] = failed(table, "API server not in public DNS")
    assert row["observed"].endswith(".hcp.westeurope.azmk8s.io")
    assert "enablePrivateClusterPublicFQDN: True" in row["evidence"]
    assert row["hint"].startswith("04_private_aks: the cluster has a public FQDN")


def test_with_cni_overlay_the_node_s_own_log_rows_are_no_evidence_for_the_test_pod(tmp_path):
    """Under overlay the firewall sees the node's address: its bootstrap rows to the same endpoints
    (seconds old offline) must not stand in for the test pod's requests once logging has stopped."""
    dep = load_deployment(overrides=OVERRIDES)  # the default: baseline-2026, CNI Overlay
    clients = connect(dep, state_dir=tmp_path / "cloud")
    deploy_all(clients, dep)
    firewall = clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
    clients.monitor.diagnostic_settings.delete(firewall.id, DIAGNOSTIC_SETTING)
    table, egress, source = run_checks(clients, dep, echo=lambda _: None)
    assert source.startswith("10.0.5.")  # a node's address, not the pod's 10.244.x.x
    logs = failed(table, "firewall log evidence")
    assert len(logs) == len(egress) and {r["observed"] for r in logs} == {"no log row"}
