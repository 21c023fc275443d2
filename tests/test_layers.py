"""The layers of DESIGN.md hold: the shared layer imports nothing above it, the emulator never uses the
runbook, and the runbook reaches the emulator only through praks_lib.cloud (import-linter contracts in
pyproject.toml). Every module directly under praks_lib belongs to one layer, so none escapes them."""
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import praks_lib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def test_import_contracts_are_kept():
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                          "lint_imports_command()", "--config", str(PYPROJECT)],
                         capture_output=True, text=True, cwd=PYPROJECT.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_every_top_level_module_is_in_exactly_one_layer():
    shared, emulator, runbook = _contracts()
    layers = {"shared": set(shared["source_modules"]), "emulator": set(emulator["source_modules"]),
              "runbook": set(runbook["source_modules"])}
    assert layers["runbook"] == {m for m in shared["forbidden_modules"] if m.startswith("praks_lib.")} - {
        "praks_lib.emulator"} == {m for m in emulator["forbidden_modules"] if m.startswith("praks_lib.")}
    modules = {f"praks_lib.{m.name}" for m in pkgutil.iter_modules(praks_lib.__path__)}
    placed = [m for members in layers.values() for m in members]
    assert sorted(placed) == sorted(set(placed)), "a module is in two layers"
    assert modules == set(placed), f"unplaced: {modules - set(placed)}; gone: {set(placed) - modules}"
