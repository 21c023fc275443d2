"""The network as it exists now, read through the Azure SDK clients into a NetworkView.

Only reads: a part that does not exist yet (or whose provider the subscription cannot use yet) is
left out of the view, so every stage can draw what is there so far.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Callable, TypeVar

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from praks_lib.azure import facts
from praks_lib.azure.ids import group_of, name_of, state_text
from praks_lib.deployment import Deployment
from praks_lib.diagrams.view import (
    ClusterView,
    DnsZoneView,
    FirewallView,
    JumpboxView,
    NetworkView,
    PeeringView,
    PublicIpView,
    RegistryView,
    RouteView,
    SubnetView,
    VNetView,
    WorkspaceView,
    subnet_roles,
)

T = TypeVar("T")
API_SERVER_LOAD_BALANCER = facts.load("aks")["api_server_vnet_integration"]["load_balancer"]


# Answers that mean "this part cannot exist here yet", not "something broke": a provider the
# subscription has not registered (real Azure, before the stage that needs it) or does not offer.
_NOT_AVAILABLE_CODES = frozenset({"MissingSubscriptionRegistration", "NoRegisteredProviderFound", "InvalidResourceType"})


def _absent_is_none(read: Callable[[], T]) -> T | None:
    """Read one resource; a part that does not exist yet (404, or its provider not available) is not drawn."""
    try:
        return read()
    except ResourceNotFoundError:
        return None
    except HttpResponseError as error:
        code = getattr(error.error, "code", None)
        if code in _NOT_AVAILABLE_CODES:
            return None
        raise


def _attachment(ip_configuration_id: str | None) -> str | None:
    """'/…/azureFirewalls/fw/azureFirewallIpConfigurations/c' → 'azureFirewalls/fw': what holds the IP."""
    if not ip_configuration_id:
        return None
    parts = ip_configuration_id.rstrip("/").split("/")
    return "/".join(parts[-4:-2]) if len(parts) >= 4 else None


def _vnet_view(vnet: Any, roles: dict[str, str]) -> VNetView:
    subnets = []
    for subnet in vnet.subnets or []:
        prefix = subnet.address_prefix or (subnet.address_prefixes or ["?"])[0]
        table = name_of(subnet.route_table.id) if subnet.route_table else None
        subnets.append(SubnetView(subnet.name, prefix, state_text(subnet.provisioning_state), table, roles.get(subnet.name)))
    space = ", ".join(vnet.address_space.address_prefixes) if vnet.address_space else "?"
    return VNetView(vnet.name, space, subnets, state_text(vnet.provisioning_state))


def live_view(clients: Any, deployment: Deployment, title: str | None = None) -> NetworkView:
    """The network as it exists now, read through the SDK clients; parts not created yet are left out.

    Needs `clients.network` (NetworkManagementClient). Uses, when the bundle has them,
    `clients.containerservice`, `clients.privatedns`, `clients.compute`, `clients.loganalytics` and (a
    network-isolated design) `clients.containerregistry`.
    """
    network, rg, net = clients.network, deployment.resource_groups.network, deployment.network
    roles = subnet_roles(deployment)
    vnets, peerings = [], []
    for planned in (net.hub, net.spoke):
        vnet = _absent_is_none(lambda: network.virtual_networks.get(rg, planned.name))
        if vnet is None:
            continue
        vnets.append(_vnet_view(vnet, roles))
        for peering in _absent_is_none(lambda: list(network.virtual_network_peerings.list(rg, planned.name))) or []:
            remote = name_of(peering.remote_virtual_network.id) if peering.remote_virtual_network else "?"
            peerings.append(PeeringView(vnet.name, remote, peering.name, state_text(peering.peering_state)))

    public_ips = [PublicIpView(p.name, p.ip_address, state_text(p.provisioning_state),
                               _attachment(p.ip_configuration.id if p.ip_configuration else None))
                  for p in _absent_is_none(lambda: list(network.public_ip_addresses.list(rg))) or []]
    firewall = _firewall_view(network, rg, deployment, {p.name: p for p in public_ips})
    table = _absent_is_none(lambda: network.route_tables.get(rg, deployment.route.table_name))
    route = None
    if table is not None:
        default = next((r for r in table.routes or [] if r.address_prefix == deployment.route.address_prefix), None)
        route = RouteView(table.name, default.address_prefix if default else deployment.route.address_prefix,
                          default.next_hop_ip_address if default else None,
                          [name_of(s.id) for s in table.subnets or []], state_text(table.provisioning_state))
    return NetworkView(
        title=title or f"{deployment.name}: deployed network", vnets=vnets, peerings=peerings,
        firewall=firewall, route=route, cluster=_cluster_view(clients, deployment),
        jumpbox=_jumpbox_view(network, deployment), dns_zone=_dns_zone_view(clients, deployment),
        workspace=_workspace_view(clients, deployment), public_ips=public_ips,
        registry=_registry_view(clients, deployment),
        subtitle=f"{deployment.location} · resource group {rg} · live", no_firewall=not deployment.firewall.enabled,
    )


def _registry_view(clients: Any, deployment: Deployment) -> RegistryView | None:
    """The registry cache a network-isolated cluster bootstraps from, and the subnet of its private endpoint."""
    registries = getattr(clients, "containerregistry", None) \
        if deployment.aks.bootstrap_artifact_source == "Cache" else None  # no registry in other designs
    if registries is None:
        return None
    registry = _absent_is_none(lambda: registries.registries.get(deployment.resource_groups.kube,
                                                                 deployment.aks.registry_name))
    if registry is None:
        return None
    subnet = None
    for connection in registry.private_endpoint_connections or []:
        endpoint_id = connection.private_endpoint.id if connection.private_endpoint else ""
        endpoint = _absent_is_none(lambda: clients.network.private_endpoints.get(group_of(endpoint_id),
                                                                                 name_of(endpoint_id)))
        if endpoint is not None and endpoint.subnet:
            subnet = name_of(endpoint.subnet.id)
    return RegistryView(registry.name, subnet, state_text(registry.provisioning_state))


def _firewall_view(network: Any, rg: str, deployment: Deployment, public_ips: dict[str, PublicIpView]) -> FirewallView | None:
    """The firewall as deployed (None when there is none, as in a network-isolated design): its tier,
    and the Firewall Policy it is linked to, or None when its rules are classic collections."""
    fw = _absent_is_none(lambda: network.azure_firewalls.get(rg, deployment.firewall.name))
    if fw is None:
        return None
    config = (fw.ip_configurations or [None])[0]
    pip_name = name_of(config.public_ip_address.id) if config and config.public_ip_address else None
    pip = public_ips.get(pip_name) if pip_name else None
    policy = fw.firewall_policy
    return FirewallView(fw.name, config.private_ip_address if config else None, pip.ip_address if pip else None,
                        state_text(fw.provisioning_state), pip_name, tier=state_text(fw.sku.tier) if fw.sku else None,
                        policy=name_of(policy.id) if policy is not None and policy.id else None)


def _cluster_view(clients: Any, deployment: Deployment) -> ClusterView | None:
    containers = getattr(clients, "containerservice", None)
    if containers is None:
        return None
    cluster = _absent_is_none(lambda: containers.managed_clusters.get(deployment.resource_groups.kube, deployment.aks.name))
    if cluster is None:
        return None
    node_rg = cluster.node_resource_group or deployment.node_resource_group
    pools = cluster.agent_pool_profiles or []
    subnet = name_of(pools[0].vnet_subnet_id) if pools and pools[0].vnet_subnet_id else deployment.network.spoke.aks_subnet.name
    access, network = cluster.api_server_access_profile, cluster.network_profile
    integrated = bool(access and getattr(access, "enable_vnet_integration", False))
    api_subnet = name_of(access.subnet_id) if integrated and getattr(access, "subnet_id", None) else None
    overlay = network is not None and state_text(network.network_plugin_mode) == "overlay"
    return ClusterView(cluster.name, cluster.private_fqdn, _node_ips(clients, node_rg),
                       _api_server_vip(clients.network, node_rg) if integrated
                       else _api_server_ip(clients.network, node_rg),
                       state_text(cluster.provisioning_state), sum(p.count or 0 for p in pools), subnet,
                       api_server="vnet_integration" if integrated else "private_link", api_server_subnet=api_subnet,
                       pod_cidr=network.pod_cidr if overlay else None,
                       outbound_type=state_text(network.outbound_type) if network else None)


def _node_ips(clients: Any, node_rg: str) -> list[str]:
    """Node addresses from the scale sets' NICs (AKS nodes are VMSS instances in the node group)."""
    compute = getattr(clients, "compute", None)
    if compute is None:
        return []
    ips = []
    for scale_set in _absent_is_none(lambda: list(compute.virtual_machine_scale_sets.list(node_rg))) or []:
        nics = _absent_is_none(lambda: list(
            clients.network.network_interfaces.list_virtual_machine_scale_set_network_interfaces(node_rg, scale_set.name)))
        for nic in nics or []:
            ips += [c.private_ip_address for c in nic.ip_configurations or [] if c.primary and c.private_ip_address]
    return sorted(ips, key=ipaddress.IPv4Address)


