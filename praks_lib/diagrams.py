"""Network diagrams: the planned or the deployed hub-spoke network, drawn with matplotlib.

Every stage draws the same picture, grown by what that stage added, so a reader sees one network
evolve: VNets and peering (01), the firewall and its public IP (02), the forced-tunnel route (03),
the private cluster and its API endpoint (04), private DNS and the jumpbox (05), the Log Analytics
workspace (06) and the test flows (07).

The drawing reads a small neutral model (`NetworkView`), built either from the parameters
(`planned_view`) or from the cloud through the Azure SDK clients (`live_view`), so it never asks
which backend it is on. Output is deterministic: fixed size, fixed layout, no dates in the PNG.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

from praks_lib.azure.ids import name_of, state_text
from praks_lib.deployment import Deployment

# ----------------------------------------------------------------------------------------------
# The neutral model: what a diagram shows, independent of where it was read from.
# A state of None means "planned" (not deployed); otherwise it is Azure's provisioningState
# ("Succeeded", "Updating", "Failed", …) or a peering state ("Initiated", "Connected", …).
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubnetView:
    name: str
    prefix: str
    state: str | None = None
    route_table: str | None = None
    role: str | None = None  # "firewall" | "jumpbox" | "aks" | "ingress" | None: places it in the layout


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
    public_ips: list[PublicIpView] = field(default_factory=list)
    flows: list[FlowView] = field(default_factory=list)
    subtitle: str = ""


# ----------------------------------------------------------------------------------------------
# Building views
# ----------------------------------------------------------------------------------------------


def _first_host_after_reserved(prefix: str) -> str:
    """Azure keeps the first four addresses of every subnet, so the firewall gets the fifth (.4)."""
    return str(ipaddress.IPv4Network(prefix).network_address + 4)


def _roles(deployment: Deployment) -> dict[str, str]:
    net = deployment.network
    return {net.hub.firewall_subnet.name: "firewall", net.hub.jumpbox_subnet.name: "jumpbox",
            net.spoke.aks_subnet.name: "aks", net.spoke.ingress_subnet.name: "ingress"}


def planned_view(deployment: Deployment, complete: bool = False) -> NetworkView:
    """The network as the parameters describe it, before anything exists.

    complete=False shows what 01_network creates (VNets, subnets, peering); complete=True adds
    every later part (firewall, route, cluster, DNS, jumpbox, workspace) as planned, so 00_plan can
    show the target architecture.
    """
    net, roles = deployment.network, _roles(deployment)
    routed = net.spoke.aks_subnet.name if complete else None
    vnets = [VNetView(v.name, v.address_space,
                      [SubnetView(s.name, s.prefix, route_table=deployment.route.table_name if s.name == routed else None,
                                  role=roles[s.name]) for s in v.subnets])
             for v in (net.hub, net.spoke)]
    peerings = [PeeringView(net.hub.name, net.spoke.name, net.hub_to_spoke_peering),
                PeeringView(net.spoke.name, net.hub.name, net.spoke_to_hub_peering)]
    view = NetworkView(title=f"{deployment.name}: planned network", vnets=vnets, peerings=peerings,
                       subtitle=f"{deployment.location} · resource group {deployment.resource_groups.network} · planned")
    if not complete:
        return view
    fw_ip = _first_host_after_reserved(net.hub.firewall_subnet.prefix)
    aks, fw = deployment.aks, deployment.firewall
    return NetworkView(
        title=f"{deployment.name}: planned private AKS", vnets=vnets, peerings=peerings,
        firewall=FirewallView(fw.name, fw_ip, None, public_ip_name=fw.public_ip_name),
        route=RouteView(deployment.route.table_name, deployment.route.address_prefix, fw_ip,
                        [net.spoke.aks_subnet.name]),
        cluster=ClusterView(aks.name, None, node_count=aks.node_pool.count, subnet=net.spoke.aks_subnet.name),
        jumpbox=JumpboxView(deployment.jumpbox.name, None, subnet=net.hub.jumpbox_subnet.name),
        dns_zone=DnsZoneView(f"privatelink.{deployment.location}.azmk8s.io", [net.spoke.name, net.hub.name]),
        workspace=WorkspaceView(deployment.monitoring.firewall_workspace.name),
        public_ips=[PublicIpView(fw.public_ip_name, None, attached_to=f"azureFirewalls/{fw.name}")],
        subtitle=view.subtitle,
    )


T = TypeVar("T")


# Answers that mean "this part cannot exist here yet", not "something broke": a provider the
# subscription has not registered (real Azure, before the stage that needs it) or does not offer.
_NOT_AVAILABLE_CODES = frozenset({"MissingSubscriptionRegistration", "NoRegisteredProviderFound", "InvalidResourceType"})


def _absent_is_none(read: Callable[[], T]) -> T | None:
    """Read one resource; a part that does not exist yet (404, or its provider not available) is not drawn."""
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

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
    `clients.containerservice`, `clients.privatedns`, `clients.compute` and `clients.loganalytics`.
    """
    network, rg, net = clients.network, deployment.resource_groups.network, deployment.network
    roles = _roles(deployment)
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
        subtitle=f"{deployment.location} · resource group {rg} · live",
    )


