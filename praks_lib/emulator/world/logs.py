"""The emulated Log Analytics data store and query API.

Rows are kept per workspace (customerId) and table under ``state_dir/logs/<workspace>/<Table>/``
as Parquet files, so several processes (papermill kernels, the emulator's data plane) can
append and query the same workspace at once:

* every ``append`` writes its own new segment file (``seg-*.parquet``), atomically (written
  under a temporary name, then renamed), so no append can lose or tear another's rows;
* once a table has :data:`COMPACT_AT` segments, the appending process folds them into one
  ``base-<generation>.parquet`` under a file lock. ``manifest.json`` (replaced atomically)
  names the current base and the segments it already holds; readers take a consistent
  snapshot by reading the manifest before and after listing the segments, and retry if a
  compaction removed a file under them.

``query`` answers KQL the way ``POST /v1/workspaces/{customerId}/query`` does: the body
Azure returns (``tables`` / ``columns`` with Log Analytics types / ``rows``, values
serialised as Azure does), ``PartialError`` for results over Azure's 500,000-record limit,
and :class:`LogQueryError` (HTTP status + Azure's error body) for bad queries.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import duckdb_kql
import isodate
import pandas as pd
from filelock import FileLock, Timeout

from praks_lib.emulator.world import kql

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

_STANDARD_TAIL = {"SourceSystem": "string", "Type": "string", "_ResourceId": "string"}


def _table(**columns: str) -> dict[str, str]:
    """A table schema: TenantId and TimeGenerated first, Azure's standard columns last."""
    return {"TenantId": "string", "TimeGenerated": "datetime", **columns, **_STANDARD_TAIL}


#: Table -> column -> Log Analytics type, as Azure defines them (the columns this runbook and
#: the emulator's data plane and monitoring add-on write; Azure's hidden _* columns omitted).
TABLE_SCHEMAS: dict[str, dict[str, str]] = {
    "AZFWApplicationRule": _table(
        Action="string", ActionReason="string", SourceIp="string", SourcePort="int",
        DestinationPort="int", Fqdn="string", Protocol="string", TargetUrl="string",
        IsTlsInspected="bool", IsExplicitProxyRequest="bool", WebCategory="string",
        Policy="string", RuleCollectionGroup="string", RuleCollection="string", Rule="string",
    ),
    "AZFWNetworkRule": _table(
        Action="string", ActionReason="string", SourceIp="string", SourcePort="int",
        DestinationIp="string", DestinationPort="int", Protocol="string", Policy="string",
        RuleCollectionGroup="string", RuleCollection="string", Rule="string",
    ),
    "AZFWNatRule": _table(
        SourceIp="string", SourcePort="int", DestinationIp="string", DestinationPort="int",
        Protocol="string", TranslatedIp="string", TranslatedPort="int", Policy="string",
        RuleCollectionGroup="string", RuleCollection="string", Rule="string",
    ),
    "AZFWDnsQuery": _table(
        SourceIp="string", SourcePort="int", QueryId="int", QueryType="string",
        QueryClass="string", QueryName="string", Protocol="string", RequestSize="int",
        DnssecOkBit="bool", EDNS0BufferSize="int", ResponseCode="string",
        ResponseFlags="string", ResponseSize="int", RequestDurationSecs="real",
        ErrorNumber="int", ErrorMessage="string",
    ),
    "AzureDiagnostics": _table(
        ResourceId="string", Category="string", ResourceGroup="string",
        SubscriptionId="string", ResourceProvider="string", Resource="string",
        ResourceType="string", OperationName="string", msg_s="string",
    ),
    "KubePodInventory": _table(
        Computer="string", ClusterId="string", ClusterName="string", Name="string",
        Namespace="string", PodUid="string", PodLabel="dynamic",
        PodCreationTimeStamp="datetime", PodStartTime="datetime", PodStatus="string",
        PodIp="string", ServiceName="string", ControllerKind="string",
        ControllerName="string", ContainerID="string", ContainerName="string",
        ContainerStatus="string", ContainerStatusReason="string",
        ContainerRestartCount="int", ContainerCreationTimeStamp="datetime",
        ContainerLastStatus="string", InstanceName="string",
    ),
    "ContainerInventory": _table(
        Computer="string", ContainerID="string", Name="string", ContainerHostname="string",
        Image="string", ImageTag="string", ImageID="string", Repository="string",
        ContainerState="string", ExitCode="int", CreatedTime="datetime",
        StartedTime="datetime", FinishedTime="datetime", Ports="string",
        EnvironmentVar="string", Command="string", ComposeGroup="string",
    ),
    "KubeNodeInventory": _table(
        Computer="string", ClusterId="string", ClusterName="string", Status="string",
        LastTransitionTimeReady="datetime", Labels="string", KubeletVersion="string",
        KubeProxyVersion="string", CreationTimeStamp="datetime",
        KubernetesProviderID="string", DockerVersion="string", OperatingSystem="string",
    ),
}

