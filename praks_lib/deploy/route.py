"""Stage 03: the route table that forces the AKS subnet's traffic through the firewall."""
from __future__ import annotations

import copy

import pandas as pd
from azure.mgmt.network.models import Route, RouteTable, SubResource

from praks_lib.azure.ids import group_of, name_of, resource_id, state_text
from praks_lib.azure.routing import EffectiveRoute, effective_routes, next_hop
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, require
from praks_lib.deploy.firewall import firewall_private_ip
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.stage import Verdict


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
    return [ensure_route_table(clients, dep), ensure_route_association(clients, dep)]


def route_verdict(clients: Clients, dep: Deployment):
    """PASS when internet-bound traffic from the AKS subnet takes the firewall as its next hop."""
    from praks_lib.firewall import resolve

    spoke = dep.network.spoke
    routes = subnet_effective_routes(clients, dep.resource_groups.network, spoke.name, spoke.aks_subnet.name)
    probe = resolve("mcr.microsoft.com")[0]
    hop = next_hop(routes, probe)
    firewall_ip = firewall_private_ip(clients, dep)
    if hop.next_hop_type != "VirtualAppliance" or hop.next_hop_ip != firewall_ip:
        target = f"{hop.next_hop_type} {hop.next_hop_ip or ''}".strip()
        raise StageError(f"FAIL: traffic from {spoke.aks_subnet.name} to the internet ({probe}) goes to {target}, "
                         f"not the firewall {firewall_ip}. Re-run 03_egress_route (route.* parameters).")
    return Verdict(f"PASS: {spoke.aks_subnet.name} sends internet-bound traffic ({hop.address_prefix}) "
                   f"to the firewall at {firewall_ip}.")


def subnet_effective_routes(clients, resource_group: str, vnet_name: str, subnet_name: str) -> list[EffectiveRoute]:
    """Read a subnet's VNet, its connected peerings and its route table, and compute its routes."""
    network = clients.network
    vnet = network.virtual_networks.get(resource_group, vnet_name)
    subnet = next(s for s in vnet.subnets if s.name.lower() == subnet_name.lower())
    peered = []
    for peering in vnet.virtual_network_peerings or []:
        if peering.peering_state == "Connected":
            peered += peering.remote_address_space.address_prefixes if peering.remote_address_space else []
    user_routes = []
    if subnet.route_table is not None:
        table = network.route_tables.get(group_of(subnet.route_table.id), name_of(subnet.route_table.id))
        user_routes = [(r.address_prefix, state_text(r.next_hop_type), r.next_hop_ip_address) for r in table.routes or []]
    return effective_routes(list(vnet.address_space.address_prefixes), peered, user_routes)


def routes_table(routes: list[EffectiveRoute]) -> pd.DataFrame:
    """The routes as Azure's portal and `az network nic show-effective-route-table` list them."""

    return pd.DataFrame([{"source": r.source, "state": r.state, "address prefix": r.address_prefix,
                          "next hop type": r.next_hop_type, "next hop IP": r.next_hop_ip or ""} for r in routes])
