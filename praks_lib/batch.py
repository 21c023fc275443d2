"""`praks batch`: the suite for many parameter files at once — a room's attendees, or a test matrix.

    result = run_batch(["parameters/room/ws01.yaml", ...], jobs=4)

- Bounded parallelism: at most ``jobs`` suites run at once, each in a worker process of its own
  (papermill changes the working directory, so suites never share a process).
- Each attendee's executed notebooks stay apart, in ``<out>/<attendee>/`` (attendee: the file's stem).
- Resumable: a re-run continues each attendee from its first unfinished stage (praks_lib.runner's
  suite.json); an attendee whose stages are all done is not started at all, so a finished room
  finishes at once. A changed parameter file starts that attendee again from 00_plan.
- A bad file fails that attendee's 00_plan with its ParameterError; the others go on.
- Throttling: each stage's SDK clients retry 429 (and 5xx) with azure-core's retry policy, which waits
  as long as Azure's Retry-After says; only an error that outlasts the retries fails a stage.
- Progress is shown live (attendee × stage), and the summary (attendee × stage → status, duration,
  failing check, hint, resource and Azure's error code) is written as summary.csv and summary.html.
"""
from __future__ import annotations

import csv
import html
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from praks_lib.failure import parse_failure
from praks_lib.project import project_dir
from praks_lib.runner import finished_stages, run_suite, stage_notebooks

SUMMARY_CSV, SUMMARY_HTML = "summary.csv", "summary.html"
SYMBOLS = {"pending": "·", "running": "▶", "ok": "✓", "failed": "✗", "skipped": "-"}


@dataclass(frozen=True)
class StageRow:
    attendee: str
    stage: str
    status: str  # ok | failed | not run
    seconds: float
    resumed: bool = False  # finished by an earlier batch
    check: str = ""
    hint: str = ""
    resource: str = ""
    code: str = ""


@dataclass
class BatchResult:
    out: Path
    rows: list[StageRow]
    wall_seconds: float

    def attendee_ok(self, attendee: str) -> bool:
        return all(r.status == "ok" for r in self.rows if r.attendee == attendee)

    @property
    def attendees(self) -> list[str]:
        return list(dict.fromkeys(r.attendee for r in self.rows))

    @property
    def ok(self) -> bool:
        return all(self.attendee_ok(a) for a in self.attendees)

    @property
    def failures(self) -> list[StageRow]:
        return [r for r in self.rows if r.status == "failed"]


def attendee_ids(files: list[Path]) -> list[str]:
    """Each file's stem; a stem given twice is numbered, so no two attendees share a folder."""
    seen: dict[str, int] = {}
    ids = []
    for path in files:
        stem = path.stem
        seen[stem] = seen.get(stem, 0) + 1
        ids.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return ids


def _run_attendee(attendee: str, file: str, run_dir: str, up_to: str | None, state_dir: str | None,
                  backend: str | None, events) -> list[dict]:
    """One attendee's suite in a worker process; every outcome is a row, never an exception."""
    stages = [p.stem for p in stage_notebooks(up_to)]
    try:
        result = run_suite(file, backend, up_to, state_dir=state_dir, run_dir=run_dir, resume=True,
                           echo=lambda _: None,
                           on_stage=lambda stage, status, seconds: events.put((attendee, stage, status, seconds)))
    except Exception as exc:  # noqa: BLE001 - a suite that cannot start is this attendee's failure only
        message = f"{type(exc).__name__}: {exc}"
        events.put((attendee, stages[0], "failed", 0.0))
        return [asdict(_row(attendee, stages[0], "failed", 0.0, message))] + [
            asdict(StageRow(attendee, s, "not run", 0.0)) for s in stages[1:]]
    rows = [asdict(_row(attendee, s.stage, "ok" if s.error is None else "failed", s.seconds, s.error, s.resumed))
            for s in result.stages]
    rows += [asdict(StageRow(attendee, s, "not run", 0.0)) for s in stages[len(result.stages):]]
    return rows