#: Log Analytics returns at most this many records; more is a PartialError with the rows cut.
MAX_RESULT_RECORDS = 500_000
#: A table is compacted once it has this many segment files.
COMPACT_AT = 16

_SEGMENT = re.compile(r"^seg-[\w-]+\.parquet$")
_MANIFEST = "manifest.json"
_SNAPSHOT_RETRIES = 20
_RESOURCE_LOG_TABLES = {"AZFWApplicationRule", "AZFWNetworkRule", "AZFWNatRule",
                        "AZFWDnsQuery", "AzureDiagnostics"}


class LogSchemaError(ValueError):
    """Rows that do not fit the table: unknown table, unknown column, or a bad value."""


@dataclass
class LogQueryError(Exception):
    """A query Log Analytics refuses: the HTTP status and the exact error body it sends."""

    status: int
    body: dict[str, Any]

    def __post_init__(self) -> None:
        super().__init__(_deepest_message(self.body["error"]))


class LogStore:
    """Log Analytics workspaces' tables, on disk under ``state_dir/logs``."""

    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.root = Path(state_dir) / "logs"

    # ---------------------------------------------------------------- writing

    def append(self, workspace_id: str, table: str, rows: list[dict[str, Any]]) -> None:
        """Add *rows* to *table* of the workspace whose customerId is *workspace_id*.

        Missing TimeGenerated is the ingestion time, TenantId the workspace, Type the table
        (as Azure fills them). Safe to call from several processes at once.
        """
        schema = _schema(table)
        if not rows:
            return
        unknown = set().union(*map(dict.keys, rows)) - schema.keys()
        if unknown:
            raise LogSchemaError(
                f"Table {table!r} has no column(s) {sorted(unknown)}; "
                f"its columns are: {', '.join(schema)}."
            )
        frame = _typed_frame(table, schema, rows, workspace_id)
        table_dir = self._table_dir(workspace_id, table)
        table_dir.mkdir(parents=True, exist_ok=True)
        name = f"seg-{time.time_ns():020d}-{uuid.uuid4().hex}.parquet"
        tmp = table_dir / f".{name}.tmp"
        con = _writer()
        try:
            con.register("batch", frame)
            con.execute(
                f"COPY (SELECT {_select_list(schema)} FROM batch) TO '{tmp}' (FORMAT parquet)"
            )
        finally:
            con.close()
        os.replace(tmp, table_dir / name)
        if len(_segments(table_dir)) >= COMPACT_AT:
            self._compact_table(table_dir, schema, wait=False)

    def compact(self) -> None:
        """Fold every table's segments into one Parquet file (waits for other compactions)."""
        if not self.root.exists():
            return
        for workspace_dir in self.root.iterdir():
            for table_dir in workspace_dir.iterdir():
                if table_dir.name in TABLE_SCHEMAS:
                    self._compact_table(table_dir, TABLE_SCHEMAS[table_dir.name], wait=True)

    def reset(self, workspace_id: str | None = None) -> None:
        """Delete one workspace's log data, or every workspace's."""
        target = self.root / workspace_id if workspace_id else self.root
        shutil.rmtree(target, ignore_errors=True)

    # ---------------------------------------------------------------- reading

    def query(
        self,
        workspace_id: str,
        query: str,
        timespan: str | None = None,
        *,
        additional_workspaces: list[str] | None = None,
        prefer: str | None = None,
    ) -> dict[str, Any]:
        """Run KQL *query* and return the response body Log Analytics sends with HTTP 200.

        *timespan* is the request body's ISO 8601 interval (``PT1H``, ``start/end``,
        ``start/duration``); rows outside it are invisible to the query, as in Azure.
        *additional_workspaces* are more customerIds whose rows the tables also hold (the
        body's ``workspaces``). *prefer* is the ``Prefer`` header (``include-render=true``,
        ``include-statistics=true``). Raises :class:`LogQueryError` for a bad query.
        """
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        window = _time_window(timespan, now)
        workspaces = [workspace_id, *(additional_workspaces or [])]
        started = time.perf_counter()
        for attempt in range(_SNAPSHOT_RETRIES):
            con = duckdb_kql.connect()
            try:
                self._bind_tables(con, workspaces, window)
                result = kql.run(con, query, now=now, max_rows=MAX_RESULT_RECORDS)
                break
            except kql.KqlQueryError as exc:
                raise LogQueryError(400, _query_error_body(exc)) from exc
            except duckdb.IOException:
                if attempt == _SNAPSHOT_RETRIES - 1:
                    raise
            finally:
                con.close()
        body: dict[str, Any] = {
            "tables": [{
                "name": "PrimaryResult",
                "columns": [{"name": n, "type": t} for n, t in result.columns],
                "rows": [_json_row(row, result.columns) for row in result.rows],
            }]
        }
        if result.truncated:
            body["error"] = _partial_error(MAX_RESULT_RECORDS)
        options = _prefer_options(prefer)
        if options.get("include-statistics") == "true":
            body["statistics"] = {"query": {
                "executionTime": round(time.perf_counter() - started, 6),
                "datasetStatistics": [{"tableRowCount": len(result.rows)}],
            }}
        if options.get("include-render") == "true" and kql.visualization(query):
            body["render"] = {"visualization": kql.visualization(query)}
        return body

    # ---------------------------------------------------------------- internals

    def _table_dir(self, workspace_id: str, table: str) -> Path:
        if not re.fullmatch(r"[\w-]+", workspace_id):
            raise LogSchemaError(
                f"Workspace id {workspace_id!r} is not a workspace customerId (a GUID)."
            )
        return self.root / workspace_id / table

    def _bind_tables(
        self,
        con: duckdb.DuckDBPyConnection,
        workspaces: list[str],
        window: tuple[datetime, datetime] | None,
    ) -> None:
        """Create one view per known table over the workspaces' current files."""
        for table, schema in TABLE_SCHEMAS.items():
            files = [
                str(f) for ws in workspaces for f in _snapshot(self._table_dir(ws, table))
            ]
            columns = _select_list(schema)
            if files:
                source = f"read_parquet({_sql_list(files)})"
                where = ""
                if window:
                    where = (f" WHERE TimeGenerated BETWEEN TIMESTAMP '{window[0].isoformat()}'"
                             f" AND TIMESTAMP '{window[1].isoformat()}'")
                sql = f"SELECT {columns} FROM {source}{where}"
            else:
                nulls = ", ".join(
                    f"CAST(NULL AS {STORAGE_TYPES[t]}) AS \"{c}\"" for c, t in schema.items()
                )
                sql = f"SELECT {nulls} WHERE false"
            con.execute(f'CREATE VIEW "{table}" AS {sql}')

    def _compact_table(self, table_dir: Path, schema: dict[str, str], *, wait: bool) -> None:
        """Merge the base and the segments into a new base; one compactor at a time."""
        lock = FileLock(str(table_dir / ".compact.lock"), timeout=-1 if wait else 0)
        try:
            lock.acquire()
        except Timeout:
            return  # another process is compacting this table right now
        try:
            manifest = _read_manifest(table_dir)
            covered = set(manifest["covers"])
            segments = _segments(table_dir)
            for name in segments & covered:  # already in the base: a crash left them
                (table_dir / name).unlink(missing_ok=True)
            fresh = sorted(segments - covered)
            if not fresh:
                return
            generation = manifest["generation"] + 1
            base = f"base-{generation:08d}.parquet"
            sources = [str(table_dir / n) for n in fresh]
            if manifest["base"]:
                sources.insert(0, str(table_dir / manifest["base"]))
            tmp = table_dir / f".{base}.tmp"
            con = _writer()
            try:
                con.execute(
                    f"COPY (SELECT {_select_list(schema)} FROM read_parquet({_sql_list(sources)}))"
                    f" TO '{tmp}' (FORMAT parquet)"
                )
            finally:
                con.close()
            os.replace(tmp, table_dir / base)
            _write_manifest(table_dir, {"generation": generation, "base": base, "covers": fresh})
            # The old base goes before the segments, so a reader holding the old manifest
            # fails (and retries) rather than reading the old base without the segments.
            for stale in table_dir.glob("base-*.parquet"):
                if stale.name != base:
                    stale.unlink(missing_ok=True)
            for name in fresh:
                (table_dir / name).unlink(missing_ok=True)
        finally:
            lock.release()


