"""Stage 00: the parameters, the plan's findings and the plan's verdict (the what-if tables are in
praks_lib.whatif, shared with 02_firewall)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any, Iterable

import pandas as pd

from praks_lib.deployment import Deployment
from praks_lib.errors import Finding, StageError, by_severity
from praks_lib.stages import Verdict


def parameters_table(deployment: Deployment) -> pd.DataFrame:
    """Every parameter as a dotted path and its value (derived names filled in), for review."""

    def flatten(value: Any, path: str) -> list[tuple[str, Any]]:
        if isinstance(value, dict):
            return [row for key, item in value.items() for row in flatten(item, f"{path}.{key}" if path else key)]
        return [(path, ", ".join(map(str, value)) if isinstance(value, list) else value)]

    rows = flatten(deployment.model_dump(), "")
    return pd.DataFrame(rows, columns=["parameter", "value"]).set_index("parameter")


def findings_table(findings: Iterable[Finding]) -> pd.DataFrame:
    """The plan's findings, errors first."""
    rows = [asdict(f) for f in by_severity(findings)]
    return pd.DataFrame(rows, columns=["severity", "code", "field", "message", "fix"])


def plan_verdict(findings: list[Finding], preflight: pd.DataFrame) -> Verdict:
    """PASS when the plan has no errors and every required egress flow is allowed; else what to fix."""
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    blocked = preflight[preflight["action"] != "Allow"]
    problems = [f"{f.field}: {f.message} — {f.fix}" for f in errors]
    problems += [f"required flow {row.requirement} ({row.protocol} {row.port}) is denied — add {row.rule_to_add}"
                 for row in blocked.itertuples()]
    if problems:
        raise StageError("FAIL: fix the parameter file before deploying:\n  - " + "\n  - ".join(problems))
    return Verdict(f"PASS: address plan has no errors ({len(warnings)} warning(s)); "
                   f"all {len(preflight)} required egress flows are allowed by the planned rules.")