def _row(attendee: str, stage: str, status: str, seconds: float, error: str | None = None,
         resumed: bool = False) -> StageRow:
    if not error:
        return StageRow(attendee, stage, status, seconds, resumed)
    failure = parse_failure(error)
    return StageRow(attendee, stage, status, seconds, resumed, failure.check, failure.hint, failure.resource,
                    failure.code)


class Progress:
    """Attendee × stage, live: redrawn in place on a terminal, one line per finished stage otherwise."""

    def __init__(self, attendees: list[str], stages: list[str], stream=None):
        self.stream = stream or sys.stdout
        self.stages = stages
        self.state = {a: {s: "pending" for s in stages} for a in attendees}
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.drawn = 0
        self.done = 0

    def update(self, attendee: str, stage: str, status: str, seconds: float = 0.0) -> None:
        self.state[attendee][stage] = status
        if status in ("ok", "failed", "skipped"):
            self.done += 1
        if self.live:
            self._redraw()
        elif status != "running":
            total = len(self.state) * len(self.stages)
            print(f"[{self.done}/{total}] {attendee:<10} {stage:<18} {status:<7} {seconds:5.1f} s",
                  file=self.stream, flush=True)

    def _redraw(self) -> None:
        width = max(len(a) for a in self.state)
        lines = [" " * width + "  " + " ".join(s[:2] for s in self.stages)]
        for attendee, stages in self.state.items():
            lines.append(f"{attendee:<{width}}  " + " ".join(f"{SYMBOLS[stages[s]]:>2}" for s in self.stages))
        if self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F")
        self.stream.write("\n".join(f"{line}\x1b[K" for line in lines) + "\n")
        self.stream.flush()
        self.drawn = len(lines)


def run_batch(files: list[str | Path], jobs: int = 4, up_to: str | None = None, out: str | Path | None = None,
              state_dir: str | Path | None = None, backend: str | None = None, stream=None) -> BatchResult:
    """Run the suite for every file, at most ``jobs`` at once, into ``out`` (default runs/batch/)."""
    started = time.perf_counter()
    paths = [Path(f).resolve() for f in files]
    attendees = attendee_ids(paths)
    stages = [p.stem for p in stage_notebooks(up_to)]
    out = Path(out or project_dir() / "runs" / "batch").resolve()
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress(attendees, stages, stream)
    rows: dict[str, list[StageRow]] = {}
    todo = []
    for attendee, path in zip(attendees, paths):
        done = finished_stages(out / attendee, path)
        for stage in stages:
            if stage in done:
                progress.update(attendee, stage, "ok", done[stage])
        if all(s in done for s in stages):  # nothing left: no worker, no kernel
            rows[attendee] = [StageRow(attendee, s, "ok", done[s], resumed=True) for s in stages]
        else:
            todo.append((attendee, path))
    if todo:
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, ProcessPoolExecutor(max_workers=max(1, jobs),
                                                               mp_context=context) as pool:
            events = manager.Queue()
            futures = {pool.submit(_run_attendee, attendee, str(path), str(out / attendee), up_to,
                                   str(state_dir) if state_dir else None, backend, events): attendee
                       for attendee, path in todo}
            pending = set(futures)
            while pending:
                _drain(events, progress)
                finished = {f for f in pending if f.done()}
                for future in finished:
                    _drain(events, progress)
                    attendee = futures[future]
                    rows[attendee] = [StageRow(**r) for r in future.result()]
                    for row in rows[attendee]:
                        if row.status == "not run":
                            progress.update(attendee, row.stage, "skipped")
                pending -= finished
                time.sleep(0.1)
            _drain(events, progress)
    result = BatchResult(out, [r for a in attendees for r in rows[a]], time.perf_counter() - started)
    write_summary(result)
    return result


