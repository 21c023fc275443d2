"""Network state that spans resources: read by the providers and by the emulator's data plane.

Read API (plain functions over an open store transaction, bodies as stored):
- :func:`subnet_of` — the subnet whose prefix holds a private IP;
- :func:`firewall_by_private_ip` — the firewall answering on a private IP;
- :func:`route_table_of` — a subnet's route table, with its routes inlined;
- :func:`subnet_effective_routes` — a subnet's effective routes (:mod:`praks_lib.azure.routing`);
- :func:`addresses_in_use` — the private IPs that NICs and firewalls hold in a subnet.

Back-references (Azure shows who uses a subnet or a public IP, and refuses to delete them while
used): :func:`relink` keeps a subnet's ``ipConfigurations`` and a public IP's ``ipConfiguration``
in step with the IP configurations of one owner (a NIC or a firewall).
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, NamedTuple

from praks_lib.azure import facts
from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.azure.routing import EffectiveRoute, effective_routes
from praks_lib.emulator.platform.arm.resources import etag_of
from praks_lib.emulator.platform.store import Transaction

VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
PEERING_TYPE = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
PUBLIC_IP_TYPE = "Microsoft.Network/publicIPAddresses"
ROUTE_TABLE_TYPE = "Microsoft.Network/routeTables"
ROUTE_TYPE = "Microsoft.Network/routeTables/routes"
FIREWALL_TYPE = "Microsoft.Network/azureFirewalls"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
DNS_PROXY_KEY = facts.load("network")["firewall"]["dns_proxy_property"]  # a classic firewall's switch
EVERYWHERE = "/subscriptions"  # scope prefix matching every subscription's resources

# Azure keeps the network address, the next three (gateway, two DNS) and the broadcast address.
RESERVED_AT_START = 4
RESERVED_AT_END = 1


class IpConfigurationLink(NamedTuple):
    """One IP configuration of a NIC or firewall and what it uses."""

    id: str
    subnet_id: str | None
    public_ip_id: str | None


# reading ----------------------------------------------------------------------------------


def subnet_networks(subnet: dict) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    properties = subnet.get("properties") or {}
    prefixes = properties.get("addressPrefixes") or [properties.get("addressPrefix")]
    return [ipaddress.ip_network(p) for p in prefixes if p]


def subnet_of(tx: Transaction, ip: str) -> dict | None:
    """The subnet (stored body) whose address prefix holds ``ip``, or None."""
    address = ipaddress.ip_address(ip)
    for subnet in tx.list(SUBNET_TYPE, EVERYWHERE):
        if any(address in network for network in subnet_networks(subnet)
               if network.version == address.version):
            return subnet
    return None


def firewall_by_private_ip(tx: Transaction, ip: str) -> dict | None:
    """The firewall (stored body) whose IP configuration holds private IP ``ip``, or None."""
    for firewall in tx.list(FIREWALL_TYPE, EVERYWHERE):
        for config in firewall["properties"].get("ipConfigurations") or []:
            if config["properties"].get("privateIPAddress") == ip:
                return firewall
    return None


def dns_servers_of(tx: Transaction, vnet_id: str) -> list[str]:
    """A virtual network's own DNS servers (``dhcpOptions.dnsServers``); none: Azure DNS."""
    vnet = tx.get(vnet_id) or {}
    return list((vnet.get("properties", {}).get("dhcpOptions") or {}).get("dnsServers") or [])


def dns_proxy_on(tx: Transaction, firewall: dict) -> bool:
    """Whether a firewall proxies DNS: its Firewall Policy's ``dnsSettings.enableProxy``, or on classic
    rules its ``Network.DNS.EnableProxy`` additional property."""
    properties = firewall["properties"]
    policy_id = (properties.get("firewallPolicy") or {}).get("id")
    if policy_id:
        policy = tx.get(policy_id) or {}
        return bool((policy.get("properties", {}).get("dnsSettings") or {}).get("enableProxy"))
    return classic_dns_proxy(properties)


def classic_dns_proxy(properties: dict) -> bool:
    """A classic firewall's DNS proxy switch, from its properties."""
    return str((properties.get("additionalProperties") or {}).get(DNS_PROXY_KEY, "")).lower() == "true"


