"""The KQL the runbook runs against Log Analytics, one file per question, shared by both backends."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

QUERIES = Path(__file__).resolve().parent


def names() -> list[str]:
    return sorted(p.stem for p in QUERIES.glob("*.kql"))


def load(name: str, **parameters: str | int) -> str:
    """The query text, with parameters bound by KQL `let` statements (values quoted, never spliced)."""
    path = QUERIES / f"{name}.kql"
    if not path.exists():
        raise ValueError(f"unknown query '{name}'; known: {', '.join(names())}")
    lets = "".join(f"let {key} = {_literal(value)};\n" for key, value in parameters.items())
    return lets + path.read_text()


def _literal(value: str | int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"query parameters are strings or integers, not {type(value).__name__}")
    if isinstance(value, int):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(clients, workspace_customer_id: str, name: str, timespan: timedelta = timedelta(days=1), **parameters):
    """Run a named query on a workspace (its customerId) and return the first table as a DataFrame."""
    import pandas as pd
    from azure.monitor.query import LogsQueryStatus

    response = clients.logs.query_workspace(workspace_customer_id, load(name, **parameters), timespan=timespan)
    if response.status == LogsQueryStatus.PARTIAL:
        raise RuntimeError(f"query {name} returned partial results: {response.partial_error}")
    table = response.tables[0]
    return pd.DataFrame(data=table.rows, columns=table.columns)
