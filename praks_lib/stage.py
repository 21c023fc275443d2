"""The one bootstrap call at the top of every stage notebook."""
from __future__ import annotations

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from praks_lib.cloud import Clients, connect
from praks_lib.deployment import Deployment
from praks_lib.errors import PraksError, StageError
from praks_lib.params import load_deployment

# Failures a person at the notebook can fix: shown as their message and hint, not a traceback.
# Azure's own refusals and sign-in failures carry Azure's code and message, which is what to read.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (PraksError, HttpResponseError, ClientAuthenticationError)


class Verdict(str):
    """A stage's closing PASS line; shown without quotes as the notebook's last output."""

    def __repr__(self) -> str:
        return str(self)


def _prepare_notebook() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        # An error output without the traceback: the cell still fails (papermill stops there).
        short = [f"{etype.__name__}: {value}"]
        shell._showtraceback(etype, value, short)
        return short

    shell.set_custom_exc(EXPECTED_ERRORS, handler)
    # Diagrams are matplotlib Figures built without pyplot: show them inline as PNG.
    shell.enable_matplotlib("inline")
    # Evidence tables are read in full, not with their middle rows elided.
    import pandas as pd

    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_colwidth", 120)


def start(deployment_file: str, backend: str = "") -> tuple[Deployment, Clients]:
    """Load and check the parameters, connect to the backend, say where we are."""
    _prepare_notebook()
    overrides = {"backend": {"kind": backend}} if backend else None
    deployment = load_deployment(deployment_file, overrides)
    clients = connect(deployment)
    print(f"Deployment {deployment.name} · {deployment.location} · backend: {clients.backend}")
    return deployment, clients


def plan_verdict(findings, preflight) -> Verdict:
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
