"""The AKS egress catalog (what a cluster must reach) and preflight (does a rule set allow it?).

The catalog is data from aks-egress.md. Wildcard FQDNs are checked with a representative name (the
region's data endpoint, the workspace's ingestion endpoint), service tags with an address inside
the tag, so preflight runs the real engine on flows a node would really send.
"""
from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass

import yaml

from praks_lib.firewall.engine import Flow, evaluate
from praks_lib.firewall.servicetags import azure_cloud_tag, service_tag_prefixes


@dataclass(frozen=True)
class ClusterShape:
    """What decides a cluster's egress needs, read from the parameters or from a cluster resource."""

    name: str
    location: str
    node_subnet: str  # the AKS subnet's prefix: where node traffic comes from
    private: bool = True
    dns_prefix: str = ""
    container_insights: bool = False


@dataclass(frozen=True)
class PreflightResult:
    """One required flow judged against a rule set; ``rule_to_add`` is set when it is denied."""

    required: "RequiredFlow"
    action: str
    allowed_by: str
    rule_to_add: str
    message: str


@dataclass(frozen=True)
class RequiredFlow:
    requirement: str  # the endpoint as the docs write it, e.g. *.data.mcr.microsoft.com
    purpose: str
    needed_for: str  # core | konnectivity-less public cluster | monitoring | azure-policy | ubuntu-updates
    flow: Flow
    rule_to_add: dict  # the rule (parameters YAML form) that would allow it

    @property
    def kind(self) -> str:
        return "network" if "destination_addresses" in self.rule_to_add else "application"


def _app(requirement, purpose, needed_for, name, host, source, subnet, protocol="HTTPS", port=443) -> RequiredFlow:
    rule = {"name": name, "source_addresses": [subnet], "protocols": [f"{protocol.capitalize()}:{port}"],
            "target_fqdns": [requirement]}
    return RequiredFlow(requirement, purpose, needed_for, Flow(source, host, port, protocol), rule)


def _net(tag, purpose, needed_for, name, source, subnet, protocol, port) -> RequiredFlow:
    first = ipaddress.IPv4Network(service_tag_prefixes(tag)[0])
    address = str(first.network_address + (1 if first.num_addresses > 2 else 0))
    rule = {"name": name, "source_addresses": [subnet], "destination_addresses": [tag],
            "destination_ports": [str(port)], "protocols": [protocol]}
    return RequiredFlow(tag, purpose, needed_for, Flow(source, address, port, protocol), rule)


