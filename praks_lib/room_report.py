"""The facilitator's view of a room: who is at which stage or lab, and who is stuck on what check.

It reads what the attendees' notebooks say, wherever they are: a ``praks batch`` folder (one folder per
attendee with the executed stages) or the folder holding the attendees' homes on a JupyterHub (each
home's copy of the notebooks and labs, saved by JupyterLab as people work). A notebook is *done* when it
ran to the end without an error (a lab: its check passed), *stuck* when its last output is an error
(the failing check and hint, as praks_lib.failure reads them), *started* when some cells ran, else *new*.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from praks_lib.failure import parse_failure
from praks_lib.runner import STAGES

SKIPPED_DIRS = {".ipynb_checkpoints", ".praks", ".venv", "runs", "__pycache__"}


@dataclass(frozen=True)
class NotebookState:
    name: str  # stage (01_network) or lab (labs/03_route_detached)
    status: str  # new | started | done | stuck
    check: str = ""
    hint: str = ""


@dataclass
class AttendeeState:
    attendee: str
    notebooks: dict[str, NotebookState] = field(default_factory=dict)

    def _of(self, labs: bool) -> list[NotebookState]:
        return [n for name, n in sorted(self.notebooks.items()) if name.startswith("labs/") == labs]

    @property
    def stages_done(self) -> int:
        return sum(n.status == "done" for n in self._of(labs=False))

    @property
    def labs_done(self) -> int:
        return sum(n.status == "done" for n in self._of(labs=True))

    @property
    def at(self) -> str:
        """Where the attendee is: the first stage not done, else the first lab not done, else finished."""
        stages = {n.name: n for n in self._of(labs=False)}
        for stage in STAGES:
            if stage in stages and stages[stage].status != "done":
                return stage
        labs = [n for n in self._of(labs=True) if n.status != "done"]
        started = [n for n in labs if n.status != "new"]
        return (started or labs)[0].name if labs else "finished"

    @property
    def stuck(self) -> NotebookState | None:
        stuck = [n for n in self.notebooks.values() if n.status == "stuck"]
        return next((n for n in stuck if n.name == self.at), stuck[0] if stuck else None)


def notebook_state(path: Path, name: str) -> NotebookState:
    """What a saved or executed notebook says about how far its reader got."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - a half-written file is read again next time
        return NotebookState(name, "new")
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    ran = [c for c in code if c.get("execution_count") is not None or c.get("outputs")]
    if not ran:
        return NotebookState(name, "new")
    errors = [o for c in ran for o in c.get("outputs", []) if o.get("output_type") == "error"]
    last_ran = code.index(ran[-1])
    if errors and errors[-1] in ran[-1].get("outputs", []):
        failure = parse_failure(f"{errors[-1].get('ename', '')}: {errors[-1].get('evalue', '')}")
        return NotebookState(name, "stuck", failure.check, failure.hint)
    return NotebookState(name, "done" if last_ran == len(code) - 1 else "started")


def _notebooks(home: Path):
    for path in sorted(home.rglob("*.ipynb")):
        relative = path.relative_to(home)
        if SKIPPED_DIRS & set(relative.parts[:-1]) or path.name.endswith(".solution.ipynb"):
            continue
        if path.stem in STAGES:
            yield path, path.stem
        elif "labs" in relative.parts[:-1]:
            yield path, f"labs/{path.stem}"


def read_room(room_dir: Path) -> list[AttendeeState]:
    """One state per attendee folder in ``room_dir`` that holds stage or lab notebooks."""
    attendees = []
    for home in sorted(p for p in Path(room_dir).iterdir() if p.is_dir() and p.name not in SKIPPED_DIRS):
        state = AttendeeState(home.name)
        for path, name in _notebooks(home):
            state.notebooks.setdefault(name, notebook_state(path, name))
        if state.notebooks:
            attendees.append(state)
    return attendees


def room_table(room: list[AttendeeState]) -> pd.DataFrame:
    rows = []
    for a in room:
        stuck = a.stuck
        rows.append({"attendee": a.attendee, "at": a.at, "stages done": a.stages_done,
                     "labs done": a.labs_done, "stuck on": f"{stuck.name}: {stuck.check}" if stuck else "",
                     "hint": stuck.hint if stuck else ""})
    return pd.DataFrame(rows, columns=["attendee", "at", "stages done", "labs done", "stuck on", "hint"])


def room_text(room: list[AttendeeState]) -> str:
    if not room:
        return "No attendees found (no folder with stage or lab notebooks)."
    stuck = sum(a.stuck is not None for a in room)
    with pd.option_context("display.max_colwidth", 70, "display.width", 200):
        table = room_table(room).to_string(index=False)
    return f"{len(room)} attendees, {stuck} stuck\n{table}"


def room_figure(room: list[AttendeeState]):
    """A bar per attendee: stages and labs done, red where the attendee is stuck, labelled with where they are."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 0.35 * max(len(room), 3) + 1))
    axes = figure.subplots()
    ordered = room[::-1]
    names = [a.attendee for a in ordered]
    stages = [a.stages_done for a in ordered]
    labs = [a.labs_done for a in ordered]
    axes.barh(names, stages, color=["#b3261e" if a.stuck else "#0a7d4f" for a in ordered], label="stages done")
    axes.barh(names, labs, left=stages, color="#7aa6d8", label="labs done")
    for y, attendee in enumerate(ordered):
        label = attendee.at + (" — stuck" if attendee.stuck else "")
        axes.text(stages[y] + labs[y] + 0.15, y, label, va="center", fontsize=8)
    most_labs = max(sum(n.startswith("labs/") for n in a.notebooks) for a in room) if room else 0
    axes.set_xlim(0, len(STAGES) + most_labs + 4)  # room for the labels
    axes.set_xlabel("notebooks done (red: stuck)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    return figure


def room_png(room: list[AttendeeState]) -> bytes:
    buffer = io.BytesIO()
    room_figure(room).savefig(buffer, format="png")
    return buffer.getvalue()


def write_room_html(room: list[AttendeeState], path: Path) -> Path:
    """The table and the plot on one page (refresh it to see the room move)."""
    picture = ""
    if room:
        picture = f"<img alt='progress' src='data:image/png;base64,{base64.b64encode(room_png(room)).decode()}'>"
    path.write_text("<!doctype html><html><head><meta charset='utf-8'><title>praks room</title><style>"
                    "body{font-family:sans-serif;margin:2em}td,th{padding:.3em .6em;border-bottom:1px solid #ddd}"
                    "</style></head><body><h1>The room</h1>"
                    f"<pre>{html.escape(room_text(room).splitlines()[0])}</pre>{picture}"
                    + room_table(room).to_html(index=False) + "</body></html>")
    return path
