"""Lab: the hub cannot resolve the private API server (the cluster's private DNS zone is not linked to the
hub VNet, so Azure DNS in the hub, which the jumpbox asks through the firewall's DNS proxy, answers
NXDOMAIN for the privatelink name)."""
from __future__ import annotations

from praks_lib.cloud import Clients
from praks_lib.deploy.api_server_dns import HUB_LINK, cluster_dns_zone, ensure_hub_dns_link
from praks_lib.deployment import Deployment
from praks_lib.labs import deploy_healthy, verdict
from praks_lib.stages import Verdict
from praks_lib.validate import PASS, check_dns_from_jumpbox


def zone_links(clients: Clients, dep: Deployment) -> list[str]:
    """The VNets the cluster's private DNS zone is linked to (what az network private-dns link vnet list shows)."""
    group, zone = cluster_dns_zone(clients, dep)
    return [f"{link.name} → {link.virtual_network.id.rsplit('/', 1)[-1]}"
            for link in clients.privatedns.virtual_network_links.list(group, zone)]


def break_it(clients: Clients, dep: Deployment) -> None:
    deploy_healthy(clients, dep)
    group, zone = cluster_dns_zone(clients, dep)
    if HUB_LINK in [link.name for link in clients.privatedns.virtual_network_links.list(group, zone)]:
        clients.privatedns.virtual_network_links.begin_delete(group, zone, HUB_LINK).result()


def fix(clients: Clients, dep: Deployment) -> None:
    print(ensure_hub_dns_link(clients, dep))


def check(clients: Clients, dep: Deployment) -> Verdict:
    [row] = check_dns_from_jumpbox(clients, dep)
    return verdict(row.result == PASS, f"the jumpbox resolves {row.target} to {row.observed}.",
                   f"the jumpbox gets '{row.observed}' for {row.target}.",
                   "link the cluster's private DNS zone to the hub VNet (05_private_access)")
