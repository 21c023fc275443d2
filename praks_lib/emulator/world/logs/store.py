"""The emulated Log Analytics workspaces' rows, on disk, safe for several processes at once.

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

``query`` runs KQL over such a snapshot of every known table (:mod:`praks_lib.emulator.world.kql`)
and answers in the query API's wire format (:mod:`.wire_format`). DuckDB and duckdb-kql are
imported by the first write or query: starting the emulator does not pay for them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from praks_lib.azure.log_tables import TABLES
from praks_lib.emulator.world.logs import wire_format
from praks_lib.emulator.world.logs.columns import (
    LogSchemaError,
    empty_select,
    schema_of,
    select_list,
    typed_rows,
)

if TYPE_CHECKING:
    import duckdb

#: A table is compacted once it has this many segment files.
COMPACT_AT = 16

_SEGMENT = re.compile(r"^seg-[\w-]+\.parquet$")
_MANIFEST = "manifest.json"
QUARANTINE = "logs-quarantine"  # beside logs/: damaged files are moved here, never deleted


class LogDamageWarning(UserWarning):
    """A damaged log file was set aside: what it held is missing from query results."""

_SNAPSHOT_RETRIES = 20


class LogStore:
    """Log Analytics workspaces' tables, on disk under ``state_dir/logs``."""

    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.root = Path(state_dir) / "logs"

    # ---------------------------------------------------------------- writing

    def append(self, workspace_id: str, table: str, rows: list[dict[str, Any]]) -> None:
        """Add *rows* to *table* of the workspace whose customerId is *workspace_id*.

        Missing TimeGenerated is the ingestion time, TenantId the workspace, Type the table,
        SourceSystem the table's (as Azure fills them). Safe to call from several processes at once.
        """
        self.write(workspace_id, table, typed_rows(table, rows, workspace_id))

    def write(self, workspace_id: str, table: str, rows: list[tuple]) -> None:
        """Add rows made by :func:`.columns.typed_rows` for this workspace and table: one new segment."""
        if not rows:
            return
        import numpy

        schema = schema_of(table)
        table_dir = self._table_dir(workspace_id, table)
        table_dir.mkdir(parents=True, exist_ok=True)
        name = f"seg-{time.time_ns():020d}-{uuid.uuid4().hex}.parquet"
        tmp = table_dir / f".{name}.tmp"
        batch = {column: numpy.array(values, dtype=object) for column, values in zip(schema, zip(*rows))}
        con = _writer()
        try:
            con.register("batch", batch)
            con.execute(
                f"COPY (SELECT {select_list(schema)} FROM batch) TO '{tmp}' (FORMAT parquet)"
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
                if table_dir.name in TABLES:
                    self._compact_table(table_dir, schema_of(table_dir.name), wait=True)

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
        ``include-statistics=true``). Raises :class:`~.wire_format.LogQueryError` for a bad query.
        """
        import duckdb
        import duckdb_kql

        from praks_lib.emulator.world import kql

        now = datetime.now(timezone.utc).replace(tzinfo=None)
        window = wire_format.time_window(timespan, now)
        workspaces = [workspace_id, *(additional_workspaces or [])]
        started = time.perf_counter()
        for attempt in range(_SNAPSHOT_RETRIES):
            con = duckdb_kql.connect()
            try:
                self._bind_tables(con, workspaces, window)
                result = kql.run(con, query, now=now, max_rows=wire_format.MAX_RESULT_RECORDS)
                break
            except duckdb.IOException:
                if attempt == _SNAPSHOT_RETRIES - 1:
                    raise
            except duckdb.InvalidInputException:  # a file that is not Parquet (any more): set it aside
                if not self._quarantine_damaged(workspaces) or attempt == _SNAPSHOT_RETRIES - 1:
                    raise
            finally:
                con.close()
        body = wire_format.result_body(result.columns, result.rows, result.truncated)
        options = wire_format.prefer_options(prefer)
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

    def _quarantine_damaged(self, workspaces: list[str]) -> list[Path]:
        """Move every unreadable data file of these workspaces to ``logs-quarantine/``, saying so.

        Its rows are lost to queries, but the file is kept, and every other row stays queryable.
        """
        import duckdb

        moved = []
        for workspace in workspaces:
            for table in TABLES:
                table_dir = self._table_dir(workspace, table)
                for path in _snapshot(table_dir):
                    try:
                        duckdb.sql(f"SELECT count(*) FROM parquet_metadata({_sql_list([str(path)])})").fetchall()
                        continue
                    except duckdb.Error as error:
                        problem = str(error)
                    moved.append(_quarantine(table_dir, path, self.root.parent / QUARANTINE, problem))
                    manifest = _read_manifest(table_dir)
                    if path.name == manifest["base"]:  # the rows the base held are gone; its segments too
                        _write_manifest(table_dir, {**manifest, "generation": manifest["generation"] + 1,
                                                    "base": None})
        return moved

    def _bind_tables(
        self,
        con: "duckdb.DuckDBPyConnection",
        workspaces: list[str],
        window: tuple[datetime, datetime] | None,
    ) -> None:
        """Create one view per known table over the workspaces' current files."""
        for table in TABLES:
            schema = schema_of(table)
            files = [
                str(f) for ws in workspaces for f in _snapshot(self._table_dir(ws, table))
            ]
            columns = select_list(schema)
            if files:
                source = f"read_parquet({_sql_list(files)})"
                where = ""
                if window:
                    where = (f" WHERE TimeGenerated BETWEEN TIMESTAMP '{window[0].isoformat()}'"
                             f" AND TIMESTAMP '{window[1].isoformat()}'")
                sql = f"SELECT {columns} FROM {source}{where}"
            else:
                sql = empty_select(schema)
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
                    f"COPY (SELECT {select_list(schema)} FROM read_parquet({_sql_list(sources)}))"
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


