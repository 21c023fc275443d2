"""Every deploy stage in order, for scripts and tests that want the whole deployment without notebooks."""
from __future__ import annotations

from praks_lib.cloud import Clients
from praks_lib.deploy.access import ensure_jumpbox
from praks_lib.deploy.api_server_dns import ensure_hub_dns_link, ensure_own_zone
from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.deploy.converge import Change
from praks_lib.deploy.firewall import ensure_firewall_stage
from praks_lib.deploy.identity import ensure_cluster_identity, ensure_role_assignments
from praks_lib.deploy.monitoring import ensure_monitoring_addon
from praks_lib.deploy.network import ensure_network
from praks_lib.deploy.registry import ensure_registry_cache
from praks_lib.deploy.route import ensure_egress_route
from praks_lib.deployment import Deployment


def deploy_until_cluster(clients: Clients, dep: Deployment) -> list[Change]:
    """Stages 01 to 03 and stage 04 up to the cluster itself (its zone, identity, roles, registry cache):
    what a lab or test changes before it creates the cluster."""
    changes = ensure_network(clients, dep)
    changes += ensure_firewall_stage(clients, dep)
    changes += ensure_egress_route(clients, dep)
    changes += ensure_own_zone(clients, dep)
    changes += [ensure_cluster_identity(clients, dep)] + ensure_role_assignments(clients, dep)
    changes += ensure_registry_cache(clients, dep)
    return changes


def deploy_all(clients: Clients, dep: Deployment) -> list[Change]:
    """Stages 01 to 06 as the notebooks run them; each change says created, updated or unchanged."""
    changes = deploy_until_cluster(clients, dep)
    changes.append(ensure_private_cluster(clients, dep))
    changes += ensure_jumpbox(clients, dep)
    changes.append(ensure_hub_dns_link(clients, dep))
    changes += ensure_monitoring_addon(clients, dep)
    return changes
