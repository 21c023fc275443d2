"""Azure's facts as dated data: one YAML file per subject in praks_lib/azure/data/.

Each file says where its facts come from (``sources``: a doc URL, or a repository, path and commit)
and when someone last checked them against that source (``checked``). The runbook's plan checks,
the firewall engine and the emulator read the same files, so they cannot disagree; 00_plan warns
when a file was checked longer ago than Azure's monthly pace allows (``stale``).

To update a fact: change the file, give the source you read and today's date in ``checked``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from praks_lib import yamltext

STALE_AFTER_DAYS = 90


@dataclass(frozen=True)
class Source:
    """Where one data file's facts come from, and when they were last checked there."""

    subject: str  # the data file's name without .yaml, e.g. kubernetes-versions
    where: tuple[str, ...]  # each source as one line: a URL, or "repository path @ commit"
    checked: dt.date

    def age_days(self, today: dt.date) -> int:
        return (today - self.checked).days


def _describe(source: dict[str, Any]) -> str:
    if "url" in source and "repository" not in source:
        return source["url"]
    text = f"{source['repository']} {source.get('path', '')}".strip()
    return f"{text} @ {source['commit']}" if source.get("commit") else text


@cache
def load(subject: str) -> dict[str, Any]:
    """The data of one subject (the file praks_lib/azure/data/<subject>.yaml)."""
    text = resources.files("praks_lib.azure").joinpath("data", f"{subject}.yaml").read_text(encoding="utf-8")
    data = yamltext.read(text)
    if not isinstance(data, dict) or "sources" not in data or "checked" not in data:
        raise ValueError(f"praks_lib/azure/data/{subject}.yaml must say its sources and when it was checked")
    return data


def source(subject: str) -> Source:
    data = load(subject)
    return Source(subject, tuple(_describe(s) for s in data["sources"]), data["checked"])


def subjects() -> list[str]:
    folder = resources.files("praks_lib.azure").joinpath("data")
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def stale(today: dt.date, max_age_days: int = STALE_AFTER_DAYS) -> list[Source]:
    """The data files last checked more than ``max_age_days`` before ``today``."""
    return [s for s in map(source, subjects()) if s.age_days(today) > max_age_days]