_writer_database: "tuple[int, duckdb.DuckDBPyConnection] | None" = None


def _writer() -> "duckdb.DuckDBPyConnection":
    """A cursor on this process's scratch DuckDB (opening a database costs ~10 ms)."""
    import duckdb

    global _writer_database
    if _writer_database is None or _writer_database[0] != os.getpid():
        _writer_database = (os.getpid(), duckdb.connect())
    return _writer_database[1].cursor()


def _segments(table_dir: Path) -> set[str]:
    try:
        return {n for n in os.listdir(table_dir) if _SEGMENT.match(n)}
    except FileNotFoundError:
        return set()


def _read_manifest(table_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((table_dir / _MANIFEST).read_text())
        if isinstance(manifest, dict) and {"generation", "base", "covers"} <= manifest.keys():
            return manifest
        problem = "not a manifest"
    except FileNotFoundError:
        return {"generation": 0, "base": None, "covers": []}
    except (ValueError, UnicodeDecodeError) as error:
        problem = f"not JSON: {error}"
    # Damaged: set it aside and rebuild it from the files (the newest base, no segment counted in it).
    _quarantine(table_dir, table_dir / _MANIFEST, table_dir.parents[2] / QUARANTINE, problem)
    bases = sorted(table_dir.glob("base-*.parquet"))
    generation = int(bases[-1].stem.split("-")[1]) if bases else 0
    manifest = {"generation": generation + 1, "base": bases[-1].name if bases else None, "covers": []}
    _write_manifest(table_dir, manifest)
    return manifest


def _quarantine(table_dir: Path, path: Path, quarantine: Path, problem: str) -> Path:
    """Move a damaged file of a table to the quarantine folder (never delete it) and warn."""
    target = quarantine / table_dir.parent.name / table_dir.name / f"{time.time_ns()}-{path.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(path, target)
    except FileNotFoundError:
        return target  # another process set it aside first
    warnings.warn(f"emulated Log Analytics: {path} was damaged ({problem}); moved to {target}. Rows it held are "
                  "missing from queries; new rows are kept as usual.", LogDamageWarning, stacklevel=2)
    return target


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


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


