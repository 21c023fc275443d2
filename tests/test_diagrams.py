"""Diagrams: views built from parameters and from SDK models, drawn legibly and deterministically."""
from __future__ import annotations

import hashlib
import io
import itertools
from dataclasses import replace
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from azure.core.exceptions import ResourceNotFoundError  # noqa: E402
from azure.mgmt.network import models as net  # noqa: E402

from praks_lib.cloud import connect  # noqa: E402
from praks_lib.deploy.api_server_dns import ensure_own_zone  # noqa: E402
from praks_lib.deploy.cluster import ensure_private_cluster  # noqa: E402
from praks_lib.deploy.firewall import ensure_firewall_stage  # noqa: E402
from praks_lib.deploy.identity import ensure_cluster_identity, ensure_role_assignments  # noqa: E402
from praks_lib.deploy.network import ensure_network  # noqa: E402
from praks_lib.deploy.route import ensure_egress_route  # noqa: E402
from praks_lib.deployment import Deployment
from praks_lib.diagrams.drawing import DPI, SMALLEST, WIDTH, draw, save_png  # noqa: E402
from praks_lib.diagrams.live import live_view  # noqa: E402
from praks_lib.diagrams.view import (  # noqa: E402
    ClusterView,
    FirewallView,
    FlowView,
    JumpboxView,
    NetworkView,
    PublicIpView,
    RouteView,
    WorkspaceView,
    planned_view,
)
from praks_lib.params import load_deployment
from praks_lib.project import scenario_file

DEPLOYMENT = Deployment()
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dzpraks1_networks/providers/Microsoft.Network"


def full_view() -> NetworkView:
    """Every part of the finished runbook, as 07_validate would show it."""
    planned = planned_view(DEPLOYMENT, complete=True)
    deployed = [replace(v, state="Succeeded", subnets=[replace(s, state="Succeeded") for s in v.subnets])
                for v in planned.vnets]
    return replace(
        planned, title="dzpraks1: validated", vnets=deployed,
        peerings=[replace(p, state="Connected") for p in planned.peerings],
        firewall=FirewallView("dzpraks1", "10.0.0.4", "20.61.15.122", "Succeeded", "dzpraks1"),
        route=replace(planned.route, state="Succeeded"),
        cluster=ClusterView("dzpraks1", "dzpraks1-8f3a2c1d.privatelink.westeurope.azmk8s.io",
                              ["10.0.5.4", "10.0.5.35", "10.0.5.66", "10.0.5.97"], "10.0.5.128", "Succeeded", 4,
                              "aks-2-subnet"),
        jumpbox=JumpboxView("jumpbox", "10.0.1.4", "Succeeded", "jumpbox-subnet"),
        dns_zone=replace(planned.dns_zone, state="Succeeded"),
        workspace=WorkspaceView("dzpraks1", "Succeeded"),
        public_ips=[PublicIpView("dzpraks1", "20.61.15.122", "Succeeded", "azureFirewalls/dzpraks1")],
        flows=[FlowView("10.0.5.4", "azure.archive.ubuntu.com", 80, "Allow", protocol="HTTP"),
               FlowView("10.0.5.4", "batman.com", 80, "Deny", protocol="HTTP"),
               FlowView("10.0.5.4", "batman.com", 443, "Deny", protocol="HTTPS")],
    )


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]


def reads(figure, phrase: str) -> bool:
    """Whether the figure shows `phrase`, wrapped over lines or not (a wrap drops the space it breaks at)."""
    return phrase.replace(" ", "").replace("\n", "") in "".join(texts(figure)).replace(" ", "").replace("\n", "")


def scenario(name: str, **overrides) -> Deployment:
    return load_deployment(scenario_file(name), overrides=overrides or None, check_plan=False)


def png(view: NetworkView) -> bytes:
    buffer = io.BytesIO()
    draw(view).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


# -- planned view ----------------------------------------------------------------------------------

