"""What a room of N attendees needs from one Azure subscription: quota per region, and what it costs per hour.

Each attendee's deployment holds a firewall, its public IP(s), the node pool and the jumpbox. Quotas
are counted against the subscription's limits: asked of Azure when the backend is Azure (the compute
and network usage APIs, ``az vm list-usage`` / ``az network list-usages``), else the documented
defaults in praks_lib/azure/data/subscription-limits.yaml, which vary by offer and say so. Prices are
list prices from praks_lib/azure/data/prices.yaml, dated, for one region and currency.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from praks_lib.azure import facts, vm_sizes
from praks_lib.cloud import Clients
from praks_lib.deployment import Deployment

_LIMITS, _PRICES = facts.load("subscription-limits"), facts.load("prices")


@dataclass(frozen=True)
class QuotaLine:
    quota: str  # as Azure's usage API names it in words
    usage: str  # the usage name Azure reports (name.value), "" where Azure reports none
    per_attendee: int
    needed: int  # for the whole room
    limit: int | None  # None: Azure documents no limit for it
    in_use: int  # already used in the region (0 when not asked)
    limit_from: str  # "Azure" or where the documented default comes from
    warning: str = ""


@dataclass(frozen=True)
class CostLine:
    item: str
    count_per_attendee: int
    hourly_each: float | None  # None: no list price in the data
    note: str = ""


@dataclass(frozen=True)
class RoomEstimate:
    attendees: int
    quotas: list[QuotaLine]
    costs: list[CostLine]

    @property
    def hourly_per_attendee(self) -> float:
        return sum(c.count_per_attendee * (c.hourly_each or 0.0) for c in self.costs)

    @property
    def hourly_room(self) -> float:
        return self.hourly_per_attendee * self.attendees

    @property
    def warnings(self) -> list[str]:
        return [q.warning for q in self.quotas if q.warning]


def public_ip_count(dep: Deployment) -> int:
    """Standard public IPs one deployment holds: the firewall's, plus the management one for Basic."""
    if not dep.firewall.enabled:
        return 0
    return 2 if dep.firewall.sku_tier == "Basic" else 1


def vcpus_by_family(dep: Deployment) -> Counter:
    """vCPUs per VM series (node pool and jumpbox) one deployment runs."""
    families: Counter = Counter()
    for size, count in ((dep.aks.node_pool.vm_size, dep.aks.node_pool.count), (dep.jumpbox.vm_size, 1)):
        found = vm_sizes.find(size)
        if found is not None:
            families[found.series] += found.vcpus * count
    return families


def _azure_usages(clients: Clients, location: str) -> dict[str, tuple[int, int]]:
    """usage name → (current value, limit) from Azure's compute and network usage APIs."""
    usages = {}
    for usage in [*clients.compute.usage.list(location), *clients.network.usages.list(location)]:
        usages[usage.name.value.lower()] = (int(usage.current_value), int(usage.limit))
    return usages


DOCUMENTED = "documented default"


