"""Time each stage notebook against a bare kernel and against the libraries it loads, as ratios.

A stage notebook costs a kernel start, the third-party libraries it imports (the Azure SDK, pandas,
matplotlib, DuckDB…) and praks's own imports and work. Two floors, each a notebook executed exactly
like a stage (papermill, the same parameters injected, the same working directory and kernel
arguments), so the ratios say what a stage adds on this machine — comparable across machines where
absolute seconds are not:

* ``bare_kernel``: one trivial cell — the kernel alone;
* ``libraries_<stage>``: one cell importing every module outside praks that the stage's kernel had
  loaded at its end (recorded by a last cell appended to a copy of the stage) — the kernel plus
  the libraries that stage needs. ``stage / libraries`` is what praks itself adds.

Each repetition runs the bare notebook, then the suite in order (00 … 07, 99 with confirmation) on a
fresh emulator state, as `praks run --teardown NAME` does, then each stage's libraries floor. Two
figures per notebook, each the median over the repetitions: the wall time of papermill's execution,
and the kernel's CPU time (the child process's user + system seconds, less disturbed by other load
on a shared machine).

Usage: python benchmarks/bench_notebooks.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from praks_lib.params import load_deployment
from praks_lib.project import default_parameters, notebooks_dir
from praks_lib.runner import TEARDOWN, stage_notebooks

BARE = "bare_kernel"

# The last cell of a stage's copy: the modules loaded outside praks (and outside the standard
# library, which a bare kernel loads largely anyway), written where the benchmark reads them.
_RECORD_MODULES = """import json as _json, sys as _sys
_json.dump(sorted(m for m in _sys.modules if not m.startswith(("praks_lib", "_"))
                  and m.split(".")[0] not in _sys.stdlib_module_names), open({path!r}, "w"))"""

_IMPORT_MODULES = """import importlib
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except Exception:  # a module that only imports as part of another one: its parent loaded it
        pass"""


def _notebook(folder: Path, name: str, source: str) -> Path:
    """One cell after a `parameters` cell (so papermill injects the parameters as into a stage),
    with the kernel metadata the stage notebooks carry."""
    reference = nbformat.read(stage_notebooks()[0], as_version=4)
    notebook = nbformat.v4.new_notebook(metadata=reference.metadata)
    notebook.cells = [nbformat.v4.new_code_cell('deployment_file = ""', metadata={"tags": ["parameters"]}),
                      nbformat.v4.new_code_cell(source)]
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def _recording_copy(stage: Path, folder: Path, modules_file: Path) -> Path:
    """The stage notebook with one more cell that records the modules its kernel loaded."""
    notebook = nbformat.read(stage, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(_RECORD_MODULES.format(path=str(modules_file))))
    path = folder / stage.name
    nbformat.write(notebook, path)
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _execute(notebook: Path, output: Path, parameters: dict) -> tuple[float, float]:
    """(wall seconds, kernel CPU seconds) of one papermill execution, as the runner makes it."""
    cpu, started = _children_cpu(), time.perf_counter()
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, cwd=str(notebooks_dir()),
                               progress_bar=False, log_output=False,
                               extra_arguments=["--IPKernelApp.log_level=ERROR"])
    return time.perf_counter() - started, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the whole sequence (default 3)")
    args = parser.parse_args()
    deployment_file = default_parameters().resolve()
    name = load_deployment(deployment_file).name
    parameters = {"deployment_file": str(deployment_file)}
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(notebook: Path, runs: Path, key: str, given: dict) -> None:
        seconds, kernel_cpu = _execute(notebook, runs / notebook.name, given)
        wall.setdefault(key, []).append(seconds)
        cpu.setdefault(key, []).append(kernel_cpu)

    with tempfile.TemporaryDirectory(prefix="praks-bench-") as tmp:
        folder = Path(tmp)
        bare = _notebook(folder, BARE, "pass")
        stages = stage_notebooks(teardown=True)
        for repetition in range(args.repeat):
            # Kernels are separate processes: they find the emulator's state through the environment.
            os.environ["PRAKS_STATE_DIR"] = str(folder / f"state-{repetition}")
            runs, copies = folder / f"run-{repetition}", folder / f"copies-{repetition}"
            runs.mkdir()
            copies.mkdir()
            timed(bare, runs, BARE, parameters)
            for stage in stages:
                given = dict(parameters, confirm=name) if stage.stem == TEARDOWN else parameters
                timed(_recording_copy(stage, copies, copies / f"{stage.stem}.json"), runs, stage.stem, given)
            for stage in stages:
                modules = json.loads((copies / f"{stage.stem}.json").read_text())
                floor = _notebook(copies, f"libraries_{stage.stem}", _IMPORT_MODULES.format(modules=modules))
                timed(floor, runs, f"libraries_{stage.stem}", parameters)
            print(f"repetition {repetition + 1}/{args.repeat} done", file=sys.stderr, flush=True)
    median = {key: (statistics.median(wall[key]), statistics.median(cpu[key])) for key in wall}
    floor_wall, floor_cpu = median[BARE]
    print(f"median of {args.repeat} repetition(s) · {BARE}: {floor_wall:.2f} s wall, {floor_cpu:.2f} s kernel CPU\n")
    print(f"{'notebook':<18} {'wall s':>7} {'/bare':>6} {'/libs':>6} {'CPU s':>6} {'/bare':>6} {'/libs':>6}"
          f"   libraries floor: wall s, CPU s")
    for stage in stages:
        (w, c), (lw, lc) = median[stage.stem], median[f"libraries_{stage.stem}"]
        print(f"{stage.stem:<18} {w:7.2f} {w / floor_wall:6.2f} {w / lw:6.2f} {c:6.2f} {c / floor_cpu:6.2f}"
              f" {c / lc:6.2f}   {lw:6.2f} {lc:6.2f}")


if __name__ == "__main__":
    main()
