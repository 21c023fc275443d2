"""The KQL the runbook runs against Log Analytics, one file per question, shared by both backends."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.monitor.query import LogsQueryStatus

from praks_lib.errors import QueryError

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


def run(clients, workspace_customer_id: str, name: str,
        timespan: timedelta | tuple[datetime, timedelta | datetime] = timedelta(days=1), **parameters) -> pd.DataFrame:
    """Run a named query on a workspace (its customerId) and return the first table as a DataFrame.

    `timespan` is what the query API takes: a duration back from now, or (start, duration or end).

    A query Log Analytics refuses, or answers only in part, is a QueryError naming the query file
    and Azure's error; a failed sign-in stays Azure's own error.
    """
    source = f"praks_lib/queries/{name}.kql"
    text = load(name, **parameters)
    try:
        response = clients.logs.query_workspace(workspace_customer_id, text, timespan=timespan)
    except ClientAuthenticationError:
        raise
    except HttpResponseError as error:
        raise QueryError(f"Log Analytics refused the query {source} on workspace {workspace_customer_id}: "
                         f"{error.message}",
                         "check the query's tables and columns against the workspace (a table exists once "
                         "its first rows arrive) and its parameters") from error
    if response.status == LogsQueryStatus.PARTIAL:
        error, detail = response.partial_error, _details(response.partial_error)
        raise QueryError(f"the query {source} returned only part of its result: ({error.code}) {error.message}"
                         + (f" — {detail}" if detail else ""),
                         "narrow the query or its time span: Log Analytics returns at most 500,000 records "
                         "and 64 MB per query (https://aka.ms/kustoquerylimits)")
    table = response.tables[0]
    return pd.DataFrame(data=table.rows, columns=table.columns)


def _details(error) -> str:
    """The innermost message of each of a query error's details: where Azure says what went wrong."""
    messages = []
    for detail in error.details or []:  # SDK models that read as mappings, or plain dicts
        inner = detail
        while isinstance(inner.get("innererror"), Mapping):
            inner = inner["innererror"]
        if inner.get("message"):
            messages.append(inner["message"])
    return "; ".join(messages)
