"""Benchmark: the emulated Log Analytics API over 1,000,000 AZFWApplicationRule rows.

Budget (issue 4): ``AZFWApplicationRule | summarize count() by Fqdn, Action`` answers in at
most 1 s. Prints the time to append the rows (in 100 batches, as a data plane would, with
the compactions that triggers), the time to compact what is left, and the query time
(median of several runs, each on a fresh connection as the API does).

    .venv/bin/python benchmarks/bench_log_query.py [--rows 1000000] [--runs 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from praks_lib.emulator.world.logs.store import LogStore  # noqa: E402

WORKSPACE = "5f2b3c4d-0000-4000-8000-00000000be4c"
FIREWALL = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hub-rg/"
            "providers/Microsoft.Network/azureFirewalls/hub-fw")
ALLOWED = ["mcr.microsoft.com", "management.azure.com", "login.microsoftonline.com",
           "packages.microsoft.com", "acs-mirror.azureedge.net", "ubuntu.com"]
DENIED = ["batman.com", "www.google.com", "github.com", "pypi.org", "example.com"]
QUERY = "AZFWApplicationRule | summarize count() by Fqdn, Action"


def firewall_rows(count: int, seed: int = 4) -> list[dict]:
    """Application-rule log rows like the emulator's firewall writes."""
    rng = random.Random(seed)
    start = datetime.now(timezone.utc) - timedelta(hours=6)
    rows = []
    for i in range(count):
        allowed = rng.random() < 0.7
        fqdn = rng.choice(ALLOWED if allowed else DENIED)
        https = rng.random() < 0.8
        rows.append({
            "TimeGenerated": start + timedelta(milliseconds=i * 20),
            "Action": "Allow" if allowed else "Deny",
            "ActionReason": "" if allowed else "Default Action",
            "SourceIp": f"10.0.5.{rng.randint(4, 60)}",
            "SourcePort": rng.randint(32768, 60999),
            "DestinationPort": 443 if https else 80,
            "Fqdn": fqdn,
            "Protocol": "HTTPS" if https else "HTTP",
            "TargetUrl": "" if https else f"http://{fqdn}/",
            "IsTlsInspected": False,
            "RuleCollection": "aks-egress" if allowed else None,
            "Rule": "aks-required" if allowed else None,
            "_ResourceId": FIREWALL,
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    rows = firewall_rows(args.rows)
    with tempfile.TemporaryDirectory() as state_dir:
        store = LogStore(state_dir)
        size = -(-len(rows) // args.batches)
        started = time.perf_counter()
        for offset in range(0, len(rows), size):
            store.append(WORKSPACE, "AZFWApplicationRule", rows[offset:offset + size])
        appended = time.perf_counter() - started

        started = time.perf_counter()
        store.compact()
        compacted = time.perf_counter() - started

        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            body = store.query(WORKSPACE, QUERY)
            timings.append(time.perf_counter() - started)
        counted = sum(row[2] for row in body["tables"][0]["rows"])
        assert counted == args.rows, f"query counted {counted} rows, expected {args.rows}"

        cold = store.query(WORKSPACE, "AZFWApplicationRule | count")["tables"][0]["rows"][0][0]
        print(f"rows                       {cold:>12,}")
        print(f"append ({args.batches} batches)        {appended:>10.2f} s")
        print(f"final compaction           {compacted:>10.2f} s")
        print(f"query median of {args.runs}         {statistics.median(timings):>10.3f} s"
              f"   (min {min(timings):.3f}, max {max(timings):.3f}; budget 1.000 s)")
        print(f"query: {QUERY}")


if __name__ == "__main__":
    main()
