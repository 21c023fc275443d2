"""Log rows collected while a request runs, written when it ends: one segment per table.

A request can log many times (a cluster's bootstrap sends tens of flows, each logged to two
tables); one :meth:`~.store.LogStore.append` per send wrote a Parquet segment each time. Rows are
checked and typed when they are given (a bad row fails there, and a missing TimeGenerated is that
moment), then written together, in the order given, by :meth:`PendingRows.flush`.
"""

from __future__ import annotations

from typing import Any

from praks_lib.emulator.world.logs.columns import typed_rows
from praks_lib.emulator.world.logs.store import LogStore


class PendingRows:
    """Rows for a :class:`LogStore`, kept per (workspace, table) until :meth:`flush`."""

    def __init__(self, store: LogStore) -> None:
        self.store = store
        self._rows: dict[tuple[str, str], list[tuple]] = {}

    def append(self, workspace_id: str, table: str, rows: list[dict[str, Any]]) -> None:
        """As :meth:`LogStore.append`, but the rows are written by the next :meth:`flush`."""
        typed = typed_rows(table, rows, workspace_id)
        if typed:
            self._rows.setdefault((workspace_id, table), []).extend(typed)

    def flush(self) -> None:
        """Write what was appended: one segment per (workspace, table)."""
        pending, self._rows = self._rows, {}
        for (workspace_id, table), rows in pending.items():
            self.store.write(workspace_id, table, rows)