def _firewall_view(network: Any, rg: str, deployment: Deployment, public_ips: dict[str, PublicIpView]) -> FirewallView | None:
    fw = _absent_is_none(lambda: network.azure_firewalls.get(rg, deployment.firewall.name))
    if fw is None:
        return None
    config = (fw.ip_configurations or [None])[0]
    pip_name = name_of(config.public_ip_address.id) if config and config.public_ip_address else None
    pip = public_ips.get(pip_name) if pip_name else None
    return FirewallView(fw.name, config.private_ip_address if config else None, pip.ip_address if pip else None,
                        state_text(fw.provisioning_state), pip_name)


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
    return ClusterView(cluster.name, cluster.private_fqdn, _node_ips(clients, node_rg),
                       _api_server_ip(clients.network, node_rg), state_text(cluster.provisioning_state),
                       sum(p.count or 0 for p in pools), subnet)


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
    dns = getattr(clients, "privatedns", None)
    if dns is None:
        return None
    node_rg = deployment.node_resource_group
    zones = _absent_is_none(lambda: list(dns.private_zones.list_by_resource_group(node_rg))) or []
    if not zones:
        return None
    zone = zones[0]
    links = _absent_is_none(lambda: list(dns.virtual_network_links.list(node_rg, zone.name))) or []
    linked = [name_of(link.virtual_network.id) for link in links if link.virtual_network]
    return DnsZoneView(zone.name, linked, state_text(zone.provisioning_state))


def _workspace_view(clients: Any, deployment: Deployment) -> WorkspaceView | None:
    logs = getattr(clients, "loganalytics", None)
    if logs is None:
        return None
    ws = deployment.monitoring.firewall_workspace
    workspace = _absent_is_none(lambda: logs.workspaces.get(ws.group, ws.name))
    return WorkspaceView(workspace.name, state_text(workspace.provisioning_state)) if workspace else None


# ----------------------------------------------------------------------------------------------
# Drawing. The axes span the whole figure in inches (12 × 7), so every position below is a
# distance on the page and font sizes in points relate to it directly.
# ----------------------------------------------------------------------------------------------

WIDTH, HEIGHT = 12.0, 7.0
DPI = 100

# Okabe–Ito colours: distinguishable with every common colour-vision deficiency; verdicts are
# also told apart by line style (solid allowed, dashed denied) and by ✓ / ✗.
ALLOW, DENY, WARN = "#009E73", "#D55E00", "#E69F00"
BLUE, SKY, PURPLE, ORANGE = "#0072B2", "#56B4E9", "#CC79A7", "#B35900"
INK, MUTED, LINE, PLANNED = "#1F2933", "#52606D", "#7B8794", "#76808A"
VNET_FILL, SUBNET_FILL = "#EEF5FB", "#FFFFFF"

_STATE_COLOURS = {
    "succeeded": ALLOW, "connected": ALLOW, "completed": ALLOW, "fullyinsync": ALLOW,
    "failed": DENY, "disconnected": DENY, "canceled": DENY,
}

# Fixed page regions (inches from the bottom-left corner).
_BAND = (5.5, 6.4)            # Internet, destinations and the workspace, above the networks
_VNETS = (1.25, 5.2)          # the VNet containers
_LEFT, _RIGHT, _GAP = 0.3, 11.7, 2.0
_HEADER = 0.62                # VNet title lines
_SUBNET_HEADER = 0.5