def _drain(events, progress: Progress) -> None:
    while not events.empty():
        progress.update(*events.get())


COLUMNS = ["attendee", "stage", "status", "seconds", "resumed", "check", "hint", "resource", "code"]


def write_summary(result: BatchResult) -> tuple[Path, Path]:
    """summary.csv (one row per attendee and stage) and summary.html (the same, attendee × stage)."""
    csv_path, html_path = result.out / SUMMARY_CSV, result.out / SUMMARY_HTML
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in result.rows:
            writer.writerow({**asdict(row), "seconds": f"{row.seconds:.1f}"})
    stages = list(dict.fromkeys(r.stage for r in result.rows))
    cells = {(r.attendee, r.stage): r for r in result.rows}
    body = []
    for attendee in result.attendees:
        verdict = "PASS" if result.attendee_ok(attendee) else "FAIL"
        tds = []
        for stage in stages:
            row = cells.get((attendee, stage))
            title = html.escape(" · ".join(x for x in (row.check, row.hint, row.resource, row.code) if x)) if row else ""
            text = f"{row.status}<br><small>{row.seconds:.1f} s</small>" if row and row.status != "not run" else "—"
            tds.append(f"<td class='{(row.status if row else '').replace(' ', '-')}' title='{title}'>"
                       f"<a href='{html.escape(attendee)}/{stage}.ipynb'>{text}</a></td>")
        body.append(f"<tr><th>{html.escape(attendee)}</th><td class='{verdict}'>{verdict}</td>{''.join(tds)}</tr>")
    failures = "".join(
        f"<tr><td>{html.escape(r.attendee)}</td><td>{r.stage}</td><td>{html.escape(r.resource)}</td>"
        f"<td>{html.escape(r.code)}</td><td>{html.escape(r.check)}</td><td>{html.escape(r.hint)}</td></tr>"
        for r in result.failures)
    passed = sum(result.attendee_ok(a) for a in result.attendees)
    html_path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>praks batch</title><style>"
        "body{font-family:sans-serif;margin:2em}td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left}"
        ".ok,.PASS{color:#0a7d4f}.failed,.FAIL{color:#b3261e;font-weight:bold}.not-run{color:#888}"
        "a{color:inherit;text-decoration:none}</style></head><body>"
        f"<h1>praks batch: {passed}/{len(result.attendees)} attendees PASS</h1>"
        f"<p>{html.escape(str(result.out))} · {result.wall_seconds:.0f} s wall</p>"
        "<table><tr><th>attendee</th><th>verdict</th>" + "".join(f"<th>{s}</th>" for s in stages) + "</tr>"
        + "".join(body) + "</table>"
        + ("<h2>Failures</h2><table><tr><th>attendee</th><th>stage</th><th>resource</th><th>Azure error code</th>"
           "<th>failing check</th><th>hint</th></tr>" + failures + "</table>" if failures else "")
        + "</body></html>")
    return csv_path, html_path


def summary_text(result: BatchResult) -> str:
    """The closing lines: how many passed, and each permanent failure with attendee, stage, resource, code."""
    passed = sum(result.attendee_ok(a) for a in result.attendees)
    resumed = sum(all(r.resumed for r in result.rows if r.attendee == a) for a in result.attendees)
    lines = [f"Batch: {passed}/{len(result.attendees)} attendees PASS in {result.wall_seconds:.1f} s"
             + (f" ({resumed} already finished)" if resumed else "")]
    for r in result.failures:
        what = ", ".join(x for x in (r.resource, r.code) if x)
        lines.append(f"  FAIL {r.attendee} {r.stage}" + (f" [{what}]" if what else "") + f": {r.check}"
                     + (f" — HINT: {r.hint}" if r.hint else ""))
    lines.append(f"Summary: {result.out / SUMMARY_CSV} · {result.out / SUMMARY_HTML}")
    return "\n".join(lines)
