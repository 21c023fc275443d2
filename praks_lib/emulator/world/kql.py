"""KQL execution for the emulated Log Analytics API: duckdb-kql, adapted in one place.

duckdb-kql translates KQL to DuckDB SQL. What it does not do, and Log Analytics does, is
adapted here and nowhere else:

* **Kusto's diagnostics.** A query on an unknown table or column fails in DuckDB with a
  catalog or binder error, and a parse error comes back as duckdb-kql's own exception.
  Log Analytics answers those with a SyntaxError (SYN0002, "Query could not be parsed at
  'x' on line [l,p]") or a SemanticError (SEM0100, "'where' operator: Failed to resolve
  scalar expression named 'x'"): a :class:`~praks_lib.emulator.world.logs.wire_format.LogQueryError`
  with that 400 body.
* **Column types.** Result columns are labelled with Log Analytics type names (string,
  datetime, long, int, real, bool, guid, timespan, dynamic, decimal).
* **render.** duckdb-kql accepts ``| render`` and drops it; Log Analytics reports the
  visualization when the client asks (``Prefer: include-render=true``), so it is read here.
* **Constructs duckdb-kql refuses** (e.g. ``parse``, ``search``, ``make-series``) fail as a
  SemanticError whose message says the offline emulator lacks the construct, instead of
  a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import duckdb_kql
from duckdb_kql.types import kusto_type

from praks_lib.emulator.world.logs.wire_format import LogQueryError, query_error

_UNKNOWN_TABLE = re.compile(r"Table with name (\S+?) does not exist")
_UNKNOWN_COLUMN = re.compile(r'[Cc]olumn "([^"]+)"')
_RENDER = re.compile(r"\|\s*render\s+([A-Za-z]+)\s*(?:with\s*\(.*\))?\s*;?\s*$", re.DOTALL)
_TOKEN = re.compile(r"[A-Za-z_][\w-]*|\S")
_OPERATOR = re.compile(r"\s*([a-z][a-z-]*)")


@dataclass
class QueryResult:
    columns: list[tuple[str, str]]  # (name, Log Analytics type)
    rows: list[tuple[Any, ...]]
    truncated: bool  # more rows than max_rows existed


def run(
    con: duckdb.DuckDBPyConnection, query: str, *, now: datetime, max_rows: int
) -> QueryResult:
    """Run *query* on *con* (whose tables/views are the workspace's), as of *now*.

    Raises :class:`LogQueryError` for anything Log Analytics reports as a query error.
    ``duckdb.IOException`` (a data file vanished under a concurrent compaction) is left to
    the caller, who retries on a fresh snapshot.
    """
    try:
        cursor = duckdb_kql.execute(con, query, query_now=now)
        rows = cursor.fetchmany(max_rows + 1)
    except duckdb_kql.KqlSyntaxError as exc:
        raise _syntax_error(query, exc) from exc
    except duckdb_kql.KqlUnsupportedError as exc:
        raise query_error(
            "SemanticError",
            "SEM0001",
            f"The offline emulator does not support {exc.construct!r} (duckdb-kql). "
            "Rewrite the query without it, or run it against Azure.",
        ) from exc
    except duckdb_kql.KqlError as exc:
        raise query_error("SemanticError", "SEM0100", str(exc)) from exc
    except duckdb.CatalogException as exc:
        raise _unknown_name(query, exc, _UNKNOWN_TABLE, "table or column expression") from exc
    except duckdb.BinderException as exc:
        raise _unknown_name(query, exc, _UNKNOWN_COLUMN, "scalar expression") from exc
    except duckdb.IOException:
        raise
    except duckdb.Error as exc:
        raise query_error(
            "SemanticError", "SEM0002", f"The query failed in the emulator's engine: {exc}"
        ) from exc
    columns = [(d[0], kusto_type(d[1])) for d in cursor.description]
    return QueryResult(columns, rows[:max_rows], len(rows) > max_rows)


def visualization(query: str) -> str | None:
    """The chart type a trailing ``| render <type>`` asks for, if any."""
    match = _RENDER.search(query)
    return match.group(1) if match else None


def _syntax_error(query: str, exc: duckdb_kql.KqlSyntaxError) -> LogQueryError:
    """SYN0002 at the first diagnostic's position (1-based line, 0-based column, as Kusto)."""
    if not exc.diagnostics:
        return query_error("SyntaxError", "SYN0002", "Query could not be parsed")
    span = exc.diagnostics[0].span
    lines = query.splitlines() or [""]
    text = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    token_match = _TOKEN.match(text, span.column) if span.column < len(text) else None
    token = token_match.group(0) if token_match else "<EOF>"
    return query_error(
        "SyntaxError",
        "SYN0002",
        f"Query could not be parsed at '{token}' on line [{span.line},{span.column}]",
        {"line": span.line, "pos": span.column, "token": token},
    )


def _unknown_name(
    query: str, exc: duckdb.Error, pattern: re.Pattern[str], kind: str
) -> LogQueryError:
    """SEM0100 naming the unresolved name and, like Kusto, the operator that used it."""
    match = pattern.search(str(exc))
    if not match:
        return query_error("SemanticError", "SEM0100", str(exc))
    name = match.group(1)
    operator = _operator_using(query, name)
    prefix = f"'{operator}' operator: " if operator else ""
    return query_error(
        "SemanticError", "SEM0100", f"{prefix}Failed to resolve {kind} named '{name}'"
    )


def _operator_using(query: str, name: str) -> str | None:
    """The tabular operator of the first pipeline step that mentions *name*.

    A table named at the head of the pipeline is reported against the operator after it,
    as Kusto does ("'take' operator: ... 'Nope'" for ``Nope | take 1``).
    """
    steps = query.split("|")
    word = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    for index, step in enumerate(steps):
        if not word.search(step):
            continue
        if index == 0:
            following = steps[1] if len(steps) > 1 else ""
            op = _OPERATOR.match(following)
            return op.group(1) if op else None
        op = _OPERATOR.match(step)
        return op.group(1) if op else None
    return None
