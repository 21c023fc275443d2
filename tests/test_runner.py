"""`praks run`: papermill over the stage notebooks, a line per notebook, a clear failure."""
import json
import re

import pytest

from praks_lib.cli import main
from praks_lib.cloud import connect
from praks_lib.params import load_deployment
from praks_lib.runner import run_suite, stage_notebooks


def _outputs(notebook) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(o.get("text", "")) + json.dumps(o.get("data", {}))
                     for c in cells for o in c.get("outputs", []))


def test_whole_suite_passes_twice_and_the_second_run_changes_nothing(tmp_path, capsys):
    lines = []
    state = tmp_path / "state"
    first = run_suite(runs_dir=tmp_path / "runs", state_dir=state, echo=lines.append)
    assert first.ok, lines
    assert [s.stage for s in first.stages] == ["00_plan", "01_network", "02_firewall", "03_egress_route",
                                               "04_private_aks", "05_private_access", "06_monitoring", "07_validate"]
    assert lines[0].startswith("[1/8] 00_plan") and " ok " in lines[0]
    assert lines[-1].startswith("Suite completed: 8/8 notebooks")
    assert "6 created" in _outputs(first.stages[1].output)
    report = (first.run_dir / "report.html").read_text()
    assert "praks run: PASS" in report and "PASS: hub and spoke deployed" in report
    assert (first.run_dir / "07_validate.html").exists()

    second = run_suite(runs_dir=tmp_path / "runs2", state_dir=state, echo=lines.append)
    assert second.ok
    for stage in second.stages[1:7]:
        assert "No changes: all" in _outputs(stage.output), stage.stage
    assert re.search(r"PASS: \d+ checks", _outputs(second.stages[-1].output))

    # Then the whole deployment goes, and a second teardown finds nothing.
    assert main(["teardown", "--state-dir", str(state), "--confirm", "dzpraks1"]) == 0
    assert "Teardown complete" in capsys.readouterr().out
    main(["teardown", "--state-dir", str(state), "--confirm", "dzpraks1"])
    assert "Nothing to delete" in capsys.readouterr().out


def test_bad_parameter_file_stops_at_the_first_notebook_and_creates_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\naks:\n  service_cidr: 10.2.0.1/24\n  typo: 1\n")
    lines = []
    result = run_suite(bad, up_to="01", runs_dir=tmp_path / "runs", state_dir=tmp_path / "state", echo=lines.append)
    assert not result.ok
    assert [s.stage for s in result.stages] == ["00_plan"]
    failure = result.stages[0].error
    assert "ParameterError" in failure and "3 problem(s)" in failure and "aks.typo" in failure
    assert any(line.strip().startswith("00_plan.ipynb failed at cell [") for line in lines)
    assert "praks run: FAIL" in (result.run_dir / "report.html").read_text()
    cloud = connect(load_deployment(), state_dir=tmp_path / "state")
    assert list(cloud.resource.resource_groups.list()) == []


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="unknown stage '42'"):
        stage_notebooks("42")


def test_cli_exit_code_names_failure(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: toolongname\n")
    code = main(["run", "-d", str(bad), "-u", "00", "--state-dir", str(tmp_path / "s"),
                 "--runs-dir", str(tmp_path / "r")])
    assert code == 1
    assert "00_plan.ipynb failed at cell" in capsys.readouterr().out


def test_the_suite_is_the_projects_found_from_the_working_directory_not_the_packages(tmp_path, monkeypatch):
    project = tmp_path / "workshop"
    (project / "parameters").mkdir(parents=True)
    (project / "parameters" / "default.yaml").write_text("name: room1\n")
    (project / "notebooks").mkdir()
    for stage in ("00_plan", "01_network"):
        (project / "notebooks" / f"{stage}.ipynb").write_text("{}")
    monkeypatch.delenv("PRAKS_PROJECT", raising=False)
    monkeypatch.chdir(project / "notebooks")
    assert stage_notebooks() == [project / "notebooks" / "00_plan.ipynb", project / "notebooks" / "01_network.ipynb"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRAKS_PROJECT", str(project))
    assert stage_notebooks(up_to="00") == [project / "notebooks" / "00_plan.ipynb"]
