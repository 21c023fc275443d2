"""Stage 04: the private AKS cluster — private API server, egress only through the firewall."""
from __future__ import annotations

import copy

from azure.mgmt.containerservice.models import (
    ContainerServiceNetworkProfile,
    ManagedCluster,
    ManagedClusterAgentPoolProfile,
    ManagedClusterAPIServerAccessProfile,
    ManagedClusterIdentity,
)

from praks_lib.azure.ids import resource_id, state_text
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, require, wait_for
from praks_lib.deploy.identity import identity_id
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.stage import Verdict


def aks_subnet_id(clients: Clients, dep: Deployment) -> str:
    spoke = dep.network.spoke
    return resource_id(clients.subscription_id, dep.resource_groups.network,
                       "Microsoft.Network/virtualNetworks/subnets", spoke.name, spoke.aks_subnet.name)


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
        # Azure's default is a public FQDN (an A record in public DNS) even for a private cluster.
        access.enable_private_cluster_public_fqdn = False if aks.private_cluster else None
        cluster.api_server_access_profile = access
        return cluster

    return converge("AKS cluster", aks.name, lambda: clusters.get(group, aks.name), desired,
                    lambda model: wait_for(clusters.begin_create_or_update(group, aks.name, model),
                                           f"cluster {aks.name}"))


def cluster_table(clients: Clients, dep: Deployment):
    """The cluster as Azure reports it: private FQDN, no public FQDN, outbound type, plugin, nodes."""
    import pandas as pd

    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    network, access = cluster.network_profile, cluster.api_server_access_profile
    pool = cluster.agent_pool_profiles[0]
    rows = [
        ("provisioning state", state_text(cluster.provisioning_state)),
        ("Kubernetes version", cluster.current_kubernetes_version or cluster.kubernetes_version),
        ("private cluster", access.enable_private_cluster if access else False),
        ("private FQDN (API server)", cluster.private_fqdn),
        ("public FQDN", cluster.fqdn or "none"),
        ("network plugin", f"{state_text(network.network_plugin)}"
                           + (f" ({state_text(network.network_plugin_mode)})" if network.network_plugin_mode else "")),
        ("service CIDR / DNS service IP", f"{network.service_cidr} / {network.dns_service_ip}"),
        ("outbound type", state_text(network.outbound_type)),
        ("node pool", f"{pool.name}: {pool.count} × {pool.vm_size}"),
        ("node resource group", cluster.node_resource_group),
    ]
    return pd.DataFrame(rows, columns=["property", "value"]).set_index("property")


def cluster_verdict(clients: Clients, dep: Deployment):
    """PASS when the cluster runs privately with UDR egress and its system pods are Running."""
    from praks_lib.runcommand import kubectl_json

    cluster = require(lambda: clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name),
                      f"cluster {dep.aks.name}", "04_private_aks")
    problems = []
    if state_text(cluster.provisioning_state) != "Succeeded":
        problems.append(f"the cluster is {state_text(cluster.provisioning_state)}")
    if dep.aks.private_cluster and not cluster.private_fqdn:
        problems.append("the API server has no private FQDN")
    if state_text(cluster.network_profile.outbound_type) != dep.aks.outbound_type:
        problems.append(f"outbound type is {state_text(cluster.network_profile.outbound_type)}")
    pods = kubectl_json(clients, dep, "kubectl get pods -n kube-system -o json") or {"items": []}
    not_running = [p["metadata"]["name"] for p in pods["items"] if p["status"].get("phase") != "Running"]
    if not pods["items"] or not_running:
        problems.append(f"system pods not running: {', '.join(not_running) or 'none found'}")
    if problems:
        raise StageError("FAIL: " + "; ".join(problems) + ". Re-run 04_private_aks after fixing aks.* parameters.")
    return Verdict(f"PASS: private cluster {dep.aks.name} is Succeeded at {cluster.private_fqdn}; "
                   f"{len(pods['items'])} system pods Running; egress {dep.aks.outbound_type}.")
