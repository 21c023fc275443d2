"""What a stage notebook shows, apart from what it applies (praks_lib.deploy).

This package holds what every notebook starts with — :func:`start` (which also checks that what the
stage builds on exists: praks_lib.stages.prerequisites), the closing :class:`Verdict` line, a
:class:`Note` where there is nothing to show, a query's text, the table of changes, tables laid out
to fit the notebook (praks_lib.stages.tables), and expected errors shown as their message and HINT
instead of a traceback — and one module per notebook with that stage's tables and verdict: plan
(00), network (01), firewall (02), route (03), cluster (04), access (05), monitoring (06),
validation (07) and teardown (99).
"""
from __future__ import annotations

import html
from functools import partial

import pandas as pd
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from IPython import get_ipython
from IPython.core.pylabtools import print_figure

from praks_lib import queries
from praks_lib.cloud import Clients, connect
from praks_lib.deploy.converge import Change
from praks_lib.deployment import Deployment
from praks_lib.errors import PraksError
from praks_lib.params import load_deployment
from praks_lib.stages import tables
from praks_lib.stages.prerequisites import PREREQUISITES, check_prerequisites
from praks_lib.ui import progress

# Failures a person at the notebook can fix: shown as their message and hint, not a traceback.
# Azure's own refusals and sign-in failures carry Azure's code and message, which is what to read.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (PraksError, HttpResponseError, ClientAuthenticationError)


class Verdict(str):
    """A stage's closing PASS line; shown without quotes as the notebook's last output."""

    def __repr__(self) -> str:
        return str(self)


class Note(str):
    """A sentence in place of a table or a diagram (what there is not, and why); shown without quotes."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f'<p style="color:#52606D;font-style:italic">{html.escape(self)}</p>'


def _show_expected_error(shell, etype, value, tb, tb_offset=None) -> None:
    """IPython's handler for EXPECTED_ERRORS: the error's message and HINT, without the traceback.

    The cell still fails with an error output (papermill stops there and reports it); ``%tb``
    shows the traceback to whoever wants it.
    """
    shell.showtraceback((etype, value, tb), exception_only=True)


def _prepare_notebook() -> None:
    shell = get_ipython()
    if shell is None:  # not in a notebook: the CLI and tests use these tables too
        return
    shell.set_custom_exc(EXPECTED_ERRORS, _show_expected_error)
    # Diagrams are matplotlib Figures built without pyplot: shown as PNG the way the inline backend
    # shows them, registered by name so matplotlib loads only when a stage draws.
    shell.display_formatter.formatters["image/png"].for_type_by_name(
        "matplotlib.figure", "Figure", partial(print_figure, fmt="png", base64=True, bbox_inches="tight"))
    # Tables fit the notebook, left-aligned, key columns first (praks_lib.stages.tables); their text
    # form is read in full, not with the middle rows elided.
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, tables.to_html)
    shell.display_formatter.formatters["text/plain"].for_type(pd.DataFrame, tables.to_text)
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_colwidth", 120)


def start(deployment_file: str, backend: str = "", stage: str = "") -> tuple[Deployment, Clients]:
    """Load and check the parameters, connect to the backend, say where we are.

    With `stage` (the notebook's name), first check that what it builds on exists: a stage run out
    of order stops here with a HINT naming the notebook to run first (praks_lib.stages.prerequisites).
    """
    _prepare_notebook()
    overrides = {"backend": {"kind": backend}} if backend else None
    with progress(f"Reading and checking {deployment_file}") as steps:
        deployment = load_deployment(deployment_file, overrides)
        clients = connect(deployment)
        if stage in PREREQUISITES:
            steps.step(f"Reading what {stage} builds on from the {clients.backend}")
            check_prerequisites(clients, deployment, stage)
    print(f"Deployment {deployment.name} · {deployment.location} · backend: {clients.backend}")
    return deployment, clients


class Query(str):
    """A query's text, shown in a notebook as a KQL block: what is about to run, before its rows."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return f"```kusto\n{self}\n```"


def query_text(name: str, **parameters: str | int) -> Query:
    """The KQL of praks_lib/queries/<name>.kql as it runs, its parameters bound (see queries.load)."""
    return Query(queries.load(name, **parameters))


def changes_table(changes: list[Change]) -> pd.DataFrame:
    """What a deploy step did, one row per resource."""
    frame = pd.DataFrame([{"resource": c.kind, "name": c.name, "action": c.action, "detail": c.detail}
                          for c in changes], columns=["resource", "name", "action", "detail"])
    return tables.laid_out(frame, status=["action"], empty="no changes")


def changes_summary(changes: list[Change]) -> str:
    """One line: how many resources were created and updated, or that nothing changed."""
    changed = [c for c in changes if c.action != "unchanged"]
    if not changed:
        return f"No changes: all {len(changes)} resources already as planned."
    counts = {a: sum(c.action == a for c in changes) for a in ("created", "updated", "unchanged")}
    return ", ".join(f"{n} {a}" for a, n in counts.items() if n)
