"""Deterministic offline DNS, consistent with the shipped service-tag ranges.

Well-known Microsoft names resolve inside the service tag that really serves them
(mcr.microsoft.com → MicrosoftContainerRegistry, ...), so a network rule on that tag matches them
the way it does on Azure. Every other name gets a stable address derived from a hash of the name,
in public address space that no shipped Azure tag covers.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
from functools import cache, lru_cache

from praks_lib.firewall.addresses import is_ipv4
from praks_lib.firewall.servicetags import REGIONS, all_shipped_intervals, service_tag_prefixes

# (pattern, service tag). Patterns use application-rule wildcard syntax; first match wins.
WELL_KNOWN = (
    ("mcr.microsoft.com", "MicrosoftContainerRegistry"),
    ("*.data.mcr.microsoft.com", "MicrosoftContainerRegistry"),
    ("mcr-0001.mcr-msedge.net", "MicrosoftContainerRegistry"),
    ("*.azurecr.io", "AzureContainerRegistry"),
    ("login.microsoftonline.com", "AzureActiveDirectory"),
    ("login.microsoft.com", "AzureActiveDirectory"),
    ("management.azure.com", "AzureResourceManager"),
    ("*.ods.opinsights.azure.com", "AzureMonitor"),
    ("*.oms.opinsights.azure.com", "AzureMonitor"),
    ("dc.services.visualstudio.com", "AzureMonitor"),
    ("*.in.applicationinsights.azure.com", "AzureMonitor"),
    ("*.monitoring.azure.com", "AzureMonitor"),
    ("*.handler.control.monitor.azure.com", "AzureMonitor"),
    ("*.ingest.monitor.azure.com", "AzureMonitor"),
    ("*.blob.core.windows.net", "Storage"),
    ("packages.microsoft.com", "AzureFrontDoor.FirstParty"),
    ("acs-mirror.azureedge.net", "AzureFrontDoor.Frontend"),
    ("packages.aks.azure.com", "AzureFrontDoor.Frontend"),
    ("data.policy.core.windows.net", "AzureCloud"),
    ("store.policy.core.windows.net", "AzureCloud"),
)
# Names served by a pool of hosts: each resolver is given one of them (DNS round robin), so two
# resolvers asking at the same time can get different addresses. The firewall's own answer (what an
# FQDN network rule matches, and what its DNS proxy hands on) is the first; the size is how many.
POOLS = {"ntp.ubuntu.com": 4, "pool.ntp.org": 4, "time.windows.com": 2}
_HCP = re.compile(r"^[a-z0-9-]+\.hcp\.([a-z0-9]+)\.azmk8s\.io$")
_FQDN = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def fqdn_matches(pattern: str, name: str) -> bool:
    """Azure Firewall's target-FQDN matching; both arguments lower-case.

    `*` matches everything; `*.x.com` any name ending in `.x.com` (not `x.com`); `*x.com` (no dot)
    `x.com` and any name ending in `x.com`; anything else matches exactly.
    """
    if pattern == "*":
        return True
    if pattern.startswith("*"):  # `*.x.com` keeps its dot, so x.com itself does not end with `.x.com`
        return name.endswith(pattern[1:])
    return name == pattern


def is_valid_fqdn(name: str) -> bool:
    return bool(_FQDN.match(name.lower()))


@cache
def _networks(tag: str) -> tuple[ipaddress.IPv4Network, ...]:
    """A service tag's prefixes in address order, parsed once: a tag has up to thousands of them."""
    return tuple(sorted(map(ipaddress.IPv4Network, service_tag_prefixes(tag))))


def _pick(name: str, tag: str) -> str:
    """A stable host inside one of the tag's prefixes, chosen by a hash of the name."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    networks = _networks(tag)
    net = networks[digest % len(networks)]
    hosts = net.num_addresses - 2 if net.num_addresses >= 4 else net.num_addresses
    offset = (digest >> 20) % hosts + (1 if net.num_addresses >= 4 else 0)
    return str(net.network_address + offset)


def _outside_azure(name: str) -> str:
    """A public, non-Azure address for a name: rehash until it is global and in no shipped tag."""
    azure = all_shipped_intervals()
    counter = 0
    while True:
        digest = hashlib.sha256(f"{name}#{counter}".encode()).digest()
        address = ipaddress.IPv4Address(digest[:4])
        if address.is_global and not address.is_multicast and int(address) < 0xE0000000 \
                and int(address) not in azure:
            return str(address)
        counter += 1


def tag_for(name: str) -> str | None:
    """The service tag that serves a well-known name, or None for an ordinary internet name."""
    hcp = _HCP.match(name)
    if hcp:
        region = hcp.group(1)
        return f"AzureCloud.{REGIONS[region]}" if region in REGIONS else "AzureCloud"
    for pattern, tag in WELL_KNOWN:
        if fqdn_matches(pattern, name):
            return tag
    return None


def resolve(fqdn: str) -> list[str]:
    """The IPv4 addresses an FQDN resolves to offline, as the firewall resolves it (one address,
    always the same)."""
    return [_resolve(fqdn.strip().rstrip(".").lower())]


def resolve_for(fqdn: str, resolver: str) -> list[str]:
    """What another resolver (``resolver``: e.g. the virtual network whose Azure DNS asks) is given:
    the firewall's answer, except for a pool name, where it is another member of the pool (praks
    makes it always another one, so that the failure the docs describe shows every time)."""
    name = fqdn.strip().rstrip(".").lower()
    size = POOLS.get(name, 1)
    if size == 1:
        return resolve(name)
    member = 1 + int.from_bytes(hashlib.sha256(resolver.lower().encode()).digest()[:4], "big") % (size - 1)
    return [_outside_azure(f"{name}#pool{member}")]


@lru_cache(maxsize=65536)
def _resolve(name: str) -> str:
    if not is_valid_fqdn(name):
        raise ValueError(f"'{name}' is not a valid DNS name")
    tag = tag_for(name)
    if tag is None:
        return _outside_azure(name)
    return _pick(name, tag)


def firewall_destination(host: str, address: str) -> str:
    """What a connection to ``host``, resolved by the client to ``address``, shows a firewall: the name
    (for application rules, which match the Host header or SNI) when the client got the answer the
    firewall gets itself, else the address — a client that resolved elsewhere (not through the
    firewall's DNS proxy) may have been given another address, which FQDN network rules do not match."""
    return host if not is_ipv4(host) and address in resolve(host) else address
