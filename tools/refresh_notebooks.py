"""Re-record the committed notebook outputs: run every stage in order, in place, on a fresh emulator.

nbval compares the committed outputs with a replay of the notebooks against an empty emulated cloud,
so the outputs must come from exactly such a run with default parameters.
"""
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from praks_lib.runner import NOTEBOOKS, stage_notebooks  # noqa: E402


def main() -> int:
    os.environ["PRAKS_STATE_DIR"] = tempfile.mkdtemp(prefix="praks-refresh-")
    only = set(sys.argv[1:])
    for path in stage_notebooks(teardown=True):
        nb = nbformat.read(path, as_version=4)
        ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(NOTEBOOKS)}})
        if not only or path.stem[:2] in only or path.stem in only:
            nbformat.write(nb, path)
            print(f"refreshed {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
