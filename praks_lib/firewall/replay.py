"""Replay: what would change if a candidate rule set replaced the current one?

Real log tables repeat the same (source, destination, port, protocol) many times with different
source ports, which never change a verdict; replay evaluates each distinct tuple once per rule set
and weights by its count.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from praks_lib.firewall.engine import Flow, compiled_for, evaluate

KEY = ["source", "destination", "port", "protocol"]
# AZFW* log columns accepted as flow columns.
_ALIASES = {"SourceIp": "source", "Fqdn": "destination", "DestinationIp": "destination",
            "DestinationPort": "port", "Protocol": "protocol", "SourcePort": "source_port"}


@dataclass
class ReplayReport:
    summary: pd.DataFrame  # change → flows, distinct tuples
    by_destination: pd.DataFrame  # destination, port, protocol, change, flows, sources, current/candidate rule
    flows: pd.DataFrame  # one row per distinct flow tuple with both verdicts

    def newly_denied(self) -> pd.DataFrame:
        return self.by_destination[self.by_destination["change"] == "newly denied"]

    def newly_allowed(self) -> pd.DataFrame:
        return self.by_destination[self.by_destination["change"] == "newly allowed"]


def _normalise(flows: pd.DataFrame) -> pd.DataFrame:
    frame = flows
    if "source" not in frame.columns:
        frame = frame.rename(columns={k: v for k, v in _ALIASES.items() if k in frame.columns})
        if "Fqdn" in flows.columns and "DestinationIp" in flows.columns:
            frame["destination"] = flows["Fqdn"].where(flows["Fqdn"].astype(bool), flows["DestinationIp"])
    missing = [c for c in KEY if c not in frame.columns]
    if missing:
        raise ValueError(f"flows table lacks column(s) {', '.join(missing)}; give source, destination, port, "
                         "protocol (or the AZFW* columns SourceIp, Fqdn/DestinationIp, DestinationPort, Protocol)")
    return frame


def _label(row) -> str:
    return f"{row.rule_collection}/{row.rule}" if row.rule else "(default action)"


def replay(flows_df: pd.DataFrame, current_rules, candidate_rules) -> ReplayReport:
    """Evaluate every flow against both rule sets; report newly denied / newly allowed / unchanged."""
    frame = _normalise(flows_df)
    distinct = (frame.groupby(KEY, sort=False, observed=True).size().rename("flows").reset_index())
    current, candidate = compiled_for(current_rules), compiled_for(candidate_rules)
    results = []
    for source, destination, port, protocol in zip(distinct["source"], distinct["destination"],
                                                   distinct["port"], distinct["protocol"]):
        flow = Flow(str(source), str(destination), int(port), str(protocol))
        before, after = evaluate(current, flow), evaluate(candidate, flow)
        if before.action == after.action:
            change = "unchanged"
        else:
            change = "newly denied" if after.action == "Deny" else "newly allowed"
        results.append((before.action, _label(before), after.action, _label(after), change))
    verdicts = pd.DataFrame(results, columns=["current_action", "current_rule", "candidate_action",
                                              "candidate_rule", "change"])
    detail = pd.concat([distinct, verdicts], axis=1)
    summary = (detail.groupby("change").agg(flows=("flows", "sum"), distinct=("flows", "size"))
               .reindex(["newly denied", "newly allowed", "unchanged"], fill_value=0).reset_index())
    by_destination = (detail.groupby(["destination", "port", "protocol", "change"], sort=False)
                      .agg(flows=("flows", "sum"), sources=("source", "nunique"),
                           current_rule=("current_rule", "first"), candidate_rule=("candidate_rule", "first"))
                      .reset_index().sort_values(["change", "flows"], ascending=[True, False], ignore_index=True))
    return ReplayReport(summary, by_destination, detail)
