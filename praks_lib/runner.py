"""Run the stage notebooks in order with papermill: the batch form of the runbook.

The notebooks, the default parameters, runs/ and the emulator state are the project's (found by
praks_lib.project from the working directory or $PRAKS_PROJECT), never the installed package's.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from filelock import FileLock, Timeout
from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, default

from praks_lib.deployment import Deployment
from praks_lib.errors import PraksError
from praks_lib.params import load_deployment
from praks_lib.plan import check_plan
from praks_lib.project import default_parameters, notebooks_dir, project_dir
from praks_lib.recording import RECORD_ENV, RECORD_NAME_ENV

STAGES = ["00_plan", "01_network", "02_firewall", "03_egress_route", "04_private_aks",
          "05_private_access", "06_monitoring", "07_validate"]
TEARDOWN = "99_teardown"
SUITE_RECORD = "suite.json"  # in a run folder: each stage's outcome, so a later run can resume


class IpcKernelManager(AsyncKernelManager):
    """Kernels on Unix sockets of their own (/tmp/praks-kernel-<uuid>-N) instead of TCP ports.

    A kernel's TCP ports are chosen free, closed, then bound by the kernel: suites started at once
    (praks batch, ten at a time) race for the same ports and a kernel fails to start. A socket path
    of its own cannot be taken by another kernel; jupyter_client removes the files at shutdown.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @default("ip")
    def _unique_socket_path(self) -> str:
        return os.path.join(tempfile.gettempdir(), f"praks-kernel-{uuid.uuid4().hex}")


@dataclass
class StageResult:
    stage: str
    output: Path
    seconds: float
    error: str | None = None
    resumed: bool = False  # finished by an earlier run into the same folder; not run again


@dataclass
class SuiteResult:
    run_dir: Path
    stages: list[StageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.error is None for s in self.stages)


def stage_notebooks(up_to: str | None = None, teardown: bool = False) -> list[Path]:
    """The stage notebooks present in notebooks/, in order, stopping after `up_to` (e.g. "01");
    with `teardown`, 99_teardown runs last."""
    if up_to is not None and not any(s.startswith(up_to) for s in STAGES):
        raise ValueError(f"unknown stage '{up_to}'; choose one of {', '.join(STAGES)}")
    notebooks, selected = notebooks_dir(), []
    for stage in STAGES:
        path = notebooks / f"{stage}.ipynb"
        if path.exists():
            selected.append(path)
        if up_to is not None and stage.startswith(up_to):
            break
    if teardown:
        selected.append(notebooks / f"{TEARDOWN}.ipynb")
    return selected


def _describe_failure(exc: Exception) -> str:
    cell = getattr(exc, "exec_count", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    where = f"cell [{cell}]" if cell is not None else "a cell"
    return f"{where}: {ename}: {evalue}".strip()


def _fingerprint(deployment_file: Path) -> str:
    """What a resumed run must still be running: the parameter file's content (or that it is missing)."""
    try:
        return hashlib.sha256(deployment_file.read_bytes()).hexdigest()
    except OSError:
        return ""


def finished_stages(run_dir: str | Path, deployment_file: str | Path) -> dict[str, float]:
    """The stages an earlier run into ``run_dir`` finished (with their seconds), in order, up to its first
    unfinished one; none when that run used another parameter file or the file changed since."""
    try:
        record = json.loads((Path(run_dir) / SUITE_RECORD).read_text())
    except (OSError, ValueError):
        return {}
    if record.get("parameters_sha256") != _fingerprint(Path(deployment_file).resolve()):
        return {}
    done = {}
    for stage in STAGES + [TEARDOWN]:
        outcome = record.get("stages", {}).get(stage, {})
        if outcome.get("status") != "ok":
            break
        done[stage] = outcome.get("seconds", 0.0)
    return done


def _record(run_dir: Path, deployment_file: Path, result: "SuiteResult") -> None:
    stages = {s.stage: {"status": "ok" if s.error is None else "failed", "seconds": round(s.seconds, 2),
                        "error": s.error} for s in result.stages}
    record = {"parameters": str(deployment_file), "parameters_sha256": _fingerprint(deployment_file),
              "stages": stages}
    tmp = run_dir / f".{SUITE_RECORD}.tmp"
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, run_dir / SUITE_RECORD)


