"""The rule model: classic rule collections or Firewall Policy rule collection groups.

One pydantic model, built from a parameters YAML file or from the azure-mgmt-network models
(praks_lib.firewall.sdk). Field names follow the SDK's attribute names, so a YAML rule reads like
the ARM template it becomes. Every invalid value is reported at once in a RuleSetError naming the
collection, the rule and the field.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from praks_lib import yamltext
from praks_lib.errors import Finding, RuleSetError
from praks_lib.firewall.addresses import parse_address, parse_port
from praks_lib.firewall.fqdntags import canonical_fqdn_tag
from praks_lib.firewall.public_dns import is_valid_fqdn
from praks_lib.firewall.servicetags import canonical_tag

PRIORITY_MIN, PRIORITY_MAX = 100, 65000
# The rule collection group praks puts a classic rule set's collections in (RuleSet.in_policy); 200 is
# the priority of Azure's default network group, so DNAT groups (100) still come first.
POLICY_GROUP, POLICY_GROUP_PRIORITY = "aks-egress", 200
Priority = Annotated[int, Field(ge=PRIORITY_MIN, le=PRIORITY_MAX)]
Strings = tuple[str, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _sources(values: Strings) -> Strings:
    for value in values:
        parse_address(value)
    return values


def _destinations(values: Strings) -> Strings:
    """Addresses or service tags; tags are stored in their canonical spelling."""
    out = []
    for value in values:
        try:
            parse_address(value)
            out.append(value)
        except ValueError:
            if value[:1].isdigit():
                raise
            out.append(canonical_tag(value))
    return tuple(out)


def _ports(values: Strings) -> Strings:
    for value in values:
        parse_port(value)
    return tuple(str(v) for v in values)


class NetworkRule(_Strict):
    rule_type: Literal["NetworkRule"] = "NetworkRule"
    name: str = Field(min_length=1, max_length=80)
    description: str | None = None
    source_addresses: Strings = ()
    source_ip_groups: Strings = ()
    destination_addresses: Strings = ()
    destination_ip_groups: Strings = ()
    destination_fqdns: Strings = ()
    destination_ports: Strings = Field(min_length=1)
    protocols: tuple[Literal["TCP", "UDP", "ICMP", "Any"], ...] = Field(min_length=1)

    _src = field_validator("source_addresses")(_sources)
    _dst = field_validator("destination_addresses")(_destinations)
    _prt = field_validator("destination_ports", mode="before")(lambda v: _ports(tuple(v)))

    @field_validator("destination_fqdns")
    @classmethod
    def _fqdns(cls, values: Strings) -> Strings:
        for value in values:
            if "*" in value:
                raise ValueError(f"'{value}': network rule FQDNs cannot have wildcards")
            if not is_valid_fqdn(value):
                raise ValueError(f"'{value}' is not a valid DNS name")
        return values

    @model_validator(mode="after")
    def _endpoints(self) -> "NetworkRule":
        if not (self.source_addresses or self.source_ip_groups):
            raise ValueError("source_addresses: a network rule needs a source (address, CIDR, range or *)")
        if not (self.destination_addresses or self.destination_ip_groups or self.destination_fqdns):
            raise ValueError("destination_addresses: a network rule needs destination_addresses, "
                             "destination_fqdns or destination_ip_groups")
        return self


class ApplicationProtocol(_Strict):
    protocol_type: Literal["Http", "Https", "Mssql"]
    port: int = Field(ge=1, le=64000)


def _app_protocols(values: Any) -> Any:
    """Accept `Https:443` shorthand as well as {protocol_type, port}."""
    out = []
    for value in values or ():
        if isinstance(value, str) and ":" in value:
            kind, port = value.split(":", 1)
            value = {"protocol_type": kind.strip().capitalize(), "port": port.strip()}
        out.append(value)
    return out


class ApplicationRule(_Strict):
    rule_type: Literal["ApplicationRule"] = "ApplicationRule"
    name: str = Field(min_length=1, max_length=80)
    description: str | None = None
    source_addresses: Strings = ()
    source_ip_groups: Strings = ()
    protocols: tuple[ApplicationProtocol, ...] = Field(min_length=1)
    target_fqdns: Strings = ()
    fqdn_tags: Strings = ()

    _src = field_validator("source_addresses")(_sources)
    _prot = field_validator("protocols", mode="before")(_app_protocols)

    @field_validator("fqdn_tags")
    @classmethod
    def _tags(cls, values: Strings) -> Strings:
        return tuple(canonical_fqdn_tag(v) for v in values)

    @field_validator("target_fqdns")
    @classmethod
    def _targets(cls, values: Strings) -> Strings:
        for value in values:
            if value == "*":
                continue
            bare = value[2:] if value.startswith("*.") else value.lstrip("*")
            if "*" in bare:
                raise ValueError(f"'{value}': only a leading wildcard is supported (*.contoso.com or *contoso.com)")
            if not is_valid_fqdn(bare):
                raise ValueError(f"'{value}' is not a valid DNS name")
        return values

    @model_validator(mode="after")
    def _endpoints(self) -> "ApplicationRule":
        if not (self.source_addresses or self.source_ip_groups):
            raise ValueError("source_addresses: an application rule needs a source (address, CIDR, range or *)")
        if bool(self.target_fqdns) == bool(self.fqdn_tags):
            raise ValueError("target_fqdns: an application rule needs target_fqdns or fqdn_tags (one of them)")
        return self


class NatRule(_Strict):
    rule_type: Literal["NatRule"] = "NatRule"
    name: str = Field(min_length=1, max_length=80)
    description: str | None = None
    source_addresses: Strings = ()
    source_ip_groups: Strings = ()
    destination_addresses: Strings = Field(min_length=1)
    destination_ports: Strings = Field(min_length=1)
    protocols: tuple[Literal["TCP", "UDP"], ...] = Field(min_length=1)
    translated_address: str | None = None
    translated_fqdn: str | None = None
    translated_port: str

    _src = field_validator("source_addresses")(_sources)
    _dst = field_validator("destination_addresses")(_sources)
    _prt = field_validator("destination_ports", mode="before")(lambda v: _ports(tuple(v)))

    @model_validator(mode="after")
    def _translation(self) -> "NatRule":
        if bool(self.translated_address) == bool(self.translated_fqdn):
            raise ValueError("translated_address: a NAT rule needs translated_address or translated_fqdn (one)")
        parse_port(self.translated_port)
        return self


class _Collection(_Strict):
    name: str = Field(min_length=1, max_length=80)
    id: str | None = None
    priority: Priority


class NetworkRuleCollection(_Collection):
    action: Literal["Allow", "Deny"]
    rules: tuple[NetworkRule, ...] = Field(min_length=1)


class ApplicationRuleCollection(_Collection):
    action: Literal["Allow", "Deny"]
    rules: tuple[ApplicationRule, ...] = Field(min_length=1)


class NatRuleCollection(_Collection):
    action: Literal["Dnat"] = "Dnat"
    rules: tuple[NatRule, ...] = Field(min_length=1)


AnyRule = Annotated[Union[NetworkRule, ApplicationRule, NatRule], Field(discriminator="rule_type")]


class PolicyRuleCollection(_Strict):
    """A Firewall Policy filter (Allow/Deny) or NAT (DNAT) collection; one rule type per collection."""

    collection_type: Literal["FirewallPolicyFilterRuleCollection", "FirewallPolicyNatRuleCollection"] = (
        "FirewallPolicyFilterRuleCollection")
    name: str = Field(min_length=1, max_length=80)
    priority: Priority | None = None  # the service accepts none; such a collection sorts last
    action: Literal["Allow", "Deny", "DNAT"]
    rules: tuple[AnyRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_type(self) -> "PolicyRuleCollection":
        kinds = {rule.rule_type for rule in self.rules}
        if len(kinds) > 1:
            raise ValueError(f"rules: a rule collection holds one rule type, found {', '.join(sorted(kinds))}")
        nat = self.collection_type == "FirewallPolicyNatRuleCollection"
        if nat != (kinds == {"NatRule"}) or nat != (self.action == "DNAT"):
            raise ValueError("action: NAT rules go in a FirewallPolicyNatRuleCollection with action DNAT")
        return self

    @property
    def rule_type(self) -> str:
        return self.rules[0].rule_type


class RuleCollectionGroup(_Strict):
    name: str = Field(min_length=1, max_length=80)
    id: str | None = None
    priority: Priority
    rule_collections: tuple[PolicyRuleCollection, ...] = ()


class RuleSet(_Strict):
    """A firewall's rules plus the two settings that change how they match."""

    name: str = ""
    description: str = ""
    threat_intel_mode: Literal["Off", "Alert", "Deny"] = "Alert"
    dns_proxy: bool = False
    policy: str | None = None  # Firewall Policy name (logged); None for classic rules
    network_rule_collections: tuple[NetworkRuleCollection, ...] = ()
    application_rule_collections: tuple[ApplicationRuleCollection, ...] = ()
    nat_rule_collections: tuple[NatRuleCollection, ...] = ()
    rule_collection_groups: tuple[RuleCollectionGroup, ...] = ()
    ip_groups: dict[str, Strings] = {}  # IP Group resource id -> addresses (for offline matching)

    _compiled: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_style(self) -> "RuleSet":
        classic = self.network_rule_collections or self.application_rule_collections or self.nat_rule_collections
        if classic and self.rule_collection_groups:
            raise ValueError("rule_collection_groups: a firewall has either classic rule collections or a "
                             "Firewall Policy, not both")
        return self

    @classmethod
    def from_yaml(cls, path: str | Path, values: dict[str, str] | None = None) -> "RuleSet":
        """A rule set file; ``{name}`` placeholders in its strings (e.g. "{aks_subnet}") take ``values``."""
        source = Path(path)
        try:
            raw = yamltext.read(source.read_text()) or {}
        except yaml.YAMLError as exc:
            raise RuleSetError([_problem("(file)", f"not valid YAML: {exc}", "fix the YAML syntax")], str(source)) from None
        unknown: set[str] = set()
        raw = _filled(raw, values or {}, unknown)
        if unknown:
            raise RuleSetError([_problem("(file)", f"unknown placeholder(s) {', '.join(sorted(unknown))}",
                                         f"use {', '.join('{' + k + '}' for k in sorted(values or {})) or 'none'}")],
                               str(source))
        return cls.from_dict(raw, str(source))

    @classmethod
    def from_dict(cls, raw: dict, source: str = "rule set") -> "RuleSet":
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise RuleSetError(_problems(exc, raw), source) from None

    @classmethod
    def from_sdk(cls, firewall_or_groups: Any, **settings: Any) -> "RuleSet":
        """From an AzureFirewall (classic rules) or a list of FirewallPolicyRuleCollectionGroup."""
        from praks_lib.firewall.sdk import rule_set_dict_from_sdk

        return cls.from_dict(rule_set_dict_from_sdk(firewall_or_groups, **settings), "SDK model")

    def in_policy(self, group: str = POLICY_GROUP, priority: int = POLICY_GROUP_PRIORITY) -> "RuleSet":
        """The same rules as a Firewall Policy holds them: classic collections become the filter and NAT
        collections of one rule collection group (names, priorities and rules kept); a rule set already
        written as groups is returned as it is."""
        if self.rule_collection_groups:
            return self
        data = self.model_dump(exclude={"network_rule_collections", "application_rule_collections",
                                        "nat_rule_collections", "rule_collection_groups"})
        filters = [{"collection_type": "FirewallPolicyFilterRuleCollection", "name": c.name, "priority": c.priority,
                    "action": c.action, "rules": [r.model_dump() for r in c.rules]}
                   for c in self.network_rule_collections + self.application_rule_collections]
        nats = [{"collection_type": "FirewallPolicyNatRuleCollection", "name": c.name, "priority": c.priority,
                 "action": "DNAT", "rules": [r.model_dump() for r in c.rules]} for c in self.nat_rule_collections]
        collections = nats + filters
        data["rule_collection_groups"] = [{"name": group, "priority": priority, "rule_collections": collections}
                                          ] if collections else []
        return RuleSet.model_validate(data)

    def to_sdk_firewall_collections(self) -> dict[str, list]:
        """application_rule_collections / network_rule_collections / nat_rule_collections for an AzureFirewall."""
        from praks_lib.firewall.sdk import firewall_collections

        return firewall_collections(self)

    def to_sdk_rule_collection_groups(self) -> list:
        from praks_lib.firewall.sdk import policy_groups

        return policy_groups(self)

    def all_rules(self) -> list:
        """Every rule of every collection, classic or in the policy's groups."""
        classic = self.network_rule_collections + self.application_rule_collections + self.nat_rule_collections
        grouped = tuple(c for g in self.rule_collection_groups for c in g.rule_collections)
        return [rule for collection in classic + grouped for rule in collection.rules]

    def rules_only(self) -> dict:
        """The collections and their rules, without resource ids or settings: what "the same rules" means."""
        def strip(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if k != "id"}
            if isinstance(value, list):
                return [strip(v) for v in value]
            return value

        keys = ("network_rule_collections", "application_rule_collections", "nat_rule_collections",
                "rule_collection_groups")
        return strip({k: v for k, v in self.to_yaml_dict().items() if k in keys})

    def to_yaml_dict(self) -> dict:
        """Plain data (lists, no None) for writing a parameters file."""
        return _plain(self.model_dump(exclude_defaults=True, exclude={"rule_type"}))

    def without_rule(self, collection: str, rule: str) -> "RuleSet":
        """A copy with one rule removed (a collection left empty is dropped): what-if edits."""
        data = self.model_dump()
        for key in ("network_rule_collections", "application_rule_collections", "nat_rule_collections"):
            data[key] = [dict(c, rules=[r for r in c["rules"] if not (c["name"] == collection and r["name"] == rule)])
                         for c in data[key]]
            data[key] = [c for c in data[key] if c["rules"]]
        for group in data["rule_collection_groups"]:
            group["rule_collections"] = [
                dict(c, rules=[r for r in c["rules"] if not (c["name"] == collection and r["name"] == rule)])
                for c in group["rule_collections"]]
            group["rule_collections"] = [c for c in group["rule_collections"] if c["rules"]]
        return RuleSet.model_validate(data)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _filled(value: Any, values: dict[str, str], unknown: set[str]) -> Any:
    """Placeholders replaced in every string of a parsed rule set, unknown names collected."""
    if isinstance(value, dict):
        return {k: _filled(v, values, unknown) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, values, unknown) for v in value]
    if isinstance(value, str) and "{" in value:
        def fill(match: re.Match) -> str:
            if match[1] not in values:
                unknown.add(match[0])
                return match[0]
            return values[match[1]]
        return _PLACEHOLDER.sub(fill, value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None and k != "rule_type"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _problem(where: str, message: str, fix: str, field: str = "") -> Finding:
    """A rule set problem: where is collection/rule, then the field inside it."""
    place = f"{where}.{field}" if field else where
    return Finding("error", "PraksRuleSetInvalid", place, message, fix)


_FIXES = {
    "priority": f"use a priority from {PRIORITY_MIN} to {PRIORITY_MAX} (lower is processed first)",
    "destination_ports": "use a port 1-65535, a range such as 8000-8999, or *",
    "source_addresses": "use *, an IPv4 address, a CIDR such as 10.0.5.0/24 or a range such as 10.0.5.4-10.0.5.20",
    "destination_addresses": "use *, an IPv4 address, CIDR or range, or a service tag such as AzureCloud.westeurope",
    "destination_fqdns": "use exact names (no wildcards) and turn on dns_proxy",
    "fqdn_tags": "use a known FQDN tag such as AzureKubernetesService, or list target_fqdns instead",
    "target_fqdns": "use www.contoso.com, *.contoso.com, *contoso.com or *",
    "protocols": "network rules: TCP, UDP, ICMP or Any; application rules: Http:80, Https:443, Mssql:1433",
    "port": "use an application port from 1 to 64000",
    "action": "network and application collections: Allow or Deny; NAT collections: Dnat (DNAT in a policy)",
    "rule_collection_groups": "keep one style: classic collections or a policy's rule collection groups",
}


def _problems(error: ValidationError, raw: Any) -> list[Finding]:
    """Turn pydantic's locations into 'collection/rule' plus the field, using the names in `raw`."""
    problems = []
    errors = error.errors()
    failed = [e["loc"] for e in errors if e["type"] != "too_short"]
    for item in errors:
        if item["type"] == "too_short" and any(loc[:len(item["loc"])] == item["loc"] for loc in failed):
            continue  # "at least 1 rule" only because the rules themselves were invalid
        loc = [p for p in item["loc"] if p not in ("NetworkRule", "ApplicationRule", "NatRule")]
        where, node, field, names = [], raw, "", []
        for part in loc:
            if isinstance(node, dict) and isinstance(part, str):
                node = node.get(part)
                field = part
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and "name" in node:
                    names.append(str(node["name"]))
                    field = ""
            elif isinstance(part, str):
                node, field = None, part
        message = item["msg"].removeprefix("Value error, ")
        if ": " in message and message.split(": ", 1)[0] in _FIXES and not field:
            field, message = message.split(": ", 1)
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        where = "/".join(names) or "(rule set)"
        fix = _FIXES.get(field, "remove it or fix its spelling" if item["type"] == "extra_forbidden"
                         else "fix the value in the rule set file")
        if field == "port" and "protocols" in loc:
            fix = _FIXES["port"]
        problems.append(_problem(where, message, fix, field))
    return problems


def load_rule_set(path: str | Path, values: dict[str, str] | None = None) -> RuleSet:
    """A rule set from its YAML file (praks_lib.project.rule_set_file finds a named one), its placeholders
    filled from ``values`` (a deployment gives its address plan: Deployment.rule_set())."""
    source = Path(path)
    if not source.is_file():
        raise RuleSetError([_problem("(file)", f"{source} does not exist",
                                     "name a rule set under parameters/firewall/ (least-privilege, seed-2020) "
                                     "or give the path of a rule set YAML file")], str(source))
    return RuleSet.from_yaml(source, values)
