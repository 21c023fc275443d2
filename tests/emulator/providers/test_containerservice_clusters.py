"""Managed clusters through the SDK: AKS's validations (code, message, nothing left behind), the
egress failure during creation, a private cluster's node group and DNS, credentials, updates, delete."""
import ipaddress

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network.models import NetworkInterface, NetworkInterfaceIPConfiguration, Route, Subnet

from praks_lib.azure.ids import group_of, name_of
from praks_lib.deploy.api_server_dns import HUB_LINK, own_zone_id
from praks_lib.deploy.cluster import aks_subnet_id, ensure_private_cluster
from praks_lib.deploy.identity import NETWORK_CONTRIBUTOR, identity_id
from praks_lib.errors import StageError
from praks_lib.params import load_deployment
from praks_lib.project import scenario_file

from ..aks_world import build_world, cluster_body, create


@pytest.fixture
def dep(walkthrough_2020):
    """The 2020 walkthrough's design: flat Azure CNI and a private-link API server with its zone."""
    return walkthrough_2020

AKS_SUBNET = ipaddress.ip_network("10.0.5.0/24")


@pytest.fixture
def world(clients, dep):
    return build_world(clients, dep)


def cluster_absent(clients, dep) -> bool:
    with pytest.raises(ResourceNotFoundError):
        clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    return not clients.resource.resource_groups.check_existence(dep.node_resource_group)


def refused(clients, dep, body) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        create(clients, dep, body)
    assert caught.value.status_code == 400
    assert cluster_absent(clients, dep)
    return caught.value


# --- a private cluster built by the runbook -----------------------------------------------------------

def test_private_cluster_has_its_node_group_zone_link_and_record(world, dep):
    change = ensure_private_cluster(world, dep)
    assert change.action == "created"
    cluster = world.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    assert cluster.provisioning_state == "Succeeded" and cluster.power_state.code == "Running"
    assert cluster.node_resource_group == "MC_dzpraks1_kube_dzpraks1_westeurope"
    # no version in the parameters: Azure's default on the pinned day (1.36, its latest patch)
    assert cluster.current_kubernetes_version == cluster.kubernetes_version == "1.36.2"
    assert cluster.fqdn is None and cluster.private_fqdn.startswith("dzpraks1-")
    assert cluster.network_profile.load_balancer_profile is None and cluster.network_profile.pod_cidr is None
    assert cluster.identity_profile["kubeletidentity"].resource_id.lower().endswith(
        "/mc_dzpraks1_kube_dzpraks1_westeurope/providers/microsoft.managedidentity/userassignedidentities/dzpraks1-agentpool")

    group = world.resource.resource_groups.get(dep.node_resource_group)
    assert group.managed_by == cluster.id and group.tags["aks-managed-cluster-name"] == "dzpraks1"
    # DNS goes through the firewall: the API server's name is in praks's zone, linked to hub and spoke
    zone_id = own_zone_id(world, dep)
    assert cluster.api_server_access_profile.private_dns_zone == zone_id
    zone_group, zone = group_of(zone_id), name_of(zone_id)
    assert cluster.private_fqdn.split(".", 1)[1] == zone == "privatelink.westeurope.azmk8s.io"
    assert not list(world.privatedns.private_zones.list_by_resource_group(dep.node_resource_group))
    links = list(world.privatedns.virtual_network_links.list(zone_group, zone))
    assert sorted(link.virtual_network.id.rsplit("/", 1)[1] for link in links) == ["hub1-firewallvnet",
                                                                                    "spoke1-kubenvnet"]
    record = world.privatedns.record_sets.get(zone_group, zone, "A", cluster.private_fqdn.split(".", 1)[0])
    api_server_ip = record.a_records[0].ipv4_address
    assert ipaddress.ip_address(api_server_ip) in AKS_SUBNET

    kinds = [r.type for r in world.resource.resources.list_by_resource_group(dep.node_resource_group)]
    assert "Microsoft.Network/publicIPAddresses" not in kinds
    assert {"Microsoft.Compute/virtualMachineScaleSets", "Microsoft.Network/privateEndpoints",
            } <= set(kinds)
    subnet = world.network.subnets.get(dep.resource_groups.network, "spoke1-kubenvnet", "aks-2-subnet")
    vmss_configs = [c.id for c in subnet.ip_configurations if "/virtualMachineScaleSets/" in c.id]
    assert len(vmss_configs) == 3 * 31  # classic Azure CNI: node + 30 pod addresses per node
    assert ensure_private_cluster(world, dep).action == "unchanged"


