"""Stage 05: the API server's private name, and the verdict on resolving it from the hub."""
from __future__ import annotations

from praks_lib.cloud import Clients
from praks_lib.deploy.converge import require
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.stages import Verdict
from praks_lib.validate import check_dns_from_jumpbox


def api_server_fqdn(clients: Clients, dep: Deployment) -> str:
    """The API server's private FQDN, as the cluster reports it (what the jumpbox must resolve)."""
    cluster = require(lambda: clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name),
                      f"cluster {dep.aks.name}", "04_private_aks")
    return cluster.private_fqdn


def access_verdict(clients: Clients, dep: Deployment) -> Verdict:
    """PASS when the jumpbox (hub) resolves the API server's name to a private address."""
    row = check_dns_from_jumpbox(clients, dep)[0]
    if row.result != "PASS":
        raise StageError(f"FAIL: {row.target} resolves to {row.observed} from the jumpbox. {row.hint}")
    return Verdict(f"PASS: the jumpbox resolves {row.target} to {row.observed} (private).")