def _api_server_ip(network: Any, node_rg: str) -> str | None:
    """The private endpoint AKS projects into the cluster subnet (the API server's private link)."""
    for endpoint in _absent_is_none(lambda: list(network.private_endpoints.list(node_rg))) or []:
        for dns in endpoint.custom_dns_configs or []:
            if dns.ip_addresses:
                return dns.ip_addresses[0]
        for nic_ref in endpoint.network_interfaces or []:
            nic = _absent_is_none(lambda: network.network_interfaces.get(node_rg, name_of(nic_ref.id)))
            if nic and nic.ip_configurations:
                return nic.ip_configurations[0].private_ip_address
    return None


def _api_server_vip(network: Any, node_rg: str) -> str | None:
    """API Server VNet Integration: the frontend of the internal load balancer AKS puts in the
    delegated subnet (kube-apiserver in the node group)."""
    balancer = _absent_is_none(lambda: network.load_balancers.get(node_rg, API_SERVER_LOAD_BALANCER))
    frontends = (balancer.frontend_ip_configurations or []) if balancer else []
    return frontends[0].private_ip_address if frontends else None


def _jumpbox_view(network: Any, deployment: Deployment) -> JumpboxView | None:
    """The jumpbox is found by its NIC in the jumpbox subnet, whichever group holds it."""
    subnet_name = deployment.network.hub.jumpbox_subnet.name
    for rg in (deployment.resource_groups.network, deployment.resource_groups.kube):
        for nic in _absent_is_none(lambda: list(network.network_interfaces.list(rg))) or []:
            for config in nic.ip_configurations or []:
                if config.subnet and name_of(config.subnet.id) == subnet_name:
                    name = name_of(nic.virtual_machine.id) if nic.virtual_machine else nic.name
                    return JumpboxView(name, config.private_ip_address, state_text(nic.provisioning_state), subnet_name)
    return None