def test_without_the_dns_proxy_aks_brings_its_zone_linked_to_the_spoke(clients):
    dep = load_deployment(scenario_file("walkthrough-2020"), overrides={"firewall": {"dns_proxy": False, "rules": "seed-2020"}})
    world = build_world(clients, dep)
    ensure_private_cluster(world, dep)
    cluster = world.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    assert cluster.api_server_access_profile.private_dns_zone == "system"
    zones = list(world.privatedns.private_zones.list_by_resource_group(dep.node_resource_group))
    assert [z.name for z in zones] == [cluster.private_fqdn.split(".", 1)[1]]
    assert zones[0].name.endswith(".privatelink.westeurope.azmk8s.io")
    links = list(world.privatedns.virtual_network_links.list(dep.node_resource_group, zones[0].name))
    assert [link.virtual_network.id.rsplit("/", 1)[1] for link in links] == ["spoke1-kubenvnet"]


def test_nodes_that_resolve_through_the_hub_need_the_zone_linked_there(world, dep):
    """DNS goes through the firewall's proxy in the hub: without the zone's hub link the nodes cannot
    find the API server, and AKS fails the create as it does on Azure (Azure/AKS#1508)."""
    zone_id = own_zone_id(world, dep)
    world.privatedns.virtual_network_links.begin_delete(group_of(zone_id), name_of(zone_id), HUB_LINK).result()
    with pytest.raises(StageError, match="K8SAPIServerDNSLookupFailVMExtensionError"):
        ensure_private_cluster(world, dep)
    cluster = world.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    assert cluster.provisioning_state == "Failed"


def test_addresses_the_nodes_hold_are_not_given_to_a_new_nic(world, dep):
    ensure_private_cluster(world, dep)
    nic = world.network.network_interfaces.begin_create_or_update(
        dep.resource_groups.network, "late-nic", NetworkInterface(location=dep.location, ip_configurations=[
            NetworkInterfaceIPConfiguration(name="ipconfig1", subnet=Subnet(id=aks_subnet_id(world, dep)))])).result()
    # .4-.96: three nodes with 31 addresses each; .97: the API server's private endpoint
    assert nic.ip_configurations[0].private_ip_address == "10.0.5.98"


def test_user_credentials_point_at_the_private_fqdn_with_a_fake_token(world, dep):
    ensure_private_cluster(world, dep)
    clusters = world.containerservice.managed_clusters
    cluster = clusters.get(dep.resource_groups.kube, dep.aks.name)
    credentials = clusters.list_cluster_user_credentials(dep.resource_groups.kube, dep.aks.name)
    config = credentials.kubeconfigs[0].value.decode()  # the SDK decodes the base64 value
    assert credentials.kubeconfigs[0].name == "clusterUser"
    assert f"server: https://{cluster.private_fqdn}:443" in config
    assert "token: praks-emulator-placeholder-token-not-a-secret" in config


def test_docker_bridge_cidr_is_ignored_like_any_unknown_property(world, dep):
    body = cluster_body(world, dep, networkProfile={"dockerBridgeCidr": "172.17.0.1/16"})
    cluster = create(world, dep, body)
    assert cluster.provisioning_state == "Succeeded"
    assert "dockerBridgeCidr" not in cluster.network_profile.as_dict()


def test_delete_removes_the_node_group_also_through_the_group_cascade(world, dep):
    clusters = world.containerservice.managed_clusters
    ensure_private_cluster(world, dep)
    clusters.begin_delete(dep.resource_groups.kube, dep.aks.name).result()
    assert cluster_absent(world, dep)
    subnet = world.network.subnets.get(dep.resource_groups.network, "spoke1-kubenvnet", "aks-2-subnet")
    assert not subnet.ip_configurations
    ensure_private_cluster(world, dep)
    world.resource.resource_groups.begin_delete(dep.resource_groups.kube).result()
    assert not world.resource.resource_groups.check_existence(dep.node_resource_group)


