"""The AKS egress catalog (what a cluster must reach) and preflight (does a rule set allow it?).

The catalog is data (praks_lib/azure/data/aks-egress.yaml, from Microsoft's outbound rules for AKS).
Wildcard FQDNs are checked with a representative name (the region's data endpoint, the workspace's
ingestion endpoint), service tags with an address inside the tag, so preflight runs the real engine
on flows a node would really send.
"""
from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass

import yaml

from praks_lib.azure import facts
from praks_lib.firewall.engine import Flow, evaluate
from praks_lib.firewall.servicetags import UnknownServiceTag, service_tag_prefixes


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


def _application(requirement: str, purpose: str, needed_for: str, name: str, host: str, source: str, subnet: str,
                 protocol: str = "HTTPS", port: int = 443) -> RequiredFlow:
    rule = {"name": name, "source_addresses": [subnet], "protocols": [f"{protocol.capitalize()}:{port}"],
            "target_fqdns": [requirement]}
    return RequiredFlow(requirement, purpose, needed_for, Flow(source, host, port, protocol), rule)


def _network(destination: str, purpose: str, needed_for: str, name: str, source: str, subnet: str, protocol: str,
             port: int) -> RequiredFlow:
    """A network rule to a service tag (checked with an address inside it) or to a name."""
    try:
        first = ipaddress.IPv4Network(service_tag_prefixes(destination)[0])
        address = str(first.network_address + (1 if first.num_addresses > 2 else 0))
        rule = {"name": name, "source_addresses": [subnet], "destination_addresses": [destination]}
    except UnknownServiceTag:
        address = destination
        rule = {"name": name, "source_addresses": [subnet], "destination_fqdns": [destination]}
    rule.update(destination_ports=[str(port)], protocols=[protocol])
    return RequiredFlow(destination, purpose, needed_for, Flow(source, address, port, protocol), rule)


def needs(shape: ClusterShape, *, konnectivity: bool = True, azure_policy: bool = False,
          ubuntu_updates: bool = False) -> set[str]:
    """Which ``needed_for`` groups of the catalog apply to a cluster of this shape."""
    groups = {"core"}
    if not shape.private:
        groups.add("public cluster")
        if not konnectivity:
            groups.add("public cluster without konnectivity")
    if shape.container_insights:
        groups.add("monitoring")
    if azure_policy:
        groups.add("azure-policy")
    if ubuntu_updates:
        groups.add("ubuntu-updates")
    return groups


def catalog() -> list[dict]:
    """The documented endpoints (praks_lib/azure/data/aks-egress.yaml), in the documentation's order."""
    return facts.load("aks-egress")["endpoints"]


def required_flows(shape: ClusterShape, *, konnectivity: bool = True, azure_policy: bool = False,
                   ubuntu_updates: bool = False) -> list[RequiredFlow]:
    """The outbound flows an AKS node of this shape needs, from the documented catalog.

    Konnectivity, the Azure Policy add-on and Ubuntu updates are choices the parameters do not
    carry yet. Wildcards are checked with the concrete name a node would really ask for.
    """
    region, subnet = shape.location.replace(" ", "").lower(), shape.node_subnet
    node = str(ipaddress.IPv4Network(subnet).network_address + 4)  # Azure keeps .0-.3; the first node is .4
    workspace = uuid.uuid5(uuid.NAMESPACE_DNS, f"{shape.name}.{region}.workspace")
    values = {"region": region, "workspace": workspace, "name": shape.name, "dns_prefix": shape.dns_prefix}
    groups = needs(shape, konnectivity=konnectivity, azure_policy=azure_policy, ubuntu_updates=ubuntu_updates)
    flows = []
    for entry in catalog():
        if entry["needed_for"] not in groups or entry.get("unless") in groups:
            continue
        requirement, name = entry["requirement"].format(**values), entry["rule"].format(**values)
        if entry["kind"] == "network":
            flows.append(_network(requirement, entry["purpose"], entry["needed_for"], name, node, subnet,
                                  entry["protocol"], entry["port"]))
        else:
            host = entry.get("sample", entry["requirement"]).format(**values)
            flows.append(_application(requirement, entry["purpose"], entry["needed_for"], name, host, node, subnet,
                                      entry.get("protocol", "HTTPS"), entry.get("port", 443)))
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
