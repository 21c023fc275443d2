"""Stage 00: the parameters, the plan's findings, the planned network, the what-if and the verdict.

The functions taking a ``form`` are what the cells below 00_plan's parameter form show: each reads
the form's current values (praks_lib.ui.ParameterForm.follow draws it again after every edit), so
the findings, the diagram, the what-if and the verdict follow the form. A batch run, where nobody
edits, shows the parameter file's values. The what-if tables themselves are in praks_lib.whatif,
shared with 02_firewall.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Iterable

import pandas as pd

from praks_lib.deployment import Deployment
from praks_lib.errors import Finding, RuleSetError, StageError, by_severity
from praks_lib.stages import Note, Verdict
from praks_lib.stages.tables import laid_out

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from praks_lib.ui import ParameterForm


def parameters_table(deployment: Deployment) -> pd.DataFrame:
    """Every parameter as a dotted path and its value (derived names filled in), for review."""

    def flatten(value: Any, path: str) -> list[tuple[str, Any]]:
        if isinstance(value, dict):
            return [row for key, item in value.items() for row in flatten(item, f"{path}.{key}" if path else key)]
        return [(path, ", ".join(map(str, value)) if isinstance(value, list) else value)]

    rows = flatten(deployment.model_dump(), "")
    return laid_out(pd.DataFrame(rows, columns=["parameter", "value"]).set_index("parameter"),
                    collapsed=f"Every parameter ({len(rows)}), with the names derived from the deployment name "
                              "filled in")


def findings_table(findings: Iterable[Finding]) -> pd.DataFrame:
    """The plan's findings, errors first (each severity cause first, as check_plan orders them)."""
    rows = [asdict(f) for f in by_severity(findings)]
    return laid_out(pd.DataFrame(rows, columns=["severity", "code", "field", "message", "fix"]),
                    first=["severity", "field", "message", "fix"], beneath={"message": "code"}, status=["severity"],
                    empty="No findings: the parameters and the address plan are sound.")


def required_flows(deployment: Deployment) -> pd.DataFrame | None:
    """The what-if of the planned rules against every flow the cluster needs; None without a firewall."""
    from praks_lib.whatif import preflight_table

    if not deployment.firewall.enabled:
        return None
    return preflight_table(deployment.rule_set(), deployment)


def plan_verdict(findings: list[Finding], preflight: pd.DataFrame | None) -> Verdict:
    """PASS when the plan has no errors and every required egress flow is allowed; else what to fix.

    preflight None: no firewall in this design (a network-isolated cluster needs no egress)."""
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    blocked = preflight[preflight["action"] != "Allow"] if preflight is not None else pd.DataFrame()
    problems = [f"{f.field}: {f.message} — {f.fix}" for f in errors]
    problems += [f"required flow {row.requirement} ({row.protocol} {row.port}) is denied — add {row.rule_to_add}"
                 for row in blocked.itertuples()]
    if problems:
        raise StageError("FAIL: fix the parameter file before deploying:\n  - " + "\n  - ".join(problems),
                         "fix each value named above (00_plan's form shows them next to their fields and can "
                         "apply the suggested values), save it as the parameter file, and re-run 00_plan",
                         stage="00_plan")
    egress = (f"all {len(preflight)} required egress flows are allowed by the planned rules" if preflight is not None
              else "no firewall: the network-isolated cluster needs no egress")
    return Verdict(f"PASS: address plan has no errors ({len(warnings)} warning(s)); {egress}.")


# -- what the cells below the form show, drawn from the form's current values ----------------------

def findings_of(form: ParameterForm) -> pd.DataFrame:
    return findings_table(form.findings)


def parameters_of(form: ParameterForm) -> pd.DataFrame:
    return parameters_table(form.planned)


def network_of(form: ParameterForm) -> Figure:
    from praks_lib.diagrams import draw, planned_view

    return draw(planned_view(form.planned, complete=True))


def required_flows_of(form: ParameterForm) -> pd.DataFrame | Note:
    flows = required_flows(form.planned)
    if flows is None:
        return Note("No firewall in this design (firewall.enabled is false): the cluster is network-isolated and "
                    "needs no egress, so there are no rules to check.")
    return flows


def lint_of(form: ParameterForm) -> pd.DataFrame | Note:
    from praks_lib.firewall import lint
    from praks_lib.whatif import lint_table

    if not form.planned.firewall.enabled:
        return Note("No firewall, no rules to lint.")
    return lint_table(lint(form.planned.rule_set(), dns_proxy=form.planned.firewall.dns_proxy))


def verdict_of(form: ParameterForm) -> Verdict:
    try:
        flows = required_flows(form.planned)
    except RuleSetError:
        flows = None  # the findings name the rule set that does not load
    return plan_verdict(form.findings, flows)
