"""Lab: a required AKS endpoint is blocked (the rule for mcr.microsoft.com is missing), so the nodes cannot
pull their images and the cluster's creation fails with OutboundConnFailVMExtensionError (exit status 50)."""
from __future__ import annotations

from praks_lib.cloud import Clients
from praks_lib.deploy.all_stages import deploy_until_cluster
from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.deploy.converge import read_or_none
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.labs import apply_rules, verdict
from praks_lib.stages import Verdict
from praks_lib.validate import PASS, check_system_pods

MISSING = ("aks-required", "mcr")  # collection, rule


def break_it(clients: Clients, dep: Deployment) -> str:
    """Stages 01-03 with the mcr rule missing, then the cluster's creation (which fails): its error."""
    deploy_until_cluster(clients, dep)
    clusters, group = clients.containerservice.managed_clusters, dep.resource_groups.kube
    if read_or_none(lambda: clusters.get(group, dep.aks.name)) is not None:
        clusters.begin_delete(group, dep.aks.name).result()
    apply_rules(clients, dep, dep.rule_set().without_rule(*MISSING))
    try:
        ensure_private_cluster(clients, dep)
    except StageError as error:
        return error.message
    return "the cluster was created"


def fix(clients: Clients, dep: Deployment) -> None:
    """Put the rule back, then provision the Failed cluster again (a PUT of the cluster as it is)."""
    apply_rules(clients, dep, dep.rule_set())
    clusters, group = clients.containerservice.managed_clusters, dep.resource_groups.kube
    cluster = clusters.begin_create_or_update(group, dep.aks.name, clusters.get(group, dep.aks.name)).result()
    print(f"cluster {cluster.name}: {cluster.provisioning_state}")


def check(clients: Clients, dep: Deployment) -> Verdict:
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    if cluster.provisioning_state != "Succeeded":
        return verdict(False, "", f"cluster {cluster.name} is {cluster.provisioning_state}.",
                       "allow what the preflight lists as denied (02_firewall: firewall.rules), then provision the "
                       "cluster again (az aks update, or a PUT of the cluster)")
    pods = check_system_pods(clients, dep)
    failing = [p.target for p in pods if p.result != PASS]
    return verdict(not failing, f"cluster {cluster.name} Succeeded and its {len(pods)} system pods run.",
                   f"system pods not running: {', '.join(failing)}", "check the cluster's egress (firewall.rules)")