def run_suite(deployment_file: str | Path | None = None, backend: str | None = None, up_to: str | None = None,
              runs_dir: str | Path | None = None, state_dir: str | Path | None = None,
              teardown_confirm: str | None = None, record_dir: str | Path | None = None,
              echo=print, run_dir: str | Path | None = None, resume: bool = False,
              on_stage: Callable[[str, str, float], None] | None = None, wait: bool = True) -> SuiteResult:
    """Execute each stage notebook into runs/<timestamp>/ and stop at the first failure.

    With `teardown_confirm` (the deployment's name), 99_teardown runs last and deletes what was made.
    With `record_dir`, every stage's HTTP exchanges are recorded there, scrubbed, one cassette per stage
    (praks_lib.recording), for `praks compare`.
    With `run_dir` the notebooks go into that folder instead (one attendee's own, for `praks batch`); with
    `resume` the stages an earlier run into it finished (suite.json) are not run again, so the suite goes on
    from the first unfinished stage. `on_stage(stage, status, seconds)` hears "running", then "ok" or "failed".
    One run per deployment at a time (run_lock): a second waits for the first, or with `wait=False` refuses.
    """
    project = project_dir()
    deployment_file = Path(deployment_file or default_parameters()).resolve()
    # Kernels are separate processes: they find the emulator's state through the environment.
    os.environ["PRAKS_STATE_DIR"] = str(Path(state_dir or os.environ.get("PRAKS_STATE_DIR")
                                             or project / ".praks").resolve())
    if run_dir is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        run_dir = Path(runs_dir or project / "runs") / stamp
    run_dir = Path(run_dir).resolve()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        file = next(p for p in [run_dir, *run_dir.parents] if p.exists() and not p.is_dir())
        raise PraksError(f"The run folder {run_dir} cannot be made: {file} is a file; nothing was run.",
                         "move that file away, or pass another folder (--runs-dir)") from None
    result = SuiteResult(run_dir)
    notebooks = stage_notebooks(up_to, teardown=teardown_confirm is not None)
    done = finished_stages(run_dir, deployment_file) if resume else {}
    parameters = {"deployment_file": str(deployment_file)}
    if backend:
        parameters["backend"] = backend
    if record_dir:
        os.environ[RECORD_ENV] = str(Path(record_dir).resolve())
    dep = _deployment_of(deployment_file, backend)
    with run_lock(dep, Path(os.environ["PRAKS_STATE_DIR"]), echo, wait=wait):
        _run_stages(notebooks, run_dir, result, done, parameters, teardown_confirm, deployment_file, echo, on_stage,
                    plan_warnings(dep) if dep is not None else [])
    total = sum(s.seconds for s in result.stages)
    verdict = "completed" if result.ok else "stopped"
    ran = [s for s in result.stages if not s.resumed]
    report = write_report(result, deployment_file) if ran else run_dir / "report.html"
    resumed = f" ({len(result.stages) - len(ran)} finished before)" if len(ran) < len(result.stages) else ""
    echo(f"Suite {verdict}: {sum(s.error is None for s in result.stages)}/{len(notebooks)} notebooks{resumed} "
         f"in {total:.1f} s; report: {report}")
    return result


