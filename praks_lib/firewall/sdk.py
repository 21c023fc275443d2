"""Lossless conversion between RuleSet and the azure-mgmt-network models.

Classic rules live on an AzureFirewall (application/network/nat_rule_collections); Firewall Policy
rules in FirewallPolicyRuleCollectionGroup models. The rule model uses the SDK's attribute names,
so conversion is a field-by-field copy; empty lists become None (what the service returns).
"""
from __future__ import annotations

from typing import Any

from azure.mgmt.network import models as m

_NETWORK = ("name", "description", "source_addresses", "source_ip_groups", "destination_addresses",
            "destination_ip_groups", "destination_fqdns", "destination_ports")
_APPLICATION = ("name", "description", "source_addresses", "source_ip_groups", "target_fqdns", "fqdn_tags")
_NAT = ("name", "description", "source_addresses", "source_ip_groups", "destination_addresses",
        "destination_ports", "translated_address", "translated_fqdn", "translated_port")
_POLICY_APP_UNSUPPORTED = ("target_urls", "web_categories", "terminate_tls", "destination_addresses",
                           "http_headers_to_insert")


def _value(value: Any) -> Any:
    """Enums → their string; lists of enums → lists of strings."""
    if isinstance(value, list):
        return [_value(v) for v in value]
    return getattr(value, "value", value)


def _copy(model: Any, names: tuple[str, ...]) -> dict:
    return {name: _value(getattr(model, name)) for name in names if getattr(model, name, None) not in (None, [])}


def _app_protocols(rule: Any) -> list[dict]:
    return [{"protocol_type": _value(p.protocol_type), "port": p.port} for p in rule.protocols or ()]


def _classic_collection(collection: Any, kind: str) -> dict:
    names = {"network": _NETWORK, "application": _APPLICATION, "nat": _NAT}[kind]
    rules = []
    for rule in collection.rules or ():
        data = _copy(rule, names)
        data["protocols"] = _app_protocols(rule) if kind == "application" else _value(rule.protocols or [])
        rules.append(data)
    data = {"name": collection.name, "priority": collection.priority, "action": _value(collection.action.type),
            "rules": rules}
    if collection.id:
        data["id"] = collection.id
    return data


def _policy_rule(rule: Any) -> dict:
    rule_type = _value(rule.rule_type)
    if rule_type == "ApplicationRule":
        extra = [n for n in _POLICY_APP_UNSUPPORTED if getattr(rule, n, None)]
        if extra:
            raise ValueError(f"application rule '{rule.name}' uses {', '.join(extra)}, which praks cannot "
                             f"evaluate offline; use target_fqdns or fqdn_tags")
        data = _copy(rule, _APPLICATION)
        data["protocols"] = _app_protocols(rule)
    else:
        data = _copy(rule, _NETWORK if rule_type == "NetworkRule" else _NAT)
        data["protocols"] = _value(rule.ip_protocols or [])
    data["rule_type"] = rule_type
    return data


def rule_set_dict_from_sdk(source: Any, **settings: Any) -> dict:
    """The RuleSet data for an AzureFirewall or a list of FirewallPolicyRuleCollectionGroup."""
    if isinstance(source, m.AzureFirewall):
        extra = source.additional_properties or {}
        data = {
            "name": source.name or "",
            "threat_intel_mode": _value(source.threat_intel_mode) or "Alert",
            "dns_proxy": str(extra.get("Network.DNS.EnableProxy", "")).lower() == "true",
            "network_rule_collections": [_classic_collection(c, "network") for c in source.network_rule_collections or ()],
            "application_rule_collections": [_classic_collection(c, "application")
                                             for c in source.application_rule_collections or ()],
            "nat_rule_collections": [_classic_collection(c, "nat") for c in source.nat_rule_collections or ()],
        }
    else:
        groups = []
        for group in source:
            collections = []
            for collection in group.rule_collections or ():
                collections.append({
                    "collection_type": _value(collection.rule_collection_type), "name": collection.name,
                    "priority": collection.priority, "action": _value(collection.action.type),
                    "rules": [_policy_rule(r) for r in collection.rules or ()]})
            entry = {"name": group.name, "priority": group.priority, "rule_collections": collections}
            if group.id:
                entry["id"] = group.id
            groups.append(entry)
        data = {"rule_collection_groups": groups}
    data.update(settings)
    return data


def _lists(data: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) or None for k, v in data.items()}


def firewall_collections(rules: Any) -> dict[str, list]:
    """The three classic collection lists of an AzureFirewall, as SDK models."""
    def rules_of(collection, names, factory, protocols):
        return [factory(**_lists({n: getattr(r, n) for n in names}), protocols=protocols(r)) for r in collection.rules]

    def app_protocols(rule):
        return [m.AzureFirewallApplicationRuleProtocol(protocol_type=p.protocol_type, port=p.port) for p in rule.protocols]

    return {
        "application_rule_collections": [
            m.AzureFirewallApplicationRuleCollection(
                name=c.name, id=c.id, priority=c.priority, action=m.AzureFirewallRCAction(type=c.action),
                rules=rules_of(c, _APPLICATION, m.AzureFirewallApplicationRule, app_protocols))
            for c in rules.application_rule_collections],
        "network_rule_collections": [
            m.AzureFirewallNetworkRuleCollection(
                name=c.name, id=c.id, priority=c.priority, action=m.AzureFirewallRCAction(type=c.action),
                rules=rules_of(c, _NETWORK, m.AzureFirewallNetworkRule, lambda r: list(r.protocols)))
            for c in rules.network_rule_collections],
        "nat_rule_collections": [
            m.AzureFirewallNatRuleCollection(
                name=c.name, id=c.id, priority=c.priority, action=m.AzureFirewallNatRCAction(type=c.action),
                rules=rules_of(c, _NAT, m.AzureFirewallNatRule, lambda r: list(r.protocols)))
            for c in rules.nat_rule_collections],
    }


def policy_groups(rules: Any) -> list:
    """The Firewall Policy rule collection groups as SDK models."""
    def rule_model(rule):
        if rule.rule_type == "ApplicationRule":
            return m.ApplicationRule(**_lists({n: getattr(rule, n) for n in _APPLICATION}), protocols=[
                m.FirewallPolicyRuleApplicationProtocol(protocol_type=p.protocol_type, port=p.port)
                for p in rule.protocols])
        names, factory = (_NETWORK, m.NetworkRule) if rule.rule_type == "NetworkRule" else (_NAT, m.NatRule)
        return factory(**_lists({n: getattr(rule, n) for n in names}), ip_protocols=list(rule.protocols))

    def collection_model(c):
        if c.collection_type == "FirewallPolicyNatRuleCollection":
            return m.FirewallPolicyNatRuleCollection(
                name=c.name, priority=c.priority, action=m.FirewallPolicyNatRuleCollectionAction(type=c.action),
                rules=[rule_model(r) for r in c.rules])
        return m.FirewallPolicyFilterRuleCollection(
            name=c.name, priority=c.priority, action=m.FirewallPolicyFilterRuleCollectionAction(type=c.action),
            rules=[rule_model(r) for r in c.rules])

    return [m.FirewallPolicyRuleCollectionGroup(name=g.name, id=g.id, priority=g.priority,
                                                rule_collections=[collection_model(c) for c in g.rule_collections])
            for g in rules.rule_collection_groups]
