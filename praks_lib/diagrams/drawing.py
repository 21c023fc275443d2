"""Drawing a NetworkView with matplotlib, legibly at the notebook's width, and deterministically.

The page is as wide as JupyterLab's notebook next to an open file browser at 1366 px (9.3 in at
100 dpi, about 930 px), so the PNG is shown at its own size and no text is smaller than 7.5 pt
(10 px). Its height is what the view holds: a band above the networks only when something is there
(the Internet, public IPs, test requests) and one below only for the workspace, the DNS zone and the
registry. Long names wrap at dots and dashes instead of being cut. The axes span the figure in
inches, so every position below is a distance on the page. No pyplot: a Figure on the Agg canvas,
no dates in the PNG.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.textpath import TextToPath

from praks_lib.diagrams.view import NetworkView, SubnetView, VNetView

WIDTH = 9.3  # inches: the notebook's width in JupyterLab at 1366 px with the file browser open
DPI = 100
SMALLEST = 7.5  # points: 10.4 px at 100 dpi; no text on the page is smaller

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

_MARGIN, _GAP = 0.15, 1.6  # page margin; the gap between hub and spoke, where the peering and the route run
_VNET_W = (WIDTH - 2 * _MARGIN - _GAP) / 2
_VNET_HEADER, _SUBNET_HEADER, _PAD = 0.6, 0.5, 0.12
_LINE = 0.17  # the height of a line of small text


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

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@lru_cache(maxsize=4096)
def _text_width(text: str, size: float, mono: bool = False, bold: bool = False) -> float:
    """The width of a line of text in inches (from the font's outlines, so no renderer is needed)."""
    prop = FontProperties(family="DejaVu Sans Mono" if mono else "DejaVu Sans", size=size,
                          weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def wrap(text: str, width: float, size: float, mono: bool = False, bold: bool = False) -> list[str]:
    """Lines of `text` no wider than `width` inches, broken after a space, dot, dash, slash or comma
    (an FQDN breaks between its labels); a word wider than the line breaks where it must."""
    pieces, current = [], ""
    for char in text:
        current += char
        if char in " .-/,":
            pieces.append(current)
            current = ""
    pieces += [current] if current else []
    lines, line = [], ""
    for piece in pieces:
        if line and _text_width((line + piece).rstrip(), size, mono, bold) > width:
            lines.append(line.rstrip())
            line = piece.lstrip() if piece.strip() else ""
        else:
            line += piece
        while _text_width(line.rstrip(), size, mono, bold) > width and len(line) > 1:
            cut = max(1, next(n for n in range(len(line), 0, -1) if _text_width(line[:n], size, mono, bold) <= width))
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _badge_colour(state: str | None) -> str:
    if state is None:
        return PLANNED
    return _STATE_COLOURS.get(state.lower(), WARN)


class _Page:
    """Drawing primitives on inch-scaled axes."""

    def __init__(self, height: float) -> None:
        self.figure = Figure(figsize=(WIDTH, height), dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, WIDTH)
        self.ax.set_ylim(0, height)
        self.ax.set_axis_off()

    def box(self, box: _Box, face: str, edge: str, planned: bool = False, width: float = 1.2,
            radius: float = 0.08, z: float = 1) -> None:
        self.ax.add_patch(FancyBboxPatch(
            (box.x0, box.y0), box.x1 - box.x0, box.y1 - box.y0,
            boxstyle=f"round,pad=0,rounding_size={radius}", facecolor=face, edgecolor=edge,
            linewidth=width, linestyle=(0, (4, 3)) if planned else "-", zorder=z))

    def text(self, x: float, y: float, text: str, size: float = 8, weight: str = "normal", colour: str = INK,
             ha: str = "left", va: str = "center", mono: bool = False, z: float = 6, **kwargs: Any):
        return self.ax.text(x, y, text, fontsize=max(size, SMALLEST), fontweight=weight, color=colour, ha=ha, va=va,
                            family="DejaVu Sans Mono" if mono else "DejaVu Sans", zorder=z, **kwargs)

    def lines(self, x: float, top: float, text: str, width: float, size: float = SMALLEST, mono: bool = False,
              colour: str = INK, weight: str = "normal", ha: str = "left", z: float = 6) -> float:
        """Wrapped text from `top` down; returns the y below its last line."""
        y = top
        for line in wrap(text, width, size, mono, weight == "bold"):
            self.text(x, y - _LINE / 2, line, size=size, mono=mono, colour=colour, weight=weight, ha=ha, z=z)
            y -= _LINE
        return y

    def badge(self, x: float, y: float, state: str | None, ha: str = "left", z: float = 7) -> float:
        """A state badge; returns the x where it ends (ha left) or starts (ha right)."""
        fill, label = _badge_colour(state), state or "planned"
        self.text(x + (0.05 if ha == "left" else -0.05), y, label, size=SMALLEST, weight="bold",
                  colour=INK if fill == WARN else "white", ha=ha, z=z,
                  bbox=dict(boxstyle="round,pad=0.2,rounding_size=0.3", facecolor=fill, edgecolor="none"))
        width = _text_width(label, SMALLEST, bold=True) + 0.1
        return x + width if ha == "left" else x - width

    def titled(self, x: float, y: float, title: str, state: str | None, size: float = 8.5) -> None:
        """A name followed by its state badge on one line."""
        self.text(x, y, title, size=size, weight="bold")
        self.badge(x + _text_width(title, size, bold=True) + 0.06, y, state)

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
    """The firewall and AKS subnets first (the top row, so the forced tunnel runs straight across),
    then what belongs with them, then the rest."""
    order = {"firewall": 0, "aks": 0, "management": 1, "apiserver": 1, "jumpbox": 2, "ingress": 2}
    return sorted(subnets, key=lambda s: order.get(s.role or "", 3))


def _ordered_vnets(vnets: list[VNetView]) -> list[VNetView]:
    """The hub (the VNet holding the firewall subnet) on the left."""
    return sorted(vnets, key=lambda v: not any(s.role == "firewall" or s.name == "AzureFirewallSubnet"
                                                for s in v.subnets))


class _Diagram:
    def __init__(self, view: NetworkView) -> None:
        self.view = view
        self.vnet_boxes: dict[str, _Box] = {}
        self.subnet_boxes: dict[str, _Box] = {}
        self.firewall_box: _Box | None = None
        self.legend: dict[str, bool] = {}

    # -- how tall each part is ------------------------------------------------------------------

    def _subnet_height(self, subnet: SubnetView) -> float:
        view, cluster = self.view, self.view.cluster
        content = {
            "firewall": 1.05 if view.firewall else 0.3,
            "jumpbox": 0.55 if view.jumpbox else 0.3,
            "aks": self._cluster_height() if cluster else 0.3,
            "apiserver": 0.5 if cluster and cluster.api_server == "vnet_integration" else 0.15,
        }.get(subnet.role or "", 0.08)
        return _SUBNET_HEADER + content

    def _cluster_height(self) -> float:
        cluster = self.view.cluster
        fqdn = len(wrap(cluster.private_fqdn or "private FQDN assigned at deploy", _VNET_W - 0.55, SMALLEST,
                        mono=True))
        api = 0.36 if cluster.api_server != "vnet_integration" else 0
        notes = sum(bool(n) for n in (cluster.pod_cidr, cluster.outbound_type == "none"))
        return 0.28 + 0.56 + api + fqdn * _LINE + notes * _LINE + 0.1

    def _vnet_height(self, vnet: VNetView) -> float:
        subnets = vnet.subnets
        return (_VNET_HEADER + sum(self._subnet_height(s) for s in subnets) + 0.12 * max(0, len(subnets) - 1)
                + _PAD) if subnets else 1.4

    def _top_band(self) -> float:
        view = self.view
        if not (view.firewall or view.public_ips or view.flows):
            return 0.0
        flows = 0.32 + sum(self._flow_lines(row) * _LINE + 0.04 for row in self._flow_rows()) if view.flows else 0
        ips = 0.3 + _LINE * len(view.public_ips[:4]) if view.public_ips else 0
        return max(0.78, flows, ips) + 0.3

    def _bottom_parts(self) -> list[str]:
        return [name for name in ("workspace", "dns_zone", "registry") if getattr(self.view, name) is not None]

    # -- the page --------------------------------------------------------------------------------

    def draw(self) -> Figure:
        view = self.view
        vnets = _ordered_vnets(view.vnets)
        vnet_height = max((self._vnet_height(v) for v in vnets), default=1.4)
        legend = 0.32
        bottom = 1.0 if self._bottom_parts() else 0.0
        top = self._top_band()
        height = _MARGIN + legend + (bottom + 0.28 if bottom else 0.1) + vnet_height + (top + 0.05 if top else 0.15) \
            + 0.45 + _MARGIN
        self.page = _Page(height)
        self.legend_y = _MARGIN + legend / 2
        self.bottom_band = _Box(_MARGIN, _MARGIN + legend, WIDTH - _MARGIN, _MARGIN + legend + bottom)
        vnets_y0 = self.bottom_band.y1 + (0.28 if bottom else 0.1)
        self.vnet_row = _Box(_MARGIN, vnets_y0, WIDTH - _MARGIN, vnets_y0 + vnet_height)
        self.top_band = _Box(_MARGIN, self.vnet_row.y1 + 0.05, WIDTH - _MARGIN, self.vnet_row.y1 + 0.05 + top)
        title_y = height - _MARGIN - 0.2
        self.page.text(_MARGIN, title_y, view.title, size=12.5, weight="bold")
        if view.subtitle:
            self.page.text(WIDTH - _MARGIN, title_y, view.subtitle, size=SMALLEST, colour=MUTED, ha="right")
        self._vnets(vnets)
        self._peerings()
        self._firewall()
        self._route()
        self._cluster()
        self._api_server_subnet()
        self._jumpbox()
        self._placeholders()
        self._bottom()
        self._public_ips()
        self._flows()
        self._legend()
        return self.page.figure

    def _vnets(self, vnets: list[VNetView]) -> None:
        if not vnets:
            self.page.text(WIDTH / 2, self.vnet_row.cy, "No virtual network exists yet — run 01_network.",
                           size=11, colour=MUTED, ha="center")
            return
        for index, vnet in enumerate(vnets[:2]):
            x0 = _MARGIN + index * (_VNET_W + _GAP)
            box = _Box(x0, self.vnet_row.y0, x0 + _VNET_W, self.vnet_row.y1)
            self.vnet_boxes[vnet.name] = box
            self.page.box(box, VNET_FILL, BLUE, vnet.state is None, width=1.8, radius=0.16)
            self.page.titled(box.x0 + 0.14, box.y1 - 0.2, vnet.name, vnet.state, size=10)
            self.page.text(box.x0 + 0.14, box.y1 - 0.44, f"VNet  {vnet.address_space}", size=8, colour=MUTED,
                           mono=True)
            self._subnets(vnet, box)
        self.legend["planned"] = any(v.state is None for v in vnets)

    def _subnets(self, vnet: VNetView, box: _Box) -> None:
        subnets = _ordered_subnets(vnet.subnets)
        if not subnets:
            self.page.text(box.cx, box.cy, "no subnets yet", colour=MUTED, ha="center")
            return
        y = box.y1 - _VNET_HEADER
        for subnet in subnets:
            inner = _Box(box.x0 + 0.12, y - self._subnet_height(subnet), box.x1 - 0.12, y)
            y = inner.y0 - 0.12
            self.subnet_boxes[subnet.name] = inner
            self.page.box(inner, SUBNET_FILL, LINE, subnet.state is None, width=1.1, radius=0.07, z=2)
            self.page.titled(inner.x0 + 0.1, inner.y1 - 0.16, subnet.name, subnet.state, size=8.5)
            self.page.text(inner.x0 + 0.1, inner.y1 - 0.37, subnet.prefix, size=8, mono=True)
            note = {"apiserver": "delegated to AKS", "management": "firewall management"}.get(subnet.role or "")
            if subnet.route_table:
                note = f"route table {subnet.route_table}"
            if note:
                self.page.text(inner.x1 - 0.1, inner.y1 - 0.37, note, size=SMALLEST,
                               colour=ORANGE if subnet.route_table else MUTED, ha="right")

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
        y = self.vnet_row.y0 + 0.75
        planned = all(p.state is None for p in drawn)
        self.page.arrow((left.x1, y), (right.x0, y), PLANNED if planned else BLUE, width=2.0,
                        style=(0, (4, 3)) if planned else "-", both=True)
        mid = (left.x1 + right.x0) / 2
        for peering in drawn:
            sign = 1 if peering.source_vnet == order[0] else -1
            self.page.text(mid, y + sign * 0.44, peering.name, size=SMALLEST, ha="center")
            self.page.badge(mid, y + sign * 0.22, peering.state, ha="center")
        self.page.text(mid, y + 0.64, "VNet peering", size=SMALLEST, colour=MUTED, ha="center")
        self.legend["peering"] = True

    def _firewall(self) -> None:
        fw = self.view.firewall
        subnet = self._subnet_for(None, "firewall")
        if fw is None or subnet is None:
            return
        top = subnet.y1 - _SUBNET_HEADER
        box = _Box(subnet.x0 + 0.12, top - 0.95, subnet.x1 - 0.12, top - 0.05)
        self.firewall_box = box
        self.page.box(box, "#FFF1E0", ORANGE, fw.state is None, width=1.6, z=8)
        self._brick_icon(_Box(box.x0 + 0.1, box.cy - 0.18, box.x0 + 0.46, box.cy + 0.18))
        x = box.x0 + 0.58
        tier = f" · {fw.tier}" if fw.tier else ""
        self.page.text(x, box.y1 - 0.15, f"Azure Firewall{tier}", size=8.5, weight="bold", z=9)
        self.page.badge(box.x1 - 0.06, box.y1 - 0.15, fw.state, ha="right", z=10)
        self.page.text(x, box.y1 - 0.35, fw.name, size=8, z=9)
        self.page.text(x, box.y1 - 0.54, f"private {fw.private_ip or 'not assigned'}", size=8, mono=True, z=9)
        rules = f"Firewall Policy {fw.policy}" if fw.policy else "classic rule collections"
        self.page.lines(x, box.y1 - 0.64, rules, box.x1 - x - 0.05, colour=MUTED, z=9)

    def _brick_icon(self, box: _Box) -> None:
        """A small brick wall: the firewall's usual symbol."""
        ax, rows, brick = self.page.ax, 3, 0.12
        height = (box.y1 - box.y0) / rows
        for row in range(rows):
            x = box.x0 - (brick / 2 if row % 2 else 0)
            while x < box.x1:
                left, right = max(x, box.x0), min(x + brick, box.x1)
                ax.add_patch(Rectangle((left, box.y0 + row * height), right - left, height, facecolor=DENY,
                                       edgecolor="white", linewidth=0.8, zorder=9))
                x += brick

    def _internet(self) -> _Box:
        """A cloud above the hub's right side; drawn once, whoever needs it first."""
        cx, cy = self._cloud_x1() - 0.62, self.top_band.y0 + 0.45
        box = _Box(cx - 0.62, cy - 0.27, cx + 0.62, cy + 0.3)
        if self.legend.get("internet"):
            return box
        self.legend["internet"] = True
        lobes = [(0, -0.06, 1.25, 0.46), (-0.33, 0.08, 0.62, 0.5), (0.05, 0.15, 0.75, 0.5), (0.38, 0.03, 0.55, 0.42)]
        for width, colour in ((2.2, LINE), (0, "#F5F7FA")):  # outline first, then fill over the seams
            for dx, dy, w, h in lobes:
                self.page.ax.add_patch(Ellipse((cx + dx, cy + dy), w, h, facecolor=colour,
                                               edgecolor=LINE if width else colour, linewidth=width, zorder=2))
        self.page.text(cx, cy + 0.02, "Internet", size=9, weight="bold", ha="center", colour=MUTED, z=3)
        return box

    def _route(self) -> None:
        route, fw = self.view.route, self.firewall_box
        if route is None:
            return
        for name in route.subnets:
            subnet = self.subnet_boxes.get(name)
            if subnet is None:
                continue
            y = (fw.y1 - 0.22) if fw else subnet.y1 - _SUBNET_HEADER - 0.2
            end_x = fw.x1 if fw else subnet.x0 - _GAP + 0.2
            planned = route.state is None
            self.page.arrow((subnet.x0, y), (end_x, y), ORANGE, width=2.4, style=(0, (4, 2)) if planned else "-")
            mid = subnet.x0 - _GAP / 2
            self.page.text(mid, y + 0.3, f"{route.prefix} →", size=8, weight="bold", colour=ORANGE, ha="center")
            self.page.text(mid, y + 0.13, f"{route.next_hop_ip or 'the firewall'} (UDR)", size=8, weight="bold",
                           colour=ORANGE, ha="center")
            self.legend["route"] = True

    def _cluster(self) -> None:
        cluster = self.view.cluster
        subnet = self._subnet_for(cluster.subnet if cluster else None, "aks")
        if cluster is None or subnet is None:
            return
        x, width = subnet.x0 + 0.15, subnet.width - 0.3
        top = subnet.y1 - _SUBNET_HEADER - 0.14
        self.page.titled(x, top, f"AKS {cluster.name} · private cluster", cluster.state, size=8)
        nodes = cluster.node_ips or ["node"] * cluster.node_count
        shown, hidden = nodes[:4], len(nodes) - 4
        node_top, node_height, node_width = top - 0.18, 0.44, 0.68
        for index, ip in enumerate(shown):
            node = _Box(x + index * (node_width + 0.06), node_top - node_height,
                        x + index * (node_width + 0.06) + node_width, node_top)
            self.page.box(node, "#E6F0FA", BLUE, cluster.state is None, width=1.1, radius=0.05, z=5)
            label = "node" if ip == "node" else f"node\n{ip}"
            self.page.text(node.cx, node.cy, label, size=SMALLEST, ha="center", mono=ip != "node", linespacing=1.25)
        if hidden > 0:
            self.page.text(x + 4 * (node_width + 0.06) + 0.02, node_top - node_height / 2, f"+{hidden}", size=8,
                           colour=MUTED)
        y = node_top - node_height - 0.1
        if cluster.api_server != "vnet_integration":
            address = cluster.api_server_ip or ("(assigned at deploy)" if cluster.state is None else "")
            label = f"API server · private endpoint {address}".strip()
            api = _Box(x, y - 0.28, x + min(width, _text_width(label, SMALLEST, bold=True) + 0.2), y)
            self.page.box(api, "#F7EAF2", PURPLE, cluster.state is None, width=1.3, radius=0.05, z=5)
            self.page.text(api.x0 + 0.1, api.cy, label, size=SMALLEST, weight="bold", z=6)
            y = api.y0 - 0.08
        fqdn = cluster.private_fqdn or "private FQDN assigned at deploy"
        y = self.page.lines(x, y, fqdn, width, mono=bool(cluster.private_fqdn), colour=MUTED)
        if cluster.pod_cidr:
            y = self.page.lines(x, y, f"pods from {cluster.pod_cidr} (CNI Overlay, outside every VNet)", width,
                                colour=MUTED)
        if cluster.outbound_type == "none":
            self.page.lines(x, y, "outbound type none: nothing leaves the VNet", width, colour=DENY, weight="bold")

    def _api_server_subnet(self) -> None:
        """With API Server VNet Integration the API server has an address in its delegated subnet."""
        cluster = self.view.cluster
        if cluster is None or cluster.api_server != "vnet_integration":
            return
        subnet = self._subnet_for(cluster.api_server_subnet, "apiserver")
        if subnet is None:
            return
        top = subnet.y1 - _SUBNET_HEADER - 0.04
        label = f"API server · VNet integration{f' {cluster.api_server_ip}' if cluster.api_server_ip else ''}"
        api = _Box(subnet.x0 + 0.15, top - 0.3, subnet.x0 + 0.15 + min(subnet.width - 0.3, _text_width(
            label, SMALLEST, bold=True) + 0.2), top)
        self.page.box(api, "#F7EAF2", PURPLE, cluster.state is None, width=1.3, radius=0.05, z=5)
        self.page.text(api.x0 + 0.1, api.cy, label, size=SMALLEST, weight="bold", z=6)

    def _jumpbox(self) -> None:
        jumpbox = self.view.jumpbox
        subnet = self._subnet_for(jumpbox.subnet if jumpbox else None, "jumpbox")
        if jumpbox is None or subnet is None:
            return
        top = subnet.y1 - _SUBNET_HEADER - 0.04
        box = _Box(subnet.x0 + 0.15, top - 0.44, subnet.x1 - 0.15, top)
        self.page.box(box, "#F1F3F5", MUTED, jumpbox.state is None, width=1.2, radius=0.05, z=5)
        self.page.text(box.x0 + 0.1, box.y1 - 0.13, f"VM {jumpbox.name}", size=8, weight="bold")
        self.page.badge(box.x1 - 0.06, box.y1 - 0.13, jumpbox.state, ha="right")
        self.page.text(box.x0 + 0.1, box.y0 + 0.12, f"{jumpbox.private_ip or 'private IP only'} · no public IP",
                       size=SMALLEST, mono=bool(jumpbox.private_ip))

    def _placeholders(self) -> None:
        """Name what will fill an empty subnet, and which notebook creates it."""
        firewall = ("no firewall in this design: nothing needs a way out" if self.view.no_firewall
                    else "Azure Firewall · created by 02_firewall")
        coming = (("firewall", self.view.firewall, firewall),
                  ("aks", self.view.cluster, "private AKS cluster · created by 04_private_aks"),
                  ("jumpbox", self.view.jumpbox, "jumpbox VM · created by 05_private_access"))
        for role, part, hint in coming:
            subnet = self._subnet_for(None, role)
            if part is None and subnet is not None:
                self.page.text(subnet.x0 + 0.15, subnet.y0 + 0.17, hint, size=SMALLEST, colour=PLANNED,
                               style="italic")

    def _bottom(self) -> None:
        """The workspace, the cluster's private DNS zone and the registry cache, below the networks."""
        parts = self._bottom_parts()
        if not parts:
            return
        band = self.bottom_band
        if len(parts) < 3 and len(self.vnet_boxes) == 2:
            hub, spoke = (self.vnet_boxes[v.name] for v in _ordered_vnets(self.view.vnets))
            slots = [_Box(hub.x0, band.y0, hub.x1, band.y1), _Box(spoke.x0, band.y0, spoke.x1, band.y1)]
        else:
            width = (band.width - 0.3 * (len(parts) - 1)) / len(parts)
            slots = [_Box(band.x0 + i * (width + 0.3), band.y0, band.x0 + i * (width + 0.3) + width, band.y1)
                     for i in range(len(parts))]
        for part, slot in zip(parts, slots):
            getattr(self, f"_{part}")(slot)

    def _workspace(self, box: _Box) -> None:
        workspace = self.view.workspace
        self.page.box(box, "#EAF6FC", SKY, workspace.state is None, width=1.3)
        self.page.titled(box.x0 + 0.12, box.y1 - 0.17, "Log Analytics workspace", workspace.state, size=8)
        self.page.text(box.x0 + 0.12, box.y1 - 0.42, workspace.name, size=8, mono=True)
        self.page.text(box.x0 + 0.12, box.y1 - 0.64, "the firewall's logs (AZFW* tables)", size=SMALLEST, colour=MUTED)
        fw = self.firewall_box
        if fw is not None:
            hub = next(b for b in self.vnet_boxes.values() if b.x0 <= fw.cx <= b.x1)
            x = hub.x1 - 0.06
            self.page.line([(fw.x1, fw.y0 + 0.1), (x, fw.y0 + 0.1), (x, box.y1)], LINE, width=1.3,
                           style=(0, (1, 2)), z=3)
            self.legend["logs"] = True

    def _dns_zone(self, box: _Box) -> None:
        zone = self.view.dns_zone
        self.page.box(box, "#FBF3F8", PURPLE, zone.state is None, width=1.3)
        self.page.titled(box.x0 + 0.12, box.y1 - 0.17, "Private DNS zone", zone.state, size=8)
        y = self.page.lines(box.x0 + 0.12, box.y1 - 0.3, zone.name, box.width - 0.24, mono=True)
        linked = ", ".join(zone.linked_vnets) or "no VNet linked yet"
        self.page.lines(box.x0 + 0.12, y, f"linked to {linked}", box.width - 0.24, colour=MUTED)
        for name in zone.linked_vnets:
            vnet = self.vnet_boxes.get(name)
            if vnet is None:
                continue
            if vnet.x0 < box.cx < vnet.x1:  # straight up into the VNet above the box
                x = box.cx
                self.page.line([(x, box.y1), (x, vnet.y0)], PURPLE, width=1.6, style=(0, (1, 2)))
            else:  # up out of the box, across the gap below the VNets (clear of a box beside it), up
                start, x = (box.x1 - 0.35, vnet.x0 + 0.35) if vnet.cx > box.cx else (box.x0 + 0.35, vnet.x1 - 0.35)
                y = (box.y1 + vnet.y0) / 2
                self.page.line([(start, box.y1), (start, y), (x, y), (x, vnet.y0)], PURPLE, width=1.6,
                               style=(0, (1, 2)))
            self.legend["dns"] = True

    def _registry(self, box: _Box) -> None:
        registry = self.view.registry
        self.page.box(box, "#EEF8F3", ALLOW, registry.state is None, width=1.3)
        self.page.titled(box.x0 + 0.12, box.y1 - 0.17, "Registry cache (ACR Premium)", registry.state, size=8)
        self.page.text(box.x0 + 0.12, box.y1 - 0.42, registry.name, size=8, mono=True)
        where = f"private endpoint in {registry.subnet}" if registry.subnet else "private endpoint"
        self.page.lines(box.x0 + 0.12, box.y1 - 0.54, f"the nodes bootstrap from it · {where}", box.width - 0.24,
                        colour=MUTED)
        spoke = next((b for b in self.vnet_boxes.values() if b.x0 <= box.cx <= b.x1), None)
        if spoke is not None:
            self.page.line([(box.cx, box.y1), (box.cx, spoke.y0)], ALLOW, width=1.6, style=(0, (1, 2)))

    def _public_ips(self) -> None:
        """Above the hub: every public IP of the deployment (the goal is the firewall's alone)."""
        ips, fw = self.view.public_ips, self.firewall_box
        if fw is not None:
            cloud = self._internet()
            x = fw.x1 - 0.45
            self.page.line([(x, fw.y1), (x, cloud.y0 + 0.06)], LINE, width=1.6, z=3)
            firewall = self.view.firewall
            label = f"public IP {firewall.public_ip or firewall.public_ip_name or ''}".strip()
            self.page.text(x - 0.06, self.vnet_row.y1 + 0.14, label, size=SMALLEST, ha="right", z=9,
                           bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor=LINE, linewidth=0.8))
        if not ips:
            return
        kinds = [(ip.attached_to or "").split("/")[0] for ip in ips]
        unexpected = sum(kind not in ("", "azureFirewalls") for kind in kinds)
        headline = f"Public IPs: {len(ips)}" + (f" · {unexpected} unexpected" if unexpected else "")
        top = self.top_band.y1 - 0.1
        self.page.text(_MARGIN, top, headline, size=8.5, weight="bold", colour=DENY if unexpected else INK)
        width = (self._internet().x0 - 0.1 - _MARGIN) if fw else _VNET_W
        y = top - 0.14
        for ip, kind in list(zip(ips, kinds))[:4]:
            expected = kind in ("", "azureFirewalls")
            role = {"azureFirewalls": "firewall", "": "not attached yet"}.get(kind, f"on {kind} ✗")
            y = self.page.lines(_MARGIN, y, f"{ip.name} {ip.ip_address or ''} · {role}".replace("  ", " "),
                                max(1.2, width), colour=MUTED if expected else DENY,
                                weight="normal" if expected else "bold")

    def _flow_columns(self) -> int:
        return 1 if len(self.view.flows) <= 4 else 2

    def _flows_box_x0(self) -> float:
        """The requests' box starts right of the Internet (above the hub's edge) when there is a firewall."""
        return self._cloud_x1() + 0.15 if self.view.firewall else WIDTH - _MARGIN - _VNET_W

    def _cloud_x1(self) -> float:
        hub_x1 = _MARGIN + _VNET_W
        return hub_x1 - 0.95 + 0.62

    def _flow_width(self) -> float:
        columns = self._flow_columns()
        return (WIDTH - _MARGIN - self._flows_box_x0() - 0.2 - 0.1 * (columns - 1)) / columns

    def _flow_rows(self) -> list[list]:
        flows, columns = self.view.flows, self._flow_columns()
        rows = (len(flows) + columns - 1) // columns
        return [[flows[i + c * rows] for c in range(columns) if i + c * rows < len(flows)] for i in range(rows)]

    def _flow_lines(self, row: list) -> int:
        return max(len(wrap(self._flow_label(f), self._flow_width(), SMALLEST)) for f in row)

    @staticmethod
    def _flow_label(flow) -> str:
        mark = "✓" if flow.action.lower() == "allow" else "✗"
        return f"{mark} {flow.protocol or 'TCP'} {flow.port} {flow.target}"

    def _flows(self) -> None:
        flows = self.view.flows
        source = self._subnet_for(self.view.cluster.subnet if self.view.cluster else None, "aks")
        if not flows or source is None:
            return
        box = _Box(self._flows_box_x0(), self.vnet_row.y1 + 0.32, WIDTH - _MARGIN, self.top_band.y1 - 0.02)
        self.page.box(box, "#F7F9FA", LINE, False, width=1.0)
        sources = sorted({f.source_ip for f in flows})
        self.page.text(box.x0 + 0.1, box.y1 - 0.15, f"Test requests from {', '.join(sources)}", size=8,
                       weight="bold")
        column = self._flow_width()
        y = box.y1 - 0.3
        for row in self._flow_rows():
            for index, flow in enumerate(row):
                allowed = flow.action.lower() == "allow"
                self.page.lines(box.x0 + 0.1 + index * (column + 0.1), y, self._flow_label(flow), column,
                                colour=ALLOW if allowed else DENY, weight="bold" if not allowed else "normal")
            y -= self._flow_lines(row) * _LINE + 0.04
        fw = self.firewall_box
        kinds = {f.action.lower() == "allow" for f in flows if f.via_firewall}
        if fw is not None and kinds:
            for offset, allowed in enumerate(sorted(kinds, reverse=True)):
                colour, style = (ALLOW, "-") if allowed else (DENY, (0, (4, 2)))
                lane = fw.y1 - 0.45 - 0.12 * offset
                self.page.line([(source.x0, lane), (fw.x1, lane)], colour, width=1.6, style=style, z=4)
                self.legend["allow" if allowed else "deny"] = True
                if allowed:
                    exit_x = fw.x1 - 0.2
                    self.page.line([(fw.x1, lane), (exit_x, lane), (exit_x, fw.y1)], colour, width=1.6, z=4)
                    bus = box.y0 + 0.2
                    self.page.line([(exit_x, fw.y1), (exit_x, bus), (box.x0 - 0.1, bus)], colour, width=1.6, z=4)
                    self.page.arrow((box.x0 - 0.1, bus), (box.x0, bus), colour, width=1.6, z=4)
                else:
                    self.page.ax.plot(fw.x1 + 0.08, lane, marker="X", markersize=8, color=colour,
                                      markeredgecolor="white", zorder=11)
        if any(not f.via_firewall for f in flows):  # bypassing the firewall is what the runbook must prevent
            self.page.arrow((source.cx, source.y1), (source.cx, box.y0), DENY, width=1.6)

    def _legend(self) -> None:
        entries = [
            ("planned", Patch(facecolor="white", edgecolor=LINE, linestyle=(0, (4, 3)), label="planned")),
            ("peering", Line2D([], [], color=BLUE, linewidth=2, label="VNet peering")),
            ("route", Line2D([], [], color=ORANGE, linewidth=2.4, label="forced tunnel (UDR)")),
            ("dns", Line2D([], [], color=PURPLE, linewidth=1.3, linestyle=(0, (1, 2)), label="private DNS link")),
            ("logs", Line2D([], [], color=LINE, linewidth=1.2, linestyle=(0, (1, 2)), label="firewall logs")),
            ("allow", Line2D([], [], color=ALLOW, linewidth=1.5, label="allowed ✓")),
            ("deny", Line2D([], [], color=DENY, linewidth=1.5, linestyle=(0, (4, 2)), marker="X",
                            markeredgecolor="white", label="denied ✗")),
        ]
        handles = [handle for key, handle in entries if self.legend.get(key)]
        if handles:
            self.page.ax.legend(handles=handles, loc="center right", bbox_to_anchor=(WIDTH - _MARGIN, self.legend_y),
                                bbox_transform=self.page.ax.transData, ncol=len(handles), fontsize=SMALLEST,
                                frameon=False, handlelength=2.2, columnspacing=1.0, borderaxespad=0, borderpad=0)


def draw(view: NetworkView) -> Figure:
    """Draw a view as a figure as wide as the notebook (no pyplot state, so notebooks show it once)."""
    return _Diagram(view).draw()


def save_png(view: NetworkView, path: str | Path) -> Path:
    """Write the diagram as a PNG whose bytes depend only on the view (no software or date stamp)."""
    path = Path(path)
    draw(view).savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path
