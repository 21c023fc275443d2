"""The diagrams' view model: what a diagram shows, independent of where it was read from.

A :class:`NetworkView` comes from the parameters (:func:`planned_view`), from the cloud
(:func:`praks_lib.diagrams.live.live_view`), or from another view with the validation's test
requests over it (:func:`with_flows`). A state of None means "planned" (not deployed); otherwise
it is Azure's provisioningState ("Succeeded", "Updating", "Failed", …) or a peering state
("Initiated", "Connected", …).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from urllib.parse import urlparse

from praks_lib.deployment import Deployment


@dataclass(frozen=True)
class SubnetView:
    name: str
    prefix: str
    state: str | None = None
    route_table: str | None = None
    role: str | None = None  # firewall | management | jumpbox | aks | apiserver | ingress | None: its place


@dataclass(frozen=True)
class VNetView:
    name: str
    address_space: str
    subnets: list[SubnetView] = field(default_factory=list)
    state: str | None = None


@dataclass(frozen=True)
class PeeringView:
    source_vnet: str
    target_vnet: str
    name: str
    state: str | None = None


@dataclass(frozen=True)
class FirewallView:
    name: str
    private_ip: str | None
    public_ip: str | None
    state: str | None = None
    public_ip_name: str | None = None
    tier: str | None = None  # Basic | Standard | Premium
    policy: str | None = None  # the Firewall Policy's name; None: classic rule collections on the firewall


@dataclass(frozen=True)
class RouteView:
    table: str
    prefix: str
    next_hop_ip: str | None
    subnets: list[str] = field(default_factory=list)  # subnet names the table is associated with
    state: str | None = None


@dataclass(frozen=True)
class ClusterView:
    name: str
    private_fqdn: str | None
    node_ips: list[str] = field(default_factory=list)
    api_server_ip: str | None = None
    state: str | None = None
    node_count: int = 0  # nodes to draw when their IPs are not known (planned)
    subnet: str | None = None
    api_server: str = "private_link"  # private_link (a private endpoint) | vnet_integration (a delegated subnet)
    api_server_subnet: str | None = None  # with vnet_integration: the subnet the API server's address is in
    pod_cidr: str | None = None  # CNI Overlay: pods' addresses come from here, not from the subnet
    outbound_type: str | None = None  # userDefinedRouting, none (network-isolated), …


@dataclass(frozen=True)
class DnsZoneView:
    name: str
    linked_vnets: list[str] = field(default_factory=list)
    state: str | None = None


@dataclass(frozen=True)
class JumpboxView:
    name: str
    private_ip: str | None
    state: str | None = None
    subnet: str | None = None


@dataclass(frozen=True)
class WorkspaceView:
    name: str
    state: str | None = None


@dataclass(frozen=True)
class RegistryView:
    """The private registry cache a network-isolated cluster bootstraps from, behind a private endpoint."""

    name: str
    subnet: str | None = None  # where its private endpoint is
    state: str | None = None


@dataclass(frozen=True)
class PublicIpView:
    name: str
    ip_address: str | None
    state: str | None = None
    attached_to: str | None = None  # "azureFirewalls/dzpraks1", "loadBalancers/kubernetes", … or None


@dataclass(frozen=True)
class FlowView:
    source_ip: str
    target: str
    port: int
    action: str  # "Allow" | "Deny"
    via_firewall: bool = True
    protocol: str | None = None


@dataclass(frozen=True)
class NetworkView:
    title: str
    vnets: list[VNetView] = field(default_factory=list)
    peerings: list[PeeringView] = field(default_factory=list)
    firewall: FirewallView | None = None
    route: RouteView | None = None
    cluster: ClusterView | None = None
    jumpbox: JumpboxView | None = None
    dns_zone: DnsZoneView | None = None
    workspace: WorkspaceView | None = None
    registry: RegistryView | None = None
    public_ips: list[PublicIpView] = field(default_factory=list)
    flows: list[FlowView] = field(default_factory=list)
    subtitle: str = ""
    no_firewall: bool = False  # the design has none (network-isolated): not "not created yet"


def _first_host_after_reserved(prefix: str) -> str:
    """Azure keeps the first four addresses of every subnet, so the firewall gets the fifth (.4)."""
    return str(ipaddress.IPv4Network(prefix).network_address + 4)


_ROLES = {"firewall_subnet": "firewall", "firewall_management_subnet": "management", "jumpbox_subnet": "jumpbox",
          "aks_subnet": "aks", "apiserver_subnet": "apiserver", "ingress_subnet": "ingress"}


def subnet_roles(deployment: Deployment) -> dict[str, str]:
    """Subnet name → its place in the layout (firewall, management, jumpbox, aks, apiserver, ingress)."""
    net = deployment.network
    return {subnet.name: _ROLES[key] for vnet in (net.hub, net.spoke) for key, subnet in vnet.subnet_fields()}


def planned_view(deployment: Deployment, complete: bool = False) -> NetworkView:
    """The network as the parameters describe it, before anything exists.

    complete=False shows what 01_network creates (VNets, subnets, peering); complete=True adds
    every later part as the design has it, so 00_plan shows the target architecture: the firewall
    (its policy or classic rules, the Basic tier's management IP) only when there is one, the forced
    tunnel only with userDefinedRouting, the API server in its delegated subnet with VNet
    Integration, the registry cache of a network-isolated cluster.
    """
    net, roles, aks, fw = deployment.network, subnet_roles(deployment), deployment.aks, deployment.firewall
    tunnel = fw.enabled and aks.outbound_type == "userDefinedRouting"
    routed = net.spoke.aks_subnet.name if complete and tunnel else None
    vnets = [VNetView(v.name, v.address_space,
                      [SubnetView(s.name, s.prefix, route_table=deployment.route.table_name if s.name == routed else None,
                                  role=roles[s.name]) for s in v.subnets])
             for v in (net.hub, net.spoke)]
    peerings = [PeeringView(net.hub.name, net.spoke.name, net.hub_to_spoke_peering),
                PeeringView(net.spoke.name, net.hub.name, net.spoke_to_hub_peering)]
    view = NetworkView(title=f"{deployment.name}: planned network", vnets=vnets, peerings=peerings,
                       subtitle=f"{deployment.location} · resource group {deployment.resource_groups.network} · planned",
                       no_firewall=not fw.enabled)
    if not complete:
        return view
    fw_ip = _first_host_after_reserved(net.hub.firewall_subnet.prefix)
    firewall, public_ips = None, []
    if fw.enabled:
        firewall = FirewallView(fw.name, fw_ip, None, public_ip_name=fw.public_ip_name, tier=fw.sku_tier,
                                policy=fw.policy_name if fw.rules_as == "policy" else None)
        public_ips.append(PublicIpView(fw.public_ip_name, None, attached_to=f"azureFirewalls/{fw.name}"))
        if net.hub.firewall_management_subnet is not None:
            public_ips.append(PublicIpView(fw.management_public_ip_name, None, attached_to=f"azureFirewalls/{fw.name}"))
    apiserver = net.spoke.apiserver_subnet
    return NetworkView(
        title=f"{deployment.name}: planned private AKS", vnets=vnets, peerings=peerings, firewall=firewall,
        route=RouteView(deployment.route.table_name, deployment.route.address_prefix, fw_ip,
                        [net.spoke.aks_subnet.name]) if tunnel else None,
        cluster=ClusterView(aks.name, None, node_count=aks.node_pool.count, subnet=net.spoke.aks_subnet.name,
                            api_server=aks.api_server,
                            api_server_subnet=apiserver.name if apiserver and aks.api_server == "vnet_integration"
                            else None,
                            pod_cidr=aks.pod_cidr if aks.network_plugin_mode == "overlay" else None,
                            outbound_type=aks.outbound_type),
        jumpbox=JumpboxView(deployment.jumpbox.name, None, subnet=net.hub.jumpbox_subnet.name),
        # AKS names the API server's zone private.<region>… with VNet integration, privatelink.<region>… with a
        # private endpoint (praks's own zone and AKS's system zone alike).
        dns_zone=DnsZoneView(f"{'private' if aks.api_server == 'vnet_integration' else 'privatelink'}."
                             f"{deployment.location}.azmk8s.io", [net.spoke.name, net.hub.name])
        if aks.private_cluster else None,
        workspace=WorkspaceView(deployment.monitoring.firewall_workspace.name) if fw.enabled else None,
        registry=RegistryView(aks.registry_name, net.spoke.aks_subnet.name)
        if aks.bootstrap_artifact_source == "Cache" else None,
        public_ips=public_ips, subtitle=view.subtitle, no_firewall=not fw.enabled,
    )


def with_flows(view: NetworkView, results, source_ip: str) -> NetworkView:
    """The view with the validation's test requests drawn over it (green allowed, red denied)."""
    flows = []
    for result in results:
        url = urlparse(result.url)
        port = url.port or (443 if url.scheme == "https" else 80)
        flows.append(FlowView(source_ip, url.hostname, port, "Allow" if result.observed == "Allow" else "Deny",
                              protocol=url.scheme.upper()))
    return replace(view, flows=flows)