def test_planned_view_has_the_parameters_networks():
    view = planned_view(DEPLOYMENT)
    assert [(v.name, v.address_space, v.state) for v in view.vnets] == [
        ("hub1-firewallvnet", "10.0.0.0/22", None), ("spoke1-kubenvnet", "10.0.4.0/22", None)]
    assert {(s.name, s.prefix, s.role) for v in view.vnets for s in v.subnets} == {
        ("AzureFirewallSubnet", "10.0.0.0/24", "firewall"), ("jumpbox-subnet", "10.0.1.0/24", "jumpbox"),
        ("ing-1-subnet", "10.0.4.0/24", "ingress"), ("aks-2-subnet", "10.0.5.0/24", "aks")}
    assert [(p.source_vnet, p.target_vnet, p.name) for p in view.peerings] == [
        ("hub1-firewallvnet", "spoke1-kubenvnet", "HubToSpoke1"), ("spoke1-kubenvnet", "hub1-firewallvnet", "Spoke1ToHub")]
    assert view.firewall is None and view.route is None and view.flows == []


def test_complete_planned_view_expects_the_firewall_on_the_fifth_address():
    view = planned_view(DEPLOYMENT, complete=True)
    assert view.firewall.private_ip == "10.0.0.4"  # Azure keeps .0-.3 of every subnet
    assert (view.route.prefix, view.route.next_hop_ip, view.route.subnets) == ("0.0.0.0/0", "10.0.0.4", ["aks-2-subnet"])
    assert view.cluster.node_count == 3 and view.dns_zone.name == "privatelink.westeurope.azmk8s.io"


def test_the_planned_api_server_zone_follows_the_design():
    """baseline-2026's VNet integration puts the API server in private.<region>.azmk8s.io, not privatelink."""
    from praks_lib.params import load_deployment
    from praks_lib.project import scenario_file

    view = planned_view(load_deployment(scenario_file("baseline-2026")), complete=True)
    assert view.dns_zone.name == "private.westeurope.azmk8s.io"
    assert view.dns_zone.linked_vnets == ["spoke1-kubenvnet", "hub1-firewallvnet"]


def test_planned_view_follows_overridden_parameters():
    custom = Deployment.model_validate({"name": "lab07", "network": {"spoke": {
        "address_space": "10.7.4.0/22", "aks_subnet": {"name": "aks-subnet", "prefix": "10.7.5.0/24"},
        "ingress_subnet": {"name": "ing-1-subnet", "prefix": "10.7.4.0/24"}}}})
    figure = draw(planned_view(custom, complete=True))
    shown = texts(figure)
    assert {"VNet  10.7.4.0/22", "aks-subnet", "10.7.5.0/24"} <= set(shown)
    assert "route table lab07" in shown


# -- drawing ---------------------------------------------------------------------------------------

def test_draw_shows_names_and_cidrs():
    shown = texts(draw(planned_view(DEPLOYMENT)))
    for expected in ("hub1-firewallvnet", "spoke1-kubenvnet", "AzureFirewallSubnet", "jumpbox-subnet",
                     "ing-1-subnet", "aks-2-subnet", "10.0.0.0/24", "10.0.1.0/24", "10.0.4.0/24", "10.0.5.0/24",
                     "HubToSpoke1", "Spoke1ToHub", "planned"):
        assert expected in shown, expected
    assert any("10.0.0.0/22" in t for t in shown) and any("10.0.4.0/22" in t for t in shown)


def test_full_view_draws_every_part():
    figure = draw(full_view())
    for expected in ("Azure Firewall", "private 10.0.0.4", "public IP 20.61.15.122", "0.0.0.0/0 →", "10.0.0.4 (UDR)",
                     "node\n10.0.5.97", "dzpraks1-8f3a2c1d.privatelink.westeurope.azmk8s.io",
                     "API server · private endpoint 10.0.5.128", "VM jumpbox", "Private DNS zone",
                     "Log Analytics workspace", "classic rule collections", "✓ HTTP 80 azure.archive.ubuntu.com",
                     "✗ HTTPS 443 batman.com", "Connected"):
        assert reads(figure, expected), expected


def test_more_nodes_than_fit_are_counted():
    view = replace(full_view(), cluster=replace(full_view().cluster, node_ips=[f"10.0.5.{i}" for i in range(4, 10)]))
    assert "+2" in texts(draw(view))


