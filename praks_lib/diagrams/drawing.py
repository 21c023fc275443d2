"""Drawing a NetworkView with matplotlib, legibly and deterministically.

The axes span the whole figure in inches (12 × 7), so every position below is a distance on the
page and font sizes in points relate to it directly. No pyplot: a Figure on the Agg canvas, fixed
size and layout, no dates in the PNG.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

from praks_lib.diagrams.view import NetworkView, SubnetView, VNetView

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
