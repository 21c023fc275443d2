"""Rows made to fit a Log Analytics table: one well-typed column per schema column.

The schema is the shared one (:data:`praks_lib.azure.log_tables.TABLES`). A row may leave columns
out; the ones Log Analytics fills on ingestion get its values (TenantId: the workspace, Type: the
table, TimeGenerated: now, SourceSystem: the table's source system). A value that does not convert
to its column's type, an unknown column or an unknown table is a :class:`LogSchemaError`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from praks_lib.azure.log_tables import TABLES

if TYPE_CHECKING:
    import pandas as pd

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


def typed_frame(table: str, schema: dict[str, str], rows: list[dict[str, Any]],
                workspace_id: str) -> "pd.DataFrame":
    """*rows* as a DataFrame with one well-typed column per schema column."""
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=list(schema))
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    defaults = {"TenantId": workspace_id, "Type": table, "TimeGenerated": now}
    if TABLES[table].source_system:
        defaults["SourceSystem"] = TABLES[table].source_system
    for column, value in defaults.items():
        frame[column] = frame[column].where(frame[column].notna(), value)
    for column, la_type in schema.items():
        try:
            frame[column] = _convert(frame[column], la_type)
        except (ValueError, TypeError, OverflowError) as exc:
            raise LogSchemaError(
                f"Column {table}.{column} is {la_type}, but a value does not convert: {exc}"
            ) from exc
    return frame


def _convert(values: "pd.Series", la_type: str) -> "pd.Series":
    import pandas as pd

    if la_type == "datetime":
        return pd.to_datetime(values, utc=True, format="ISO8601", cache=False).dt.tz_localize(None)
    if la_type in ("int", "long"):
        return pd.to_numeric(values).astype("Int32" if la_type == "int" else "Int64")
    if la_type == "real":
        return pd.to_numeric(values).astype("float64")
    if la_type == "bool":
        bad = values[values.notna() & ~values.map(lambda v: isinstance(v, bool))]
        if len(bad):
            raise ValueError(f"{bad.iloc[0]!r} is not true/false")
        return values.astype("boolean")
    if la_type == "timespan":
        return pd.to_timedelta(values)
    if la_type == "dynamic":
        return values.map(_dynamic_text, na_action="ignore").astype(object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.astype(object)
    return values.map(str, na_action="ignore").astype(object)  # string, guid


def _dynamic_text(value: Any) -> str:
    """JSON text for a dynamic value; a string that is not JSON is stored as a JSON string."""
    if isinstance(value, str):
        try:
            json.loads(value)
            return value
        except ValueError:
            pass
    return json.dumps(value, default=str)
