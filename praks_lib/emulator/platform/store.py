"""The emulator's state: one SQLite file that every process using the same state folder shares.

Why SQLite: notebook kernels, papermill workers and pytest run in separate processes and must see
one cloud. WAL mode lets readers and a writer work at once; every request runs inside one
``BEGIN IMMEDIATE`` transaction (so a read-modify-write never interleaves with another process),
and a busy timeout makes concurrent writers queue instead of failing.

Tables:
  resources   one row per ARM resource (child resources such as subnets are rows of their own),
              keyed by the lower-cased resource id, holding the JSON body as stored.
  operations  long-running operations (``Azure-AsyncOperation`` / ``Location`` polling).
  faults      injected faults (see ``praks_lib.emulator.platform.faults``).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Protocol, TypeVar

from praks_lib.errors import StateError

BUSY_TIMEOUT_MS = 30_000
STATE_FILE = "cloud.sqlite"  # with SQLite's -wal and -shm files beside it

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    id     TEXT PRIMARY KEY,   -- lower-cased ARM id
    type   TEXT NOT NULL,      -- lower-cased full type, e.g. microsoft.network/virtualnetworks/subnets
    parent TEXT,               -- lower-cased id of the parent resource (child resources only)
    scope  TEXT NOT NULL,      -- lower-cased resource group id (or subscription id for groups)
    body   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_parent ON resources(parent);
CREATE INDEX IF NOT EXISTS resources_scope_type ON resources(scope, type);
-- Subscription-wide lists of one type (the data plane's subnets, firewalls and public IPs for every
-- connection) read that type's rows only, not every row of every deployment in a room's state.
CREATE INDEX IF NOT EXISTS resources_type ON resources(type);
CREATE TABLE IF NOT EXISTS operations (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,     -- put | delete
    resource_id TEXT NOT NULL,     -- lower-cased id of the resource the operation acts on
    polls_left  INTEGER NOT NULL,  -- InProgress answers still to give
    error       TEXT               -- JSON {"code","message"} when the operation ends Failed
);
CREATE TABLE IF NOT EXISTS operation_times (
    id          TEXT PRIMARY KEY,  -- the operation's id
    started     TEXT NOT NULL,     -- ISO 8601 UTC, as Azure's operation status writes startTime
    ended       TEXT               -- set when the operation ends
);
CREATE TABLE IF NOT EXISTS faults (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,     -- response | operation
    method      TEXT NOT NULL,     -- HTTP method or *
    path_regex  TEXT NOT NULL,
    status      INTEGER,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    retry_after INTEGER,
    times_left  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


class Deferred(Protocol):
    """Work a transaction collects and does once, after it ends (see :meth:`Transaction.deferred`)."""

    def flush(self) -> None: ...


D = TypeVar("D", bound=Deferred)


class Store:
    """The state file in ``state_dir``; open a :meth:`transaction` to read or change it."""

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / STATE_FILE
        with self._readable():
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)

    @contextmanager
    def _readable(self) -> Iterator[None]:
        """SQLite's "file is not a database" / "disk image is malformed" as a StateError naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            if type(error) is not sqlite3.DatabaseError and "malformed" not in str(error):
                raise  # locked, busy, a constraint: not damage
            raise StateError(
                f"The emulator's state file {self.path} is damaged ({error}); the emulated cloud in it "
                "cannot be read.",
                f"run `praks reset --state-dir {self.path.parent}` (it moves the damaged file aside and starts "
                f"an empty emulated cloud), or delete the folder: rm -rf {self.path.parent}. Only emulated "
                "resources are in it; nothing on Azure is affected.") from None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    @contextmanager
    def transaction(self) -> Iterator["Transaction"]:
        """One write-locked transaction: committed when the block ends, rolled back on error.

        Its :meth:`~Transaction.deferred` work is flushed once it has ended either way, after the
        state file is unlocked (so other processes do not wait on it)."""
        conn = self._connect()
        tx = Transaction(conn)
        try:
            with self._readable():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield tx
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        finally:
            conn.close()
            for work in tx._deferred.values():  # in the order first asked for
                work.flush()

    def reset(self) -> None:
        """Empty the cloud: no resources, operations or faults."""
        with self.transaction() as tx:
            for table in ("resources", "operations", "operation_times", "faults", "counters"):
                tx.conn.execute(f"DELETE FROM {table}")


