"""Log Analytics table schemas, as data: the one list of each table's columns and types.

The firewall's log records (:func:`praks_lib.firewall.log_rows`) are built from it and the emulator's
workspaces store and answer by it, so what the firewall writes and what a query sees cannot disagree.
The facts, with their sources and the date they were checked, are in ``data/log-tables.yaml``.

    TABLES["AZFWNetworkRule"].columns      # {"TenantId": "string", "TimeGenerated": "datetime", ...}
    record_columns("AZFWNetworkRule")      # what a data source writes: all but the ingestion columns
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from praks_lib.azure import facts

DATA_FILE = "praks_lib/azure/data/log-tables.yaml"
#: Log Analytics column types (what a query's ``columns[].type`` says).
COLUMN_TYPES = frozenset({"string", "datetime", "long", "int", "real", "bool", "guid", "timespan", "dynamic"})


@dataclass(frozen=True)
class LogTable:
    """One table: its columns in the order a workspace lists them, and where the facts come from."""

    name: str
    columns: Mapping[str, str]          # column -> Log Analytics type
    source_system: str | None           # what Log Analytics writes in SourceSystem ("Azure" for resource logs)
    source: str
    checked: str


def _load() -> tuple[dict[str, LogTable], tuple[str, ...]]:
    data = facts.load("log-tables")
    standard = data["standard_columns"]
    tables = {}
    for name, table in data["tables"].items():
        columns = {**standard["first"], **table["columns"], **standard["last"]}
        unknown = {t for t in columns.values() if t not in COLUMN_TYPES}
        if unknown:
            raise ValueError(f"{DATA_FILE}: table {name} has unknown column types {sorted(unknown)}")
        tables[name] = LogTable(name, MappingProxyType(columns), table.get("source_system"),
                                " ".join(str(table["source"]).split()), str(table["checked"]))
    return tables, tuple(data["ingestion_columns"])


TABLES, INGESTION_COLUMNS = _load()


def record_columns(table: str) -> dict[str, str]:
    """The columns a data source writes in ``table``: every column but those Log Analytics sets on
    ingestion (:data:`INGESTION_COLUMNS`: the workspace's TenantId, the table's SourceSystem)."""
    return {c: t for c, t in TABLES[table].columns.items() if c not in INGESTION_COLUMNS}