# --- validation at PUT ------------------------------------------------------------------------------

@pytest.mark.parametrize("change, code, message", [
    ({"dnsPrefix": "bad_prefix"}, "InvalidParameter", "The value of parameter dnsPrefix is invalid."),
    ({"networkProfile": {"serviceCidr": "10.0.4.0/23", "dnsServiceIP": "10.0.4.10"}},
     "ServiceCidrOverlapExistingSubnetsCidr",
     "The specified service CIDR 10.0.4.0/23 is conflicted with an existing subnet CIDR 10.0.4.0/24"),
    ({"networkProfile": {"dnsServiceIP": "10.3.0.10"}}, "DnsServiceIpOutOfServiceCidr",
     "The DNS service IP 10.3.0.10 is out of the range defined by service CIDR 10.2.0.0/24."),
    ({"kubernetesVersion": "1.20"}, "K8sVersionNotSupported", "Version 1.20 is not supported in this region."),
])
def test_invalid_settings_are_refused_with_azures_code(world, dep, change, code, message):
    error = refused(world, dep, cluster_body(world, dep, **change))
    assert error.error.code == code and error.error.message.startswith(message)


def test_invalid_cluster_name_is_refused(world, dep):
    with pytest.raises(HttpResponseError) as caught:
        world.containerservice.managed_clusters.begin_create_or_update(
            dep.resource_groups.kube, "bad.name", cluster_body(world, dep)).result()
    assert caught.value.error.code == "InvalidParameter"
    assert caught.value.error.message.startswith("The value of parameter resourceName is invalid.")
    assert not world.resource.resource_groups.check_existence("MC_dzpraks1_kube_bad.name_westeurope")


def test_user_defined_routing_needs_a_route_table_on_the_subnet(world, dep):
    subnet = world.network.subnets.get(dep.resource_groups.network, "spoke1-kubenvnet", "aks-2-subnet")
    subnet.route_table = None
    world.network.subnets.begin_create_or_update(dep.resource_groups.network, "spoke1-kubenvnet", "aks-2-subnet",
                                                 subnet).result()
    error = refused(world, dep, cluster_body(world, dep))
    assert error.error.code == "ExistingRouteTableNotAssociatedWithSubnet"
    assert error.error.message == (f"An existing route table has not been associated with subnet "
                                   f"{aks_subnet_id(world, dep)}. Please update the route table association")


def test_user_defined_routing_needs_a_default_route(world, dep):
    world.network.routes.begin_delete(dep.resource_groups.network, dep.route.table_name, dep.route.route_name).result()
    error = refused(world, dep, cluster_body(world, dep))
    assert (error.error.code, error.error.message) == ("RouteTableMissingDefaultRouteError",
                                                       "Default route 0.0.0.0/0 missing from route table")


def test_user_defined_routing_refuses_a_default_route_to_the_internet(world, dep):
    world.network.routes.begin_create_or_update(dep.resource_groups.network, dep.route.table_name,
                                                dep.route.route_name,
                                                Route(address_prefix="0.0.0.0/0", next_hop_type="Internet")).result()
    error = refused(world, dep, cluster_body(world, dep))
    assert error.error.code == "RouteTableInvalidNextHop"
    assert error.error.message == ("Default route 0.0.0.0/0 has a next hop of Internet but only next hops of "
                                   "VirtualAppliance or VirtualNetworkGateway are allowed")


def test_identity_without_rights_on_the_route_table_is_refused(clients, dep):
    world = build_world(clients, dep, roles=False)
    error = refused(world, dep, cluster_body(world, dep))
    table = (f"/subscriptions/{world.subscription_id}/resourceGroups/dzpraks1_networks/providers/"
             "Microsoft.Network/routeTables/dzpraks1")
    assert error.error.code == "CustomRouteTableMissingPermission"
    assert error.error.message == ("Managed identity or service principle must be given permission to read and "
                                   f"write to custom route table {table}. Please see https://aka.ms/aks/customrt "
                                   "for more information")


