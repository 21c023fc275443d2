"""The facilitator's view (praks workshop report, workshop/facilitator.ipynb) and an attendee's first-login copy."""
import shutil
from pathlib import Path

import nbformat
import papermill

from praks_lib.cli import main
from praks_lib.room_report import read_room, room_text, write_room_html
from praks_lib.workshop_home import prepare_home, state_dir

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _room(tmp_path: Path) -> Path:
    """Three homes as a hub holds them: one who finished the stages and is stuck in a lab, one stuck at 00_plan,
    one who has not started."""
    room = tmp_path / "home"
    for user in ("ada", "bob", "cy"):
        prepare_home(room / user, ROOT)
    ada = room / "ada" / "praks" / "notebooks"
    for stage in sorted(NOTEBOOKS.glob("0*.ipynb")):
        shutil.copy(stage, ada / stage.name)  # as run and saved
    shutil.copy(NOTEBOOKS / "labs" / "01_hub_dns.solution.ipynb", ada / "labs" / "01_hub_dns.ipynb")
    shutil.copy(NOTEBOOKS / "labs" / "03_route_detached.ipynb", ada / "labs" / "03_route_detached.ipynb")
    plan = nbformat.read(NOTEBOOKS / "00_plan.ipynb", as_version=4)
    start = next(i for i, c in enumerate(plan.cells) if c.cell_type == "code" and "start(" in c.source)
    plan.cells[start].outputs = [nbformat.v4.new_output(
        "error", ename="ParameterError", evalue="1 problem(s) in x.yaml:\n  - name: 'Bob' is not valid — use 5 to 8 "
        "lowercase letters or digits", traceback=[])]
    for cell in plan.cells[start + 1:]:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(plan, room / "bob" / "praks" / "notebooks" / "00_plan.ipynb")
    return room


def test_the_room_at_a_glance(tmp_path):
    room = read_room(_room(tmp_path))
    by_name = {a.attendee: a for a in room}
    ada, bob, cy = by_name["ada"], by_name["bob"], by_name["cy"]
    assert (ada.stages_done, ada.labs_done, ada.at) == (8, 1, "labs/03_route_detached")
    assert ada.stuck.check.startswith("FAIL: aks-2-subnet 0.0.0.0/0 goes to Internet")
    assert ada.stuck.hint.startswith("associate the route table")
    assert (bob.at, bob.stuck.name) == ("00_plan", "00_plan") and bob.stuck.check.startswith("name: 'Bob' is not valid")
    assert (cy.stages_done, cy.at, cy.stuck) == (0, "00_plan", None)
    assert room_text(room).startswith("3 attendees, 2 stuck")
    page = write_room_html(room, tmp_path / "room.html").read_text()
    assert "data:image/png;base64," in page and "labs/03_route_detached" in page


def test_cli_report(tmp_path, capsys):
    room = _room(tmp_path)
    assert main(["workshop", "report", str(room), "--html", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 attendees, 2 stuck") and (tmp_path / "r.html").exists()


def test_the_facilitator_notebook_runs_headless(tmp_path):
    room = _room(tmp_path)
    output = tmp_path / "facilitator.ipynb"
    papermill.execute_notebook(str(ROOT / "workshop" / "facilitator.ipynb"), str(output),
                               parameters={"room_dir": str(room)}, progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(output, as_version=4)
    texts = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("3 attendees, 2 stuck" in o.get("text", "") for o in texts)
    assert any("image/png" in o.get("data", {}) for o in texts)


def test_first_login_copy_is_blank_without_solutions_and_kept(tmp_path):
    copy = prepare_home(tmp_path, ROOT)
    labs = sorted(p.name for p in (copy / "notebooks" / "labs").glob("*.ipynb"))
    assert len(labs) == 6 and not [n for n in labs if "solution" in n]
    lab = nbformat.read(copy / "notebooks" / "labs" / labs[0], as_version=4)
    assert all(not c.outputs for c in lab.cells if c.cell_type == "code")
    assert (copy / "parameters" / "default.yaml").exists() and state_dir(tmp_path).is_dir()
    (copy / "notebooks" / "mine.txt").write_text("my work")
    prepare_home(tmp_path, ROOT)
    assert (copy / "notebooks" / "mine.txt").read_text() == "my work"
