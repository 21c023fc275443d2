"""Effective routes of a subnet, with Azure's selection rules, shared by the runbook and the emulator.

The runbook computes them from the configuration Azure holds (VNet, peerings, route table), which
works before any NIC exists in the subnet; Azure's own view is a NIC's effective route table
(`az network nic show-effective-route-table`), which also shows gateway and BGP routes.

Azure computes a subnet's routes from system routes (its VNet, peered VNets, the Internet default and
the private ranges it drops) and user routes from the route table; a user route with the same prefix
replaces the system route (which shows as Invalid), and traffic takes the longest matching prefix.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# Azure's system routes for private ranges not in the VNet: next hop None (dropped).
_DROPPED_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
_SOURCE_RANK = {"User": 0, "Default": 1}


@dataclass(frozen=True)
class EffectiveRoute:
    source: str  # "Default" (system) or "User"
    state: str  # "Active" or "Invalid"
    address_prefix: str
    next_hop_type: str  # VnetLocal, VNetPeering, Internet, VirtualAppliance, VirtualNetworkGateway, None
    next_hop_ip: str | None = None

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.address_prefix)


def effective_routes(vnet_prefixes: list[str], peered_prefixes: list[str],
                     user_routes: list[tuple[str, str, str | None]]) -> list[EffectiveRoute]:
    """All routes of a subnet; user_routes are (address_prefix, next_hop_type, next_hop_ip)."""
    system = [EffectiveRoute("Default", "Active", p, "VnetLocal") for p in vnet_prefixes]
    system += [EffectiveRoute("Default", "Active", p, "VNetPeering") for p in peered_prefixes]
    system.append(EffectiveRoute("Default", "Active", "0.0.0.0/0", "Internet"))
    covered = [ipaddress.IPv4Network(p) for p in vnet_prefixes + peered_prefixes]
    system += [EffectiveRoute("Default", "Active", p, "None") for p in _DROPPED_RANGES
               if not any(ipaddress.IPv4Network(p) == c for c in covered)]
    user = [EffectiveRoute("User", "Active", prefix, hop, ip) for prefix, hop, ip in user_routes]
    overridden = {r.network for r in user}
    system = [EffectiveRoute(r.source, "Invalid", r.address_prefix, r.next_hop_type, r.next_hop_ip)
              if r.network in overridden else r for r in system]
    return system + user


def next_hop(routes: list[EffectiveRoute], destination: str) -> EffectiveRoute:
    """The route Azure uses for a destination IP: longest prefix, then user over system."""
    address = ipaddress.IPv4Address(destination)
    candidates = [r for r in routes if r.state == "Active" and address in r.network]
    return min(candidates, key=lambda r: (-r.network.prefixlen, _SOURCE_RANK[r.source]))