def test_identity_without_rights_on_the_subnet_is_refused(clients, dep):
    world = build_world(clients, dep, roles=False)
    identity = world.msi.user_assigned_identities.get(dep.resource_groups.kube, dep.aks.identity.name)
    table = (f"/subscriptions/{world.subscription_id}/resourceGroups/dzpraks1_networks/providers/"
             "Microsoft.Network/routeTables/dzpraks1")
    world.authorization.role_assignments.create(table, "6f1b8a8e-8d7c-4c56-9d0a-2a5b7c1e0001", {
        "role_definition_id": f"/subscriptions/{world.subscription_id}/providers/Microsoft.Authorization/"
                              f"roleDefinitions/{NETWORK_CONTRIBUTOR}",
        "principal_id": identity.principal_id, "principal_type": "ServicePrincipal"})
    error = refused(world, dep, cluster_body(world, dep))
    assert error.error.code == "LinkedAuthorizationFailed"
    assert "'Microsoft.Network/virtualNetworks/subnets/join/action'" in error.error.message
    assert aks_subnet_id(world, dep) in error.error.message
    assert identity_id(world, dep)  # the identity itself is untouched


def test_a_subnet_too_small_for_azure_cni_is_refused(world, dep):
    body = cluster_body(world, dep)
    body["properties"]["agentPoolProfiles"][0]["count"] = 10
    error = refused(world, dep, body)
    assert error.error.code == "InsufficientSubnetSize"
    assert error.error.message.startswith("Pre-allocated IPs 341 exceeds IPs available 251 in Subnet Cidr 10.0.5.0/24")


# --- egress decided by the data plane --------------------------------------------------------------

def without_mcr(world, dep):
    firewall = world.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
    for collection in firewall.application_rule_collections:
        for rule in collection.rules:
            rule.target_fqdns = [f for f in rule.target_fqdns or [] if f != "mcr.microsoft.com"]
    world.network.azure_firewalls.begin_create_or_update(dep.resource_groups.network, dep.firewall.name,
                                                         firewall).result()


def test_blocked_required_egress_fails_the_create_and_the_firewall_logs_it(world, dep):
    without_mcr(world, dep)
    with pytest.raises(StageError, match="Azure refused to create AKS cluster dzpraks1") as caught:
        ensure_private_cluster(world, dep)
    azure = caught.value.__cause__  # the deploy code names the resource and keeps Azure's error
    assert azure.error.code == "OutboundConnFailVMExtensionError"
    assert azure.error.message.startswith("Unable to establish outbound connection from agents")
    cluster = world.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    assert cluster.provisioning_state == "Failed"
    assert world.resource.resource_groups.check_existence(dep.node_resource_group)  # Azure leaves it

    customer_id = world.loganalytics.workspaces.get(dep.resource_groups.network, dep.name).customer_id
    rows = world.logs.query_workspace(customer_id, 'AZFWApplicationRule | where Fqdn == "mcr.microsoft.com" '
                                                   "| project SourceIp, Action", timespan=None).tables[0].rows
    assert {tuple(r) for r in rows} == {("10.0.5.4", "Deny"), ("10.0.5.35", "Deny"), ("10.0.5.66", "Deny")}


def test_a_failed_cluster_recovers_when_updated_after_the_fix(world, dep):
    firewall = world.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
    without_mcr(world, dep)
    with pytest.raises(StageError):
        ensure_private_cluster(world, dep)
    world.network.azure_firewalls.begin_create_or_update(dep.resource_groups.network, dep.firewall.name,
                                                         firewall).result()
    cluster = create(world, dep, cluster_body(world, dep))
    assert cluster.provisioning_state == "Succeeded"


