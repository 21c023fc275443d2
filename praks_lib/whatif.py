"""What-if, as tables a notebook shows: preflight and lint of a rule set, the rules themselves, and a
replay of logged traffic against a candidate rule set.

The firewall engine (praks_lib.firewall) decides; this module lays its answers out with pandas.
Replay: real log tables repeat the same (source, destination, port, protocol) many times with
different source ports, which never change a verdict; replay evaluates each distinct tuple once per
rule set and weights by its count.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from praks_lib.deployment import Deployment
from praks_lib.errors import Finding, by_severity
from praks_lib.firewall import RuleSet, preflight
from praks_lib.firewall.engine import Flow, compiled_for, evaluate
from praks_lib.stages.tables import laid_out

PREFLIGHT_COLUMNS = ["requirement", "needed_for", "purpose", "protocol", "destination", "port", "action",
                     "allowed_by", "rule_to_add", "message"]


def preflight_table(rules, dep: Deployment, **choices) -> pd.DataFrame:
    """Each flow the planned cluster needs, the verdict of the rule set, and the rule to add if denied."""
    rows = [{"requirement": r.required.requirement, "needed_for": r.required.needed_for,
             "purpose": r.required.purpose, "protocol": r.required.flow.protocol,
             "destination": r.required.flow.destination, "port": r.required.flow.port, "action": r.action,
             "allowed_by": r.allowed_by, "rule_to_add": r.rule_to_add, "message": r.message}
            for r in preflight(rules, dep.cluster_shape, **choices)]
    return laid_out(pd.DataFrame(rows, columns=PREFLIGHT_COLUMNS),
                    first=["requirement", "protocol", "port", "action", "allowed_by", "rule_to_add"],
                    folded=["needed_for", "purpose", "destination", "message"], status=["action"], summary="why",
                    empty="The cluster needs no egress flows.")


def lint_table(findings: list[Finding]) -> pd.DataFrame:
    """Lint findings for notebooks, errors first, with the collection and rule apart."""
    rows = []
    for finding in by_severity(findings):
        collection, _, rule = finding.field.partition("/")
        rows.append({"severity": finding.severity, "code": finding.code, "collection": collection, "rule": rule,
                     "why": finding.message, "fix": finding.fix})
    return laid_out(pd.DataFrame(rows, columns=["severity", "code", "collection", "rule", "why", "fix"]),
                    beneath={"why": "code"}, status=["severity"],
                    empty="No lint findings: every rule is as narrow as it can be.")


def rules_table(rules: RuleSet) -> pd.DataFrame:
    """One row per rule, in Azure's processing order (DNAT, network, application; by priority)."""
    def protocols(rule) -> str:
        if rule.rule_type == "ApplicationRule":
            return ", ".join(f"{p.protocol_type}:{p.port}" for p in rule.protocols)
        return ", ".join(rule.protocols) + " " + ",".join(rule.destination_ports)

    def destination(rule) -> str:
        if rule.rule_type == "ApplicationRule":
            return ", ".join(rule.target_fqdns or tuple(f"tag:{t}" for t in rule.fqdn_tags))
        return ", ".join(rule.destination_addresses + rule.destination_fqdns + rule.destination_ip_groups)

    collections = [("DNAT", c) for c in sorted(rules.nat_rule_collections, key=lambda c: c.priority)]
    collections += [("network", c) for c in sorted(rules.network_rule_collections, key=lambda c: c.priority)]
    collections += [("application", c) for c in sorted(rules.application_rule_collections, key=lambda c: c.priority)]
    for group in sorted(rules.rule_collection_groups, key=lambda g: g.priority):
        for collection in sorted(group.rule_collections, key=lambda c: (c.priority is None, c.priority or 0)):
            kind = {"NatRule": "DNAT", "NetworkRule": "network", "ApplicationRule": "application"}[collection.rule_type]
            collections.append((kind, collection))
    rows = [{"type": kind, "collection": c.name, "priority": c.priority, "action": c.action, "rule": r.name,
             "source": ", ".join(r.source_addresses + r.source_ip_groups), "destination": destination(r),
             "protocol/port": protocols(r)}
            for kind, c in collections for r in c.rules]
    order = {"DNAT": 0, "network": 1, "application": 2}
    return laid_out(pd.DataFrame(sorted(rows, key=lambda row: order[row["type"]])), status=["action"],
                    empty="The rule set has no rules: the firewall denies everything.")


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