def test_empty_view_says_what_to_run():
    shown = texts(draw(NetworkView(title="nothing yet")))
    assert any("run 01_network" in t for t in shown)


def test_a_public_ip_other_than_the_firewalls_is_flagged():
    extra = PublicIpView("kubernetes-lb", "20.1.2.3", "Succeeded", "loadBalancers/kubernetes")
    figure = draw(replace(full_view(), public_ips=full_view().public_ips + [extra]))
    assert reads(figure, "dzpraks1 20.61.15.122 · firewall")
    assert reads(figure, "Public IPs: 2 · 1 unexpected") and reads(figure, "kubernetes-lb 20.1.2.3 · on loadBalancers ✗")


def many_flows() -> NetworkView:
    hosts = ["mcr.microsoft.com", "management.azure.com", "login.microsoftonline.com", "packages.microsoft.com",
             "acs-mirror.azureedge.net", "packages.aks.azure.com", "westeurope.handler.control.monitor.azure.com",
             "dzpraks1-dce.westeurope-1.ingest.monitor.azure.com", "azure.archive.ubuntu.com", "batman.com"]
    flows = [FlowView("10.0.5.7", host, 443, "Deny" if host == "batman.com" else "Allow", protocol="HTTPS")
             for host in hosts]
    return replace(full_view(), flows=flows)


VIEWS = {
    "planned": lambda: planned_view(DEPLOYMENT), "planned-complete": lambda: planned_view(DEPLOYMENT, complete=True),
    "full": full_view, "many-flows": many_flows,
    "unexpected-public-ip": lambda: replace(full_view(), public_ips=full_view().public_ips + [
        PublicIpView("kubernetes-lb", "20.1.2.3", "Succeeded", "loadBalancers/k")]),
    "walkthrough-2020": lambda: planned_view(scenario("walkthrough-2020"), complete=True),
    "baseline-2026": lambda: planned_view(scenario("baseline-2026"), complete=True),
    "isolated": lambda: planned_view(scenario("isolated"), complete=True),
    "basic-tier": lambda: planned_view(scenario("baseline-2026", firewall={"sku_tier": "Basic", "dns_proxy": False},
                                                network={"hub": {"firewall_management_subnet": {
                                                    "name": "AzureFirewallManagementSubnet",
                                                    "prefix": "10.0.2.0/26"}}}), complete=True),
}


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
def test_no_text_overlaps_or_leaves_the_page(make):
    figure = draw(make())
    figure.canvas.draw()  # lays out the legend
    renderer = figure.canvas.get_renderer()
    page = figure.bbox
    boxes = []
    for text in figure.findobj(matplotlib.text.Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()
        boxes.append((text.get_text(), box.shrunk(0.98, 0.9)))  # glyph boxes include a little padding
    for (first, a), (second, b) in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), f"{first!r} overlaps {second!r}"


