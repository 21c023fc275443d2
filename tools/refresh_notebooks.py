"""Re-record the committed notebook outputs: run every stage in order, in place, on a fresh emulator.

nbval compares the committed outputs with a replay of the notebooks against an empty emulated cloud,
so the outputs must come from exactly such a run with default parameters. Run it with the project's
virtualenv (praks installed); it works on the repository it lives in, from any working directory.
"""
import importlib.util
import os
import sys
import tempfile
import uuid
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

from praks_lib.project import PROJECT_ENV, notebooks_dir
from praks_lib.runner import stage_notebooks


def _recorded_on() -> str:
    """The day the committed outputs are recorded for: the date the test session pins (conftest.py)."""
    spec = importlib.util.spec_from_file_location("praks_conftest", Path(__file__).resolve().parent.parent / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    return conftest.RECORDED_ON


def _without_run_noise(nb, name: str):
    """Drop what changes from one identical run to the next, so a re-record diffs only real changes:
    the kernel's execution timestamps, and the random ids of widget models (renumbered in the order
    the run made them, everywhere they appear: views, saved state, references between models)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    text = nbformat.writes(nb)
    for number, model_id in enumerate(list(state)):
        text = text.replace(model_id, uuid.uuid5(uuid.NAMESPACE_URL, f"praks:{name}:{number}").hex)
    return nbformat.reads(text, as_version=4)


def main() -> int:
    # This tool belongs to the repository it sits in: that is the project whose notebooks it refreshes.
    os.environ.setdefault(PROJECT_ENV, str(Path(__file__).resolve().parent.parent))
    os.environ["PRAKS_STATE_DIR"] = tempfile.mkdtemp(prefix="praks-refresh-")
    os.environ["PRAKS_TODAY"] = _recorded_on()
    only = set(sys.argv[1:])
    for path in stage_notebooks(teardown=True):
        nb = nbformat.read(path, as_version=4)
        ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(
            nb, {"metadata": {"path": str(notebooks_dir())}})
        if not only or path.stem[:2] in only or path.stem in only:
            nbformat.write(_without_run_noise(nb, path.stem), path)
            print(f"refreshed {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
