"""Stage 01 through the real SDK clients on the emulator: creates, converges, and says so."""
import pytest
from azure.mgmt.network.models import Subnet

from praks_lib.deploy.network import ensure_network, ensure_peering, ensure_resource_groups, ensure_vnet
from praks_lib.errors import StageError
from praks_lib.params import load_deployment
from praks_lib.stages import changes_summary
from praks_lib.stages.network import network_table, network_verdict


def test_first_run_creates_everything_tagged(clients, dep):
    changes = ensure_network(clients, dep)
    assert [(c.kind, c.action) for c in changes] == [
        ("resource group", "created"), ("resource group", "created"),
        ("virtual network", "created"), ("virtual network", "created"),
        ("vnet peering", "created"), ("vnet peering", "created")]
    for group in (dep.resource_groups.network, dep.resource_groups.kube):
        assert clients.resource.resource_groups.get(group).tags == {"praks-deployment": "dzpraks1"}
    hub = clients.network.virtual_networks.get(dep.resource_groups.network, "hub1-firewallvnet")
    assert hub.tags == {"praks-deployment": "dzpraks1"}
    assert {s.name: s.address_prefix for s in hub.subnets} == {
        "AzureFirewallSubnet": "10.0.0.0/24", "jumpbox-subnet": "10.0.1.0/24"}


def test_second_run_changes_nothing_and_says_so(clients, dep):
    ensure_network(clients, dep)
    again = ensure_network(clients, dep)
    assert {c.action for c in again} == {"unchanged"}
    assert changes_summary(again) == "No changes: all 6 resources already as planned."


def test_changed_parameter_updates_only_that_resource(clients, dep, tmp_path):
    ensure_network(clients, dep)
    grown = load_deployment(overrides={"network": {"spoke": {"ingress_subnet": {"prefix": "10.0.7.0/24"}}}})
    changes = ensure_network(clients, grown)
    assert [c.name for c in changes if c.action == "updated"] == ["spoke1-kubenvnet"]
    spoke = clients.network.virtual_networks.get(dep.resource_groups.network, "spoke1-kubenvnet")
    assert {s.name: s.address_prefix for s in spoke.subnets}["ing-1-subnet"] == "10.0.7.0/24"


def test_rerun_keeps_what_later_stages_and_people_added(clients, dep):
    """A VNet PUT replaces its subnet list; the stage must keep subnets and settings it does not own."""
    ensure_network(clients, dep)
    group = dep.resource_groups.network
    clients.network.subnets.begin_create_or_update(
        group, "spoke1-kubenvnet", "extra", Subnet(address_prefix="10.0.7.0/24")).result()
    assert {c.action for c in ensure_network(clients, dep)} == {"unchanged"}
    spoke = clients.network.virtual_networks.get(group, "spoke1-kubenvnet")
    assert "extra" in {s.name for s in spoke.subnets}


def test_table_and_verdict_read_the_cloud(clients, dep):
    ensure_network(clients, dep)
    table = network_table(clients, dep)
    assert list(table["subnet"]) == ["AzureFirewallSubnet", "jumpbox-subnet", "ing-1-subnet", "aks-2-subnet",
                                     "apiserver-subnet"]
    assert set(table["state"]) == {"Succeeded"}
    assert network_verdict(clients, dep).startswith("PASS")


def test_verdict_fails_while_a_peering_is_one_sided(clients, dep):
    ensure_resource_groups(clients, dep)
    hub, spoke = dep.network.hub, dep.network.spoke
    ensure_vnet(clients, dep, hub)
    ensure_vnet(clients, dep, spoke)
    ensure_peering(clients, dep, hub, spoke, dep.network.hub_to_spoke_peering)
    with pytest.raises(StageError, match="HubToSpoke1 is Initiated, spoke1-kubenvnet/Spoke1ToHub is missing. Re-run 01_network"):
        network_verdict(clients, dep)
