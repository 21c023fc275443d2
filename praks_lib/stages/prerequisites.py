"""What each stage needs from the stages before it, read from the cloud before the stage starts.

A notebook run out of order would otherwise stop at its first write with Azure's raw answer
(``(ResourceGroupNotFound) Resource group 'dzpraks1_networks' could not be found``) and no next
step. :func:`check_prerequisites` reads the few resources a stage builds on and, when one is
missing, stops with a StageError whose HINT names the notebook to run first and why — as the SQL
Server Big Data Cluster operations notebooks answer an error with the notebook that fixes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from praks_lib.cloud import Clients
from praks_lib.deploy.converge import read_or_none
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError


@dataclass(frozen=True)
class Needs:
    """One thing a stage builds on: which notebook makes it, what it is, why the stage needs it."""

    stage: str
    what: Callable[[Deployment], str]
    why: str
    read: Callable[[Clients, Deployment], Any]  # the resource, or None while it does not exist
    applies: Callable[[Deployment], bool] = lambda dep: True


def _hub(clients: Clients, dep: Deployment) -> Any:
    return read_or_none(lambda: clients.network.virtual_networks.get(dep.resource_groups.network, dep.network.hub.name))


def _spoke(clients: Clients, dep: Deployment) -> Any:
    """The AKS subnet, as its VNet lists it."""
    spoke = dep.network.spoke
    vnet = read_or_none(lambda: clients.network.virtual_networks.get(dep.resource_groups.network, spoke.name))
    wanted = spoke.aks_subnet.name.lower()
    return next((s for s in (vnet.subnets or []) if s.name.lower() == wanted), None) if vnet else None


def _firewall(clients: Clients, dep: Deployment) -> Any:
    return read_or_none(lambda: clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name))


def _routed_subnet(clients: Clients, dep: Deployment) -> Any:
    subnet = _spoke(clients, dep)
    return subnet if subnet is not None and subnet.route_table is not None else None


def _cluster(clients: Clients, dep: Deployment) -> Any:
    return read_or_none(lambda: clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name))


def _jumpbox(clients: Clients, dep: Deployment) -> Any:
    return read_or_none(lambda: clients.compute.virtual_machines.get(dep.resource_groups.network, dep.jumpbox.name))


_HUB = Needs("01_network", lambda d: f"the hub VNet {d.network.hub.name}",
             "it creates the hub and its AzureFirewallSubnet, where the firewall goes", _hub)
_SPOKE = Needs("01_network", lambda d: f"the AKS subnet {d.network.spoke.aks_subnet.name} of {d.network.spoke.name}",
               "it creates the spoke VNet and the AKS subnet", _spoke)
_FIREWALL = Needs("02_firewall", lambda d: f"the firewall {d.firewall.name}",
                  "the default route's next hop is the firewall's private IP, read from the firewall", _firewall,
                  lambda d: d.firewall.enabled)
_ROUTE = Needs("03_egress_route",
               lambda d: f"the route table {d.route.table_name} on {d.network.spoke.aks_subnet.name}",
               "with outboundType userDefinedRouting AKS refuses a subnet whose route table does not send "
               "0.0.0.0/0 to the firewall", _routed_subnet, lambda d: d.aks.outbound_type == "userDefinedRouting")
_CLUSTER = Needs("04_private_aks", lambda d: f"the cluster {d.aks.name}", "it creates the private cluster", _cluster)
_JUMPBOX = Needs("05_private_access", lambda d: f"the jumpbox {d.jumpbox.name}",
                 "the check of private DNS from the hub runs nslookup on it", _jumpbox)

PREREQUISITES: dict[str, tuple[Needs, ...]] = {
    "02_firewall": (_HUB,),
    "03_egress_route": (_SPOKE, _FIREWALL),
    "04_private_aks": (_SPOKE, _ROUTE),
    "05_private_access": (_HUB, _CLUSTER),
    "06_monitoring": (_CLUSTER,),
    "07_validate": (_CLUSTER, _JUMPBOX),
}


def check_prerequisites(clients: Clients, dep: Deployment, stage: str) -> None:
    """Stop with a HINT naming the notebook to run first when what `stage` builds on does not exist."""
    for needs in PREREQUISITES.get(stage, ()):
        if needs.applies(dep) and needs.read(clients, dep) is None:
            raise StageError(f"{stage} builds on {needs.what(dep)}, which does not exist yet.",
                             f"run {needs.stage} first: {needs.why}.", stage=needs.stage)
