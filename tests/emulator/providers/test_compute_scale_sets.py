"""A private cluster's node resource group reads as on Azure: the node pool's scale set, its instances
and their network interfaces, and the API server's private endpoint with its NIC."""
import pytest

from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.diagrams.live import live_view

from ..aks_world import build_world


@pytest.fixture
def dep(walkthrough_2020):
    """The 2020 walkthrough's design: flat Azure CNI's node addresses and a private-link API server."""
    return walkthrough_2020


@pytest.fixture
def cluster(clients, dep):
    build_world(clients, dep)
    ensure_private_cluster(clients, dep)
    return clients


def test_the_node_pool_scale_set_its_instances_and_their_nics(cluster, dep):
    group = dep.node_resource_group
    [vmss] = list(cluster.compute.virtual_machine_scale_sets.list(group))
    assert vmss.sku.capacity == 3 and vmss.name.startswith("aks-nodepool1-")
    instances = list(cluster.compute.virtual_machine_scale_set_vms.list(group, vmss.name))
    assert [i.os_profile.computer_name for i in instances] == [f"{vmss.name}00000{n}" for n in range(3)]
    nics = list(cluster.network.network_interfaces.list_virtual_machine_scale_set_network_interfaces(group, vmss.name))
    primaries = sorted(c.private_ip_address for nic in nics for c in nic.ip_configurations if c.primary)
    assert primaries == ["10.0.5.35", "10.0.5.4", "10.0.5.66"]


def test_the_api_server_private_endpoint_and_its_nic(cluster, dep):
    [endpoint] = list(cluster.network.private_endpoints.list(dep.node_resource_group))
    assert endpoint.name == "kube-apiserver"
    [nic_ref] = endpoint.network_interfaces
    nic = cluster.network.network_interfaces.get(dep.node_resource_group, nic_ref.id.rsplit("/", 1)[1])
    assert nic.ip_configurations[0].private_ip_address.startswith("10.0.5.")


def test_the_live_view_finds_the_nodes_and_the_api_server_offline(cluster, dep):
    view = live_view(cluster, dep)
    assert view.cluster.node_ips == ["10.0.5.4", "10.0.5.35", "10.0.5.66"]
    assert view.cluster.api_server_ip and view.cluster.api_server_ip.startswith("10.0.5.")
