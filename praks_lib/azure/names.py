"""Azure's naming rules per kind of resource (lengths from data; characters as each provider checks).

The plan checks a planned name with :meth:`NameRule.problem` before anything is created; the
emulator refuses the same name with the same words when a request carries it (:func:`rule_for_type`).
Where Azure's code is known (Microsoft.Network's ``InvalidResourceName``) the problem is Azure's
own message from the catalog.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from praks_lib.azure import facts
from praks_lib.azure.messages import azure_error

_NETWORK, _AKS = facts.load("network"), facts.load("aks")


@dataclass(frozen=True)
class NameRule:
    """Azure's naming rule for one kind of resource."""

    kind: str
    min_length: int
    max_length: int
    pattern: str  # the whole name must match
    allowed_chars: str  # one character class: what a name may contain
    described: str  # the rule in words
    azure_code: str | None = None  # the code Azure answers with, when known

    def problem(self, value: str) -> str | None:
        """What is wrong with `value`, or None when Azure accepts it."""
        if not self.min_length <= len(value) <= self.max_length or not re.fullmatch(self.pattern, value):
            if self.azure_code == "InvalidResourceName":
                return azure_error("invalid_resource_name", name=value, max_length=self.max_length).message
            noun = self.kind if self.kind.endswith("prefix") else f"{self.kind} name"
            return (f"The {noun} '{value}' is invalid ({len(value)} characters): it must be "
                    f"{self.min_length} to {self.max_length} characters of {self.described}.")
        return None

    def suggest(self, value: str) -> str | None:
        """A valid name close to `value`, or None when none can be made from it."""
        kept = "".join(c for c in value if re.fullmatch(self.allowed_chars, c))[: self.max_length]
        candidate = kept.strip("._-()")
        return candidate if candidate != value and self.problem(candidate) is None else None


_NETWORK_CHARS = r"[A-Za-z0-9_.-]"
_NETWORK_PATTERN = r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?"
_NETWORK_WORDS = "letters, digits, '_', '.' and '-', starting with a letter or digit and ending with a letter, digit or '_'"
_ALNUM_ENDS = r"[A-Za-z0-9]([{chars}]*[A-Za-z0-9])?"


def _lengths(kind: str, names: dict) -> tuple[int, int]:
    entry = names[kind]
    return entry["min"], entry["max"]


def _network_rule(kind: str, key: str) -> NameRule:
    return NameRule(kind, *_lengths(key, _NETWORK["names"]), _NETWORK_PATTERN, _NETWORK_CHARS, _NETWORK_WORDS,
                    "InvalidResourceName")


NAME_RULES = {
    "resource group": NameRule("resource group", *_lengths("resource_group", _NETWORK["names"]), r"[\w().-]*[\w()-]",
                               r"[\w().-]", "letters, digits, '_', '(', ')', '-' and '.', not ending in '.'"),
    "virtual network": _network_rule("virtual network", "virtual_network"),
    "subnet": _network_rule("subnet", "subnet"),
    "virtual network peering": _network_rule("virtual network peering", "virtual_network_peering"),
    "public IP address": _network_rule("public IP address", "public_ip_address"),
    "route table": _network_rule("route table", "route_table"),
    "route": _network_rule("route", "route"),
    "firewall": _network_rule("firewall", "firewall"),
    "managed cluster": NameRule("managed cluster", *_lengths("cluster", _AKS["names"]),
                                _ALNUM_ENDS.format(chars="A-Za-z0-9_-"), r"[A-Za-z0-9_-]",
                                "letters, digits, '_' and '-', starting and ending with a letter or digit"),
    "DNS prefix": NameRule("DNS prefix", *_lengths("dns_prefix", _AKS["names"]), _ALNUM_ENDS.format(chars="A-Za-z0-9-"),
                           r"[A-Za-z0-9-]", "letters, digits and '-', starting and ending with a letter or digit"),
    "user-assigned identity": NameRule("user-assigned identity", *_lengths("user_assigned_identity", _NETWORK["names"]),
                                       r"[A-Za-z0-9][A-Za-z0-9_-]*", r"[A-Za-z0-9_-]",
                                       "letters, digits, '_' and '-', starting with a letter or digit"),
    "Log Analytics workspace": NameRule("Log Analytics workspace", *_lengths("log_analytics_workspace", _NETWORK["names"]),
                                        _ALNUM_ENDS.format(chars="A-Za-z0-9-"), r"[A-Za-z0-9-]",
                                        "letters, digits and '-', starting and ending with a letter or digit"),
}

# The provider types whose PUT Azure checks against a rule above, with Azure's own code.
_RULE_OF_TYPE = {
    "microsoft.network/virtualnetworks": "virtual network",
    "microsoft.network/virtualnetworks/subnets": "subnet",
    "microsoft.network/virtualnetworks/virtualnetworkpeerings": "virtual network peering",
    "microsoft.network/publicipaddresses": "public IP address",
    "microsoft.network/routetables": "route table",
    "microsoft.network/routetables/routes": "route",
    "microsoft.network/azurefirewalls": "firewall",
}


def rule_for_type(resource_type: str) -> NameRule | None:
    """The naming rule Azure applies to a resource of this provider type, when praks knows it."""
    kind = _RULE_OF_TYPE.get(resource_type.lower())
    return NAME_RULES[kind] if kind else None
