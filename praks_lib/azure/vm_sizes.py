"""Azure VM sizes, from data: which names exist, their vCPUs and memory, and what AKS accepts.

The plan refuses a size that does not exist before anything is created; the emulator refuses it on
create with Azure's code, both from praks_lib/azure/data/vm-sizes.yaml.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

from praks_lib.azure import facts

PREFIX = "Standard_"
SYSTEM_POOL_MINIMUM = facts.load("aks")["system_pool_minimum"]
NOT_FOR_SYSTEM_POOLS = frozenset(facts.load("vm-sizes")["not_for_system_pools"])


@dataclass(frozen=True)
class VmSize:
    name: str  # Standard_D2s_v5
    series: str  # Dsv5
    vcpus: int
    memory_gib: float

    @property
    def fits_system_pool(self) -> bool:
        return self.vcpus >= SYSTEM_POOL_MINIMUM["vcpus"] and self.memory_gib >= SYSTEM_POOL_MINIMUM["memory_gib"]


@cache
def _sizes() -> dict[str, VmSize]:
    sizes = {}
    for series, members in facts.load("vm-sizes")["series"].items():
        for short, (vcpus, memory) in members.items():
            size = VmSize(PREFIX + short, series, vcpus, float(memory))
            sizes[size.name.lower()] = size
    return sizes


def find(name: str) -> VmSize | None:
    """The size of that name (Azure compares size names without case), or None."""
    return _sizes().get(name.lower())


def names() -> list[str]:
    return sorted(size.name for size in _sizes().values())


def closest(value: str, *, system_pool: bool = False) -> list[str]:
    """Existing sizes whose names are closest to ``value`` (for a system pool: only sizes that fit one)."""
    pool = [s.name for s in _sizes().values()
            if not system_pool or (s.fits_system_pool and s.series not in NOT_FOR_SYSTEM_POOLS)]
    return difflib.get_close_matches(value, pool, n=3, cutoff=0.8)


def smallest_fitting(series: str) -> VmSize | None:
    """The smallest size of a series that a system node pool accepts."""
    fitting = [s for s in _sizes().values() if s.series == series and s.fits_system_pool]
    return min(fitting, key=lambda s: (s.vcpus, s.memory_gib), default=None)


def fix_for(field: str, value: str, *, system_pool: bool = False, usual: str = "Standard_D2s_v5") -> str:
    """The fix for an unknown size: the closest existing name (else the usual one) as the value to set."""
    close = closest(value, system_pool=system_pool)
    others = f" (close names: {', '.join(close[1:])})" if len(close) > 1 else ""
    return (f"set {field} to {close[0] if close else usual}{others}, or another size of az vm list-sizes -l "
            "<location>; praks knows the sizes in praks_lib/azure/data/vm-sizes.yaml")
