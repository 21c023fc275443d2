"""AKS's cluster variants on the emulator: CNI Overlay's pod CIDR and API Server VNet Integration, as
the runbook deploys them (stages 01-04 with praks_lib.deploy) and as Azure refuses them when they are
wrong (Azure's code and message, nothing created)."""
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network.models import Delegation, NetworkInterface, NetworkInterfaceIPConfiguration, Subnet

from praks_lib.azure.messages import azure_error
from praks_lib.cloud import connect
from praks_lib.deploy.cluster import api_server_subnet_id, ensure_private_cluster
from praks_lib.deploy.identity import ensure_role_assignments, role_grants
from praks_lib.params import load_deployment
from praks_lib.project import scenario_file
from praks_lib.runcommand import kubectl

from ..aks_world import build_world, cluster_body, create

OVERLAY = {"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16"}}
INTEGRATED = {"aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16", "api_server": "vnet_integration"},
              "network": {"spoke": {"apiserver_subnet": {"name": "apiserver-subnet", "prefix": "10.0.6.0/28"}}}}
SPOKE = "spoke1-kubenvnet"


def _world(tmp_path, overrides):
    """The variant on top of the 2020 walkthrough's design (a private-link API server unless overridden)."""
    dep = load_deployment(scenario_file("walkthrough-2020"), overrides=overrides)
    return build_world(connect(dep, state_dir=tmp_path / "cloud"), dep), dep


@pytest.fixture
def overlay(tmp_path):
    return _world(tmp_path, OVERLAY)


@pytest.fixture
def integrated(tmp_path):
    return _world(tmp_path, INTEGRATED)


def refused(clients, dep, body) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        create(clients, dep, body)
    assert caught.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    assert not clients.resource.resource_groups.check_existence(dep.node_resource_group)
    return caught.value


def _overlay_body(clients, dep, pod_cidr: str) -> dict:
    network = {"networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": pod_cidr,
               "serviceCidr": dep.aks.service_cidr, "dnsServiceIP": dep.aks.dns_service_ip,
               "outboundType": dep.aks.outbound_type, "loadBalancerSku": "standard"}
    return cluster_body(clients, dep, networkProfile=network)


# --- CNI Overlay ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pod_cidr, key, values", [
    ("10.0.4.0/22", "pod_cidr_overlaps_subnet", {"cidr": "10.0.4.0/22", "subnet": "10.0.4.0/24"}),
    ("10.2.0.0/16", "pod_cidr_overlaps_service_cidr", {"pod_cidr": "10.2.0.0/16", "service_cidr": "10.2.0.0/24"}),
    ("172.30.0.0/16", "pod_cidr_reserved", {"cidr": "172.30.0.0/16", "reserved": "172.30.0.0/16"}),
])
def test_an_overlay_pod_cidr_in_use_elsewhere_is_refused(overlay, pod_cidr, key, values):
    clients, dep = overlay
    error = refused(clients, dep, _overlay_body(clients, dep, pod_cidr))
    expected = azure_error(key, **values)
    assert (error.error.code, error.error.message) == (expected.code, expected.message)


def test_the_pod_cidr_is_checked_against_subnets_not_the_whole_vnet(overlay):
    """Since 2024-10 AKS compares the pod CIDR with each subnet: free space of the VNet may be used."""
    clients, dep = overlay
    body = _overlay_body(clients, dep, "10.0.6.0/23")  # the spoke's free half: no subnet there
    body["properties"]["agentPoolProfiles"][0]["count"] = 1  # (1 + 1 surge) × /24 fits a /23
    cluster = create(clients, dep, body)
    assert cluster.provisioning_state == "Succeeded"


def test_overlay_nodes_take_subnet_addresses_and_pods_the_pod_cidr(overlay):
    clients, dep = overlay
    ensure_private_cluster(clients, dep)
    nodes = kubectl(clients, dep, "kubectl get nodes -o wide").stdout
    assert "10.0.5.4" in nodes and "10.0.5.5" in nodes and "10.0.5.6" in nodes
    pods = kubectl(clients, dep, "kubectl get pods -n kube-system -o wide").stdout
    coredns = [line for line in pods.splitlines() if line.startswith("coredns-") and "autoscaler" not in line]
    assert coredns and all(" 10.244." in line for line in coredns)
    subnet = clients.network.subnets.get(dep.resource_groups.network, SPOKE, dep.network.spoke.aks_subnet.name)
    # one address per node and the API server's private endpoint; none for pods
    assert len(subnet.ip_configurations) == dep.aks.node_pool.count + 1


# --- API Server VNet Integration --------------------------------------------------------------------

def test_the_api_server_gets_an_internal_load_balancer_in_its_delegated_subnet(integrated):
    clients, dep = integrated
    subnet = clients.network.subnets.get(dep.resource_groups.network, SPOKE, "apiserver-subnet")
    assert [d.service_name for d in subnet.delegations] == ["Microsoft.ContainerService/managedClusters"]
    cluster = ensure_private_cluster(clients, dep)
    assert cluster.action == "created"
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    access = cluster.api_server_access_profile
    assert access.enable_vnet_integration and access.subnet_id.lower() == api_server_subnet_id(clients, dep).lower()
    assert cluster.private_fqdn.endswith(".private.westeurope.azmk8s.io") and not cluster.fqdn
    assert not cluster.private_link_resources
    balancer = clients.network.load_balancers.get(dep.node_resource_group, "kube-apiserver")
    [frontend] = balancer.frontend_ip_configurations
    assert frontend.private_ip_address == "10.0.6.4" and frontend.subnet.id.lower().endswith("/apiserver-subnet")
    assert not list(clients.network.private_endpoints.list(dep.node_resource_group))
    record = cluster.private_fqdn.split(".")[0]
    a_record = clients.privatedns.record_sets.get(dep.resource_groups.network, dep.api_server_dns_zone, "A", record)
    assert [a.ipv4_address for a in a_record.a_records] == ["10.0.6.4"]
    assert ensure_private_cluster(clients, dep).action == "unchanged"
    assert clients.network.load_balancers.get(dep.node_resource_group, "kube-apiserver") \
        .frontend_ip_configurations[0].private_ip_address == "10.0.6.4"


