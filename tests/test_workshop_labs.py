"""The break-and-fix labs: nbval replays each lab broken (as committed) and its .solution twin fixed; here,
that the recorded outcomes are the right ones and that a twin is its lab with one parameter changed."""
from pathlib import Path

import nbformat
import pytest

from praks_lib.labs import LABS

LABS_DIR = Path(__file__).resolve().parents[1] / "notebooks" / "labs"
LAB_FILES = sorted(p for p in LABS_DIR.glob("[0-9]*_*.ipynb") if not p.name.endswith(".solution.ipynb"))


def _check_output(nb) -> dict:
    check = nb.cells[-1]
    assert "raises-exception" in check.metadata.get("tags", [])
    [output] = check.outputs
    return output


def test_six_labs_one_per_module():
    assert len(LAB_FILES) == 6
    assert sorted(p.stem[3:] for p in LAB_FILES) == sorted(LABS)


@pytest.mark.parametrize("path", LAB_FILES, ids=lambda p: p.stem)
def test_a_lab_fails_its_check_when_broken_and_passes_when_solved(path):
    lab = nbformat.read(path, as_version=4)
    twin = nbformat.read(path.with_suffix(".solution.ipynb"), as_version=4)
    [parameters] = [c for c in lab.cells if "parameters" in c.metadata.get("tags", [])]
    assert "solution: bool = False" in parameters.source
    # The twin is the lab: same cells, only the parameters cell says solution = True.
    assert len(lab.cells) == len(twin.cells)
    for mine, theirs in zip(lab.cells, twin.cells):
        expected = mine.source.replace("solution: bool = False", "solution: bool = True")
        assert theirs.source == expected
    broken, solved = _check_output(lab), _check_output(twin)
    assert broken["output_type"] == "error" and broken["ename"] == "StageError"
    assert broken["evalue"].startswith("FAIL: ") and "\nHINT: " in broken["evalue"]
    assert solved["output_type"] == "execute_result"
    assert solved["data"]["text/plain"].startswith("PASS: ")
    assert "ticket" in lab.cells[0].source.lower()


def test_the_blocked_endpoint_lab_shows_azures_error_code():
    lab = nbformat.read(LABS_DIR / "02_blocked_endpoint.ipynb", as_version=4)
    texts = "".join(o.get("text", "") for c in lab.cells if c.cell_type == "code" for o in c.outputs)
    assert "(OutboundConnFailVMExtensionError)" in texts and "exit status 50" in texts
