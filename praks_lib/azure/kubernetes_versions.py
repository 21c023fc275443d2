"""Which Kubernetes versions AKS offers on a day, read from the release calendar (data, dated).

The runbook asks Azure (``list_kubernetes_versions``) when the parameters leave the version empty, and
checks a pinned version against this calendar in 00_plan; the emulator answers the versions API and
refuses out-of-support versions from the same calendar, for the date of praks_lib.azure.clock.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from praks_lib.azure import facts

Support = Literal["community", "lts-only", "ended", "not yet", "unknown"]
VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
WARN_BEFORE_END_DAYS = 60


def _first_day(value: str) -> dt.date:
    text = str(value)
    return dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")


def _last_day(value: str) -> dt.date:
    text = str(value)
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    year, month = map(int, text.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Minor:
    version: str  # "1.36"
    ga: dt.date
    end_of_life: dt.date  # the end of community support: creation is refused after it, except on LTS
    lts_end: dt.date
    patch: str  # the latest patch praks knows, e.g. "1.36.2"

    def support(self, on: dt.date) -> Support:
        if on < self.ga:
            return "not yet"
        if on <= self.end_of_life:
            return "community"
        return "lts-only" if on <= self.lts_end else "ended"

    @property
    def key(self) -> tuple[int, int]:
        major, minor = self.version.split(".")
        return int(major), int(minor)


def minors() -> list[Minor]:
    return [Minor(str(m["version"]), _first_day(m["ga"]), _last_day(m["end_of_life"]), _last_day(m["lts_end"]),
                  str(m["patch"])) for m in facts.load("kubernetes-versions")["minors"]]


def minor_of(version: str) -> str | None:
    """'1.36.2' or '1.36' → '1.36'; None when the text is not a version."""
    found = VERSION.fullmatch(version.strip().lstrip("vV"))
    return f"{found[1]}.{found[2]}" if found else None


def find(version: str) -> Minor | None:
    minor = minor_of(version)
    return next((m for m in minors() if m.version == minor), None)


def offered(on: dt.date) -> list[Minor]:
    """The minors a new cluster may use without LTS on that day, oldest first."""
    return sorted((m for m in minors() if m.support(on) == "community"), key=lambda m: m.key)


def default(on: dt.date) -> Minor:
    """AKS's default for a new cluster: N-1 of the GA minors (the newest when only one is GA)."""
    available = offered(on)
    if not available:
        raise LookupError(f"the Kubernetes calendar praks holds offers no version on {on}; update "
                          "praks_lib/azure/data/kubernetes-versions.yaml from the AKS release calendar")
    return available[-2] if len(available) > 1 else available[-1]


def support(version: str, on: dt.date) -> Support:
    minor = find(version)
    return minor.support(on) if minor else "unknown"


def newest_known() -> Minor:
    return max(minors(), key=lambda m: m.key)
