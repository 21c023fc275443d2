"""Stage 07: each check's evidence and verdict as it runs, then the one verdict (the checks themselves
are in praks_lib.validate).

07_validate runs one check per step, so a learner sees what each one reads — the kubectl output,
the test pod's requests, the firewall log rows found by KQL, the jumpbox's name resolution, the
public IPs, the effective route — and the verdict of that check, before the summary.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Iterable

import pandas as pd

from praks_lib import queries
from praks_lib.cloud import Clients
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.stages import Note, Verdict, tables
from praks_lib.stages.tables import laid_out
from praks_lib.validate import FAIL, PASS, CheckRow, Design

COLUMNS = ["check", "target", "expected", "observed", "evidence", "result", "hint"]


def evidence_table(rows: Iterable[CheckRow]) -> pd.DataFrame:
    """Every piece of evidence: the answer (target, expected, observed, result, and for a FAIL the hint)
    side by side, what was read folded into each row."""
    return laid_out(pd.DataFrame([asdict(r) for r in rows], columns=COLUMNS),
                    first=["check", "target", "expected", "observed", "result", "hint"], folded=["evidence"],
                    status=["result"], summary="evidence", empty="no evidence")


@dataclass(frozen=True)
class CheckResult:
    """One check's rows and its verdict, as a step of 07 shows them."""

    name: str
    rows: tuple[CheckRow, ...]

    @property
    def failed(self) -> list[CheckRow]:
        return [r for r in self.rows if r.result == FAIL]

    @property
    def verdict(self) -> str:
        if not self.rows:
            return f"{self.name}: nothing to check"
        if self.failed:
            return f"FAIL · {self.name}: {len(self.failed)} of {len(self.rows)} failed — {self.failed[0].hint}"
        return f"PASS · {self.name}: {len(self.rows)} of {len(self.rows)} as expected"

    def _frame(self) -> pd.DataFrame:
        return evidence_table(self.rows).drop(columns=["check"])

    def __repr__(self) -> str:
        return f"{self.verdict}\n{self._frame().to_string(index=False)}" if self.rows else self.verdict

    def _repr_html_(self) -> str:
        colour = "#00593F" if not self.failed else "#8A3300"
        return (f'<p style="color:{colour};font-weight:bold;margin:0 0 6px 0">{self.verdict}</p>'
                + (tables.to_html(self._frame()) if self.rows else ""))


def check(name: str, rows: Iterable[CheckRow]) -> CheckResult:
    """A check's rows, shown with the verdict of that check."""
    return CheckResult(name, tuple(rows))


def log_rows(clients: Clients, dep: Deployment, source_ip: str) -> pd.DataFrame | Note:
    """The firewall log rows of one source, as requests_from_source finds them (what the log check read):
    which table, the request, the action and the rule that decided it; the source and the reason folded.

    TimeGenerated is left out (the rows stay in its order): when a row was written is the one thing
    that differs between two runs.
    """
    if not dep.firewall.enabled:
        return Note(f"No firewall log rows from {source_ip}: this design has no firewall (firewall.enabled is false) "
                    "and none exists in the subscription, so nothing could log a request; nothing left the VNet.")
    ws = dep.monitoring.firewall_workspace
    customer_id = clients.loganalytics.workspaces.get(ws.group, ws.name).customer_id
    rows = queries.run(clients, customer_id, "requests_from_source", timedelta(days=1), source_ip=source_ip)
    shown = pd.DataFrame({
        "table": rows.get("Type", pd.Series(dtype=str)),
        "protocol": rows.get("Protocol"),
        "destination": [fqdn or ip for fqdn, ip in zip(rows.get("Fqdn", []), rows.get("DestinationIp", []))],
        "port": rows.get("DestinationPort"),
        "action": rows.get("Action"),
        "decided by": [f"{c}/{r}" if r else (reason or "") for c, r, reason in
                       zip(rows.get("RuleCollection", []), rows.get("Rule", []), rows.get("ActionReason", []))],
        "source": rows.get("SourceIp"), "reason": rows.get("ActionReason")})
    return laid_out(shown, folded=["source", "reason"], status=["action"], summary="more",
                    empty=f"No firewall log rows from {source_ip}.")


def summary_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per check: how many pieces of evidence passed and failed."""
    summary = table.groupby("check", sort=False)["result"].agg(
        passed=lambda r: int((r == PASS).sum()), failed=lambda r: int((r == FAIL).sum()))
    summary["result"] = [PASS if failed == 0 else FAIL for failed in summary["failed"]]
    return laid_out(summary, status=["result"], empty="no checks ran")


def validation_verdict(table: pd.DataFrame, design: Design) -> Verdict:
    """One line: PASS with the design it proved (validate.proven_design), or FAIL naming the failed
    checks and where to fix them."""
    failed = table[table["result"] == FAIL]
    if failed.empty and design.isolated:
        return Verdict(f"PASS: {len(table)} checks proved {design} — the network-isolated cluster is private, "
                       "bootstrapped from its private registry cache, and nothing leaves the VNet: every external "
                       "request failed, no firewall logged anything because none exists, and no public IP exists.")
    if failed.empty:
        return Verdict(f"PASS: {len(table)} checks proved {design} — the cluster is private, its only egress is "
                       f"the firewall, and the firewall's logs prove it.")
    lines = [f"{r.check} · {r.target}: expected {r.expected}, observed {r.observed} → {r.hint}"
             for r in failed.itertuples()]
    raise StageError(f"FAIL: {len(failed)} of {len(table)} checks failed:\n  - " + "\n  - ".join(lines))
