"""Log Analytics workspaces' data in the emulator: stored rows and real KQL over them.

- :mod:`store` — :class:`~store.LogStore`: rows per workspace and table under ``state_dir/logs``,
  appended and read by several processes at once (segment files, a manifest, compaction);
- :mod:`pending` — rows a request logs, written together when its transaction ends;
- :mod:`columns` — rows made to fit a table's schema (:mod:`praks_lib.azure.log_tables`): each
  column in its Log Analytics type, and the DuckDB type that stores it;
- :mod:`wire_format` — what ``POST /v1/workspaces/{id}/query`` answers: Azure's response body and
  value forms, ``PartialError`` and the error bodies of bad queries and timespans.

The KQL itself runs in :mod:`praks_lib.emulator.world.kql` (duckdb-kql). DuckDB, duckdb-kql and
numpy are imported by the first write or query, not when the emulator starts.
"""
