"""An attendee's own copy of the runbook, made at first login on a JupyterHub (or Binder).

``prepare_home(home)`` copies the project's parameters and notebooks (the stages and the labs, not the
labs' .solution twins) into ``<home>/praks`` with their outputs cleared, so every attendee starts from
blank notebooks and the facilitator's report (praks_lib.room_report) sees who ran what. A copy that
exists is left alone: an attendee's work survives a restart of their server. The emulator's state is
``<home>/praks/.praks`` (``state_dir``), one per user.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from praks_lib.project import notebooks_dir, parameters_dir

COPY = "praks"
STATE = ".praks"


def state_dir(home: Path) -> Path:
    return Path(home) / COPY / STATE


def _blank(source: Path, target: Path) -> None:
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def prepare_home(home: str | Path, source: str | Path | None = None) -> Path:
    """``<home>/praks`` with parameters/ and blank notebooks/ (stages and labs) from the ``source`` project
    (default: this one, praks_lib.project); returns that folder."""
    copy = Path(home) / COPY
    if (copy / "parameters" / "default.yaml").is_file():
        return copy
    parameters = Path(source) / "parameters" if source else parameters_dir()
    notebooks = Path(source) / "notebooks" if source else notebooks_dir()
    shutil.copytree(parameters, copy / "parameters", dirs_exist_ok=True, ignore=shutil.ignore_patterns("room"))
    for notebook in sorted(notebooks.rglob("*.ipynb")):
        relative = notebook.relative_to(notebooks)
        if notebook.name.endswith(".solution.ipynb") or ".ipynb_checkpoints" in relative.parts:
            continue
        _blank(notebook, copy / "notebooks" / relative)
    for extra in notebooks.glob("*.cfg"):
        shutil.copy(extra, copy / "notebooks" / extra.name)
    state_dir(home).mkdir(parents=True, exist_ok=True)
    return copy
