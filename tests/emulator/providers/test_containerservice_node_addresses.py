"""AKS reserves its nodes' addresses where the AKS subnet is free: an address already taken moves
the nodes (and, with classic Azure CNI, their pods' blocks) past it."""
import pytest
from azure.mgmt.network import models as net

from praks_lib.deploy.cluster import aks_subnet_id, ensure_private_cluster
from praks_lib.runcommand import kubectl

from ..aks_world import build_world


@pytest.fixture
def dep(walkthrough_2020):
    """The 2020 walkthrough's design: flat Azure CNI reserves 31 addresses per node."""
    return walkthrough_2020


def test_nodes_skip_an_address_already_taken_in_the_subnet(clients, dep):
    build_world(clients, dep)
    nic = net.NetworkInterface({"location": dep.location, "properties": {"ipConfigurations": [
        {"name": "ipconfig1", "properties": {"subnet": {"id": aks_subnet_id(clients, dep)}}}]}})
    clients.network.network_interfaces.begin_create_or_update(dep.resource_groups.network, "squatter", nic).result()
    ensure_private_cluster(clients, dep)
    nodes = kubectl(clients, dep, "kubectl get nodes -o wide").stdout.splitlines()[1:]
    assert [line.split()[5] for line in nodes] == ["10.0.5.5", "10.0.5.36", "10.0.5.67"]
