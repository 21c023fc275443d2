"""Stage 03: the route table that forces the AKS subnet's traffic through the firewall."""
from __future__ import annotations

import copy

from azure.mgmt.network.models import Route, RouteTable, SubResource

from praks_lib.azure.ids import resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, require
from praks_lib.deploy.firewall import firewall_private_ip
from praks_lib.deployment import Deployment


def ensure_route_table(clients: Clients, dep: Deployment) -> Change:
    """0.0.0.0/0 → the firewall's private IP (read from the firewall, never assumed)."""
    group, route = dep.resource_groups.network, dep.route
    tables = clients.network.route_tables
    next_hop_ip = firewall_private_ip(clients, dep) if route.next_hop_type == "VirtualAppliance" else None

    def desired(current):
        table = copy.deepcopy(current) if current else RouteTable(location=dep.location)
        table.tags = {**(table.tags or {}), **dep.tags}
        # Nodes must not learn other default routes over BGP that would bypass the firewall.
        table.disable_bgp_route_propagation = True
        others = [r for r in table.routes or [] if r.name != route.route_name]
        table.routes = others + [Route(name=route.route_name, address_prefix=route.address_prefix,
                                       next_hop_type=route.next_hop_type, next_hop_ip_address=next_hop_ip)]
        return table

    return converge("route table", route.table_name, lambda: tables.get(group, route.table_name), desired,
                    lambda model: tables.begin_create_or_update(group, route.table_name, model).result())


def ensure_route_association(clients: Clients, dep: Deployment) -> Change:
    """Associate the route table with the AKS subnet, keeping the subnet's other settings."""
    group, spoke = dep.resource_groups.network, dep.network.spoke
    subnets = clients.network.subnets
    table_id = resource_id(clients.subscription_id, group, "Microsoft.Network/routeTables", dep.route.table_name)

    def desired(current):
        subnet = copy.deepcopy(current)
        subnet.route_table = SubResource(id=table_id)
        return subnet

    def read():
        return require(lambda: subnets.get(group, spoke.name, spoke.aks_subnet.name),
                       f"subnet {spoke.aks_subnet.name}", "01_network")

    return converge("subnet route table", f"{spoke.name}/{spoke.aks_subnet.name}", read, desired,
                    lambda model: subnets.begin_create_or_update(group, spoke.name, spoke.aks_subnet.name,
                                                                 model).result())


def ensure_egress_route(clients: Clients, dep: Deployment) -> list[Change]:
    """The forced tunnel; nothing when the design has no firewall to send it to (network-isolated)."""
    if not dep.firewall.enabled:
        return []
    return [ensure_route_table(clients, dep), ensure_route_association(clients, dep)]


def next_hop_ip(clients: Clients, dep: Deployment) -> str | None:
    """The default route's next hop: the firewall's private IP, or None when the design has no firewall."""
    return firewall_private_ip(clients, dep) if dep.firewall.enabled else None