# -------------------------------------------------------------------- storage helpers


_writer_database: tuple[int, duckdb.DuckDBPyConnection] | None = None


def _writer() -> duckdb.DuckDBPyConnection:
    """A cursor on this process's scratch DuckDB (opening a database costs ~10 ms)."""
    global _writer_database
    if _writer_database is None or _writer_database[0] != os.getpid():
        _writer_database = (os.getpid(), duckdb.connect())
    return _writer_database[1].cursor()


def _schema(table: str) -> dict[str, str]:
    try:
        return TABLE_SCHEMAS[table]
    except KeyError:
        raise LogSchemaError(
            f"Unknown Log Analytics table {table!r}; known tables: {', '.join(TABLE_SCHEMAS)}."
        ) from None


def _segments(table_dir: Path) -> set[str]:
    try:
        return {n for n in os.listdir(table_dir) if _SEGMENT.match(n)}
    except FileNotFoundError:
        return set()


def _read_manifest(table_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((table_dir / _MANIFEST).read_text())
    except FileNotFoundError:
        return {"generation": 0, "base": None, "covers": []}


def _write_manifest(table_dir: Path, manifest: dict[str, Any]) -> None:
    tmp = table_dir / f".{_MANIFEST}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(manifest))
    os.replace(tmp, table_dir / _MANIFEST)


def _snapshot(table_dir: Path) -> list[Path]:
    """The files holding the table now: the base plus segments it does not yet include.

    Reads the manifest before and after listing, so the list never mixes two generations.
    """
    for _ in range(_SNAPSHOT_RETRIES):
        before = _read_manifest(table_dir)
        segments = _segments(table_dir) - set(before["covers"])
        if _read_manifest(table_dir)["generation"] == before["generation"]:
            base = [table_dir / before["base"]] if before["base"] else []
            return base + [table_dir / n for n in sorted(segments)]
    raise RuntimeError(f"{table_dir} kept changing while being read")


def _select_list(schema: dict[str, str]) -> str:
    return ", ".join(f'CAST("{c}" AS {STORAGE_TYPES[t]}) AS "{c}"' for c, t in schema.items())


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _typed_frame(
    table: str, schema: dict[str, str], rows: list[dict[str, Any]], workspace_id: str
) -> pd.DataFrame:
    """*rows* as a DataFrame with one well-typed column per schema column."""
    frame = pd.DataFrame.from_records(rows, columns=list(schema))
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    defaults = {"TenantId": workspace_id, "Type": table, "TimeGenerated": now}
    if table in _RESOURCE_LOG_TABLES:
        defaults["SourceSystem"] = "Azure"
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


def _convert(values: pd.Series, la_type: str) -> pd.Series:
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


# -------------------------------------------------------------------- query helpers


def _time_window(timespan: str | None, now: datetime) -> tuple[datetime, datetime] | None:
    """[start, end] in naive UTC from the request's ISO 8601 timespan, as Azure reads it."""
    if not timespan:
        return None
    try:
        if "/" not in timespan:
            return now - _duration(timespan), now
        first, second = timespan.split("/", 1)
        if first.upper().startswith("P"):
            end = _instant(second)
            return end - _duration(first), end
        start = _instant(first)
        end = start + _duration(second) if second.upper().startswith("P") else _instant(second)
        return start, end
    except (ValueError, isodate.ISO8601Error) as exc:
        raise LogQueryError(400, _error_body(
            "BadArgumentError", "The request had some invalid properties",
            {"code": "InvalidTimespan", "message":
             f"Timespan {timespan!r} is not an ISO 8601 interval: use a duration (PT1H, P1D), "
             f"start/end or start/duration ({exc})."},
        )) from exc


def _duration(text: str) -> timedelta:
    value = isodate.parse_duration(text)
    if not isinstance(value, timedelta):  # years/months: no fixed length
        value = value.totimedelta(end=datetime.now())
    return value


def _instant(text: str) -> datetime:
    moment = isodate.parse_datetime(text)
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _prefer_options(prefer: str | None) -> dict[str, str]:
    options = {}
    for part in (prefer or "").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            options[key.lower()] = value.strip().lower()
    return options


def _json_row(row: tuple[Any, ...], columns: list[tuple[str, str]]) -> list[Any]:
    return [_json_value(value, la_type) for value, (_, la_type) in zip(row, columns)]


def _json_value(value: Any, la_type: str) -> Any:
    """A value as Log Analytics writes it in JSON (dynamic is JSON text, like Azure)."""
    if value is None:
        return None
    if la_type == "dynamic":
        return value if isinstance(value, str) else json.dumps(value, default=_json_default)
    if isinstance(value, datetime):
        return _iso_datetime(value)
    if isinstance(value, date):
        return _iso_datetime(datetime(value.year, value.month, value.day))
    if isinstance(value, timedelta):
        return _timespan_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _json_default(value: Any) -> Any:
    """Values nested in a dynamic (datetimes, timespans, guids) in their scalar JSON form."""
    return _json_value(value, "")


def _iso_datetime(value: datetime) -> str:
    """``2024-01-01T10:00:00Z`` / ``...:00.123Z``: Kusto's round-trip form, zeros trimmed."""
    if value.tzinfo:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _timespan_text(value: timedelta) -> str:
    """.NET TimeSpan form, as Kusto writes it: ``[-][d.]hh:mm:ss[.fffffff]``."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{f'{value.days}.' if value.days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + (f".{value.microseconds * 10:07d}" if value.microseconds else "")


def _error_body(code: str, message: str, innererror: dict[str, Any]) -> dict[str, Any]:
    return {"error": {"message": message, "code": code,
                      "correlationId": str(uuid.uuid4()), "innererror": innererror}}


def _query_error_body(exc: kql.KqlQueryError) -> dict[str, Any]:
    detail = {"code": exc.detail_code, "message": exc.detail_message, **exc.extra}
    return _error_body(
        "BadArgumentError", "The request had some invalid properties",
        {"code": exc.code, "message": exc.message, "innererror": detail},
    )


def _partial_error(limit: int) -> dict[str, Any]:
    return {
        "code": "PartialError",
        "message": "There were some errors when processing your query.",
        "details": [{
            "code": "EngineError",
            "message": "Something went wrong processing your query on the server.",
            "innererror": {
                "code": "-2133196797",
                "message": f"Query result set has exceeded the internal record count limit "
                           f"{limit} (E_QUERY_RESULT_SET_TOO_LARGE; see "
                           f"https://aka.ms/kustoquerylimits)",
                "severity": 2,
                "severityName": "Error",
            },
        }],
    }


def _deepest_message(error: dict[str, Any]) -> str:
    while error.get("innererror"):
        error = error["innererror"]
    return str(error.get("message", ""))
