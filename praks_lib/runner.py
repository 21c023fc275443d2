"""Run the stage notebooks in order with papermill: the batch form of the runbook."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO_ROOT / "notebooks"
STAGES = ["00_plan", "01_network", "02_firewall", "03_egress_route", "04_private_aks",
          "05_private_access", "06_monitoring", "07_validate"]


@dataclass
class StageResult:
    stage: str
    output: Path
    seconds: float
    error: str | None = None


@dataclass
class SuiteResult:
    run_dir: Path
    stages: list[StageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.error is None for s in self.stages)


def stage_notebooks(up_to: str | None = None) -> list[Path]:
    """The stage notebooks present in notebooks/, in order, stopping after `up_to` (e.g. "01")."""
    if up_to is not None and not any(s.startswith(up_to) for s in STAGES):
        raise ValueError(f"unknown stage '{up_to}'; choose one of {', '.join(STAGES)}")
    selected = []
    for stage in STAGES:
        path = NOTEBOOKS / f"{stage}.ipynb"
        if path.exists():
            selected.append(path)
        if up_to is not None and stage.startswith(up_to):
            break
    return selected


def _describe_failure(exc: Exception) -> str:
    cell = getattr(exc, "exec_count", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    where = f"cell [{cell}]" if cell is not None else "a cell"
    return f"{where}: {ename}: {evalue}".strip()


def run_suite(deployment_file: str | Path | None = None, backend: str | None = None, up_to: str | None = None,
              runs_dir: str | Path | None = None, state_dir: str | Path | None = None,
              echo=print) -> SuiteResult:
    """Execute each stage notebook into runs/<timestamp>/ and stop at the first failure."""
    import papermill

    deployment_file = Path(deployment_file or REPO_ROOT / "parameters" / "default.yaml").resolve()
    # Kernels are separate processes: they find the emulator's state through the environment.
    os.environ["PRAKS_STATE_DIR"] = str(Path(state_dir or os.environ.get("PRAKS_STATE_DIR")
                                             or REPO_ROOT / ".praks").resolve())
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = Path(runs_dir or REPO_ROOT / "runs").resolve() / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    result = SuiteResult(run_dir)
    notebooks = stage_notebooks(up_to)
    parameters = {"deployment_file": str(deployment_file)}
    if backend:
        parameters["backend"] = backend
    for index, notebook in enumerate(notebooks, 1):
        output = run_dir / notebook.name
        started = time.perf_counter()
        try:
            papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                                       cwd=str(NOTEBOOKS), progress_bar=False, log_output=False,
                                       extra_arguments=["--IPKernelApp.log_level=ERROR"])
            error = None
        except Exception as exc:  # papermill wraps the cell's exception; report it, do not hide it
            error = _describe_failure(exc)
        stage = StageResult(notebook.stem, output, time.perf_counter() - started, error)
        result.stages.append(stage)
        status = "ok" if error is None else "FAILED"
        echo(f"[{index}/{len(notebooks)}] {notebook.stem:<18} {status:<6} {stage.seconds:5.1f} s")
        if error:
            echo(f"    {notebook.name} failed at {error}")
            echo(f"    executed copy: {output}")
            break
    total = sum(s.seconds for s in result.stages)
    verdict = "completed" if result.ok else "stopped"
    echo(f"Suite {verdict}: {sum(s.error is None for s in result.stages)}/{len(notebooks)} notebooks "
         f"in {total:.1f} s; executed notebooks in {run_dir}")
    return result
