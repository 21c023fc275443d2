"""Stage 04: the cluster as Azure reports it, and the verdict on its privacy, egress and system pods."""
from __future__ import annotations

import pandas as pd

from praks_lib.azure.ids import name_of, state_text
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import require
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.runcommand import kubectl_json
from praks_lib.stages import Verdict


def cluster_table(clients: Clients, dep: Deployment) -> pd.DataFrame:
    """The cluster as Azure reports it: private FQDN, no public FQDN, outbound type, plugin, nodes."""
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
        *([("pod CIDR", network.pod_cidr)] if network.pod_cidr else []),
        *([("API server subnet (VNet integration)", name_of(access.subnet_id))]
          if access and access.enable_vnet_integration and access.subnet_id else []),
        ("service CIDR / DNS service IP", f"{network.service_cidr} / {network.dns_service_ip}"),
        ("outbound type", state_text(network.outbound_type)),
        ("node pool", f"{pool.name}: {pool.count} × {pool.vm_size}"),
        ("node resource group", cluster.node_resource_group),
    ]
    return pd.DataFrame(rows, columns=["property", "value"]).set_index("property")


def cluster_verdict(clients: Clients, dep: Deployment) -> Verdict:
    """PASS when the cluster runs privately with UDR egress and its system pods are Running."""
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
