"""Benchmark: what one emulated Log Analytics append costs over the floor of writing a Parquet file.

The data plane logs one or two rows per connection, so an append's fixed cost is what a notebook
pays. Prints the median time of ``LogStore.append`` of one AZFWApplicationRule row (a fresh table,
no compaction) and of DuckDB writing a Parquet file of that table's columns and no rows (the floor,
same process, same connection), and their ratio.

    .venv/bin/python benchmarks/bench_log_append.py [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_log_query import WORKSPACE, firewall_rows  # noqa: E402

from praks_lib.emulator.world.logs import store as store_module  # noqa: E402
from praks_lib.emulator.world.logs.columns import empty_select, schema_of  # noqa: E402

TABLE = "AZFWApplicationRule"


def median_time(runs: int, work) -> float:
    work(-1)  # the first call imports DuckDB
    timings = []
    for run in range(runs):
        started = time.perf_counter()
        work(run)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    row = firewall_rows(1)
    floor_sql = empty_select(schema_of(TABLE))
    with tempfile.TemporaryDirectory() as state_dir:
        def append(run: int) -> None:
            store_module.LogStore(Path(state_dir) / f"s{run}").append(WORKSPACE, TABLE, row)

        def floor(run: int) -> None:
            con = store_module._writer()
            try:
                con.execute(f"COPY ({floor_sql}) TO '{Path(state_dir) / f'floor{run}.parquet'}' (FORMAT parquet)")
            finally:
                con.close()

        appended, written = median_time(args.runs, append), median_time(args.runs, floor)
    print(f"append of one {TABLE} row    {appended * 1000:>8.2f} ms")
    print(f"floor: an empty Parquet file   {written * 1000:>8.2f} ms")
    print(f"ratio append / floor           {appended / written:>8.1f}")


if __name__ == "__main__":
    main()
