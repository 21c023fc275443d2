"""Stage 04: the private AKS cluster — private API server, egress only through the firewall."""
from __future__ import annotations

import copy

from azure.mgmt.containerservice.models import (
    ContainerServiceNetworkProfile,
    ManagedCluster,
    ManagedClusterAgentPoolProfile,
    ManagedClusterAPIServerAccessProfile,
    ManagedClusterBootstrapProfile,
    ManagedClusterIdentity,
    UserAssignedIdentity,
)

from praks_lib.azure.ids import resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.api_server_dns import own_zone_id
from praks_lib.deploy.converge import Change, converge, require, wait_for
from praks_lib.deploy.identity import identity_id
from praks_lib.deploy.registry import kubelet_id, kubelet_identity_name, registry_id, uses_registry_cache
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError


def aks_subnet_id(clients: Clients, dep: Deployment) -> str:
    spoke = dep.network.spoke
    return resource_id(clients.subscription_id, dep.resource_groups.network,
                       "Microsoft.Network/virtualNetworks/subnets", spoke.name, spoke.aks_subnet.name)


def api_server_subnet_id(clients: Clients, dep: Deployment) -> str:
    spoke = dep.network.spoke
    return resource_id(clients.subscription_id, dep.resource_groups.network,
                       "Microsoft.Network/virtualNetworks/subnets", spoke.name, spoke.apiserver_subnet.name)


# What the parameters decide even when they leave it empty (a cleared value must be cleared on Azure).
CLUSTER_OWNED = ("network_profile.network_plugin_mode", "network_profile.pod_cidr",
                 "api_server_access_profile.enable_private_cluster",
                 "api_server_access_profile.enable_vnet_integration", "api_server_access_profile.subnet_id",
                 "api_server_access_profile.enable_private_cluster_public_fqdn")


def kubernetes_version(clients: Clients, dep: Deployment) -> str:
    """The pinned version, or Azure's default for new clusters in the region today (what the 2020
    walkthrough asked with az aks get-versions --query "orchestrators[?default == `true`]")."""
    if dep.aks.kubernetes_version:
        return dep.aks.kubernetes_version
    offered = clients.containerservice.managed_clusters.list_kubernetes_versions(dep.location)
    default = next((v for v in offered.values_property or [] if v.is_default), None)
    if default is None:
        raise StageError(f"Azure names no default Kubernetes version in {dep.location}.",
                         f"pin one in aks.kubernetes_version (az aks get-versions -l {dep.location} -o table)",
                         stage="04_private_aks")
    return max(default.patch_versions or {default.version: None}, key=lambda v: tuple(map(int, v.split("."))))


def ensure_private_cluster(clients: Clients, dep: Deployment) -> Change:
    """Create or converge the cluster; the CNI choice is explicit and no docker bridge is sent.

    Only the settings this runbook owns are written; everything Azure fills in is kept, so a
    re-run compares equal and sends nothing.
    """
    aks, group = dep.aks, dep.resource_groups.kube
    clusters = clients.containerservice.managed_clusters
    require(lambda: clients.msi.user_assigned_identities.get(group, aks.identity.name),
            f"managed identity {aks.identity.name}", "04_private_aks (ensure_cluster_identity)")

    def desired(current):
        cluster = copy.deepcopy(current) if current else ManagedCluster(location=dep.location)
        cluster.tags = {**(cluster.tags or {}), **dep.tags}
        cluster.identity = cluster.identity or ManagedClusterIdentity(type="UserAssigned")
        cluster.identity.type = "UserAssigned"
        cluster.identity.user_assigned_identities = {identity_id(clients, dep): {}}
        if current is None or aks.kubernetes_version:
            cluster.kubernetes_version = kubernetes_version(clients, dep)
        cluster.dns_prefix = aks.dns_prefix
        cluster.enable_rbac = True
        cluster.node_resource_group = dep.node_resource_group
        pools = cluster.agent_pool_profiles or []
        pool = next((p for p in pools if p.name == aks.node_pool.name), None)
        if pool is None:
            pool = ManagedClusterAgentPoolProfile(name=aks.node_pool.name)
            pools.append(pool)
        pool.count, pool.vm_size, pool.os_sku = aks.node_pool.count, aks.node_pool.vm_size, aks.node_pool.os_sku
        pool.node_image_version = None  # read back from a GET, but sending it triggers a rollback (API 2026-08-01)
        pool.mode, pool.os_type, pool.type = "System", "Linux", "VirtualMachineScaleSets"
        pool.vnet_subnet_id = aks_subnet_id(clients, dep)
        cluster.agent_pool_profiles = pools
        network = cluster.network_profile or ContainerServiceNetworkProfile()
        network.network_plugin = aks.network_plugin
        network.network_plugin_mode = aks.network_plugin_mode
        network.pod_cidr = aks.pod_cidr
        network.service_cidr, network.dns_service_ip = aks.service_cidr, aks.dns_service_ip
        network.outbound_type, network.load_balancer_sku = aks.outbound_type, aks.load_balancer_sku
        cluster.network_profile = network
        access = cluster.api_server_access_profile or ManagedClusterAPIServerAccessProfile()
        access.enable_private_cluster = aks.private_cluster
        integrated = aks.api_server == "vnet_integration"
        # VNet Integration: the API server behind a load balancer in its delegated subnet, no private endpoint.
        access.enable_vnet_integration = True if integrated else None
        access.subnet_id = api_server_subnet_id(clients, dep) if integrated else None
        # Azure's default is a public FQDN (an A record in public DNS) even for a private cluster.
        access.enable_private_cluster_public_fqdn = False if aks.private_cluster else None
        zone = own_zone_id(clients, dep)
        if zone is not None and (access.private_dns_zone or "").lower() != zone.lower():
            access.private_dns_zone = zone  # fixed at creation: Azure refuses to move the name later
        cluster.api_server_access_profile = access
        if uses_registry_cache(dep):  # network-isolated: the nodes bootstrap from the registry cache
            cluster.bootstrap_profile = ManagedClusterBootstrapProfile(
                artifact_source="Cache", container_registry_id=registry_id(clients, dep))
            cluster.identity_profile = {"kubeletidentity": UserAssignedIdentity(
                resource_id=kubelet_id(clients, dep), client_id=kubelet.client_id, object_id=kubelet.principal_id)}
        return cluster

    kubelet = require(lambda: clients.msi.user_assigned_identities.get(group, kubelet_identity_name(dep)),
                      f"managed identity {kubelet_identity_name(dep)}", "04_private_aks (ensure_registry_cache)") \
        if uses_registry_cache(dep) else None

    return converge("AKS cluster", aks.name, lambda: clusters.get(group, aks.name), desired,
                    lambda model: wait_for(clusters.begin_create_or_update(group, aks.name, model),
                                           f"cluster {aks.name}"), owned=CLUSTER_OWNED)