def _run_stages(notebooks: list[Path], run_dir: Path, result: SuiteResult, done: dict[str, float], parameters: dict,
                teardown_confirm: str | None, deployment_file: Path, echo, on_stage, warnings: list[str]) -> None:
    """Each notebook in turn into run_dir, stopping at the first failure; 00's warnings after its line."""
    import papermill  # heavy: only when the suite runs (not for `praks teardown` or the stage list)

    for index, notebook in enumerate(notebooks, 1):
        output = run_dir / notebook.name
        if notebook.stem in done:
            result.stages.append(StageResult(notebook.stem, output, done[notebook.stem], resumed=True))
            continue
        os.environ[RECORD_NAME_ENV] = notebook.stem  # each kernel records into its stage's cassette
        if on_stage:
            on_stage(notebook.stem, "running", 0.0)
        started = time.perf_counter()
        given = dict(parameters, confirm=teardown_confirm) if notebook.stem == TEARDOWN else parameters
        try:
            papermill.execute_notebook(str(notebook), str(output), parameters=given,
                                       cwd=str(notebooks_dir()), progress_bar=False, log_output=False,
                                       kernel_manager_class=IpcKernelManager,
                                       # jupyter_client interrupts every kernel as it shuts it down, which
                                       # ipykernel logs as an ERROR; what a stage says is in its outputs.
                                       extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
            error = None
        except Exception as exc:  # papermill wraps the cell's exception; report it, do not hide it
            error = _describe_failure(exc)
        stage = StageResult(notebook.stem, output, time.perf_counter() - started, error)
        result.stages.append(stage)
        _record(run_dir, deployment_file, result)
        if on_stage:
            on_stage(stage.stage, "ok" if error is None else "failed", stage.seconds)
        status = "ok" if error is None else "FAILED"
        echo(f"[{index}/{len(notebooks)}] {notebook.stem:<18} {status:<6} {stage.seconds:5.1f} s")
        if notebook.stem == STAGES[0] and error is None:
            for warning in warnings:
                echo(f"    warning: {warning}")
        if error:
            echo(f"    {notebook.name} failed at {error}")
            echo(f"    executed copy: {output}")
            break


def _deployment_of(deployment_file: Path, backend: str | None) -> Deployment | None:
    """The deployment a run is about, or None when its file does not load (00_plan then says why)."""
    try:
        return load_deployment(deployment_file, {"backend": {"kind": backend}} if backend else None)
    except PraksError:
        return None


def plan_warnings(dep: Deployment) -> list[str]:
    """00_plan's warnings, for the command line (they are otherwise only in the executed notebook)."""
    return [str(f) for f in check_plan(dep) if f.severity == "warning"]


@contextmanager
def run_lock(dep: Deployment | None, state_dir: Path, echo=print, wait: bool = True,
             every: float = 60.0) -> Iterator[None]:
    """Hold the deployment's run lock: one praks run per deployment (and backend) at a time.

    Two runs of one deployment at once race on the same resources (the second jumpbox create, the test
    pod); the second waits for the first, saying who holds the lock, or with `wait=False` refuses.
    The lock is the operating system's (flock): a run that is killed lets go of it.
    """
    if dep is None:
        yield
        return
    target = dep.backend.subscription_id if dep.backend.kind == "azure" else "emulator"
    path = state_dir / "locks" / f"{dep.name}-{target}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # a damaged state folder: the first notebook names it
        yield
        return
    lock, holder = FileLock(str(path)), path.with_suffix(".holder")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        who = _read_holder(holder)
        if not wait:
            raise PraksError(f"Another praks run of {dep.name} is running ({who}); nothing was run.",
                             "wait for it to finish, or run without --no-wait to queue behind it") from None
        echo(f"Another praks run of {dep.name} is running ({who}); waiting for it to finish (Ctrl-C stops).")
        started = time.monotonic()
        while True:
            try:
                lock.acquire(timeout=every)
                break
            except Timeout:
                echo(f"  … still waiting for the other run of {dep.name} after {time.monotonic() - started:.0f} s")
        echo(f"The other run of {dep.name} finished; this one starts.")
    try:
        holder.write_text(json.dumps({"pid": os.getpid(), "since": datetime.now(timezone.utc).isoformat(
            timespec="seconds")}))
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _read_holder(holder: Path) -> str:
    try:
        info = json.loads(holder.read_text())
        return f"process {info['pid']} since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its details are unknown"


def _last_output(notebook: Path) -> str:
    """The text of the notebook's last output: a stage's PASS line, or the error that stopped it."""
    for cell in reversed(nbformat.read(notebook, as_version=4).cells):
        for output in reversed(cell.get("outputs", [])):
            if output.get("output_type") == "error":
                return f"{output['ename']}: {output['evalue']}"
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            if text:
                return text.strip()
    return ""


def write_report(result: SuiteResult, deployment_file: Path) -> Path:
    """runs/<timestamp>/report.html: one line per stage with its verdict, and each notebook as HTML."""
    from nbconvert import HTMLExporter  # heavy (templates, markdown): only when a report is written

    exporter = HTMLExporter()
    rows = []
    for stage in result.stages:
        page = stage.output.with_suffix(".html")
        if stage.output.exists():
            body, _ = exporter.from_notebook_node(nbformat.read(stage.output, as_version=4))
            page.write_text(body)
        outcome = stage.error or _last_output(stage.output)
        status = "ok" if stage.error is None else "FAILED"
        rows.append(f"<tr><td><a href='{page.name}'>{stage.stage}</a></td><td class='{status}'>{status}</td>"
                    f"<td>{stage.seconds:.1f} s</td><td><pre>{html.escape(outcome)}</pre></td></tr>")
    verdict = "PASS" if result.ok else "FAIL"
    report = result.run_dir / "report.html"
    report.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>praks run</title><style>"
        "body{font-family:sans-serif;margin:2em}td{padding:.3em .8em;vertical-align:top;border-bottom:1px solid #ddd}"
        "pre{white-space:pre-wrap;margin:0}.ok{color:#0a7d4f}.FAILED{color:#b3261e;font-weight:bold}</style></head>"
        f"<body><h1>praks run: {verdict}</h1><p>parameters: {html.escape(str(deployment_file))} · "
        f"{result.run_dir.name}</p><table><tr><th>stage</th><th>result</th><th>time</th><th>verdict</th></tr>"
        + "".join(rows) + "</table></body></html>")
    return report