def _dns_zone_view(clients: Any, deployment: Deployment) -> DnsZoneView | None:
    """The zone that holds the API server's name: the one the cluster names (praks brings it for DNS
    through the firewall), else the one AKS made in the node resource group."""
    dns = getattr(clients, "privatedns", None)
    if dns is None:
        return None
    cluster = _absent_is_none(lambda: clients.containerservice.managed_clusters.get(
        deployment.resource_groups.kube, deployment.aks.name))
    access = cluster.api_server_access_profile if cluster is not None else None
    named = (access.private_dns_zone or "") if access is not None else ""
    if named.startswith("/subscriptions/"):
        group = group_of(named)
        zone = _absent_is_none(lambda: dns.private_zones.get(group, name_of(named)))
    else:
        group = deployment.node_resource_group
        zone = next(iter(_absent_is_none(lambda: list(dns.private_zones.list_by_resource_group(group))) or []), None)
    if zone is None:
        return None
    links = _absent_is_none(lambda: list(dns.virtual_network_links.list(group, zone.name))) or []
    linked = [name_of(link.virtual_network.id) for link in links if link.virtual_network]
    return DnsZoneView(zone.name, linked, state_text(zone.provisioning_state))


def _workspace_view(clients: Any, deployment: Deployment) -> WorkspaceView | None:
    logs = getattr(clients, "loganalytics", None)
    if logs is None:
        return None
    ws = deployment.monitoring.firewall_workspace
    workspace = _absent_is_none(lambda: logs.workspaces.get(ws.group, ws.name))
    return WorkspaceView(workspace.name, state_text(workspace.provisioning_state)) if workspace else None