def required_flows(shape: ClusterShape, *, konnectivity: bool = True, azure_policy: bool = False,
                   ubuntu_updates: bool = False) -> list[RequiredFlow]:
    """The outbound flows an AKS node of this shape needs, from the documented catalog.

    Konnectivity, the Azure Policy add-on and Ubuntu updates are choices the parameters do not
    carry yet.
    """
    region, subnet = shape.location.replace(" ", "").lower(), shape.node_subnet
    node = str(ipaddress.IPv4Network(subnet).network_address + 4)  # Azure keeps .0-.3; the first node is .4
    workspace = uuid.uuid5(uuid.NAMESPACE_DNS, f"{shape.name}.{region}.workspace")
    flows = [
        _app("mcr.microsoft.com", "Microsoft container registry (system images)", "core", "mcr",
             "mcr.microsoft.com", node, subnet),
        _app("*.data.mcr.microsoft.com", "MCR storage behind the CDN", "core", "mcr-data",
             f"{region}.data.mcr.microsoft.com", node, subnet),
        _app("mcr-0001.mcr-msedge.net", "MCR storage behind the CDN", "core", "mcr-cdn",
             "mcr-0001.mcr-msedge.net", node, subnet),
        _app("management.azure.com", "Kubernetes operations against the Azure API", "core", "azure-management",
             "management.azure.com", node, subnet),
        _app("login.microsoftonline.com", "Microsoft Entra authentication", "core", "entra-login",
             "login.microsoftonline.com", node, subnet),
        _app("packages.microsoft.com", "Microsoft package repository", "core", "microsoft-packages",
             "packages.microsoft.com", node, subnet),
        _app("acs-mirror.azureedge.net", "Kubernetes and CNI binaries", "core", "acs-mirror",
             "acs-mirror.azureedge.net", node, subnet),
        _app("packages.aks.azure.com", "Kubernetes and CNI binaries (acs-mirror successor)", "core",
             "aks-packages", "packages.aks.azure.com", node, subnet),
    ]
    if not shape.private:
        flows.append(_app(f"*.hcp.{region}.azmk8s.io", "node to API server (public cluster)", "public cluster",
                          "aks-api-server", f"{shape.dns_prefix}-00000000.hcp.{region}.azmk8s.io",
                          node, subnet))
        tag = azure_cloud_tag(region)
        flows.append(_net(tag, "pods that call the API server (public cluster)", "public cluster",
                          "api-server-443", node, subnet, "TCP", 443))
        if not konnectivity:
            flows.append(_net(tag, "tunnel to the control plane", "public cluster without konnectivity",
                              "tunnel-udp-1194", node, subnet, "UDP", 1194))
            flows.append(_net(tag, "tunnel to the control plane", "public cluster without konnectivity",
                              "tunnel-tcp-9000", node, subnet, "TCP", 9000))
    if shape.container_insights:
        flows.append(_net("AzureMonitor", "Container insights data", "monitoring", "azure-monitor",
                          node, subnet, "TCP", 443))
        for pattern, host in (
            ("*.ods.opinsights.azure.com", f"{workspace}.ods.opinsights.azure.com"),
            ("*.oms.opinsights.azure.com", f"{workspace}.oms.opinsights.azure.com"),
            ("dc.services.visualstudio.com", "dc.services.visualstudio.com"),
            ("*.in.applicationinsights.azure.com", f"{region}-0.in.applicationinsights.azure.com"),
            ("*.monitoring.azure.com", f"{region}.monitoring.azure.com"),
            ("global.handler.control.monitor.azure.com", "global.handler.control.monitor.azure.com"),
            (f"{region}.handler.control.monitor.azure.com", f"{region}.handler.control.monitor.azure.com"),
            ("*.ingest.monitor.azure.com", f"{shape.name}-dce.{region}-1.ingest.monitor.azure.com"),
            ("*.metrics.ingest.monitor.azure.com", f"{shape.name}-dce.{region}-1.metrics.ingest.monitor.azure.com"),
        ):
            flows.append(_app(pattern, "Container insights", "monitoring", "monitoring-" + pattern.strip("*.").split(".")[0],
                              host, node, subnet))
    if azure_policy:
        for pattern in ("data.policy.core.windows.net", "store.policy.core.windows.net"):
            flows.append(_app(pattern, "Azure Policy add-on", "azure-policy", pattern.split(".")[0] + "-policy",
                              pattern, node, subnet))
        if not shape.container_insights:
            flows.append(_app("dc.services.visualstudio.com", "Azure Policy add-on telemetry", "azure-policy",
                              "policy-telemetry", "dc.services.visualstudio.com", node, subnet))
    if ubuntu_updates:
        for name in ("security.ubuntu.com", "azure.archive.ubuntu.com", "changelogs.ubuntu.com"):
            flows.append(_app(name, "Ubuntu security patches", "ubuntu-updates", name.split(".")[0],
                              name, node, subnet, "HTTP", 80))
        flows.append(_app("snapshot.ubuntu.com", "Ubuntu snapshot packages", "ubuntu-updates", "snapshot",
                          "snapshot.ubuntu.com", node, subnet))
    return flows


def preflight(rules, shape: ClusterShape, **choices) -> list[PreflightResult]:
    """Each required flow judged by the rule set; for each denied one, the rule to add."""
    results = []
    for required in required_flows(shape, **choices):
        verdict = evaluate(rules, required.flow)
        missing = verdict.action != "Allow"
        rule_to_add = (f"{required.kind} rule: " + yaml.safe_dump(required.rule_to_add, default_flow_style=True,
                                                                  sort_keys=False).strip()) if missing else ""
        results.append(PreflightResult(required, verdict.action,
                                       f"{verdict.rule_collection}/{verdict.rule}" if verdict.rule else "",
                                       rule_to_add, verdict.message))
    return results
