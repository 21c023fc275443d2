"""Time each stage notebook against a bare kernel, run the same way, and print the ratios.

A stage notebook costs a kernel start plus its own imports and work. The floor is a notebook with
one trivial cell, executed exactly like a stage (papermill, the same parameters injected, the same
working directory and kernel arguments), so the ratio says what the stage adds over a bare kernel
on this machine — comparable across machines where absolute seconds are not.

Each repetition runs the bare notebook, then the suite in order (00 … 07, 99 with confirmation) on a
fresh emulator state, as `praks run --teardown NAME` does. Two figures per notebook, each the median
over the repetitions: the wall time of papermill's execution, and the kernel's CPU time (the child
process's user + system seconds, less disturbed by other load on a shared machine).

Usage: python benchmarks/bench_notebooks.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from praks_lib.params import load_deployment
from praks_lib.project import default_parameters, notebooks_dir
from praks_lib.runner import TEARDOWN, stage_notebooks

BARE = "bare_kernel"


def _bare_notebook(folder: Path) -> Path:
    """One trivial cell, tagged `parameters` so papermill injects the parameters as into a stage,
    with the kernel metadata the stage notebooks carry."""
    reference = nbformat.read(stage_notebooks()[0], as_version=4)
    notebook = nbformat.v4.new_notebook(metadata=reference.metadata)
    notebook.cells = [nbformat.v4.new_code_cell('deployment_file = ""', metadata={"tags": ["parameters"]})]
    path = folder / f"{BARE}.ipynb"
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
    with tempfile.TemporaryDirectory(prefix="praks-bench-") as tmp:
        folder = Path(tmp)
        bare = _bare_notebook(folder)
        for repetition in range(args.repeat):
            # Kernels are separate processes: they find the emulator's state through the environment.
            os.environ["PRAKS_STATE_DIR"] = str(folder / f"state-{repetition}")
            runs = folder / f"run-{repetition}"
            runs.mkdir()
            for notebook in [bare, *stage_notebooks(teardown=True)]:
                given = dict(parameters, confirm=name) if notebook.stem == TEARDOWN else parameters
                seconds, kernel_cpu = _execute(notebook, runs / notebook.name, given)
                wall.setdefault(notebook.stem, []).append(seconds)
                cpu.setdefault(notebook.stem, []).append(kernel_cpu)
            print(f"repetition {repetition + 1}/{args.repeat} done", flush=True)
    floor_wall, floor_cpu = statistics.median(wall[BARE]), statistics.median(cpu[BARE])
    print(f"\nmedian of {args.repeat} repetition(s); ratio = notebook / {BARE}\n")
    print(f"{'notebook':<18} {'wall s':>7} {'ratio':>6} {'kernel CPU s':>13} {'ratio':>6}")
    for stem in wall:
        w, c = statistics.median(wall[stem]), statistics.median(cpu[stem])
        print(f"{stem:<18} {w:7.2f} {w / floor_wall:6.2f} {c:13.2f} {c / floor_cpu:6.2f}")


if __name__ == "__main__":
    main()