def estimate_room(dep: Deployment, attendees: int, clients: Clients | None = None) -> RoomEstimate:
    """Quota and hourly cost for ``attendees`` copies of ``dep`` in its region. With ``clients`` on Azure, the
    limits and current usage are Azure's own answer for this subscription."""
    usages = _azure_usages(clients, dep.location) if clients is not None and clients.backend == "azure" else {}
    region, names = _LIMITS["per_region"], _LIMITS["family_usage_names"]
    families = vcpus_by_family(dep)
    wanted = [("Total Regional vCPUs", region["total_regional_vcpus"]["usage"], sum(families.values()),
               region["total_regional_vcpus"]["default"])]
    for series, vcpus in sorted(families.items()):
        wanted.append((f"Standard {series} Family vCPUs", names.get(series, ""), vcpus,
                       region["family_vcpus"]["default"]))
    wanted.append(("Standard Public IP Addresses", region["standard_public_ips"]["usage"], public_ip_count(dep),
                   region["standard_public_ips"]["default"]))
    lines = []
    for quota, usage, each, default in wanted:
        needed = each * attendees
        asked = usages.get(usage.lower()) if usage else None
        in_use, limit = asked if asked else (0, default)
        source = "Azure" if asked else DOCUMENTED
        warning = ""
        if in_use + needed > limit:
            warning = (f"{quota}: the room needs {needed} ({each} per attendee × {attendees})"
                       + (f" on top of {in_use} in use" if in_use else "")
                       + f", over the limit of {limit} in {dep.location} ({source}); request an increase "
                       "(Azure portal → Quotas) before the workshop")
        lines.append(QuotaLine(quota, usage, each, needed, limit, in_use, source, warning))
    if dep.firewall.enabled:  # Azure documents no default count limit for firewalls; each costs the most
        lines.append(QuotaLine("Azure Firewalls", "", 1, attendees, None, 0, "no documented count limit"))
    groups = _LIMITS["per_subscription"]["resource_groups"]["default"]
    if 3 * attendees > groups:  # network and kube groups, and the node group AKS makes
        lines.append(QuotaLine("Resource groups", "", 3, 3 * attendees, groups, 0,
                               DOCUMENTED,
                               f"Resource groups: the room needs {3 * attendees}, over {groups} per subscription"))
    return RoomEstimate(attendees, lines, costs(dep))


def costs(dep: Deployment) -> list[CostLine]:
    """What one deployment keeps running, with each item's list price per hour."""
    vm_price = _PRICES["vm_hour"]
    lines = []
    if dep.firewall.enabled:
        lines.append(CostLine(f"Azure Firewall {dep.firewall.sku_tier}", 1,
                              _PRICES["firewall_hour"].get(dep.firewall.sku_tier), "plus data processed per GB"))
        lines.append(CostLine("Standard public IPv4", public_ip_count(dep), _PRICES["public_ip_hour"]))
    lines.append(CostLine(f"AKS node {dep.aks.node_pool.vm_size}", dep.aks.node_pool.count,
                          vm_price.get(dep.aks.node_pool.vm_size), "" if dep.aks.node_pool.vm_size in vm_price
                          else "no list price in prices.yaml"))
    lines.append(CostLine("AKS control plane (Free tier)", 1, _PRICES["aks_control_plane_hour"]["Free"]))
    lines.append(CostLine(f"Jumpbox {dep.jumpbox.vm_size}", 1, vm_price.get(dep.jumpbox.vm_size),
                          "" if dep.jumpbox.vm_size in vm_price else "no list price in prices.yaml"))
    return lines


def estimate_text(estimate: RoomEstimate) -> str:
    """The estimate as a facilitator reads it in a terminal."""
    prices = facts.source("prices")
    out = [f"Quota for {estimate.attendees} attendees (per region):"]
    for q in estimate.quotas:
        limit = f"limit {q.limit} ({q.limit_from})" if q.limit is not None else f"({q.limit_from})"
        out.append(f"  {q.quota:<32} {q.per_attendee:>3} each  {q.needed:>5} needed  {limit}"
                   + (f"  in use {q.in_use}" if q.in_use else ""))
    out.append(f"Cost per hour while deployed ({_PRICES['currency']}, {_PRICES['region']} list prices, "
               f"prices.yaml checked {prices.checked}; check the pricing calculator):")
    for c in estimate.costs:
        price = "?" if c.hourly_each is None else f"{c.hourly_each:.3f}"
        out.append(f"  {c.item:<32} {c.count_per_attendee:>3} × {price}" + (f"  ({c.note})" if c.note else ""))
    out.append(f"  per attendee ≈ {estimate.hourly_per_attendee:.2f}/h · room ≈ {estimate.hourly_room:.2f}/h")
    if any(q.limit_from == DOCUMENTED for q in estimate.quotas):
        limits = facts.source("subscription-limits")
        out.append(f"Limits marked '{DOCUMENTED}' are Azure's documented defaults (subscription-limits.yaml, checked "
                   f"{limits.checked}); they vary by offer (Free Trial, Pay-As-You-Go, EA). With --backend azure "
                   "praks asks the subscription (az vm list-usage, az network list-usages).")
    out += [f"WARNING: {w}" for w in estimate.warnings]
    return "\n".join(out)
