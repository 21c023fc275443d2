"""evaluate(): Azure Firewall's documented rule processing, compiled for per-request speed.

Order: threat intelligence (mode recorded; no offline feed), DNAT, network, application —
whatever the priorities; ascending priority inside each type; the first matching rule decides with
its collection's action; a network match means application rules are never consulted; nothing
matched means deny.
"""
from __future__ import annotations

import ipaddress
import weakref
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from praks_lib.firewall import messages
from praks_lib.firewall.addresses import IntervalSet, is_ipv4, parse_address, parse_port
from praks_lib.firewall.fqdntags import FQDN_TAGS, TAG_REGEXES
from praks_lib.firewall.model import PRIORITY_MAX, RuleSet
from praks_lib.firewall.public_dns import resolve
from praks_lib.firewall.servicetags import tag_intervals

FLOW_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "ICMP", "MSSQL")
APPLICATION_PROTOCOLS = {"HTTP": "Http", "HTTPS": "Https", "MSSQL": "Mssql"}
_CACHE_LIMIT = 200_000
_ANY = IntervalSet([(0, 2**32 - 1)])
_ALL_PORTS = IntervalSet([(1, 65535)])


@dataclass(frozen=True, slots=True)
class Flow:
    """One connection attempt through the firewall.

    destination is an FQDN (the Host header / SNI for HTTP(S)) or an IP. source_port 0 means "pick
    one": a stable ephemeral port derived from the flow, so outputs are reproducible. sni None means
    "as a client would": sent for names, not for IP literals.
    """

    source: str
    destination: str
    port: int
    protocol: str
    source_port: int = 0
    sni: bool | None = None

    def __post_init__(self) -> None:
        protocol = self.protocol.upper()
        if protocol not in FLOW_PROTOCOLS:
            raise ValueError(f"protocol '{self.protocol}' must be one of {', '.join(FLOW_PROTOCOLS)}")
        ipaddress.IPv4Address(self.source)
        if not 0 <= int(self.port) <= 65535:
            raise ValueError(f"port {self.port} is outside 0-65535")
        object.__setattr__(self, "protocol", protocol)
        object.__setattr__(self, "port", int(self.port))
        object.__setattr__(self, "destination", self.destination.strip().rstrip(".").lower())
        if not self.source_port:
            key = f"{self.source}|{self.destination}|{self.port}|{protocol}".encode()
            object.__setattr__(self, "source_port", 32768 + zlib.crc32(key) % 28232)  # Linux ephemeral range
        if self.sni is None:
            object.__setattr__(self, "sni", not is_ipv4(self.destination))


@lru_cache(maxsize=65536)
def _address_int(address: str) -> int:
    return int(ipaddress.IPv4Address(address))


@lru_cache(maxsize=65536)
def _destination_ip(destination: str) -> str:
    return destination if is_ipv4(destination) else resolve(destination)[0]



@dataclass(frozen=True, slots=True)
class Verdict:
    action: str  # "Allow" | "Deny"
    rule_collection: str | None
    rule: str | None
    reason: str
    message: str  # the AzureDiagnostics msg_s line
    rule_type: str | None = None  # "Nat" | "Network" | "Application" | None (default action)
    log_type: str = "Network"  # which log the firewall writes: "Application" | "Network" | "Nat"
    rule_collection_group: str | None = None
    policy: str | None = None
    priority: int | None = None
    destination_ip: str = ""
    fqdn: str = ""
    threat_intel_mode: str = "Alert"
    translated_address: str | None = None
    translated_port: int | None = None

    @property
    def allowed(self) -> bool:
        return self.action == "Allow"

    @property
    def default_action(self) -> bool:
        return self.rule is None

    @property
    def http_response(self) -> dict | None:
        """What a plain-HTTP client receives from the firewall when denied (status 470), else None."""
        if self.action == "Deny" and self.log_type == "Application" and self.message.startswith("HTTP "):
            return messages.denied_http_response(self.reason)
        return None


@dataclass(slots=True)
class _Rule:
    kind: str
    name: str
    collection: str
    action: str
    priority: int
    group: str | None
    sources: IntervalSet
    protocols: frozenset = frozenset()
    ports: IntervalSet = _ALL_PORTS
    destinations: IntervalSet = _ANY
    fqdn_addresses: frozenset = frozenset()
    app_protocols: frozenset = frozenset()
    exact: frozenset = frozenset()
    suffixes: tuple = ()
    regexes: tuple = ()
    match_all: bool = False
    translated: tuple = ()


