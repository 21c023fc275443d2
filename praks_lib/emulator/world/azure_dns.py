"""Name resolution as Azure DNS (168.63.129.16) answers a VM in a given virtual network.

Why per virtual network: a private DNS zone answers only inside the virtual networks it is linked
to. The 2020 walkthrough's last step links the cluster's zone to the hub; before it, the jumpbox
in the hub cannot resolve the API server's private FQDN, after it the name resolves to the API
server's private address. This module decides that from the emulated cloud's state:

1. Among the zones linked to the virtual network, the one with the longest name that is the query
   or a suffix of it answers (A records, following CNAMEs). A linked zone without the name answers
   NXDOMAIN, as Azure DNS does, unless the link's ``resolutionPolicy`` is ``NxDomainRedirect``
   (then the query goes on to public DNS).
2. Otherwise the name is resolved on the internet, offline (a service with a private endpoint, such
   as a container registry, is first a CNAME to its ``privatelink`` name, as Azure's public DNS answers): ``praks_lib.firewall.resolve`` (the
   same deterministic answers the firewall uses). A private cluster's name
   (``….privatelink.<region>.azmk8s.io``, ``….private.<region>.azmk8s.io``) does not exist in public DNS.

A virtual network's own DNS servers (``dhcpOptions.dnsServers``) are followed, as a VM's resolver
follows them: the first server answers. When it is an Azure Firewall's private IP with DNS proxy on,
the firewall forwards the query to Azure DNS *from its own virtual network* — so a private zone the
answer needs must be linked to the firewall's VNet (the hub), the well-known failure of private
clusters behind custom DNS (Azure/AKS#1508, #1686). Any other server does not answer here (the
emulator runs no DNS servers of its own): no answer at all, as a query to an unreachable server.
:func:`nslookup` renders what the ``nslookup`` tool prints on an Ubuntu VM for the same query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.providers.containerregistry import private_endpoint_connections, registry_by_login_server
from praks_lib.emulator.providers.privatedns import LINK_TYPE
from praks_lib.emulator.world import network_state
from praks_lib.firewall import resolve as public_resolve
from praks_lib.firewall.public_dns import is_valid_fqdn, resolve_for

AZURE_DNS = "168.63.129.16"
MAX_CNAME_CHAIN = 8
# A private cluster's name: privatelink.<region> (private link) or private.<region> (VNet integration).
PRIVATE_CLUSTER_NAME = re.compile(r"(^|\.)(privatelink|private)\.[a-z0-9]+\.azmk8s\.io$")


@dataclass(frozen=True)
class Answer:
    """What a query returned: CNAME steps ``(alias, canonical name)`` and the final addresses
    (none: NXDOMAIN), from which server; ``answered`` is False when the server never replied."""

    query: str
    aliases: tuple[tuple[str, str], ...] = ()
    addresses: tuple[str, ...] = ()
    server: str = AZURE_DNS
    answered: bool = True

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


def _public_alias(tx, name: str) -> str | None:
    """Public DNS's CNAME for a service reached through a private endpoint: ``<registry>.azurecr.io``
    → ``<registry>.privatelink.azurecr.io`` (the data endpoint ``<registry>.<region>.data.azurecr.io``
    likewise), which a linked ``privatelink.azurecr.io`` zone answers
    (unlinked, the chain goes on in public DNS to the registry's public address)."""
    registry = registry_by_login_server(tx, name)
    if registry is None or ".privatelink." in name or not private_endpoint_connections(tx, registry["id"]):
        return None
    suffix = "." + registry["properties"]["loginServer"].split(".", 1)[1]
    return name[: -len(suffix)] + ".privatelink" + suffix


def _public(name: str, resolver: str | None) -> list[str]:
    """Public DNS's answer to Azure DNS in a virtual network (``resolver``), or to the firewall's DNS
    proxy (None: the firewall's own answer)."""
    if not is_valid_fqdn(name) or PRIVATE_CLUSTER_NAME.search(name):
        return []
    return public_resolve(name) if resolver is None else resolve_for(name, resolver)


def lookup(tx, name: str, from_vnet_id: str) -> Answer:
    """Resolve ``name`` (A records) as a VM in ``from_vnet_id`` does: through its virtual network's
    DNS servers when it has any (an Azure Firewall's DNS proxy forwards to Azure DNS in its own
    virtual network), else through Azure DNS."""
    query = name.strip().rstrip(".")
    servers = network_state.dns_servers_of(tx, _vnet_id(from_vnet_id))
    if not servers:
        return _azure_dns(tx, query, _vnet_id(from_vnet_id), resolver=_vnet_id(from_vnet_id))
    proxy_vnet = network_state.dns_proxy_vnet(tx, servers[0])
    if proxy_vnet is None:
        return Answer(query, server=servers[0], answered=False)
    return replace(_azure_dns(tx, query, proxy_vnet, resolver=None), server=servers[0])


def _azure_dns(tx, query: str, vnet_id: str, resolver: str | None) -> Answer:
    """Azure DNS (168.63.129.16) as it answers in ``vnet_id``: linked private zones, then public DNS
    (asked by ``resolver``, see :func:`_public`)."""
    zones = _linked_zones(tx, vnet_id)
    current, aliases = query.lower(), []
    for _ in range(MAX_CNAME_CHAIN):
        zone = _zone_for(zones, current)
        if zone is None:
            alias = _public_alias(tx, current)
            if alias is not None:
                aliases.append((current, alias))
                if _zone_for(zones, alias) is None:  # no zone for it here: public DNS answers the public address
                    return Answer(query, tuple(aliases), tuple(_public(current, resolver)))
                current = alias
                continue
            return Answer(query, tuple(aliases), tuple(_public(current, resolver)))
        target, addresses = _private_records(tx, zone, current)
        if target is not None:
            aliases.append((current, target))
            current = target
            continue
        if not addresses and zone.redirects_nxdomain:
            addresses = _public(current, resolver)
        return Answer(query, tuple(aliases), tuple(addresses))
    return Answer(query, tuple(aliases))


def resolve(tx, name: str, from_vnet_id: str) -> list[str] | None:
    """The IPv4 addresses ``name`` resolves to from ``from_vnet_id``: [] for NXDOMAIN, None when no
    DNS server answered."""
    answer = lookup(tx, name, from_vnet_id)
    return list(answer.addresses) if answer.answered else None


def render_nslookup(answer: Answer) -> str:
    """The output of ``nslookup <name>`` on an Ubuntu VM for ``answer`` (from the server that answered)."""
    if not answer.answered:
        return ";; communications error to {0}#53: timed out\n;; no servers could be reached\n\n".format(
            answer.server)
    lines = [f"Server:\t\t{answer.server}", f"Address:\t{answer.server}#53", ""]
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
