"""Service tags: the address ranges behind names such as `AzureCloud.westeurope`.

The package ships a trimmed copy of Microsoft's ServiceTags_Public.json (IPv4 only, the tags the
AKS egress rules use, their regional variants and AzureCloud for the regions praks supports), so the
engine works offline. Regenerate it with
`python -m praks_lib.firewall.servicetags path/to/ServiceTags_Public.json`.
"""
from __future__ import annotations

import ipaddress
import json
from functools import cache
from pathlib import Path

from praks_lib.firewall.addresses import IntervalSet, parse_address

DATA_FILE = Path(__file__).with_name("data") / "service-tags.json"

# Global tags the runbook's rules and the offline DNS use.
SHIPPED_TAGS = (
    "AzureActiveDirectory", "AzureContainerRegistry", "AzureFrontDoor.FirstParty", "AzureFrontDoor.Frontend",
    "AzureMonitor", "AzureResourceManager", "MicrosoftContainerRegistry", "Storage",
)
# ARM location → the region id the service-tags file uses (they differ for a few regions).
REGIONS = {
    "australiaeast": "australiaeast", "canadacentral": "canadacentral", "centralus": "centralus",
    "eastus": "eastus", "eastus2": "eastus2", "francecentral": "centralfrance",
    "germanywestcentral": "germanywc", "japaneast": "japaneast", "northeurope": "northeurope",
    "southeastasia": "southeastasia", "swedencentral": "swedencentral", "uksouth": "uksouth",
    "westeurope": "westeurope", "westus2": "westus2", "westus3": "westus3",
}


class UnknownServiceTag(ValueError):
    pass


def trim(source: Path, destination: Path = DATA_FILE) -> dict:
    """Write the trimmed copy: global AzureCloud (collapsed), the shipped tags, regional variants."""
    data = json.loads(Path(source).read_text())
    regions = set(REGIONS.values())
    tags = {}
    for value in data["values"]:
        name, props = value["name"], value["properties"]
        base = name.split(".", 1)[0]
        keep = (name in SHIPPED_TAGS or name == "AzureCloud"
                or (props["region"] in regions and (base in SHIPPED_TAGS or base == "AzureCloud")))
        if not keep:
            continue
        v4 = [ipaddress.IPv4Network(p) for p in props["addressPrefixes"] if ":" not in p]
        tags[name] = {"region": props["region"], "changeNumber": props["changeNumber"],
                      "prefixes": [str(n) for n in ipaddress.collapse_addresses(v4)]}
    trimmed = {
        "source": "ServiceTags_Public.json (Microsoft, Public cloud), IPv4 prefixes only, collapsed",
        "changeNumber": data["changeNumber"], "cloud": data["cloud"], "date": "2025-11-06",
        "regions": REGIONS, "tags": tags,
    }
    destination.write_text(json.dumps(trimmed, separators=(",", ":"), sort_keys=True))
    return trimmed


@cache
def _data() -> dict:
    data = json.loads(DATA_FILE.read_text())
    data["by_lower"] = {name.lower(): name for name in data["tags"]}
    return data


def data_version() -> dict:
    """Where the shipped ranges come from: change number, cloud and date of the source file."""
    data = _data()
    return {"changeNumber": data["changeNumber"], "cloud": data["cloud"], "date": data["date"]}


def known_service_tags() -> list[str]:
    return sorted(_data()["tags"])


def canonical_tag(tag: str) -> str:
    """The shipped spelling of a tag (names match case-insensitively); UnknownServiceTag if absent."""
    name = _data()["by_lower"].get(tag.lower())
    if name is None:
        shipped = ", ".join(("AzureCloud",) + SHIPPED_TAGS)
        raise UnknownServiceTag(f"unknown service tag '{tag}' (known offline: {shipped}, and their "
                                f"regional variants such as AzureCloud.westeurope, AzureMonitor.WestEurope)")
    return name


def service_tag_prefixes(tag: str) -> list[str]:
    """The IPv4 prefixes of a service tag, e.g. service_tag_prefixes('AzureCloud.westeurope')."""
    return list(_data()["tags"][canonical_tag(tag)]["prefixes"])


@cache
def tag_intervals(tag: str) -> IntervalSet:
    return IntervalSet(parse_address(p) for p in service_tag_prefixes(tag))


@cache
def all_shipped_intervals() -> IntervalSet:
    """Every address any shipped tag covers: the space offline DNS keeps non-Azure names out of."""
    return IntervalSet(parse_address(p) for tag in _data()["tags"] for p in _data()["tags"][tag]["prefixes"])


def tag_region(location: str) -> str:
    """The service-tags region id for an ARM location (westeurope → westeurope, francecentral → centralfrance)."""
    if location not in REGIONS:
        raise UnknownServiceTag(f"location '{location}' has no shipped service-tag ranges; "
                                f"supported: {', '.join(sorted(REGIONS))}")
    return REGIONS[location]