@dataclass(slots=True)
class Compiled:
    nat: list = field(default_factory=list)
    network: list = field(default_factory=list)
    application: list = field(default_factory=list)
    dns_proxy: bool = False
    threat_intel_mode: str = "Alert"
    policy: str | None = None
    # Per-destination candidates (every condition but the source checked): flows repeat destinations.
    network_candidates: dict = field(default_factory=dict)
    application_candidates: dict = field(default_factory=dict)

    def network_rules_for(self, transport: str, dst: int, port: int) -> list:
        key = (transport, dst, port)
        hit = self.network_candidates.get(key)
        if hit is None:
            if len(self.network_candidates) > _CACHE_LIMIT:
                self.network_candidates.clear()
            hit = self.network_candidates[key] = [
                r for r in self.network
                if transport in r.protocols and (transport == "ICMP" or port in r.ports)
                and (dst in r.destinations or (self.dns_proxy and dst in r.fqdn_addresses))]
        return hit

    def application_rules_for(self, protocol: str, port: int, host: str) -> list:
        key = (protocol, port, host)
        hit = self.application_candidates.get(key)
        if hit is None:
            if len(self.application_candidates) > _CACHE_LIMIT:
                self.application_candidates.clear()
            hit = self.application_candidates[key] = [
                r for r in self.application if (protocol, port) in r.app_protocols and _app_match(r, host)]
        return hit


def _addresses(specs, ip_groups, groups: dict) -> IntervalSet:
    return _address_set(tuple(specs), tuple(a for group in ip_groups for a in groups.get(group, ())))


@lru_cache(maxsize=4096)
def _address_set(specs: tuple[str, ...], addresses: tuple[str, ...]) -> IntervalSet:
    """Specs (addresses or service tags) and IP Group addresses as one set, built once for each: rule
    after rule names the same tags and subnets, and each plan checked compiles its rule set again."""
    intervals = []
    for spec in specs:
        try:
            intervals.append(parse_address(spec))
        except ValueError:
            tags = tag_intervals(spec)
            intervals.extend(zip(tags.starts, tags.ends))
    intervals.extend(map(parse_address, addresses))
    return IntervalSet(intervals)


def _compile_rule(kind, rule, collection, group, groups) -> _Rule:
    compiled = _Rule(kind, rule.name, collection.name, collection.action, collection.priority,
                     group.name if group else None,
                     _addresses(rule.source_addresses, rule.source_ip_groups, groups))
    if kind == "Application":
        compiled.app_protocols = frozenset((p.protocol_type, p.port) for p in rule.protocols)
        patterns = [p.lower() for p in rule.target_fqdns]
        for tag in rule.fqdn_tags:
            patterns.extend(FQDN_TAGS[tag])
            compiled.regexes += TAG_REGEXES.get(tag, ())
        compiled.match_all = "*" in patterns
        compiled.exact = frozenset(p for p in patterns if not p.startswith("*"))
        compiled.suffixes = tuple(p[1:] for p in patterns if p.startswith("*") and p != "*")
        return compiled
    protocols = set(rule.protocols)
    if "Any" in protocols:
        protocols = {"TCP", "UDP", "ICMP"}
    compiled.protocols = frozenset(protocols)
    compiled.ports = IntervalSet(parse_port(p) for p in rule.destination_ports)
    if kind == "Network":
        compiled.destinations = _addresses(rule.destination_addresses, rule.destination_ip_groups, groups)
        compiled.fqdn_addresses = frozenset(int(ipaddress.IPv4Address(a))
                                            for name in rule.destination_fqdns for a in resolve(name))
    else:
        compiled.destinations = _addresses(rule.destination_addresses, (), groups)
        compiled.translated = (rule.translated_address or rule.translated_fqdn, int(parse_port(rule.translated_port)[0]))
    return compiled


_KIND = {"NatRule": "Nat", "NetworkRule": "Network", "ApplicationRule": "Application"}


def compile_rule_set(rules: RuleSet) -> Compiled:
    """Flatten collections into the three processing lists, each in Azure's order."""
    out = Compiled(dns_proxy=rules.dns_proxy, threat_intel_mode=rules.threat_intel_mode, policy=rules.policy)
    lists = {"Nat": out.nat, "Network": out.network, "Application": out.application}
    groups = rules.ip_groups
    classic = (("Nat", rules.nat_rule_collections), ("Network", rules.network_rule_collections),
               ("Application", rules.application_rule_collections))
    for kind, collections in classic:
        for collection in sorted(collections, key=lambda c: c.priority):
            lists[kind].extend(_compile_rule(kind, r, collection, None, groups) for r in collection.rules)
    for group in sorted(rules.rule_collection_groups, key=lambda g: g.priority):
        for collection in sorted(group.rule_collections, key=lambda c: c.priority or PRIORITY_MAX + 1):
            kind = _KIND[collection.rule_type]
            lists[kind].extend(_compile_rule(kind, r, collection, group, groups) for r in collection.rules)
    return out


