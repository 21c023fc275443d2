"""Name resolution as Azure DNS (168.63.129.16) answers a VM in a given virtual network.

Why per virtual network: a private DNS zone answers only inside the virtual networks it is linked
to. The 2020 walkthrough's last step links the cluster's zone to the hub; before it, the jumpbox
in the hub cannot resolve the API server's private FQDN, after it the name resolves to the API
server's private address. This module decides that from the emulated cloud's state:

1. Among the zones linked to the virtual network, the one with the longest name that is the query
   or a suffix of it answers (A records, following CNAMEs). A linked zone without the name answers
   NXDOMAIN, as Azure DNS does, unless the link's ``resolutionPolicy`` is ``NxDomainRedirect``
   (then the query goes on to public DNS).
2. Otherwise the name is resolved on the internet, offline: ``praks_lib.firewall.resolve`` (the
   same deterministic answers the firewall uses). A private cluster's name
   (``….privatelink.<region>.azmk8s.io``) does not exist in public DNS.

Custom DNS servers on a virtual network (``dhcpOptions.dnsServers``) are not followed: pass the
virtual network whose Azure DNS view you want. :func:`nslookup` renders what the ``nslookup`` tool
prints on an Ubuntu VM for the same query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.providers.privatedns import LINK_TYPE
from praks_lib.firewall import resolve as public_resolve
from praks_lib.firewall.public_dns import is_valid_fqdn

AZURE_DNS = "168.63.129.16"
MAX_CNAME_CHAIN = 8
PRIVATE_CLUSTER_NAME = re.compile(r"(^|\.)privatelink\.[a-z0-9]+\.azmk8s\.io$")


@dataclass(frozen=True)
class Answer:
    """What a query returned: CNAME steps ``(alias, canonical name)`` and the final addresses
    (none: NXDOMAIN)."""

    query: str
    aliases: tuple[tuple[str, str], ...] = ()
    addresses: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The name the addresses belong to (the end of the CNAME chain)."""
        return self.aliases[-1][1] if self.aliases else self.query


@dataclass(frozen=True)
class _LinkedZone:
    name: str
    id: str
    redirects_nxdomain: bool


def _vnet_id(from_vnet_id: str) -> str:
    """A virtual network id (a subnet or other child id stands for its virtual network)."""
    return str(ResourceId.parse(from_vnet_id).top)


def _linked_zones(tx, vnet_id: str) -> list[_LinkedZone]:
    zones = []
    for link in tx.list(LINK_TYPE, f"/subscriptions/{ResourceId.parse(vnet_id).subscription}"):
        properties = link["properties"]
        if properties.get("provisioningState") != "Succeeded" or \
                not same_id(properties["virtualNetwork"]["id"], vnet_id):
            continue
        zone_id = ResourceId.parse(link["id"]).parent
        zones.append(_LinkedZone(zone_id.name.lower(), str(zone_id),
                                 properties.get("resolutionPolicy") == "NxDomainRedirect"))
    return zones


def _zone_for(zones: list[_LinkedZone], name: str) -> _LinkedZone | None:
    matching = [z for z in zones if name == z.name or name.endswith("." + z.name)]
    return max(matching, key=lambda z: len(z.name), default=None)


def _private_records(tx, zone: _LinkedZone, name: str) -> tuple[str | None, list[str]]:
    """(CNAME target or None, A addresses) of ``name`` in ``zone``."""
    relative = "@" if name == zone.name else name[: -len(zone.name) - 1]
    cname = tx.get(f"{zone.id}/CNAME/{relative}")
    target = ((cname or {}).get("properties", {}).get("cnameRecord") or {}).get("cname")
    if target:
        return target.rstrip(".").lower(), []
    a_set = tx.get(f"{zone.id}/A/{relative}")
    return None, [r["ipv4Address"] for r in (a_set or {}).get("properties", {}).get("aRecords", [])]


def _public(name: str) -> list[str]:
    if not is_valid_fqdn(name) or PRIVATE_CLUSTER_NAME.search(name):
        return []
    return public_resolve(name)


def lookup(tx, name: str, from_vnet_id: str) -> Answer:
    """Resolve ``name`` (A records) as Azure DNS does for a VM in ``from_vnet_id``."""
    query = name.strip().rstrip(".")
    zones = _linked_zones(tx, _vnet_id(from_vnet_id))
    current, aliases = query.lower(), []
    for _ in range(MAX_CNAME_CHAIN):
        zone = _zone_for(zones, current)
        if zone is None:
            return Answer(query, tuple(aliases), tuple(_public(current)))
        target, addresses = _private_records(tx, zone, current)
        if target is not None:
            aliases.append((current, target))
            current = target
            continue
        if not addresses and zone.redirects_nxdomain:
            addresses = _public(current)
        return Answer(query, tuple(aliases), tuple(addresses))
    return Answer(query, tuple(aliases))


def resolve(tx, name: str, from_vnet_id: str) -> list[str] | None:
    """The IPv4 addresses ``name`` resolves to from ``from_vnet_id``, or None (NXDOMAIN)."""
    return list(lookup(tx, name, from_vnet_id).addresses) or None


def render_nslookup(answer: Answer) -> str:
    """The output of ``nslookup <name>`` on an Azure VM using Azure DNS, for ``answer``."""
    lines = [f"Server:\t\t{AZURE_DNS}", f"Address:\t{AZURE_DNS}#53", ""]
    if not answer.addresses:
        lines.append(f"** server can't find {answer.query}: NXDOMAIN")
    else:
        lines.append("Non-authoritative answer:")
        lines += [f"{alias}\tcanonical name = {target}." for alias, target in answer.aliases]
        for address in answer.addresses:
            lines += [f"Name:\t{answer.name}", f"Address: {address}"]
    return "\n".join(lines) + "\n\n"


def nslookup(tx, name: str, from_vnet_id: str) -> str:
    """What ``nslookup <name>`` prints on a VM in ``from_vnet_id``."""
    return render_nslookup(lookup(tx, name, from_vnet_id))
