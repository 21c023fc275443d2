"""Rows made to fit a Log Analytics table: one well-typed column per schema column.

The schema is the shared one (:data:`praks_lib.azure.log_tables.TABLES`). A row may leave columns
out; the ones Log Analytics fills on ingestion get its values (TenantId: the workspace, Type: the
table, TimeGenerated: now, SourceSystem: the table's source system). A value that does not convert
to its column's type, an unknown column or an unknown table is a :class:`LogSchemaError`.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from praks_lib.azure.log_tables import TABLES

#: Log Analytics column type -> DuckDB storage type.
STORAGE_TYPES = {
    "string": "VARCHAR",
    "datetime": "TIMESTAMP",
    "long": "BIGINT",
    "int": "INTEGER",
    "real": "DOUBLE",
    "bool": "BOOLEAN",
    "guid": "UUID",
    "timespan": "INTERVAL",
    "dynamic": "JSON",
}


class LogSchemaError(ValueError):
    """Rows that do not fit the table: unknown table, unknown column, or a bad value."""


def schema_of(table: str) -> dict[str, str]:
    try:
        return dict(TABLES[table].columns)
    except KeyError:
        raise LogSchemaError(
            f"Unknown Log Analytics table {table!r}; known tables: {', '.join(TABLES)}."
        ) from None


def check_columns(table: str, schema: dict[str, str], rows: list[dict[str, Any]]) -> None:
    unknown = set().union(*map(dict.keys, rows)) - schema.keys()
    if unknown:
        raise LogSchemaError(
            f"Table {table!r} has no column(s) {sorted(unknown)}; its columns are: {', '.join(schema)}."
        )


def select_list(schema: dict[str, str]) -> str:
    """SQL that reads every schema column in its storage type, in the schema's order."""
    return ", ".join(f'CAST("{c}" AS {STORAGE_TYPES[t]}) AS "{c}"' for c, t in schema.items())


def empty_select(schema: dict[str, str]) -> str:
    """SQL for a table with the schema's columns and no rows."""
    nulls = ", ".join(f'CAST(NULL AS {STORAGE_TYPES[t]}) AS "{c}"' for c, t in schema.items())
    return f"SELECT {nulls} WHERE false"


def typed_rows(table: str, rows: list[dict[str, Any]], workspace_id: str) -> list[tuple]:
    """*rows* as tuples in the schema's column order, each value in its column's storage type.

    Converted in plain Python (a pandas frame cost ~8 ms per call, for the one or two rows the
    firewall logs per connection). None, NaN and NaT are missing values; the columns Log Analytics
    fills get its values. Raises :class:`LogSchemaError` for an unknown table or column or a bad value.
    """
    schema = schema_of(table)
    check_columns(table, schema, rows)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    defaults = {"TenantId": workspace_id, "Type": table, "TimeGenerated": now}
    if TABLES[table].source_system:
        defaults["SourceSystem"] = TABLES[table].source_system
    columns = []
    for column, la_type in schema.items():
        convert, default, kept = _CONVERTERS[la_type], defaults.get(column), _KEPT.get(la_type)
        try:
            columns.append([value if value.__class__ is kept else _typed(value, default, convert, position)
                            for position, value in enumerate(row.get(column) for row in rows)])
        except (ValueError, TypeError, OverflowError) as exc:
            raise LogSchemaError(
                f"Column {table}.{column} is {la_type}, but a value does not convert: {exc}"
            ) from exc
    return list(zip(*columns))


def _typed(value: Any, default: Any, convert: Callable[[Any, int], Any], position: int) -> Any:
    """A value not kept as it is: a missing one takes the column's ingestion default, if any."""
    if _missing(value):
        value = default
    return None if value is None else convert(value, position)


def _missing(value: Any) -> bool:
    """None, NaN, or pandas' NaT or NA: what pandas counts as no value."""
    if value is None:
        return True
    if isinstance(value, (str, int)):
        return False
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NaTType", "NAType")


_FRACTION = re.compile(r"(?P<head>.*\d\d:\d\d:\d\d)\.(?P<digits>\d+)(?P<tail>.*)")
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _datetime(value: Any, position: int) -> datetime | None:
    """UTC without a zone; a naive value is UTC. Fractions finer than microseconds are rounded."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        if not value.strip():
            return None
        text, micros = value.strip(), 0
        fraction = _FRACTION.fullmatch(text)
        if fraction:  # to nanoseconds, then rounded to microseconds (as a DuckDB cast rounds)
            text = fraction["head"] + fraction["tail"]
            micros = (int(fraction["digits"][:9].ljust(9, "0")) + 500) // 1000
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return _datetime(parsed, position) + timedelta(microseconds=micros)
    raise ValueError(f"Time data {value} is not ISO8601 format, at position {position}")


def _number(value: Any, position: int) -> int | float | None:
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        if _NUMBER.fullmatch(value):
            number = float(value)
            return int(value) if value.strip().lstrip("+-").isdigit() else number
        raise ValueError(f'Unable to parse string "{value}" at position {position}')
    raise TypeError(f"Invalid object type at position {position}")


def _integer(bits: int) -> Callable[[Any, int], int | None]:
    def convert(value: Any, position: int) -> int | None:
        number = _number(value, position)
        if number is None:
            return None
        if isinstance(number, float) and not number.is_integer():
            raise TypeError(f"{value!r} at position {position} is not a whole number")
        if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
            raise OverflowError(f"{value!r} at position {position} does not fit in {bits} bits")
        return int(number)
    return convert


def _real(value: Any, position: int) -> float | None:
    number = _number(value, position)
    return None if number is None else float(number)


def _bool(value: Any, position: int) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true/false")
    return value


def _timespan(value: Any, position: int) -> timedelta:
    if not isinstance(value, timedelta):
        raise ValueError(f"{value!r} at position {position} is not a timespan")
    return value


def _string(value: Any, position: int) -> str:
    return value if isinstance(value, str) else str(value)


def _dynamic(value: Any, position: int) -> str:
    """JSON text for a dynamic value; a string that is not JSON is stored as a JSON string."""
    if isinstance(value, str):
        try:
            json.loads(value)
            return value
        except ValueError:
            pass
    return json.dumps(value, default=str)


#: Log Analytics column type -> the Python type of a value stored as it is (the common case, skipped fast).
_KEPT = {"string": str, "guid": str, "bool": bool}

#: Log Analytics column type -> (value, its row's position) -> the value DuckDB stores, or None.
_CONVERTERS: dict[str, Callable[[Any, int], Any]] = {
    "string": _string,
    "datetime": _datetime,
    "long": _integer(64),
    "int": _integer(32),
    "real": _real,
    "bool": _bool,
    "guid": _string,
    "timespan": _timespan,
    "dynamic": _dynamic,
}