_SDK_CACHE: dict[int, tuple[Any, Compiled]] = {}


def compiled_for(rules: Any) -> Compiled:
    """Compile once per rule-set object (a RuleSet is immutable; SDK models are cached by identity)."""
    if isinstance(rules, Compiled):
        return rules
    if isinstance(rules, RuleSet):
        if rules._compiled is None:
            rules._compiled = compile_rule_set(rules)
        return rules._compiled
    key = id(rules)
    hit = _SDK_CACHE.get(key)
    if hit is None or hit[0]() is not rules:
        compiled = compile_rule_set(RuleSet.from_sdk(rules))
        _SDK_CACHE[key] = (weakref.ref(rules, lambda _ref, k=key: _SDK_CACHE.pop(k, None)), compiled)
        return compiled
    return hit[1]


def _verdict_for(rule: _Rule, compiled: Compiled, message: str, log_type: str, **extra) -> Verdict:
    reason = f"Matched {rule.kind.lower()} rule '{rule.name}' in collection '{rule.collection}' " \
             f"(priority {rule.priority}, action {rule.action})"
    action = "Allow" if rule.action in ("Allow", "Dnat", "DNAT") else "Deny"
    return Verdict(action, rule.collection, rule.name, reason, message, rule.kind, log_type, rule.group,
                   compiled.policy, rule.priority, threat_intel_mode=compiled.threat_intel_mode, **extra)


def _app_match(rule: _Rule, host: str) -> bool:
    if rule.match_all or host in rule.exact:
        return True
    for suffix in rule.suffixes:
        if host.endswith(suffix):
            return True
    return any(regex.match(host) for regex in rule.regexes)


def evaluate(rules: Any, flow: Flow) -> Verdict:
    """The firewall's decision for one flow: a RuleSet or an azure-mgmt-network AzureFirewall."""
    compiled = compiled_for(rules)
    src = _address_int(flow.source)
    dst_ip = _destination_ip(flow.destination)
    dst = _address_int(dst_ip)
    transport = "TCP" if flow.protocol in APPLICATION_PROTOCOLS else flow.protocol
    port, sport, tim = flow.port, flow.source_port, compiled.threat_intel_mode

    for rule in compiled.nat:
        if transport in rule.protocols and src in rule.sources and dst in rule.destinations and port in rule.ports:
            address, tport = rule.translated
            line = messages.dnat_line(transport, flow.source, sport, dst_ip, port, address, tport)
            return _verdict_for(rule, compiled, line, "Nat", destination_ip=dst_ip,
                                translated_address=address, translated_port=tport)

    for rule in compiled.network_rules_for(transport, dst, port):
        if src in rule.sources:
            line = messages.network_line(transport, flow.source, sport, dst_ip, port, _action(rule.action),
                                         rule.collection, rule.name, compiled.policy, rule.group)
            return _verdict_for(rule, compiled, line, "Network", destination_ip=dst_ip)

    app_protocol = APPLICATION_PROTOCOLS.get(flow.protocol)
    if app_protocol is None:
        line = messages.network_line(transport, flow.source, sport, dst_ip, port, "Deny")
        return Verdict("Deny", None, None, messages.NO_RULE_MATCHED, line, None, "Network",
                       destination_ip=dst_ip, threat_intel_mode=tim)
    if flow.protocol == "HTTPS" and not flow.sni:
        return Verdict("Deny", None, None, messages.SNI_MISSING, messages.sni_missing_line(flow.source, sport),
                       None, "Application", destination_ip=dst_ip, threat_intel_mode=tim)
    host = flow.destination
    for rule in compiled.application_rules_for(app_protocol, port, host):
        if src in rule.sources:
            line = messages.application_line(flow.protocol, flow.source, sport, host, port, _action(rule.action),
                                             rule.collection, rule.name, compiled.policy, rule.group)
            return _verdict_for(rule, compiled, line, "Application", destination_ip=dst_ip, fqdn=host)
    line = messages.application_line(flow.protocol, flow.source, sport, host, port, "Deny")
    return Verdict("Deny", None, None, messages.NO_RULE_MATCHED, line, None, "Application",
                   destination_ip=dst_ip, fqdn=host, threat_intel_mode=tim)


def _action(action: str) -> str:
    return "Allow" if action == "Allow" else "Deny"
