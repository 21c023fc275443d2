"""Stage 03: a subnet's effective routes, read from the cloud and laid out as Azure lists them, and
the verdict on the forced tunnel."""
from __future__ import annotations

import pandas as pd

from praks_lib.azure.ids import group_of, name_of, state_text
from praks_lib.azure.routing import EffectiveRoute, effective_routes, next_hop
from praks_lib.cloud import Clients
from praks_lib.deploy.firewall import firewall_private_ip
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.firewall import resolve
from praks_lib.stages import Verdict
from praks_lib.stages.tables import laid_out


def subnet_effective_routes(clients: Clients, resource_group: str, vnet_name: str,
                            subnet_name: str) -> list[EffectiveRoute]:
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
    frame = pd.DataFrame([{"source": r.source, "state": r.state, "address prefix": r.address_prefix,
                           "next hop type": r.next_hop_type, "next hop IP": r.next_hop_ip or ""} for r in routes])
    # An Invalid route is one a user route replaced: the forced tunnel at work, worth the eye.
    return laid_out(frame, highlight=("state", "Invalid"), empty="no routes")


def route_verdict(clients: Clients, dep: Deployment) -> Verdict:
    """PASS when internet-bound traffic from the AKS subnet takes the firewall as its next hop (for a
    design without firewall: when the AKS subnet is private and no route leads to an appliance)."""
    spoke = dep.network.spoke
    routes = subnet_effective_routes(clients, dep.resource_groups.network, spoke.name, spoke.aks_subnet.name)
    probe = resolve("mcr.microsoft.com")[0]
    hop = next_hop(routes, probe)
    if not dep.firewall.enabled:
        subnet = clients.network.subnets.get(dep.resource_groups.network, spoke.name, spoke.aks_subnet.name)
        if subnet.route_table is not None or subnet.default_outbound_access is not False or subnet.nat_gateway:
            raise StageError(f"FAIL: {spoke.aks_subnet.name} has a way out (route table, default outbound access or "
                             "NAT gateway) but the design has none.", "re-run 01_network", stage="01_network")
        return Verdict(f"PASS: not in this design — no route table; {spoke.aks_subnet.name} is a private subnet "
                       f"(no default outbound access, no NAT gateway), so internet-bound traffic "
                       f"({hop.address_prefix} → {hop.next_hop_type}) goes nowhere.")
    firewall_ip = firewall_private_ip(clients, dep)
    if hop.next_hop_type != "VirtualAppliance" or hop.next_hop_ip != firewall_ip:
        target = f"{hop.next_hop_type} {hop.next_hop_ip or ''}".strip()
        raise StageError(f"FAIL: traffic from {spoke.aks_subnet.name} to the internet ({probe}) goes to {target}, "
                         f"not the firewall {firewall_ip}. Re-run 03_egress_route (route.* parameters).")
    return Verdict(f"PASS: {spoke.aks_subnet.name} sends internet-bound traffic ({hop.address_prefix}) "
                   f"to the firewall at {firewall_ip}.")
