"""Azure's error codes and messages, from data, for the plan checks and the emulator alike.

    error = azure_error("subnets_overlap", subnet="aks-2-subnet", vnet="spoke1-kubenvnet")
    error.code, error.message  # NetcfgSubnetRangesOverlap, "Subnet 'aks-2-subnet' is not valid because …"

A plan finding and the emulator's refusal of the same request are built from one template
(praks_lib/azure/data/errors.yaml), so they say the same thing, as Azure would.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

from praks_lib.azure import facts


@dataclass(frozen=True)
class AzureError:
    key: str
    code: str
    status: int
    message: str
    evidence: str  # recorded | doc | issue | reconstructed


def _templates() -> dict[str, dict]:
    return facts.load("errors")["errors"]


def placeholders(key: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(_templates()[key]["message"]) if name}


def azure_error(key: str, **values: object) -> AzureError:
    """The error Azure answers for ``key``, with the values filled in (every placeholder is needed)."""
    entry = _templates()[key]
    missing = placeholders(key) - set(values)
    if missing:
        raise KeyError(f"azure_error({key!r}) needs {', '.join(sorted(missing))}")
    return AzureError(key, entry["code"], int(entry["status"]), entry["message"].format(**values),
                      entry["evidence"])