def test_a_kubenet_cluster_is_created_but_its_run_command_is_not_emulated(world, dep):
    """Only the Kubernetes side of Azure CNI clusters is emulated: the resource is, run command says so."""
    body = cluster_body(world, dep, networkProfile={"networkPlugin": "kubenet"})
    assert create(world, dep, body).provisioning_state == "Succeeded"
    with pytest.raises(HttpResponseError) as caught:
        world.containerservice.managed_clusters.begin_run_command(
            dep.resource_groups.kube, dep.aks.name, {"command": "kubectl get pods"}).result()
    assert caught.value.status_code == 400 and caught.value.error.code == "NotSupported"
    assert caught.value.error.message == (
        "praks emulator: the Kubernetes side of a 'kubenet' cluster is not emulated (Azure CNI clusters are); "
        "the cluster resource itself behaves as on Azure.")


def test_an_overlay_pool_too_big_for_its_subnet_is_refused(world, dep):
    pool = dict(cluster_body(world, dep)["properties"]["agentPoolProfiles"][0], count=300)
    error = refused(world, dep, cluster_body(world, dep, agentPoolProfiles=[pool],
                                             networkProfile={"networkPluginMode": "overlay"}))
    assert error.error.code == "InsufficientSubnetSize"
    assert error.error.message.startswith("Pre-allocated IPs 301 exceeds IPs available")


def test_a_private_cluster_gets_a_public_fqdn_unless_the_request_disables_it(world, dep):
    # Azure's default (recorded: a create with only enablePrivateCluster answers true and an hcp fqdn)
    cluster = create(world, dep, cluster_body(world, dep))
    assert cluster.api_server_access_profile.enable_private_cluster_public_fqdn is True
    assert cluster.fqdn.endswith(".hcp.westeurope.azmk8s.io") and cluster.private_fqdn
    cluster.api_server_access_profile.enable_private_cluster_public_fqdn = False
    updated = world.containerservice.managed_clusters.begin_create_or_update(
        dep.resource_groups.kube, dep.aks.name, cluster).result()
    assert updated.fqdn is None and updated.private_fqdn == cluster.private_fqdn  # disabling removes the name


def test_operation_status_names_the_operation_and_its_times_as_aks_does(world, dep):
    session = world.session.transport_factory().session
    token = {"Authorization": "Bearer " + world.credential.get_token("x").token}

    def arm_call(method, path, json=None, api_version=None):
        return session.request(method, "https://management.azure.com" + path, params={"api-version": api_version},
                               headers=token, json=json)

    body = cluster_body(world, dep)
    path = (f"/subscriptions/{world.subscription_id}/resourceGroups/{dep.resource_groups.kube}/providers/"
            f"Microsoft.ContainerService/managedClusters/{dep.aks.name}")
    created = arm_call("PUT", path, json=body, api_version="2026-08-01")
    status_url = created.headers["Azure-AsyncOperation"].split("management.azure.com", 1)[1].split("?")[0]
    op_id = status_url.rsplit("/", 1)[1]
    first = arm_call("GET", status_url, api_version="2016-03-30").json()
    assert set(first) == {"name", "status", "startTime"} and first["status"] == "InProgress"
    assert first["name"][:8] == "".join(reversed([op_id[i:i + 2] for i in range(0, 8, 2)]))  # bytes reversed
    assert first["name"][19:] == op_id[19:]
    while (last := arm_call("GET", status_url, api_version="2016-03-30").json())["status"] == "InProgress":
        pass
    assert last["status"] == "Succeeded" and last["endTime"] >= last["startTime"] == first["startTime"]
    cluster = arm_call("GET", path, api_version="2026-08-01").json()
    assert cluster["eTag"].startswith('W/"') and "etag" not in cluster
    assert cluster["properties"]["agentPoolProfiles"][0]["nodeImageVersion"].startswith("AKSUbuntu-2404gen2")


def test_sending_another_node_image_version_is_refused_as_a_rollback(world, dep):
    cluster = create(world, dep, cluster_body(world, dep))
    cluster.agent_pool_profiles[0].node_image_version = "AKSUbuntu-2204gen2containerd-202401.01.0"
    with pytest.raises(HttpResponseError) as caught:
        world.containerservice.managed_clusters.begin_create_or_update(
            dep.resource_groups.kube, dep.aks.name, cluster).result()
    assert caught.value.error.code == "InvalidParameter" and "triggers an agent pool rollback" in \
        caught.value.error.message