def _vnet_integration(clients, dep, subnet_id: str | None) -> dict:
    access = {"enablePrivateCluster": True, "enablePrivateClusterPublicFQDN": False,
              "privateDNSZone": cluster_body(clients, dep)["properties"]["apiServerAccessProfile"]["privateDNSZone"],
              "enableVnetIntegration": True}
    if subnet_id:
        access["subnetId"] = subnet_id
    return cluster_body(clients, dep, apiServerAccessProfile=access)


def _set_subnet(clients, dep, vnet: str, name: str, prefix: str, delegated: bool = True) -> str:
    delegations = [Delegation(name="aks", service_name="Microsoft.ContainerService/managedClusters")] \
        if delegated else []
    return clients.network.subnets.begin_create_or_update(
        dep.resource_groups.network, vnet, name, Subnet(address_prefix=prefix, delegations=delegations)).result().id


def test_vnet_integration_without_a_subnet_is_refused(integrated):
    clients, dep = integrated
    error = refused(clients, dep, _vnet_integration(clients, dep, None))
    assert (error.error.code, error.error.message) == ("InvalidParameter",
                                                       azure_error("apiserver_subnet_required").message)


def test_a_missing_api_server_subnet_is_refused(integrated):
    clients, dep = integrated
    missing = api_server_subnet_id(clients, dep).replace("apiserver-subnet", "nowhere")
    error = refused(clients, dep, _vnet_integration(clients, dep, missing))
    assert error.error.message == azure_error("apiserver_subnet_not_found", subnet=missing).message


def test_an_api_server_subnet_in_another_vnet_is_refused(integrated):
    clients, dep = integrated
    other = _set_subnet(clients, dep, dep.network.hub.name, "apiserver-in-hub", "10.0.2.0/28")
    error = refused(clients, dep, _vnet_integration(clients, dep, other))
    expected = azure_error("apiserver_subnet_other_vnet", subnet=other,
                           node_subnet=cluster_body(clients, dep)["properties"]["agentPoolProfiles"][0]["vnetSubnetID"])
    assert (error.error.code, error.error.message) == (expected.code, expected.message)


def test_an_api_server_subnet_not_delegated_to_aks_is_refused(integrated):
    clients, dep = integrated
    subnet = _set_subnet(clients, dep, SPOKE, "apiserver-subnet", "10.0.6.0/28", delegated=False)
    error = refused(clients, dep, _vnet_integration(clients, dep, subnet))
    assert error.error.message == azure_error("apiserver_subnet_not_delegated", subnet=subnet).message


def test_an_api_server_subnet_smaller_than_28_is_refused(integrated):
    clients, dep = integrated
    subnet = _set_subnet(clients, dep, SPOKE, "apiserver-small", "10.0.6.16/29")
    error = refused(clients, dep, _vnet_integration(clients, dep, subnet))
    expected = azure_error("apiserver_subnet_too_small", subnet=subnet, prefix="10.0.6.16/29")
    assert (error.error.code, error.error.message) == (expected.code, expected.message)


def test_the_cluster_identity_needs_network_contributor_on_the_api_server_subnet(tmp_path):
    dep = load_deployment(overrides=INTEGRATED)
    clients = build_world(connect(dep, state_dir=tmp_path / "cloud"), dep, roles=False)
    grants = clients.authorization.role_assignments
    identity = clients.msi.user_assigned_identities.get(dep.resource_groups.kube, dep.aks.identity.name)
    subnet = api_server_subnet_id(clients, dep)
    assert ("Network Contributor", "API server subnet", subnet) in role_grants(clients, dep)
    ensure_role_assignments(clients, dep)
    [on_subnet] = [a for a in grants.list_for_scope(subnet, filter=f"principalId eq '{identity.principal_id}'")
                   if a.scope.lower() == subnet.lower()]
    grants.delete(subnet, on_subnet.name)
    error = refused(clients, dep, _vnet_integration(clients, dep, subnet))
    expected = azure_error("apiserver_subnet_permission", principal=identity.principal_id,
                           action="Microsoft.Network/virtualNetworks/subnets/join/action", subnet=subnet)
    assert (error.error.code, error.error.message) == (expected.code, expected.message)


def test_an_api_server_subnet_used_by_other_workloads_is_refused(integrated):
    clients, dep = integrated
    subnet = api_server_subnet_id(clients, dep)
    nic = clients.network.network_interfaces.begin_create_or_update(
        dep.resource_groups.network, "squatter-nic", NetworkInterface(location=dep.location, ip_configurations=[
            NetworkInterfaceIPConfiguration(name="ipconfig1", subnet=Subnet(id=subnet))])).result()
    error = refused(clients, dep, _vnet_integration(clients, dep, subnet))
    expected = azure_error("apiserver_subnet_in_use", subnet=subnet, used=nic.ip_configurations[0].id)
    assert (error.error.code, error.error.message) == (expected.code, expected.message)
