"""FQDN tags: Microsoft-managed FQDN sets usable in application rules.

Only `AzureKubernetesService` has members here (the required AKS FQDNs of aks-egress.md). The
other names are accepted, because Azure accepts them, but match nothing offline (lint says so).
"""
from __future__ import annotations

import re

AKS_FQDNS = (
    "mcr.microsoft.com", "*.data.mcr.microsoft.com", "mcr-0001.mcr-msedge.net",
    "management.azure.com", "login.microsoftonline.com", "packages.microsoft.com",
    "acs-mirror.azureedge.net", "packages.aks.azure.com",
)
# `*.hcp.<region>.azmk8s.io` for any region: the tag follows the firewall's region, which a rule set
# does not know, so the offline tag accepts every region.
AKS_API_SERVER = re.compile(r"^.+\.hcp\.[a-z0-9]+\.azmk8s\.io$")

FQDN_TAGS: dict[str, tuple[str, ...]] = {
    "AzureKubernetesService": AKS_FQDNS,
    "AppServiceEnvironment": (), "AzureBackup": (), "HDInsight": (), "MicrosoftActiveProtectionService": (),
    "MicrosoftIntune": (), "Windows365": (), "WindowsDiagnostics": (), "WindowsUpdate": (),
    "WindowsVirtualDesktop": (),
}
TAG_REGEXES: dict[str, tuple[re.Pattern, ...]] = {"AzureKubernetesService": (AKS_API_SERVER,)}
_BY_LOWER = {name.lower(): name for name in FQDN_TAGS}


def canonical_fqdn_tag(tag: str) -> str:
    """The canonical spelling of an FQDN tag (case-insensitive); ValueError for unknown tags."""
    name = _BY_LOWER.get(tag.lower())
    if name is None:
        raise ValueError(f"unknown FQDN tag '{tag}' (known: {', '.join(sorted(FQDN_TAGS))})")
    return name


def has_offline_members(tag: str) -> bool:
    return bool(FQDN_TAGS[canonical_fqdn_tag(tag)])
