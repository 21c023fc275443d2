"""Stages 02 and 03 through the SDK on the emulator: firewall, logs, forced tunnel; re-runs change nothing."""
import pytest

from praks_lib.azure.routing import next_hop
from praks_lib.deploy.firewall import ensure_firewall_stage, firewall_private_ip
from praks_lib.deploy.network import ensure_network
from praks_lib.deploy.route import ensure_egress_route
from praks_lib.errors import StageError
from praks_lib.stages.firewall import firewall_verdict
from praks_lib.stages.route import route_verdict, subnet_effective_routes


@pytest.fixture
def dep(walkthrough_2020):
    """Classic rule collections on the firewall, as the 2020 walkthrough (test_deploy_firewall_policy: policy)."""
    return walkthrough_2020


@pytest.fixture
def network(clients, dep):
    ensure_network(clients, dep)
    return clients


def test_firewall_stage_creates_then_changes_nothing(network, dep):
    first = ensure_firewall_stage(network, dep)
    assert [(c.kind, c.action) for c in first] == [
        ("public IP", "created"), ("firewall", "created"),
        ("VNet DNS servers", "updated"), ("VNet DNS servers", "updated"),
        ("log analytics workspace", "created"), ("diagnostic setting", "created")]
    assert {c.action for c in ensure_firewall_stage(network, dep)} == {"unchanged"}
    assert firewall_private_ip(network, dep) == "10.0.0.4"
    assert firewall_verdict(network, dep).startswith("PASS: firewall dzpraks1 runs the 'least-privilege' rules")


def test_route_before_firewall_names_the_stage_to_run(network, dep):
    with pytest.raises(StageError, match="firewall dzpraks1 does not exist yet: run 02_firewall first"):
        ensure_egress_route(network, dep)


def test_forced_tunnel_replaces_the_internet_default(network, dep):
    ensure_firewall_stage(network, dep)
    spoke = dep.network.spoke
    before = subnet_effective_routes(network, dep.resource_groups.network, spoke.name, spoke.aks_subnet.name)
    assert next_hop(before, "8.8.8.8").next_hop_type == "Internet"
    with pytest.raises(StageError, match="goes to Internet, not the firewall 10.0.0.4"):
        route_verdict(network, dep)

    assert [c.action for c in ensure_egress_route(network, dep)] == ["created", "updated"]
    after = subnet_effective_routes(network, dep.resource_groups.network, spoke.name, spoke.aks_subnet.name)
    hop = next_hop(after, "8.8.8.8")
    assert (hop.source, hop.next_hop_type, hop.next_hop_ip) == ("User", "VirtualAppliance", "10.0.0.4")
    assert [r.state for r in after if r.address_prefix == "0.0.0.0/0" and r.source == "Default"] == ["Invalid"]
    assert route_verdict(network, dep).startswith("PASS")
    assert {c.action for c in ensure_egress_route(network, dep)} == {"unchanged"}


def test_network_rerun_keeps_the_route_table_association(network, dep):
    ensure_firewall_stage(network, dep)
    ensure_egress_route(network, dep)
    assert {c.action for c in ensure_network(network, dep)} == {"unchanged"}
    subnet = network.network.subnets.get(dep.resource_groups.network, dep.network.spoke.name,
                                         dep.network.spoke.aks_subnet.name)
    assert subnet.route_table.id.lower().endswith("/routetables/dzpraks1")


def test_verdict_fails_when_the_rules_drift(network, dep):
    ensure_firewall_stage(network, dep)
    firewall = network.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
    firewall.application_rule_collections = firewall.application_rule_collections[:1]
    network.network.azure_firewalls.begin_create_or_update(dep.resource_groups.network, dep.firewall.name,
                                                           firewall).result()
    with pytest.raises(StageError, match="rules differ from the rule set 'least-privilege'"):
        firewall_verdict(network, dep)
    assert [c.action for c in ensure_firewall_stage(network, dep)][1] == "updated"
    assert firewall_verdict(network, dep).startswith("PASS")


def test_verdict_fails_when_a_vnet_stops_resolving_through_the_firewall(network, dep):
    ensure_firewall_stage(network, dep)
    group, spoke = dep.resource_groups.network, dep.network.spoke.name
    vnet = network.network.virtual_networks.get(group, spoke)
    vnet.dhcp_options.dns_servers = []  # someone put the spoke back on Azure DNS
    network.network.virtual_networks.begin_create_or_update(group, spoke, vnet).result()
    with pytest.raises(StageError, match=f"VNet {spoke} resolves through Azure DNS, not the firewall's DNS proxy "
                                         "at 10.0.0.4") as failed:
        firewall_verdict(network, dep)
    assert failed.value.fix == "re-run 02_firewall"
    assert "VNet DNS servers" in [c.kind for c in ensure_firewall_stage(network, dep) if c.action == "updated"]
    assert firewall_verdict(network, dep).startswith("PASS")
