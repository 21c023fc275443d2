"""Stage 01: resource groups, the hub and spoke VNets with their subnets (the API server subnet delegated
to AKS with API Server VNet Integration), and peering both ways."""
from __future__ import annotations

import copy

from azure.mgmt.network.models import (
    AddressSpace,
    Delegation,
    Subnet,
    SubResource,
    VirtualNetwork,
    VirtualNetworkPeering,
)
from azure.mgmt.resource.resources.models import ResourceGroup

from praks_lib.azure import facts
from praks_lib.azure.ids import resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge
from praks_lib.deployment import TAG_KEY, Deployment
from praks_lib.deployment import VirtualNetwork as PlannedVNet

VNET_INTEGRATION = facts.load("aks")["api_server_vnet_integration"]
DELEGATION_NAME = "aks-delegation"  # the delegation's name on the subnet (any name; Azure keys it by service)


def ensure_resource_groups(clients: Clients, dep: Deployment) -> list[Change]:
    groups = clients.resource.resource_groups
    changes = []
    for name in (dep.resource_groups.network, dep.resource_groups.kube):
        def desired(current, name=name):
            if current is not None and (current.tags or {}).get(TAG_KEY) != dep.name:
                return current  # a group someone else made: use it, never claim it (teardown keeps it)
            wanted = copy.deepcopy(current) if current else ResourceGroup(location=dep.location)
            wanted.tags = {**(wanted.tags or {}), **dep.tags}
            return wanted

        changes.append(converge("resource group", name, lambda name=name: groups.get(name), desired,
                                lambda model, name=name: groups.create_or_update(name, model)))
    return changes


def subnet_delegations(dep: Deployment) -> dict[str, str]:
    """Subnet name → the service it is delegated to: with API Server VNet Integration, the API server
    subnet to AKS, which injects the API server's load balancer there."""
    subnet = dep.network.spoke.apiserver_subnet
    if dep.aks.api_server != "vnet_integration" or subnet is None:
        return {}
    return {subnet.name: VNET_INTEGRATION["delegation"]}


def ensure_vnet(clients: Clients, dep: Deployment, planned: PlannedVNet) -> Change:
    """Create or update one VNet with its planned subnets, keeping anything else on them.

    A VNet PUT replaces its subnet list, so the desired model starts from the current one:
    a subnet's route table (stage 03) or an unplanned subnet someone added stays as it is.
    """
    group = dep.resource_groups.network
    vnets = clients.network.virtual_networks

    def desired(current):
        vnet = copy.deepcopy(current) if current else VirtualNetwork(location=dep.location, subnets=[])
        vnet.tags = {**(vnet.tags or {}), **dep.tags}
        vnet.address_space = AddressSpace(address_prefixes=[planned.address_space])
        existing = {s.name.lower(): s for s in vnet.subnets or []}
        delegated = subnet_delegations(dep)
        for subnet in planned.subnets:
            if subnet.name.lower() not in existing:
                existing[subnet.name.lower()] = Subnet(name=subnet.name)
                vnet.subnets.append(existing[subnet.name.lower()])
            current = existing[subnet.name.lower()]
            current.address_prefix = subnet.prefix
            service = delegated.get(subnet.name) if planned.name == dep.network.spoke.name else None
            if service and not any((d.service_name or "").lower() == service.lower() for d in current.delegations or []):
                current.delegations = [*(current.delegations or []), Delegation(name=DELEGATION_NAME, service_name=service)]
            if subnet is dep.network.spoke.aks_subnet and dep.aks.outbound_type == "none":
                # A private subnet: no default outbound access, so with outbound type none nothing leaves.
                current.default_outbound_access = False
        return vnet

    return converge("virtual network", planned.name, lambda: vnets.get(group, planned.name), desired,
                    lambda model: vnets.begin_create_or_update(group, planned.name, model).result())


def ensure_peering(clients: Clients, dep: Deployment, local: PlannedVNet, remote: PlannedVNet, name: str) -> Change:
    group = dep.resource_groups.network
    peerings = clients.network.virtual_network_peerings
    remote_id = resource_id(clients.subscription_id, group, "Microsoft.Network/virtualNetworks", remote.name)

    def desired(current):
        peering = copy.deepcopy(current) if current else VirtualNetworkPeering()
        peering.remote_virtual_network = SubResource(id=remote_id)
        peering.allow_virtual_network_access = True
        # Spoke traffic forwarded by the hub firewall must be accepted on both sides.
        peering.allow_forwarded_traffic = True
        peering.allow_gateway_transit = bool(peering.allow_gateway_transit)
        peering.use_remote_gateways = bool(peering.use_remote_gateways)
        return peering

    return converge("vnet peering", f"{local.name}/{name}", lambda: peerings.get(group, local.name, name), desired,
                    lambda model: peerings.begin_create_or_update(group, local.name, name, model).result())


def ensure_network(clients: Clients, dep: Deployment) -> list[Change]:
    """The whole stage, in dependency order."""
    hub, spoke = dep.network.hub, dep.network.spoke
    changes = ensure_resource_groups(clients, dep)
    changes += [ensure_vnet(clients, dep, hub), ensure_vnet(clients, dep, spoke)]
    changes += [ensure_peering(clients, dep, hub, spoke, dep.network.hub_to_spoke_peering),
                ensure_peering(clients, dep, spoke, hub, dep.network.spoke_to_hub_peering)]
    return changes
