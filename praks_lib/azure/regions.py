"""Azure's public regions by their programmatic names (network.yaml), and how ARM reads a location.

ARM accepts a region's display name too ("West Europe") and stores the programmatic name
("westeurope"); any other string is refused with LocationNotAvailableForResourceGroup, whose message
lists the regions. The plan and the emulator both read that from here.
"""
from __future__ import annotations

import difflib
import re

from praks_lib.azure import facts
from praks_lib.azure.messages import AzureError, azure_error

NAMES = frozenset(facts.load("network")["regions"])


def canonical(location: str) -> str | None:
    """The programmatic name ARM stores for ``location`` ("West Europe" → "westeurope"), or None."""
    name = re.sub(r"\s+", "", location).lower()
    return name if name in NAMES else None


def closest(location: str) -> str | None:
    """The region a mistyped location most likely meant."""
    name = re.sub(r"[^a-z0-9]", "", location.lower())
    found = difflib.get_close_matches(name, NAMES, n=1)
    return found[0] if found else None


def not_available(location: str) -> AzureError:
    return azure_error("location_not_available", location=location, regions=",".join(sorted(NAMES)))