def test_drawing_is_deterministic(tmp_path):
    assert hashlib.sha256(png(full_view())).digest() == hashlib.sha256(png(full_view())).digest()
    first, second = save_png(full_view(), tmp_path / "a.png"), save_png(full_view(), tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()
    assert b"Software" not in first.read_bytes()


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
def test_every_text_is_legible_at_the_notebooks_width(make):
    """Issue 12: no text below ~9 px at 100 % zoom. The page is no wider than the notebook next to an open
    file browser at 1366 px (about 930 px), so JupyterLab shows it at its own size, where 7.5 pt is 10 px."""
    figure = draw(make())
    assert figure.get_size_inches()[0] == WIDTH and round(WIDTH * DPI) <= 930
    sizes = {t.get_fontsize() for t in figure.findobj(matplotlib.text.Text) if t.get_text().strip()}
    assert min(sizes) >= SMALLEST and SMALLEST * DPI / 72 >= 9


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
def test_labels_wrap_instead_of_being_cut(make):
    assert not [t for t in texts(draw(make())) if "…" in t]


def test_every_test_request_is_listed_with_its_whole_destination():
    figure = draw(many_flows())
    for flow in many_flows().flows:
        assert reads(figure, f"{'✓' if flow.action == 'Allow' else '✗'} HTTPS 443 {flow.target}"), flow.target
    assert not [t for t in texts(figure) if "more flows" in t]


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
def test_no_band_of_the_page_is_empty(make):
    """Issue 12: 00 and 01 had a quarter of empty page. Every horizontal band higher than 0.5 in holds something."""
    figure = draw(make())
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    drawn = figure.findobj(lambda a: isinstance(a, (matplotlib.text.Text, matplotlib.patches.Patch))
                           and not isinstance(a, matplotlib.spines.Spine))
    spans = sorted((a.get_window_extent(renderer).y0, a.get_window_extent(renderer).y1) for a in drawn
                   if a.get_visible() and not (isinstance(a, matplotlib.text.Text) and not a.get_text().strip())
                   and a is not figure.patch and a is not figure.axes[0].patch)
    covered, gaps = 0.0, []
    for y0, y1 in spans:
        if y0 > covered:
            gaps.append((y0 - covered) / DPI)
        covered = max(covered, y1)
    gaps.append(figure.bbox.y1 / DPI - covered / DPI)
    assert max(gaps) < 0.5, gaps


def test_the_page_is_as_tall_as_what_it_shows():
    assert draw(planned_view(DEPLOYMENT)).get_size_inches()[1] < draw(full_view()).get_size_inches()[1]


# -- each scenario, drawn as it is designed (issue 11 part 4) ----------------------------------------

def test_walkthrough_2020_has_classic_rules_a_forced_tunnel_and_a_private_link_api_server():
    view = planned_view(scenario("walkthrough-2020"), complete=True)
    assert view.firewall.policy is None and view.route is not None and view.cluster.api_server == "private_link"
    figure = draw(view)
    for phrase in ("classic rule collections", "API server · private endpoint", "0.0.0.0/0 →"):
        assert reads(figure, phrase), phrase


def test_baseline_2026_has_a_policy_overlay_pods_and_the_api_server_in_its_delegated_subnet():
    view = planned_view(scenario("baseline-2026"), complete=True)
    assert view.firewall.policy == "dzpraks1-policy" and view.cluster.pod_cidr == "10.244.0.0/16"
    assert ("apiserver-subnet", "apiserver") in {(s.name, s.role) for v in view.vnets for s in v.subnets}
    figure = draw(view)
    for phrase in ("Firewall Policy dzpraks1-policy", "apiserver-subnet", "delegated to AKS",
                   "API server · VNet integration", "pods from 10.244.0.0/16"):
        assert reads(figure, phrase), phrase
    assert not reads(figure, "private endpoint")


def test_isolated_has_no_firewall_no_route_no_public_ip_and_a_registry_cache():
    view = planned_view(scenario("isolated"), complete=True)
    assert view.firewall is None and view.route is None and view.public_ips == [] and view.workspace is None
    assert view.registry.name == "dzpraks1acr"
    figure = draw(view)
    for phrase in ("no firewall in this design", "Registry cache", "dzpraks1acr", "outbound type none"):
        assert reads(figure, phrase), phrase
    for absent in ("Azure Firewall", "Internet", "Public IPs", "(UDR)"):
        assert not [t for t in texts(figure) if t.startswith(absent) or t.endswith(absent)], absent


def test_the_basic_tier_has_its_management_subnet_and_second_public_ip():
    view = VIEWS["basic-tier"]()
    assert [ip.name for ip in view.public_ips] == ["dzpraks1", "dzpraks1-mgmt"]
    assert ("AzureFirewallManagementSubnet", "management") in {(s.name, s.role) for v in view.vnets for s in v.subnets}
    figure = draw(view)
    assert reads(figure, "Azure Firewall · Basic") and reads(figure, "Public IPs: 2")


# -- live view from SDK models ---------------------------------------------------------------------

class FakeOperations:
    """Answers like an SDK operations group: a model, or ResourceNotFoundError for a missing resource."""

    def __init__(self, items: dict):
        self.items = items

    def _find(self, *key):
        if key not in self.items:
            raise ResourceNotFoundError(f"The Resource '{key[-1]}' was not found.")
        return self.items[key]

    def get(self, *key):
        return self._find(*key)

    def list(self, *key):
        return self._find(*key)


def vnet_model(name: str, space: str, subnets: list[tuple[str, str, str | None]]) -> net.VirtualNetwork:
    return net.VirtualNetwork({"name": name, "id": f"{SUB}/virtualNetworks/{name}", "properties": {
        "addressSpace": {"addressPrefixes": [space]}, "provisioningState": "Succeeded",
        "subnets": [{"name": s, "id": f"{SUB}/virtualNetworks/{name}/subnets/{s}", "properties": {
            "addressPrefix": p, "provisioningState": "Succeeded",
            **({"routeTable": {"id": f"{SUB}/routeTables/{rt}"}} if rt else {})}} for s, p, rt in subnets]}})


def peering_model(name: str, remote: str, state: str) -> net.VirtualNetworkPeering:
    return net.VirtualNetworkPeering({"name": name, "properties": {
        "remoteVirtualNetwork": {"id": f"{SUB}/virtualNetworks/{remote}"}, "peeringState": state,
        "provisioningState": "Succeeded"}})


def clients_with(firewall: bool) -> SimpleNamespace:
    rg = "dzpraks1_networks"
    route = "dzpraks1" if firewall else None
    vnets = {(rg, "hub1-firewallvnet"): vnet_model("hub1-firewallvnet", "10.0.0.0/22", [
                 ("AzureFirewallSubnet", "10.0.0.0/24", None), ("jumpbox-subnet", "10.0.1.0/24", None)]),
             (rg, "spoke1-kubenvnet"): vnet_model("spoke1-kubenvnet", "10.0.4.0/22", [
                 ("ing-1-subnet", "10.0.4.0/24", None), ("aks-2-subnet", "10.0.5.0/24", route)])}
    peerings = {(rg, "hub1-firewallvnet"): [peering_model("HubToSpoke1", "spoke1-kubenvnet", "Connected")],
                (rg, "spoke1-kubenvnet"): [peering_model("Spoke1ToHub", "hub1-firewallvnet", "Initiated")]}
    firewalls, tables, ips = {}, {}, {(rg,): []}
    if firewall:
        firewalls[(rg, "dzpraks1")] = net.AzureFirewall({"name": "dzpraks1", "properties": {
            "provisioningState": "Succeeded", "ipConfigurations": [{"name": "dzpraks1", "properties": {
                "privateIPAddress": "10.0.0.4", "publicIPAddress": {"id": f"{SUB}/publicIPAddresses/dzpraks1"}}}]}})
        tables[(rg, "dzpraks1")] = net.RouteTable({"name": "dzpraks1", "properties": {
            "provisioningState": "Succeeded",
            "routes": [{"name": "dzpraks1", "properties": {"addressPrefix": "0.0.0.0/0",
                                                          "nextHopType": "VirtualAppliance",
                                                          "nextHopIpAddress": "10.0.0.4"}}],
            "subnets": [{"id": f"{SUB}/virtualNetworks/spoke1-kubenvnet/subnets/aks-2-subnet"}]}})
        ips[(rg,)] = [net.PublicIPAddress({"name": "dzpraks1", "properties": {
            "ipAddress": "20.61.15.122", "provisioningState": "Succeeded", "ipConfiguration": {
                "id": f"{SUB}/azureFirewalls/dzpraks1/azureFirewallIpConfigurations/dzpraks1"}}})]
    network = SimpleNamespace(
        virtual_networks=FakeOperations(vnets), virtual_network_peerings=FakeOperations(peerings),
        azure_firewalls=FakeOperations(firewalls), route_tables=FakeOperations(tables),
        public_ip_addresses=FakeOperations(ips), network_interfaces=FakeOperations({}))
    return SimpleNamespace(network=network, resource=SimpleNamespace())


def test_live_view_reads_networks_and_leaves_out_what_does_not_exist():
    view = live_view(clients_with(firewall=False), DEPLOYMENT)
    assert [(v.name, v.address_space, v.state) for v in view.vnets] == [
        ("hub1-firewallvnet", "10.0.0.0/22", "Succeeded"), ("spoke1-kubenvnet", "10.0.4.0/22", "Succeeded")]
    aks = next(s for s in view.vnets[1].subnets if s.name == "aks-2-subnet")
    assert (aks.prefix, aks.state, aks.role, aks.route_table) == ("10.0.5.0/24", "Succeeded", "aks", None)
    assert [(p.name, p.target_vnet, p.state) for p in view.peerings] == [
        ("HubToSpoke1", "spoke1-kubenvnet", "Connected"), ("Spoke1ToHub", "hub1-firewallvnet", "Initiated")]
    assert view.firewall is None and view.route is None and view.cluster is None and view.public_ips == []
    assert "Initiated" in texts(draw(view))


def test_live_view_with_firewall_and_route():
    view = live_view(clients_with(firewall=True), DEPLOYMENT)
    assert view.firewall == FirewallView("dzpraks1", "10.0.0.4", "20.61.15.122", "Succeeded", "dzpraks1")
    assert view.public_ips == [PublicIpView("dzpraks1", "20.61.15.122", "Succeeded", "azureFirewalls/dzpraks1")]
    assert view.route == RouteView("dzpraks1", "0.0.0.0/0", "10.0.0.4", ["aks-2-subnet"], "Succeeded")
    aks = next(s for s in view.vnets[1].subnets if s.name == "aks-2-subnet")
    assert aks.route_table == "dzpraks1"
    assert {"0.0.0.0/0 →", "10.0.0.4 (UDR)"} <= set(texts(draw(view)))


def test_live_view_before_anything_exists():
    empty = SimpleNamespace(network=SimpleNamespace(**{name: FakeOperations({}) for name in (
        "virtual_networks", "virtual_network_peerings", "azure_firewalls", "route_tables", "public_ip_addresses",
        "network_interfaces")}))
    view = live_view(empty, DEPLOYMENT)
    assert view.vnets == [] and view.peerings == [] and view.firewall is None
    draw(view)


def test_live_view_reads_the_firewall_policy_and_the_tier():
    clients = clients_with(firewall=True)
    firewall = clients.network.azure_firewalls.items[("dzpraks1_networks", "dzpraks1")]
    firewall.sku = net.AzureFirewallSku(name="AZFW_VNet", tier="Standard")
    firewall.firewall_policy = net.SubResource(id=f"{SUB}/firewallPolicies/dzpraks1-policy")
    view = live_view(clients, DEPLOYMENT)
    assert (view.firewall.tier, view.firewall.policy) == ("Standard", "dzpraks1-policy")
    assert reads(draw(view), "Firewall Policy dzpraks1-policy")


def test_live_view_of_a_design_without_a_firewall_says_so():
    isolated = scenario("isolated")
    view = live_view(clients_with(firewall=False), isolated)
    assert view.firewall is None and view.no_firewall
    assert reads(draw(view), "no firewall in this design")


def test_the_live_view_finds_a_vnet_integrated_api_server_at_its_load_balancer(tmp_path):
    dep = load_deployment(overrides={
        "aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16", "api_server": "vnet_integration"},
        "network": {"spoke": {"apiserver_subnet": {"name": "apiserver-subnet", "prefix": "10.0.6.0/28"}}}})
    clients = connect(dep, state_dir=tmp_path / "cloud")
    for ensure in (ensure_network, ensure_firewall_stage, ensure_egress_route, ensure_own_zone,
                   ensure_cluster_identity, ensure_role_assignments, ensure_private_cluster):
        ensure(clients, dep)
    cluster = live_view(clients, dep).cluster
    assert (cluster.api_server, cluster.api_server_subnet, cluster.api_server_ip) == \
        ("vnet_integration", "apiserver-subnet", "10.0.6.4")
    assert cluster.pod_cidr == "10.244.0.0/16"
    figure = draw(live_view(clients, dep))
    assert reads(figure, "API server · VNet integration 10.0.6.4") and not reads(figure, "private endpoint")
    # With DNS through the firewall the API server's name is in the zone praks brings, linked to both VNets.
    zone = live_view(clients, dep).dns_zone
    assert (zone.name, sorted(zone.linked_vnets)) == \
        ("private.westeurope.azmk8s.io", sorted([dep.network.hub.name, dep.network.spoke.name]))