@dataclass(frozen=True)
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _badge_colour(state: str | None) -> str:
    if state is None:
        return PLANNED
    return _STATE_COLOURS.get(state.lower(), WARN)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Page:
    """Drawing primitives on the inch-scaled axes, plus text measuring for side-by-side labels."""

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, WIDTH)
        self.ax.set_ylim(0, HEIGHT)
        self.ax.set_axis_off()
        self._renderer = self.figure.canvas.get_renderer()

    def box(self, box: _Box, face: str, edge: str, planned: bool = False, width: float = 1.2,
            radius: float = 0.1, z: float = 1) -> None:
        self.ax.add_patch(FancyBboxPatch(
            (box.x0, box.y0), box.x1 - box.x0, box.y1 - box.y0,
            boxstyle=f"round,pad=0,rounding_size={radius}", facecolor=face, edgecolor=edge,
            linewidth=width, linestyle=(0, (4, 3)) if planned else "-", zorder=z))

    def text(self, x: float, y: float, text: str, size: float = 8, weight: str = "normal", colour: str = INK,
             ha: str = "left", va: str = "center", mono: bool = False, z: float = 6, **kwargs: Any):
        return self.ax.text(x, y, text, fontsize=size, fontweight=weight, color=colour, ha=ha, va=va,
                            family="DejaVu Sans Mono" if mono else "DejaVu Sans", zorder=z, **kwargs)

    def right_of(self, artist: Any) -> float:
        """x (inches) where a drawn text ends, so a badge can follow it."""
        return artist.get_window_extent(self._renderer).x1 / DPI

    def badge(self, x: float, y: float, state: str | None, ha: str = "left", z: float = 7) -> None:
        fill = _badge_colour(state)
        self.text(x, y, state or "planned", size=6.5, weight="bold", colour=INK if fill == WARN else "white", ha=ha, z=z,
                  bbox=dict(boxstyle="round,pad=0.22,rounding_size=0.35", facecolor=fill,
                            edgecolor="none"))

    def titled(self, x: float, y: float, title: str, state: str | None, size: float = 8.5,
               weight: str = "bold", show_state: bool = True) -> None:
        """A name followed by its state badge on one line."""
        label = self.text(x, y, title, size=size, weight=weight)
        if show_state:
            self.badge(self.right_of(label) + 0.1, y, state)

    def line(self, points: list[tuple[float, float]], colour: str, width: float = 1.4, style: Any = "-",
             z: float = 3, alpha: float = 1.0) -> None:
        xs, ys = zip(*points)
        self.ax.add_line(Line2D(xs, ys, color=colour, linewidth=width, linestyle=style, zorder=z, alpha=alpha,
                                solid_capstyle="round", dash_capstyle="round"))

    def arrow(self, start: tuple[float, float], end: tuple[float, float], colour: str, width: float = 1.4,
              style: Any = "-", both: bool = False, z: float = 4) -> None:
        self.ax.add_patch(FancyArrowPatch(start, end, arrowstyle="<|-|>" if both else "-|>", mutation_scale=11,
                                          color=colour, linewidth=width, linestyle=style, zorder=z,
                                          shrinkA=0, shrinkB=0))


def _ordered_subnets(subnets: Iterable[SubnetView]) -> list[SubnetView]:
    """Firewall and AKS subnets first (the top row), so the forced-tunnel arrow runs straight across."""
    return sorted(subnets, key=lambda s: s.role not in ("firewall", "aks"))


def _ordered_vnets(vnets: list[VNetView]) -> list[VNetView]:
    """The hub (the VNet holding the firewall subnet) on the left."""
    return sorted(vnets, key=lambda v: not any(s.role == "firewall" or s.name == "AzureFirewallSubnet"
                                                for s in v.subnets))


