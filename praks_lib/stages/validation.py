"""Stage 07: the checks' results per check, and the one verdict (the checks are in praks_lib.validate)."""
from __future__ import annotations

import pandas as pd

from praks_lib.errors import StageError
from praks_lib.stages import Verdict
from praks_lib.validate import FAIL, PASS


def summary_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per check: how many pieces of evidence passed and failed."""
    summary = table.groupby("check", sort=False)["result"].agg(
        passed=lambda r: int((r == PASS).sum()), failed=lambda r: int((r == FAIL).sum()))
    summary["result"] = [PASS if failed == 0 else FAIL for failed in summary["failed"]]
    return summary


def validation_verdict(table: pd.DataFrame) -> Verdict:
    """One line: PASS, or FAIL naming the failed checks and where to fix them."""
    failed = table[table["result"] == FAIL]
    if failed.empty:
        return Verdict(f"PASS: {len(table)} checks — the cluster is private, its only egress is the firewall, "
                       f"and the firewall's logs prove it.")
    lines = [f"{r.check} · {r.target}: expected {r.expected}, observed {r.observed} → {r.hint}"
             for r in failed.itertuples()]
    raise StageError(f"FAIL: {len(failed)} of {len(table)} checks failed:\n  - " + "\n  - ".join(lines))
