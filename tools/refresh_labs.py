"""Re-record the break-and-fix labs both ways: each lab broken (as committed, ``solution = False``) and its
``.solution.ipynb`` twin fixed (``solution = True``), each on a fresh emulator, as nbval replays them.

The twin is the lab with one line changed (the parameters cell's ``solution``); tests/test_workshop_labs.py
checks they never drift apart. Run with the project's virtualenv: ``python tools/refresh_labs.py [01 …]``.
"""
import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parent.parent
LABS = ROOT / "notebooks" / "labs"
SOLVED = re.compile(r"^solution: bool = False", re.M)


def solution_twin(lab: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The lab with its parameters cell saying ``solution: bool = True``."""
    twin = nbformat.from_dict(lab)
    cell = next(c for c in twin.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = SOLVED.sub("solution: bool = True", cell.source)
    return twin


def _recorded_on() -> str:
    spec = importlib.util.spec_from_file_location("praks_conftest", ROOT / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    return conftest.RECORDED_ON


def _execute(nb: nbformat.NotebookNode) -> None:
    os.environ["PRAKS_STATE_DIR"] = tempfile.mkdtemp(prefix="praks-refresh-labs-")
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(LABS)}})


def main() -> int:
    os.environ.setdefault("PRAKS_PROJECT", str(ROOT))
    os.environ["PRAKS_TODAY"] = _recorded_on()
    only = set(sys.argv[1:])
    for path in sorted(LABS.glob("[0-9]*_*.ipynb")):
        if path.name.endswith(".solution.ipynb") or (only and path.stem[:2] not in only):
            continue
        lab = nbformat.read(path, as_version=4)
        twin = solution_twin(lab)
        _execute(lab)
        nbformat.write(lab, path)
        _execute(twin)
        nbformat.write(twin, path.with_suffix(".solution.ipynb"))
        print(f"refreshed {path.name} and its solution")
    return 0


if __name__ == "__main__":
    sys.exit(main())