class _Diagram:
    def __init__(self, view: NetworkView) -> None:
        self.view = view
        self.page = _Page()
        self.vnet_boxes: dict[str, _Box] = {}
        self.subnet_boxes: dict[str, _Box] = {}
        self.firewall_box: _Box | None = None
        self.legend: dict[str, Any] = {}

    # -- regions -------------------------------------------------------------------------------

    def draw(self) -> Figure:
        view, page = self.view, self.page
        page.text(_LEFT, 6.78, view.title, size=14, weight="bold")
        if view.subtitle:
            page.text(_RIGHT, 6.78, view.subtitle, size=8.5, colour=MUTED, ha="right")
        self._vnets()
        self._peerings()
        self._firewall()
        self._route()
        self._cluster()
        self._jumpbox()
        self._dns_zone()
        self._workspace()
        self._flows()
        self._placeholders()
        self._public_ip_note()
        self._legend()
        return page.figure

    def _vnets(self) -> None:
        vnets = _ordered_vnets(self.view.vnets)
        if not vnets:
            self.page.text(WIDTH / 2, sum(_VNETS) / 2, "No virtual network exists yet — run 01_network.",
                           size=11, colour=MUTED, ha="center")
            return
        width = (_RIGHT - _LEFT - _GAP * (len(vnets) - 1)) / len(vnets)
        for index, vnet in enumerate(vnets):
            x0 = _LEFT + index * (width + _GAP)
            box = _Box(x0, _VNETS[0], x0 + width, _VNETS[1])
            self.vnet_boxes[vnet.name] = box
            planned = vnet.state is None
            self.page.box(box, VNET_FILL, BLUE, planned, width=1.8, radius=0.18)
            self.page.titled(box.x0 + 0.15, box.y1 - 0.2, vnet.name, vnet.state, size=10.5)
            self.page.text(box.x0 + 0.15, box.y1 - 0.43, f"VNet  {vnet.address_space}", size=8.5, colour=MUTED,
                           mono=True)
            self._subnets(vnet, box)
        self.legend["planned"] = any(v.state is None for v in vnets)

    def _subnets(self, vnet: VNetView, box: _Box) -> None:
        subnets = _ordered_subnets(vnet.subnets)
        if not subnets:
            self.page.text(box.cx, box.cy, "no subnets yet", colour=MUTED, ha="center")
            return
        top, bottom, gap = box.y1 - _HEADER, box.y0 + 0.15, 0.15
        weights = [1.9 if s.role in ("firewall", "aks") else 1.0 for s in subnets]
        unit = (top - bottom - gap * (len(subnets) - 1)) / sum(weights)
        y = top
        for subnet, weight in zip(subnets, weights):
            inner = _Box(box.x0 + 0.15, y - unit * weight, box.x1 - 0.15, y)
            y = inner.y0 - gap
            self.subnet_boxes[subnet.name] = inner
            self.page.box(inner, SUBNET_FILL, LINE, subnet.state is None, width=1.1, radius=0.08, z=2)
            self.page.titled(inner.x0 + 0.12, inner.y1 - 0.17, subnet.name, subnet.state)
            self.page.text(inner.x0 + 0.12, inner.y1 - 0.38, subnet.prefix, size=8.5, mono=True)
            if subnet.route_table:
                self.page.text(inner.x1 - 0.12, inner.y1 - 0.38, f"route table {subnet.route_table}", size=7.5,
                               colour=ORANGE, ha="right")

    def _subnet_for(self, name: str | None, role: str) -> _Box | None:
        if name and name in self.subnet_boxes:
            return self.subnet_boxes[name]
        for vnet in self.view.vnets:
            for subnet in vnet.subnets:
                if subnet.role == role and subnet.name in self.subnet_boxes:
                    return self.subnet_boxes[subnet.name]
        return None

    # -- parts ---------------------------------------------------------------------------------

    def _peerings(self) -> None:
        order = [v.name for v in _ordered_vnets(self.view.vnets)]
        drawn = [p for p in self.view.peerings if p.source_vnet in self.vnet_boxes and p.target_vnet in self.vnet_boxes]
        if len(order) < 2 or not drawn:
            return
        left, right = self.vnet_boxes[order[0]], self.vnet_boxes[order[1]]
        # The peering sits beside the lower subnet row, clear of the forced-tunnel arrow above it.
        y = _VNETS[0] + 0.75
        planned = all(p.state is None for p in drawn)
        self.page.arrow((left.x1, y), (right.x0, y), PLANNED if planned else BLUE, width=2.0,
                        style=(0, (4, 3)) if planned else "-", both=True)
        mid = (left.x1 + right.x0) / 2
        for peering in drawn:
            above = peering.source_vnet == order[0]
            sign = 1 if above else -1
            self.page.text(mid, y + sign * 0.42, peering.name, size=8, ha="center")
            self.page.badge(mid, y + sign * 0.2, peering.state, ha="center")
        self.page.text(mid, y + 0.62, "VNet peering", size=7.5, colour=MUTED, ha="center")
        self.legend["peering"] = True

    def _firewall(self) -> None:
        fw = self.view.firewall
        subnet = self._subnet_for(None, "firewall") or self.subnet_boxes.get("AzureFirewallSubnet")
        if fw is None or subnet is None:
            return
        content_top = subnet.y1 - _SUBNET_HEADER
        height, width = 0.9, 2.25
        cy = (content_top + subnet.y0) / 2
        box = _Box(subnet.x1 - 0.2 - width, cy - height / 2, subnet.x1 - 0.2, cy + height / 2)
        self.firewall_box = box
        self.page.box(box, "#FFF1E0", ORANGE, fw.state is None, width=1.6, radius=0.08, z=8)
        self._brick_icon(_Box(box.x0 + 0.12, box.cy - 0.2, box.x0 + 0.52, box.cy + 0.2))
        self.page.text(box.x0 + 0.64, box.y1 - 0.2, "Azure Firewall", size=8.5, weight="bold", z=9)
        self.page.text(box.x0 + 0.64, box.cy, _shorten(fw.name, 22), size=8, z=9)
        self.page.text(box.x0 + 0.64, box.y0 + 0.2, f"private {fw.private_ip or 'not assigned'}", size=8, mono=True, z=9)
        self.page.badge(box.x1 - 0.08, box.y0, fw.state, ha="right", z=10)
        # Its one public IP, the only way out to the Internet.
        cloud = self._internet()
        x = box.x0 + 0.5
        self.page.line([(x, box.y1), (x, cloud.y0 + 0.05)], LINE, width=1.6, z=3)
        label = f"public IP {fw.public_ip}" if fw.public_ip else f"public IP {fw.public_ip_name or ''}".strip()
        self.page.text(x, box.y1 + 0.02, _shorten(label, 30), size=7, ha="center", va="bottom", z=9,
                       bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor=LINE, linewidth=0.8))

    def _brick_icon(self, box: _Box) -> None:
        """A small brick wall: the firewall's usual symbol."""
        ax, rows = self.page.ax, 3
        height = (box.y1 - box.y0) / rows
        for row in range(rows):
            offset = 0 if row % 2 == 0 else -0.067
            x = box.x0 + offset
            while x < box.x1:
                left, right = max(x, box.x0), min(x + 0.133, box.x1)
                ax.add_patch(Rectangle((left, box.y0 + row * height), right - left, height, facecolor=DENY,
                                       edgecolor="white", linewidth=0.8, zorder=9))
                x += 0.133

    def _internet(self) -> _Box:
        """A cloud above the hub; drawn once, whoever needs it first."""
        box = _Box(2.75, _BAND[0], 4.15, _BAND[1])
        if "internet" in self.legend:
            return box
        self.legend["internet"] = True
        lobes = [(3.45, 5.78, 1.4, 0.55), (3.1, 5.98, 0.7, 0.6), (3.5, 6.1, 0.85, 0.62), (3.88, 5.95, 0.6, 0.5)]
        for width, colour in ((2.4, LINE), (0, "#F5F7FA")):   # outline first, then fill over the seams
            for x, y, w, h in lobes:
                self.page.ax.add_patch(Ellipse((x, y), w, h, facecolor=colour, edgecolor=LINE if width else colour,
                                               linewidth=width, zorder=2))
        self.page.text(3.45, 5.9, "Internet", size=9.5, weight="bold", ha="center", colour=MUTED, z=3)
        return box

    def _route(self) -> None:
        route, fw = self.view.route, self.firewall_box
        if route is None:
            return
        for name in route.subnets:
            subnet = self.subnet_boxes.get(name)
            if subnet is None:
                continue
            y = (fw.cy + 0.2) if fw else subnet.cy
            end_x = fw.x1 if fw else subnet.x0 - _GAP + 0.2
            planned = route.state is None
            self.page.arrow((subnet.x0, y), (end_x, y), ORANGE, width=2.4, style=(0, (4, 2)) if planned else "-")
            mid = (subnet.x0 + end_x) / 2 + 0.12
            self.page.text(mid, y + 0.16, f"{route.prefix} → {route.next_hop_ip or 'firewall'} (UDR)", size=8,
                           weight="bold", colour=ORANGE, ha="center")
            self.page.text(mid, y + 0.36, f"route table {route.table}", size=7.5, colour=MUTED, ha="center")
            self.legend["route"] = True

    def _cluster(self) -> None:
        cluster = self.view.cluster
        subnet = self._subnet_for(cluster.subnet if cluster else None, "aks")
        if cluster is None or subnet is None:
            return
        top = subnet.y1 - _SUBNET_HEADER
        self.page.titled(subnet.x0 + 0.2, top - 0.08, f"AKS {cluster.name} · private cluster", cluster.state, size=8)
        nodes = cluster.node_ips or ["node"] * cluster.node_count
        shown, hidden = nodes[:3], len(nodes) - 3
        node_top, node_height, node_width = top - 0.3, 0.5, 0.82
        x = subnet.x0 + 0.2
        for ip in shown:
            node = _Box(x, node_top - node_height, x + node_width, node_top)
            self.page.box(node, "#E6F0FA", BLUE, cluster.state is None, width=1.1, radius=0.06, z=5)
            label = "node" if ip == "node" else f"node\n{ip}"
            self.page.text(node.cx, node.cy, label, size=7, ha="center", mono=ip != "node", linespacing=1.3)
            x = node.x1 + 0.08
        if hidden > 0:
            self.page.text(x + 0.02, node_top - node_height / 2, f"+{hidden}", size=8, colour=MUTED)
        api = _Box(subnet.x1 - 1.45, node_top - node_height - 0.02, subnet.x1 - 0.15, node_top + 0.02)
        self.page.box(api, "#F7EAF2", PURPLE, cluster.state is None, width=1.3, radius=0.06, z=5)
        self.page.text(api.cx, api.cy + 0.1, "API server", size=7.5, weight="bold", ha="center")
        self.page.text(api.cx, api.cy - 0.12, f"private link {cluster.api_server_ip or ''}".strip(), size=6.5,
                       ha="center")
        fqdn = cluster.private_fqdn or "private FQDN assigned at deploy"
        fits = int((subnet.x1 - subnet.x0 - 0.4) / 0.06)  # 7 pt monospace is about 0.06 in a character
        self.page.text(subnet.x0 + 0.2, node_top - node_height - 0.22, _shorten(fqdn, fits), size=7, colour=MUTED,
                       mono=bool(cluster.private_fqdn))

    def _jumpbox(self) -> None:
        jumpbox = self.view.jumpbox
        subnet = self._subnet_for(jumpbox.subnet if jumpbox else None, "jumpbox")
        if jumpbox is None or subnet is None:
            return
        content_top = subnet.y1 - _SUBNET_HEADER
        box = _Box(subnet.x1 - 2.0, subnet.y0 + 0.1, subnet.x1 - 0.2, min(content_top + 0.15, subnet.y0 + 0.62))
        self.page.box(box, "#F1F3F5", MUTED, jumpbox.state is None, width=1.2, radius=0.06, z=5)
        self.page.text(box.x0 + 0.1, box.cy + 0.1, f"VM {_shorten(jumpbox.name, 16)}", size=7.5, weight="bold")
        self.page.text(box.x0 + 0.1, box.cy - 0.11, f"{jumpbox.private_ip or 'private IP only'} · no public IP",
                       size=6.5, mono=bool(jumpbox.private_ip))
        self.page.badge(box.x1 - 0.06, box.y1, jumpbox.state, ha="right")

    def _dns_zone(self) -> None:
        zone = self.view.dns_zone
        if zone is None:
            return
        box = _Box(3.3, 0.12, 8.5, 0.98)
        self.page.box(box, "#FBF3F8", PURPLE, zone.state is None, width=1.3, radius=0.08)
        self.page.titled(box.x0 + 0.12, box.y1 - 0.18, "Private DNS zone", zone.state, size=8)
        self.page.text(box.x0 + 0.12, box.cy - 0.02, _shorten(zone.name, 80), size=7.5, mono=True)
        linked = ", ".join(zone.linked_vnets) or "no VNet linked yet"
        self.page.text(box.x0 + 0.12, box.y0 + 0.16, _shorten(f"linked to {linked}", 90), size=7, colour=MUTED)
        for name in zone.linked_vnets:
            vnet = self.vnet_boxes.get(name)
            if vnet is None:
                continue
            # A short link straight up into the VNet, where the box and the VNet overlap horizontally.
            x = vnet.x1 - 0.5 if vnet.cx < box.cx else vnet.x0 + 0.5
            self.page.line([(x, box.y1), (x, vnet.y0)], PURPLE, width=1.6, style=(0, (1, 2)))
            self.legend["dns"] = True

    def _workspace(self) -> None:
        workspace = self.view.workspace
        if workspace is None:
            return
        box = _Box(_LEFT, 0.12, 2.9, 0.98)
        self.page.box(box, "#EAF6FC", SKY, workspace.state is None, width=1.3, radius=0.08)
        self.page.titled(box.x0 + 0.12, box.y1 - 0.18, "Log Analytics workspace", workspace.state, size=8)
        self.page.text(box.x0 + 0.12, box.cy - 0.02, _shorten(workspace.name, 30), size=7.5, mono=True)
        self.page.text(box.x0 + 0.12, box.y0 + 0.16, "firewall logs (AZFW* tables)", size=7, colour=MUTED)
        if self.firewall_box:
            x = self.firewall_box.x0 + 0.25
            self.page.arrow((x, self.firewall_box.y0), (x, box.y1), LINE, width=1.2, style=(0, (1, 2)))
            self.legend["logs"] = True

    def _flows(self) -> None:
        flows = self.view.flows[:6]
        source = self._subnet_for(self.view.cluster.subnet if self.view.cluster else None, "aks")
        if not flows or source is None:
            return
        fw, count = self.firewall_box, len(flows)
        start_x, end_x = 4.45, _RIGHT
        width = min(2.0, (end_x - start_x - 0.12 * (count - 1)) / count)
        for index, flow in enumerate(flows):
            allowed = flow.action.lower() == "allow"
            colour, style = (ALLOW, "-") if allowed else (DENY, (0, (4, 2)))
            pill = _Box(start_x + index * (width + 0.12), _BAND[0] + 0.05, start_x + index * (width + 0.12) + width,
                        _BAND[1] - 0.05)
            self.page.box(pill, "#E8F6F0" if allowed else "#FCEDE4", colour, False, width=1.4, radius=0.12)
            mark = ("✓ allowed" if allowed else "✗ denied") if width >= 1.9 else ("✓" if allowed else "✗")
            self.page.text(pill.cx, pill.cy + 0.12, _shorten(flow.target, int(width * 15)), size=7.5, weight="bold",
                           ha="center", mono=True)
            self.page.text(pill.cx, pill.cy - 0.13, f"{flow.protocol or 'TCP'} {flow.port} · {mark}", size=7,
                           colour=colour, ha="center", weight="bold")
            if flow.via_firewall and fw is not None:
                # Orthogonal routing without crossings: the flow whose exit is leftmost runs highest.
                lane_y = fw.cy - 0.02 - 0.08 * index
                exit_x = fw.x1 - 0.25 - 0.1 * (count - 1 - index)
                bus_y = _VNETS[1] + 0.24 - 0.05 * index
                self.page.line([(source.x0, lane_y), (exit_x, lane_y), (exit_x, fw.y1)], colour, width=1.5,
                               style=style, z=4)
                onward = [(exit_x, bus_y), (pill.cx, bus_y), (pill.cx, pill.y0)]
                if allowed:
                    self.page.line([(exit_x, fw.y1)] + onward[:-1], colour, width=1.5, z=4)
                    self.page.arrow(onward[-2], onward[-1], colour, width=1.5, z=4)
                else:
                    stop = (exit_x, fw.y1 + 0.14)
                    self.page.line([(exit_x, fw.y1), stop], colour, width=1.5, style=style, z=4)
                    self.page.ax.plot(*stop, marker="X", markersize=8, color=colour, markeredgecolor="white",
                                      zorder=11)
                    self.page.line([stop] + onward, colour, width=0.9, style=(0, (1, 3)), z=4, alpha=0.7)
            else:  # bypassing the firewall is exactly what this runbook must prevent: draw it loud
                self.page.arrow((source.cx, source.y1), (pill.cx, pill.y0), colour, width=1.5, style=style, z=4)
            self.legend["allow" if allowed else "deny"] = True
        if len(self.view.flows) > len(flows):
            self.page.text(_RIGHT, _BAND[1] + 0.1, f"+{len(self.view.flows) - len(flows)} more flows", size=7,
                           colour=MUTED, ha="right")

    def _placeholders(self) -> None:
        """Name what will fill an empty subnet, and which notebook creates it."""
        coming = (("firewall", self.view.firewall, "Azure Firewall · created by 02_firewall"),
                  ("aks", self.view.cluster, "private AKS cluster · created by 04_private_aks"),
                  ("jumpbox", self.view.jumpbox, "jumpbox VM · created by 05_private_access"))
        for role, part, hint in coming:
            subnet = self._subnet_for(None, role)
            if part is None and subnet is not None:
                self.page.text(subnet.cx, (subnet.y0 + subnet.y1 - _SUBNET_HEADER) / 2, hint, size=8,
                               colour=PLANNED, ha="center", style="italic")

    def _public_ip_note(self) -> None:
        """Next to the Internet: every public IP in the deployment (the goal is the firewall's alone)."""
        ips = self.view.public_ips
        if not ips:
            return
        kinds = [(ip.attached_to or "").split("/")[0] for ip in ips]
        unexpected = sum(kind not in ("", "azureFirewalls") for kind in kinds)
        headline = f"Public IPs: {len(ips)}" + (f" · {unexpected} unexpected" if unexpected else "")
        self.page.text(_LEFT, _BAND[1] - 0.08, headline, size=8.5, weight="bold", colour=DENY if unexpected else INK)
        for index, (ip, kind) in enumerate(list(zip(ips, kinds))[:3]):
            expected = kind in ("", "azureFirewalls")
            role = {"azureFirewalls": "firewall egress", "": "not attached yet"}.get(kind, f"on {kind} ✗")
            label = _shorten(f"{ip.name} {ip.ip_address or ''}".strip(), 24)
            self.page.text(_LEFT, _BAND[1] - 0.32 - 0.2 * index, f"{label} · {role}", size=7,
                           colour=MUTED if expected else DENY, weight="normal" if expected else "bold")

    def _legend(self) -> None:
        entries = [
            ("planned", Patch(facecolor="white", edgecolor=LINE, linestyle=(0, (4, 3)), label="planned (not deployed)")),
            ("peering", Line2D([], [], color=BLUE, linewidth=2, label="VNet peering")),
            ("route", Line2D([], [], color=ORANGE, linewidth=2.4, label="forced tunnel (UDR)")),
            ("dns", Line2D([], [], color=PURPLE, linewidth=1.3, linestyle=(0, (1, 2)), label="private DNS link")),
            ("logs", Line2D([], [], color=LINE, linewidth=1.2, linestyle=(0, (1, 2)), label="firewall logs")),
            ("allow", Line2D([], [], color=ALLOW, linewidth=1.5, label="flow allowed ✓")),
            ("deny", Line2D([], [], color=DENY, linewidth=1.5, linestyle=(0, (4, 2)), marker="X",
                            markeredgecolor="white", label="flow denied ✗")),
        ]
        handles = [handle for key, handle in entries if self.legend.get(key)]
        if handles:
            self.page.ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(_RIGHT, 0.08),
                                bbox_transform=self.page.ax.transData, ncol=2, fontsize=7.5, frameon=False,
                                handlelength=2.6, columnspacing=1.2, labelspacing=0.6)


def draw(view: NetworkView) -> Figure:
    """Draw a view as a 12 × 7 in figure (no pyplot state, so notebooks show it once)."""
    return _Diagram(view).draw()


def save_png(view: NetworkView, path: str | Path) -> Path:
    """Write the diagram as a PNG whose bytes depend only on the view (no software or date stamp)."""
    path = Path(path)
    draw(view).savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def with_flows(view: NetworkView, results, source_ip: str) -> NetworkView:
    """The view with the validation's test requests drawn over it (green allowed, red denied)."""
    from urllib.parse import urlparse

    flows = []
    for result in results:
        url = urlparse(result.url)
        port = url.port or (443 if url.scheme == "https" else 80)
        flows.append(FlowView(source_ip, url.hostname, port, "Allow" if result.observed == "Allow" else "Deny",
                              protocol=url.scheme.upper()))
    return replace(view, flows=flows)
