"""Lint: rules that are broader than needed, can never match, or will not work as written."""
from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from praks_lib.errors import Finding, RuleSetError
from praks_lib.firewall.addresses import IntervalSet
from praks_lib.firewall.engine import compile_rule_set
from praks_lib.firewall.fqdntags import has_offline_members
from praks_lib.firewall.model import RuleSet, load_rule_set
from praks_lib.firewall.public_dns import resolve

TUNNEL_PORTS = (("UDP", 1194), ("TCP", 9000))


def _finding(severity: str, code: str, collection: str, rule: str, why: str, fix: str) -> Finding:
    return Finding(severity, code, f"{collection}/{rule}" if rule else collection, why, fix)


def _rule_set(rules: Any) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, (str, Path)):
        return load_rule_set(rules)
    if isinstance(rules, dict):
        return RuleSet.from_dict(rules)
    return RuleSet.from_sdk(rules)


def _invalid(error: RuleSetError) -> list[Finding]:
    findings = []
    for problem in error.problems:
        where, _, field = problem.field.partition(".")
        code = "priority-out-of-range" if field == "priority" else "invalid"
        findings.append(Finding("error", code, where, f"{field}: {problem.message}" if field else problem.message,
                                problem.fix))
    return findings


def _pattern_covered(earlier, pattern: str) -> bool:
    """Does every name `pattern` matches also match one of `earlier`'s targets?"""
    if pattern.startswith("*"):
        return any(pattern[1:].endswith(suffix) for suffix in earlier.suffixes)
    return pattern in earlier.exact or any(pattern.endswith(suffix) for suffix in earlier.suffixes)


def _covers_app(earlier, later) -> bool:
    if not (earlier.app_protocols >= later.app_protocols and earlier.sources.covers(later.sources)):
        return False
    if earlier.match_all:
        return True
    if later.match_all or later.regexes:
        return False
    patterns = list(later.exact) + ["*" + suffix for suffix in later.suffixes]
    return all(_pattern_covered(earlier, p) for p in patterns)


def _covers_network(earlier, later) -> bool:
    if later.fqdn_addresses and not earlier.destinations.is_everything:
        return False
    return (earlier.protocols >= later.protocols and earlier.sources.covers(later.sources)
            and earlier.ports.covers(later.ports) and earlier.destinations.covers(later.destinations))


def lint(rules: Any, dns_proxy: bool | None = None, private_cluster: bool = True) -> list[Finding]:
    """Findings for a rule set (RuleSet, SDK model, YAML name/path or dict); invalid input → error findings."""
    try:
        rule_set = _rule_set(rules)
    except RuleSetError as error:
        return _invalid(error)
    proxy = rule_set.dns_proxy if dns_proxy is None else dns_proxy
    compiled = compile_rule_set(rule_set)
    originals = {}
    for collection in rule_set.network_rule_collections + rule_set.application_rule_collections:
        for rule in collection.rules:
            originals[(collection.name, rule.name)] = rule
    for group in rule_set.rule_collection_groups:
        for collection in group.rule_collections:
            for rule in collection.rules:
                originals[(collection.name, rule.name)] = rule
    findings: list[Finding] = []
    add = findings.append

    for rule in compiled.network + compiled.application:
        original = originals[(rule.collection, rule.name)]
        where = (rule.collection, rule.name)
        if "*" in original.source_addresses:
            add(_finding("warning", "source-any", *where,
                        "source * lets every address that routes through the firewall use this rule, "
                        "including other spokes and on-premises networks",
                        "set source_addresses to the AKS subnet (e.g. 10.0.5.0/24)"))
        if rule.kind == "Application":
            for tag in original.fqdn_tags:
                if not has_offline_members(tag):
                    add(_finding("info", "fqdn-tag-offline", *where,
                                f"FQDN tag {tag} has no offline member list, so preflight and the emulator never "
                                "match it", "list the FQDNs explicitly if offline checks must see them"))
            continue
        tags = [d for d in original.destination_addresses if not d[:1].isdigit() and d != "*"]
        broad = "Any" in original.protocols or "*" in original.destination_ports
        if broad and (tags or "*" in original.destination_addresses):
            targets = ", ".join(tags or ["*"])
            add(_finding("error", "broad-network-rule", *where,
                        f"protocol {'/'.join(original.protocols)} ports {','.join(original.destination_ports)} to "
                        f"{targets}: network rules are processed before application rules, so this traffic "
                        "bypasses FQDN filtering",
                        "allow only the protocol and port the service needs (e.g. TCP 443) and name FQDNs in "
                        "application rules"))
        elif "*" in original.destination_addresses:
            add(_finding("warning", "destination-any", *where,
                        f"destination * allows {'/'.join(original.protocols)} {','.join(original.destination_ports)}"
                        " to any internet address",
                        "name the servers (IP, service tag or FQDN with DNS proxy)"))
        if private_cluster:
            for protocol, port in TUNNEL_PORTS:
                if protocol in rule.protocols and port in rule.ports:
                    add(_finding("warning", "not-needed-private-cluster", *where,
                                f"allows {protocol} {port}, the tunnel port of public clusters without konnectivity; "
                                "a private cluster never uses it",
                                f"remove {protocol} {port} from this rule"))
        if original.destination_fqdns and not proxy:
            add(_finding("error", "fqdn-needs-dns-proxy", *where,
                        "destination_fqdns in a network rule are matched by the firewall's own DNS resolution, "
                        "which needs DNS proxy; without it the rule never matches the clients' traffic",
                        "turn on dns_proxy (and point the VNet's DNS at the firewall) or use IP addresses"))

    for rules_of_type, covers in ((compiled.network, _covers_network), (compiled.application, _covers_app)):
        for index, later in enumerate(rules_of_type):
            for earlier in rules_of_type[:index]:
                if earlier.collection != later.collection and covers(earlier, later):
                    add(_finding("warning", "shadowed", later.collection, later.name,
                                f"never matches: rule {earlier.name} in collection {earlier.collection} "
                                f"(priority {earlier.priority}) decides all of its traffic first",
                                "remove it, or move it to a collection with a lower priority number"))
                    break

    for rule in compiled.application:
        bypassed = []
        sample = IntervalSet([(rule.sources.starts[0], rule.sources.starts[0])]) if rule.sources else None
        for name in sorted(rule.exact):
            address = int(ipaddress.IPv4Address(resolve(name)[0]))
            for protocol, port in rule.app_protocols:
                if protocol == "Mssql":
                    continue
                network = next((n for n in compiled.network if "TCP" in n.protocols and port in n.ports
                                and address in n.destinations and sample and n.sources.covers(sample)), None)
                if network:
                    bypassed.append(f"{name}:{port} ({network.collection}/{network.name}, {network.action})")
                    break
        if bypassed:
            add(_finding("warning", "decided-by-network-rule", rule.collection, rule.name,
                        "a network rule decides this traffic before application rules run: " + ", ".join(bypassed),
                        "narrow or remove the network rule so FQDN filtering applies"))
    return findings
