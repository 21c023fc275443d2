"""Benchmark: replay 1,000,000 flows against a 50-rule set, and µs per single evaluate() call.

The flows imitate a day of AKS egress seen by the firewall: 250 node/pod sources in the AKS subnet
10.0.5.0/24, 300 destinations (the AKS required FQDNs with representative hosts, monitoring
endpoints, Ubuntu/Docker mirrors, and internet names a workload might try, plus raw IPs for
DNS/NTP/other TCP), each with its own protocol and port, and random source ports. Source ports never
change a verdict, so replay evaluates each distinct (source, destination, port, protocol) once per
rule set; the benchmark reports how many distinct tuples that was.

Budget (issue 3): ≤ 10 s for 1M flows on a 2-core machine. Run: .venv/bin/python benchmarks/bench_replay.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from praks_lib.deployment import Deployment
from praks_lib.firewall import Flow, RuleSet, evaluate  # noqa: E402
from praks_lib.whatif import replay  # noqa: E402

ROWS = 1_000_000
rng = np.random.default_rng(2020)


def _shipped(name):
    return Deployment(firewall={"rules": name}).rule_set()


def fifty_rule_set() -> RuleSet:
    """least-privilege plus enough extra collections to make 50 rules (a realistic enterprise set)."""
    data = _shipped("least-privilege").to_yaml_dict()
    network = [{"name": f"partner-{i}", "source_addresses": ["10.0.5.0/24"],
                "destination_addresses": [f"198.51.{i}.0/24"], "destination_ports": [str(8000 + i)],
                "protocols": ["TCP"]} for i in range(20)]
    apps = [{"name": f"saas-{i}", "source_addresses": ["10.0.5.0/24"], "protocols": ["Https:443"],
             "target_fqdns": [f"*.saas{i}.example.com", f"api.vendor{i}.example.net"]} for i in range(22)]
    data["network_rule_collections"].append({"name": "partners", "priority": 250, "action": "Allow", "rules": network})
    data["application_rule_collections"].append({"name": "saas", "priority": 400, "action": "Allow", "rules": apps})
    rules = RuleSet.from_dict(data)
    count = sum(len(c.rules) for c in rules.network_rule_collections + rules.application_rule_collections)
    assert count == 50, count
    return rules


def destinations() -> list[tuple[str, int, str]]:
    required = ["mcr.microsoft.com", "westeurope.data.mcr.microsoft.com", "mcr-0001.mcr-msedge.net",
                "management.azure.com", "login.microsoftonline.com", "packages.microsoft.com",
                "acs-mirror.azureedge.net", "packages.aks.azure.com", "dc.services.visualstudio.com",
                "global.handler.control.monitor.azure.com", "westeurope.handler.control.monitor.azure.com"]
    out = [(name, 443, "HTTPS") for name in required]
    out += [(f"ws{i}.ods.opinsights.azure.com", 443, "HTTPS") for i in range(10)]
    out += [(name, 80, "HTTP") for name in ("security.ubuntu.com", "azure.archive.ubuntu.com", "changelogs.ubuntu.com")]
    out += [(f"api.vendor{i}.example.net", 443, "HTTPS") for i in range(30)]
    out += [(f"cdn{i}.saas{i % 22}.example.com", 443, "HTTPS") for i in range(60)]
    out += [(f"site{i}.example.org", 443 if i % 2 else 80, "HTTPS" if i % 2 else "HTTP") for i in range(100)]
    out += [(f"198.51.{i}.10", 8000 + i, "TCP") for i in range(40)]
    out += [(f"203.0.113.{i}", 53 if i % 3 else 123, "UDP") for i in range(46)]
    return out[:300]


def flows_table() -> pd.DataFrame:
    targets = destinations()
    pick = rng.integers(0, len(targets), ROWS)
    dest = np.array([t[0] for t in targets], dtype=object)[pick]
    port = np.array([t[1] for t in targets])[pick]
    protocol = np.array([t[2] for t in targets], dtype=object)[pick]
    sources = np.array([f"10.0.5.{i}" for i in range(4, 254)], dtype=object)
    return pd.DataFrame({"source": sources[rng.integers(0, len(sources), ROWS)], "destination": dest,
                         "port": port, "protocol": protocol,
                         "source_port": rng.integers(32768, 61000, ROWS)})


def main() -> None:
    candidate, current = fifty_rule_set(), _shipped("seed-2020")
    flows = flows_table()
    evaluate(candidate, Flow("10.0.5.4", "mcr.microsoft.com", 443, "HTTPS"))  # compile once, like the emulator
    evaluate(current, Flow("10.0.5.4", "mcr.microsoft.com", 443, "HTTPS"))

    start = time.perf_counter()
    report = replay(flows, current, candidate)
    elapsed = time.perf_counter() - start
    print(f"replay: {ROWS:,} flows ({len(report.flows):,} distinct tuples, 250 sources × 300 destinations) "
          f"against 50 rules (candidate) and the 7-rule seed-2020 (current): {elapsed:.2f} s (budget 10 s)")
    print(report.summary.to_string(index=False))

    samples = [Flow(s, d, p, pr) for s, d, p, pr in flows.head(20_000)[["source", "destination", "port", "protocol"]]
               .itertuples(index=False)]
    for label, rules in (("50-rule set", candidate), ("seed-2020", current)):
        start = time.perf_counter()
        for flow in samples:
            evaluate(rules, flow)
        per_call = (time.perf_counter() - start) / len(samples) * 1e6
        print(f"evaluate(): {per_call:.1f} µs per call ({label}, prepared Flow, warm DNS cache)")
    start = time.perf_counter()
    for s, d, p, pr in flows.head(20_000)[["source", "destination", "port", "protocol"]].itertuples(index=False):
        evaluate(candidate, Flow(s, d, p, pr))
    print(f"Flow(...) + evaluate(): {(time.perf_counter() - start) / 20_000 * 1e6:.1f} µs per call (50-rule set)")


if __name__ == "__main__":
    main()
