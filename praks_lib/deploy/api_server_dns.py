"""The private API server's DNS name: which private zone holds it, and the link that lets the hub resolve it.

A private cluster's API server name lives in a private DNS zone, answered only inside the VNets the
zone is linked to. AKS's own zone (in the node resource group) is linked to the cluster's VNet only,
so the hub cannot resolve the name until the zone is linked there too — the step the walkthrough
adds last (05). When the VNets' DNS goes through the firewall (firewall.dns_proxy), the nodes
themselves resolve from the hub, where the firewall asks Azure DNS: AKS's zone would leave them
unable to find the API server (K8SAPIServerDNSLookupFailVMExtensionError, Azure/AKS#1508, #1686).
Then praks brings its own zone, as Microsoft documents for custom DNS: created in the network group
and linked to the hub and the spoke before the cluster (04), with Private DNS Zone Contributor for
the cluster identity on it (deploy.identity), and named in the cluster's apiServerAccessProfile.privateDNSZone.
"""
from __future__ import annotations

import copy

from azure.mgmt.privatedns.models import PrivateZone, VirtualNetworkLink
from azure.mgmt.privatedns.models import SubResource as DnsSubResource

from praks_lib.azure.ids import group_of, name_of, resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, require, wait_for
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError

HUB_LINK = "hubnetdnsconfig"  # the walkthrough's link name
SPOKE_LINK = "spokenetdnsconfig"
ZONE_TYPE = "Microsoft.Network/privateDnsZones"


def own_zone_id(clients: Clients, dep: Deployment) -> str | None:
    """The id of the zone praks brings for the API server, or None when AKS's system zone is used."""
    if dep.api_server_dns_zone is None:
        return None
    return resource_id(clients.subscription_id, dep.resource_groups.network, ZONE_TYPE, dep.api_server_dns_zone)


def cluster_dns_zone(clients: Clients, dep: Deployment) -> tuple[str, str]:
    """(resource group, zone name) of the zone that holds the API server's name: praks's own zone, or
    the one AKS created in the node resource group."""
    cluster = require(lambda: clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name),
                      f"cluster {dep.aks.name}", "04_private_aks")
    configured = (cluster.api_server_access_profile.private_dns_zone or "") if cluster.api_server_access_profile else ""
    if configured.startswith("/subscriptions/"):
        return group_of(configured), name_of(configured)
    zones = list(clients.privatedns.private_zones.list_by_resource_group(dep.node_resource_group))
    if not zones:
        raise StageError(f"no private DNS zone in {dep.node_resource_group}: is aks.private_cluster true?",
                         "re-run 04_private_aks", stage="04_private_aks")
    return dep.node_resource_group, zones[0].name


def ensure_own_zone(clients: Clients, dep: Deployment) -> list[Change]:
    """Stage 04, before the cluster: praks's zone for the API server and its link to the hub."""
    if dep.api_server_dns_zone is None:
        return []
    group, name, zones = dep.resource_groups.network, dep.api_server_dns_zone, clients.privatedns.private_zones

    def desired(current):
        zone = copy.deepcopy(current) if current else PrivateZone(location="global")
        zone.tags = {**(zone.tags or {}), **dep.tags}
        return zone

    zone = converge("private DNS zone", name, lambda: zones.get(group, name), desired,
                    lambda model: wait_for(zones.begin_create_or_update(group, name, model), f"zone {name}"))
    # Linked to the spoke by praks too, so AKS finds the link it needs and the cluster identity
    # needs no right on the VNet itself.
    return [zone, ensure_link(clients, dep, group, name, HUB_LINK, dep.network.hub.name),
            ensure_link(clients, dep, group, name, SPOKE_LINK, dep.network.spoke.name)]


def ensure_link(clients: Clients, dep: Deployment, group: str, zone: str, link_name: str, vnet: str) -> Change:
    """The zone linked to a VNet of the deployment, so machines there (the jumpbox, the firewall's DNS
    proxy, the nodes) resolve it."""
    vnet_id = resource_id(clients.subscription_id, dep.resource_groups.network, "Microsoft.Network/virtualNetworks",
                          vnet)
    links = clients.privatedns.virtual_network_links

    def desired(current):
        link = copy.deepcopy(current) if current else VirtualNetworkLink(location="global")
        link.tags = {**(link.tags or {}), **dep.tags}
        link.virtual_network = DnsSubResource(id=vnet_id)
        link.registration_enabled = False
        return link

    return converge("private DNS link", f"{zone}/{link_name}", lambda: links.get(group, zone, link_name), desired,
                    lambda model: wait_for(links.begin_create_or_update(group, zone, link_name, model),
                                           f"link {link_name}"))


def ensure_hub_dns_link(clients: Clients, dep: Deployment) -> Change:
    """Stage 05: the zone that holds the API server's name, whichever it is, linked to the hub."""
    group, zone = cluster_dns_zone(clients, dep)
    return ensure_link(clients, dep, group, zone, HUB_LINK, dep.network.hub.name)
