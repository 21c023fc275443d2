"""What the stage notebooks show, apart from what they apply: tables, verdicts, change lines, and
expected errors as their message and HINT in a failed cell."""
import base64
import re

import nbformat
import papermill
import pytest
from nbclient import NotebookClient
from papermill.exceptions import PapermillExecutionError

from praks_lib.deploy.converge import Change
from praks_lib.params import load_deployment
from praks_lib.plan import check_plan
from praks_lib.project import default_parameters
from praks_lib.stages import changes_summary, changes_table
from praks_lib.stages.plan import findings_table, parameters_table


def test_findings_table_puts_errors_first():
    dep = load_deployment(overrides={"aks": {"private_cluster": False, "dns_service_ip": "10.3.0.10"}},
                          check_plan=False)
    table = findings_table(check_plan(dep))
    assert list(table.columns) == ["severity", "code", "field", "message", "fix"]
    assert list(table["severity"]) == ["error", "warning"]
    assert findings_table([]).empty


def test_parameters_table_lists_every_parameter_by_dotted_path():
    table = parameters_table(load_deployment())
    assert table.loc["network.spoke.aks_subnet.prefix", "value"] == "10.0.5.0/24"
    assert table.loc["aks.name", "value"] == "dzpraks1"


def test_changes_are_counted_by_action_and_a_rerun_says_nothing_changed():
    changes = [Change("vnet", "hub", "created"), Change("vnet", "spoke", "updated", "prefix"),
               Change("group", "rg", "unchanged")]
    assert changes_summary(changes) == "1 created, 1 updated, 1 unchanged"
    assert changes_summary([Change("vnet", "hub", "unchanged")]) == "No changes: all 1 resources already as planned."
    assert changes_table(changes).to_dict("records")[1] == {"resource": "vnet", "name": "spoke",
                                                             "action": "updated", "detail": "prefix"}


def _notebook(path, *cells):
    """A notebook whose first cell starts like a stage's, then the given cells."""
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}})
    start = f"from praks_lib.stages import start\ndep, clients = start({str(default_parameters())!r})"
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in (start, *cells)]
    nbformat.write(notebook, path)
    return path


def _errors(notebook) -> list[tuple[str, str]]:
    """(ename, what the reader sees without colours) of each error output."""
    return [(o["ename"], re.sub(r"\x1b\[[0-9;]*m", "", "".join(o["traceback"])))
            for c in nbformat.read(notebook, as_version=4).cells for o in c.get("outputs", [])
            if o["output_type"] == "error"]


def test_an_expected_error_fails_its_cell_with_message_and_hint_but_no_traceback(tmp_path):
    notebook = _notebook(tmp_path / "stage.ipynb",
                         "from praks_lib.errors import StageError\n"
                         "raise StageError('FAIL: the firewall is Updating', 'wait for it or re-run 02_firewall')",
                         "print('not reached')")
    with pytest.raises(PapermillExecutionError) as failure:
        papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), cwd=str(tmp_path),
                                   progress_bar=False, log_output=False)
    assert failure.value.ename == "StageError" and failure.value.exec_count == 2
    [(_, shown)] = _errors(tmp_path / "out.ipynb")
    assert "FAIL: the firewall is Updating\nHINT: wait for it or re-run 02_firewall" in shown
    assert "Traceback" not in shown and "File " not in shown and "raise StageError" not in shown
    cells = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells
    assert not [o for o in cells[-1].get("outputs", []) if "not reached" in o.get("text", "")]


def test_azure_refusals_are_expected_errors_and_anything_else_keeps_its_traceback(tmp_path):
    notebook = _notebook(tmp_path / "stage.ipynb",
                         "from azure.core.exceptions import HttpResponseError\n"
                         "raise HttpResponseError(message='(AuthorizationFailed) The client has no authorization')",
                         "1 / 0")
    executed = nbformat.read(notebook, as_version=4)
    NotebookClient(executed, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.write(executed, tmp_path / "out.ipynb")
    (azure, refusal), (bug, trace) = _errors(tmp_path / "out.ipynb")
    assert azure == "HttpResponseError" and "(AuthorizationFailed) The client has no authorization" in refusal
    assert "Traceback" not in refusal and "raise HttpResponseError" not in refusal
    assert bug == "ZeroDivisionError" and "Traceback (most recent call last)" in trace and "1 / 0" in trace


def test_a_stage_starts_without_the_emulator_or_matplotlib_and_shows_a_diagram_as_png(tmp_path):
    notebook = _notebook(tmp_path / "stage.ipynb",
                         "import sys\nprint([m for m in ('praks_lib.emulator', 'matplotlib') if m in sys.modules])",
                         "from praks_lib.diagrams import draw, planned_view\ndraw(planned_view(dep))",
                         "print(clients.subscription_id, 'praks_lib.emulator' in sys.modules)")
    executed = nbformat.read(notebook, as_version=4)
    NotebookClient(executed, resources={"metadata": {"path": str(tmp_path)}}).execute()
    loaded, diagram, opened = (c.outputs for c in executed.cells[1:])
    assert loaded[0].text == "[]\n"
    assert diagram[0].data["text/plain"] == "<Figure size 1200x700 with 1 Axes>"
    assert base64.b64decode(diagram[0].data["image/png"]).startswith(b"\x89PNG")
    assert opened[0].text == "00000000-0000-0000-0000-000000000000 True\n"