class Transaction:
    """Reads and writes inside one transaction. Resource ids are matched case-insensitively."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._deferred: dict[str, Deferred] = {}

    def deferred(self, key: str, make: Callable[[], D]) -> D:
        """This transaction's one *key* object (``make()`` on first use), flushed when it ends.

        For effects outside the state file that a request's steps add up and that must happen
        whether the transaction commits or rolls back (the firewall's log rows: traffic that was
        sent stays logged even when the operation then fails), done once instead of per step.
        """
        if key not in self._deferred:
            self._deferred[key] = make()
        return self._deferred[key]  # type: ignore[return-value]

    # resources ---------------------------------------------------------------------------

    def get(self, resource_id: str) -> dict | None:
        row = self.conn.execute(
            "SELECT body FROM resources WHERE id = ?", (resource_id.lower(),)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, resource_id: str, body: dict, *, type: str, scope: str, parent: str | None = None):
        """Insert or replace a resource; an update keeps the row's place in listings."""
        self.conn.execute(
            "INSERT INTO resources (id, type, parent, scope, body) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            (
                resource_id.lower(),
                type.lower(),
                parent.lower() if parent else None,
                scope.lower(),
                json.dumps(body, sort_keys=True),
            ),
        )

    def children(self, parent_id: str, type: str) -> list[dict]:
        rows = self.conn.execute(
            "SELECT body FROM resources WHERE parent = ? AND type = ? ORDER BY rowid",
            (parent_id.lower(), type.lower()),
        )
        return [json.loads(body) for (body,) in rows]

    def list(self, type: str, scope_prefix: str) -> list[dict]:
        """Resources of ``type`` whose scope is ``scope_prefix`` or inside it, in creation order."""
        prefix = scope_prefix.lower()
        rows = self.conn.execute(
            "SELECT body FROM resources WHERE type = ? AND (scope = ? OR substr(scope, 1, ?) = ?) "
            "ORDER BY rowid",
            (type.lower(), prefix, len(prefix) + 1, prefix + "/"),
        )
        return [json.loads(body) for (body,) in rows]

    def in_scope(self, scope: str) -> list[dict]:
        """Every resource in a resource group, children included, in creation order."""
        rows = self.conn.execute(
            "SELECT body FROM resources WHERE scope = ? AND id != ? ORDER BY rowid",
            (scope.lower(), scope.lower()),
        )
        return [json.loads(body) for (body,) in rows]

    def delete_tree(self, resource_id: str) -> int:
        """Delete a resource and everything below its id (child resources, nested resources)."""
        key = resource_id.lower()
        return self.conn.execute(
            "DELETE FROM resources WHERE id = ? OR substr(id, 1, ?) = ?",
            (key, len(key) + 1, key + "/"),
        ).rowcount

    def delete_scope(self, scope: str) -> int:
        """Delete every resource whose scope is ``scope`` (a resource group's content)."""
        return self.conn.execute("DELETE FROM resources WHERE scope = ?", (scope.lower(),)).rowcount

    def next_number(self, name: str) -> int:
        """A counter that grows by one per call, shared by all processes (deterministic ids)."""
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1",
            (name,),
        )
        return self.conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    # operations --------------------------------------------------------------------------

    def add_operation(self, op_id: str, kind: str, resource_id: str, polls: int, error: dict | None,
                      started: str):
        self.conn.execute(
            "INSERT INTO operations (id, kind, resource_id, polls_left, error) VALUES (?, ?, ?, ?, ?)",
            (op_id, kind, resource_id.lower(), polls, json.dumps(error) if error else None),
        )
        self.conn.execute("INSERT OR REPLACE INTO operation_times (id, started) VALUES (?, ?)", (op_id, started))

    def get_operation(self, op_id: str) -> dict | None:
        row = self.conn.execute(
            "SELECT kind, resource_id, polls_left, error, started, ended FROM operations "
            "LEFT JOIN operation_times USING (id) WHERE id = ?", (op_id,)
        ).fetchone()
        if row is None:
            return None
        kind, resource_id, polls_left, error, started, ended = row
        return {
            "id": op_id,
            "kind": kind,
            "resource_id": resource_id,
            "polls_left": polls_left,
            "error": json.loads(error) if error else None,
            "started": started,
            "ended": ended,
        }

    def end_operation(self, op_id: str, ended: str) -> None:
        """The time an operation ended (its first terminal answer; later polls repeat it)."""
        self.conn.execute("UPDATE operation_times SET ended = ? WHERE id = ? AND ended IS NULL", (ended, op_id))

    def set_operation_polls(self, op_id: str, polls_left: int) -> None:
        self.conn.execute("UPDATE operations SET polls_left = ? WHERE id = ?", (polls_left, op_id))

    # faults ------------------------------------------------------------------------------

    def add_fault(self, fault: dict) -> None:
        self.conn.execute(
            "INSERT INTO faults (kind, method, path_regex, status, code, message, retry_after, "
            "times_left) VALUES (:kind, :method, :path_regex, :status, :code, :message, "
            ":retry_after, :times)",
            fault,
        )

    def faults(self, kind: str) -> list[dict]:
        rows = self.conn.execute(
            "SELECT id, method, path_regex, status, code, message, retry_after FROM faults "
            "WHERE kind = ? AND times_left > 0 ORDER BY id",
            (kind,),
        )
        keys = ("id", "method", "path_regex", "status", "code", "message", "retry_after")
        return [dict(zip(keys, row)) for row in rows]

    def consume_fault(self, fault_id: int) -> None:
        self.conn.execute("UPDATE faults SET times_left = times_left - 1 WHERE id = ?", (fault_id,))

    def clear_faults(self) -> None:
        self.conn.execute("DELETE FROM faults")