def dns_proxy_vnet(tx: Transaction, server_ip: str) -> str | None:
    """The virtual network a DNS query to ``server_ip`` is resolved in, when that address is an Azure
    Firewall with DNS proxy on (it forwards to Azure DNS from its own network); else None."""
    firewall = firewall_by_private_ip(tx, server_ip)
    if firewall is None or not dns_proxy_on(tx, firewall):
        return None
    subnet_id = firewall["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
    return str(ResourceId.parse(subnet_id).top)


def routes_of_table(tx: Transaction, table_id: str) -> list[dict]:
    return tx.children(table_id, ROUTE_TYPE)


def route_table_of(tx: Transaction, subnet: dict | str) -> dict | None:
    """The route table associated with a subnet (body or id), routes inlined; None if none."""
    if isinstance(subnet, str):
        subnet = tx.get(subnet)
    table_id = ((subnet or {}).get("properties", {}).get("routeTable") or {}).get("id")
    table = tx.get(table_id) if table_id else None
    if table is None:
        return None
    table["properties"]["routes"] = routes_of_table(tx, table["id"])
    return table


def subnets_using_route_table(tx: Transaction, table_id: str) -> list[dict]:
    return [s for s in tx.list(SUBNET_TYPE, EVERYWHERE)
            if same_id((s["properties"].get("routeTable") or {}).get("id"), table_id)]


def connected_peer_prefixes(tx: Transaction, vnet_id: str) -> list[str]:
    """Address prefixes of the networks peered with ``vnet_id`` whose peering is Connected."""
    prefixes = []
    for peering in tx.children(vnet_id, PEERING_TYPE):
        properties = peering["properties"]
        if properties.get("peeringState") == "Connected":
            prefixes += (properties.get("remoteAddressSpace") or {}).get("addressPrefixes") or []
    return prefixes


def subnet_effective_routes(tx: Transaction, subnet_id: str) -> list[EffectiveRoute]:
    """Azure's effective routes for a subnet: system routes of its VNet and Connected peerings,
    the Internet default and dropped private ranges, then its route table's user routes."""
    vnet = tx.get(str(ResourceId.parse(subnet_id).parent))
    vnet_prefixes = (vnet["properties"].get("addressSpace") or {}).get("addressPrefixes") or []
    table = route_table_of(tx, subnet_id)
    user_routes = [(r["properties"]["addressPrefix"], r["properties"]["nextHopType"],
                    r["properties"].get("nextHopIpAddress"))
                   for r in (table["properties"]["routes"] if table else [])]
    return effective_routes(list(vnet_prefixes), connected_peer_prefixes(tx, vnet["id"]), user_routes)


def owned_configurations(tx: Transaction) -> Iterable[tuple[dict, dict]]:
    """(owner, ip configuration) for every NIC and firewall."""
    for owner_type in (NIC_TYPE, FIREWALL_TYPE):
        for owner in tx.list(owner_type, EVERYWHERE):
            for config in owner["properties"].get("ipConfigurations") or []:
                yield owner, config


def addresses_in_use(tx: Transaction, subnet_id: str, except_owner: str | None = None) -> dict[str, str]:
    """Private IP → IP configuration id, for the addresses NICs and firewalls hold in a subnet
    (leaving out those of ``except_owner``, the resource being written)."""
    used = {}
    for owner, config in owned_configurations(tx):
        if except_owner and same_id(owner["id"], except_owner):
            continue
        properties = config["properties"]
        if same_id((properties.get("subnet") or {}).get("id"), subnet_id):
            address = properties.get("privateIPAddress")
            if address:
                used[address] = config["id"]
    return used


def usable_hosts(network: ipaddress.IPv4Network) -> range:
    """Indexes (offsets from the network address) Azure lets resources use in a subnet."""
    return range(RESERVED_AT_START, network.num_addresses - RESERVED_AT_END)


# back-references --------------------------------------------------------------------------


def _owned_by(config_id: str, owner_id: str) -> bool:
    return config_id.lower().startswith(owner_id.lower() + "/")


def _save(tx: Transaction, body: dict) -> None:
    rid = ResourceId.parse(body["id"])
    body["etag"] = etag_of(body)
    tx.put(body["id"], body, type=rid.type, scope=rid.group_id,
           parent=str(rid.parent) if rid.parent else None)


def relink(tx: Transaction, owner_id: str, links: list[IpConfigurationLink]) -> None:
    """Make every subnet's ``ipConfigurations`` and every public IP's ``ipConfiguration`` list
    exactly the IP configurations of ``owner_id`` given in ``links`` (none: after a delete)."""
    for subnet in tx.list(SUBNET_TYPE, EVERYWHERE):
        current = subnet["properties"].get("ipConfigurations") or []
        wanted = [ref for ref in current if not _owned_by(ref["id"], owner_id)]
        wanted += [{"id": link.id} for link in links if same_id(link.subnet_id, subnet["id"])]
        if wanted != current:
            if wanted:
                subnet["properties"]["ipConfigurations"] = wanted
            else:
                subnet["properties"].pop("ipConfigurations", None)
            _save(tx, subnet)
    for public_ip in tx.list(PUBLIC_IP_TYPE, EVERYWHERE):
        current = public_ip["properties"].get("ipConfiguration")
        wanted = None if current is None or _owned_by(current["id"], owner_id) else current
        for link in links:
            if same_id(link.public_ip_id, public_ip["id"]):
                wanted = {"id": link.id}
        if wanted != current:
            if wanted:
                public_ip["properties"]["ipConfiguration"] = wanted
            else:
                public_ip["properties"].pop("ipConfiguration", None)
            _save(tx, public_ip)
