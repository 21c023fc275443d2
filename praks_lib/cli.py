"""The `praks` command: run the runbook headlessly, or open its notebooks in JupyterLab."""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser
from pathlib import Path

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from praks_lib.cloud import connect, emulator_state_dir, fresh_emulator, reset_emulator
from praks_lib.compare import Replayer, cassettes, compare, report
from praks_lib.errors import PraksError
from praks_lib.params import ParameterError, load_deployment
from praks_lib.project import notebooks_dir, project_dir
from praks_lib.runner import STAGES, run_suite
from praks_lib.stages.teardown import teardown_table
from praks_lib.teardown import plan_teardown, teardown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="praks", description="Private AKS runbook suite")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the stage notebooks in order (offline on the emulator by default)")
    run.add_argument("-d", "--deployment", help="parameter file (default: parameters/default.yaml)")
    run.add_argument("-b", "--backend", choices=["emulator", "azure"], help="override the file's backend")
    run.add_argument("-u", "--up-to", metavar="STAGE", help=f"stop after this stage ({STAGES[0][:2]}…{STAGES[-1][:2]})")
    run.add_argument("--state-dir", help="emulator state folder (default: $PRAKS_STATE_DIR or .praks/)")
    run.add_argument("--runs-dir", help="where executed notebooks go (default: runs/)")
    run.add_argument("--teardown", metavar="NAME", help="finish with 99_teardown, confirmed by the deployment's name")
    run.add_argument("--no-wait", action="store_true",
                     help="refuse instead of waiting when another run of the same deployment is running")
    run.add_argument("--record", metavar="DIR",
                     help="record every HTTP exchange, scrubbed of secrets, one file per stage (for praks compare)")
    compare = commands.add_parser("compare", help="replay a recording against a fresh emulator and list the differences")
    compare.add_argument("recording", help="a recording folder (praks run --record) or one cassette file")
    compare.add_argument("--state-dir", help="where the fresh emulator keeps its state (default: a temporary folder)")
    down = commands.add_parser("teardown", help="delete what the deployment created (tagged resources only)")
    down.add_argument("-d", "--deployment", help="parameter file (default: parameters/default.yaml)")
    down.add_argument("-b", "--backend", choices=["emulator", "azure"], help="override the file's backend")
    down.add_argument("--state-dir", help="emulator state folder (default: $PRAKS_STATE_DIR or .praks/)")
    down.add_argument("--confirm", default="", metavar="NAME",
                      help="the deployment's name; without it, only list what would be deleted")
    reset = commands.add_parser("reset", help="empty the emulator's state folder (offline only; Azure is never touched)")
    reset.add_argument("--state-dir", help="emulator state folder (default: $PRAKS_STATE_DIR or .praks/)")
    reset.add_argument("--confirm", action="store_true", help="do not ask (scripts); without it, praks asks")
    _add_workshop_commands(commands)
    lab = commands.add_parser("lab", help="open the notebooks in JupyterLab (offline on the emulator by default)")
    lab.add_argument("--ip", default="127.0.0.1",
                     help="address to listen on (default: 127.0.0.1, this machine only; the URL carries a token)")
    lab.add_argument("--port", type=int, default=8888, help="first port to try (default: 8888)")
    lab.add_argument("--state-dir", help="emulator state folder (default: $PRAKS_STATE_DIR or .praks/)")
    lab.add_argument("--no-browser", action="store_true", help="only print the URL")
    args = parser.parse_args(argv)

    if args.command == "lab":
        return _lab(args)
    if args.command == "workshop":
        return _workshop(args)
    if args.command == "batch":
        return _batch(args)
    if args.command == "teardown":
        return _teardown(args)
    if args.command == "compare":
        return _compare(args)
    if args.command == "reset":
        return _reset(args)

    if args.command == "run":
        if args.teardown is not None and (refusal := _teardown_name_refusal(args)):
            print(refusal, file=sys.stderr)
            return 2
        try:
            result = run_suite(args.deployment, args.backend, args.up_to, args.runs_dir, args.state_dir,
                               teardown_confirm=args.teardown, record_dir=args.record, wait=not args.no_wait)
        except PraksError as exc:
            print(f"praks run: {exc}", file=sys.stderr)
            return 2
        except ValueError as exc:
            parser.error(str(exc))
        return 0 if result.ok else 1
    return 2


def _teardown_name_refusal(args) -> str:
    """Why `praks run --teardown NAME` must not start (NAME is not the deployment's), or "" to go on.

    Checked before any stage runs: a wrong name would otherwise build everything, then keep it all.
    A parameter file that does not load is left to 00_plan, which says why at length.
    """
    try:
        dep = load_deployment(args.deployment, check_plan=False)
    except ParameterError:
        return ""
    if args.teardown == dep.name:
        return ""
    return (f"praks run: nothing run: --teardown '{args.teardown}' is not this deployment's name '{dep.name}'.\n"
            f"HINT: pass --teardown {dep.name}, or leave --teardown out to keep what the run builds")


def _teardown(args) -> int:
    try:
        dep = load_deployment(args.deployment, {"backend": {"kind": args.backend}} if args.backend else None)
    except ParameterError as exc:
        print(exc, file=sys.stderr)
        return 2

    clients = connect(dep, state_dir=args.state_dir)
    try:
        plan = plan_teardown(clients, dep)
        if plan:
            print(teardown_table(plan).to_string(index=False))
        teardown(clients, dep, plan, confirm=args.confirm)
    except (PraksError, HttpResponseError, ClientAuthenticationError) as exc:  # StageError, StateError
        print(exc, file=sys.stderr)
        return 1
    return 0


def _reset(args) -> int:
    """Empty the emulated cloud; a damaged state file is moved aside, not deleted."""
    state = emulator_state_dir(args.state_dir)
    if not args.confirm:
        if not sys.stdin.isatty():
            print(f"praks reset: nothing reset; it would empty the emulated cloud in {state}.\n"
                  "HINT: run it in a terminal to be asked, or pass --confirm", file=sys.stderr)
            return 2
        if input(f"Empty the emulated cloud in {state}? Type 'reset' to confirm: ").strip() != "reset":
            print("Nothing reset.")
            return 1
    try:
        moved = reset_emulator(state)
    except PraksError as exc:
        print(f"praks reset: {exc}", file=sys.stderr)
        return 2
    for path in moved:
        print(f"damaged, kept aside: {path}")
    print(f"The emulated cloud in {state} is empty.")
    return 0


def _compare(args) -> int:
    """0 when every recording matches the emulator, 1 when a difference is listed, 2 when none is found."""
    recordings = cassettes(Path(args.recording))
    if not recordings or not all(path.is_file() for path in recordings):
        print(f"no recording at {args.recording} (a folder of .yaml cassettes, or one)", file=sys.stderr)
        return 2
    results = []
    for path in recordings:
        with tempfile.TemporaryDirectory(prefix="praks-compare-") as scratch:
            session = fresh_emulator(Path(args.state_dir or scratch) / path.stem)
            results.append(compare(path, Replayer(session.credential, session.transport_factory())))
    print(report(results))
    return 0 if all(r.matches for r in results) else 1


def _add_workshop_commands(commands) -> None:
    """`praks workshop plan|report` and `praks batch`: a room of attendees (praks_lib.workshop, .batch)."""
    workshop = commands.add_parser("workshop", help="plan a workshop room, or report on one")
    actions = workshop.add_subparsers(dest="action", required=True)
    plan = actions.add_parser("plan", help="write one parameter file per attendee (distinct names and address plans)")
    plan.add_argument("-n", "--attendees", type=int, required=True, help="how many attendees")
    plan.add_argument("-p", "--prefix", required=True, help="deployment name prefix (names: <prefix><number>)")
    plan.add_argument("--base", help="parameter file every attendee's builds on (default: parameters/default.yaml)")
    plan.add_argument("--out", help="where the files go (default: parameters/room/)")
    report = actions.add_parser("report", help="who is at which stage or lab, who is stuck on what")
    report.add_argument("dir", help="a batch folder (praks batch --out) or the folder holding attendees' homes")
    report.add_argument("--html", metavar="FILE", help="also write the report, with its plot, as HTML")
    home = actions.add_parser("home", help="an attendee's own copy of the notebooks and parameters (first login)")
    home.add_argument("--to", default=str(Path.home()), help="the attendee's home (default: yours); copy in <to>/praks")
    batch = commands.add_parser("batch", help="run the suite for many parameter files, in parallel, resumable")
    batch.add_argument("files", nargs="+", help="parameter files (e.g. parameters/room/*.yaml)")
    batch.add_argument("-j", "--jobs", type=int, default=4, help="suites at once (default: 4)")
    batch.add_argument("-u", "--up-to", metavar="STAGE", help="stop each suite after this stage")
    batch.add_argument("-b", "--backend", choices=["emulator", "azure"], help="override the files' backend")
    batch.add_argument("--out", help="where each attendee's notebooks and the summary go (default: runs/batch/)")
    batch.add_argument("--state-dir", help="emulator state folder, shared by the room (default: $PRAKS_STATE_DIR or .praks/)")


def _workshop(args) -> int:
    from praks_lib.room_estimate import estimate_room, estimate_text
    from praks_lib.workshop import plan_room

    if args.action == "home":
        from praks_lib.workshop_home import prepare_home, state_dir

        copy = prepare_home(Path(args.to))
        print(f"{copy} (emulator state: {state_dir(Path(args.to))})")
        return 0
    if args.action == "report":
        from praks_lib.room_report import read_room, room_text, write_room_html

        room = read_room(Path(args.dir))
        print(room_text(room))
        if args.html:
            print(f"report: {write_room_html(room, Path(args.html))}")
        return 0
    try:
        room = plan_room(args.attendees, args.prefix, args.base, args.out)
    except PraksError as exc:
        print(exc, file=sys.stderr)
        return 2
    clients = connect(room.base) if room.base.backend.kind == "azure" else None
    first, last = room.attendees[0], room.attendees[-1]
    print(f"{len(room.attendees)} parameter files in {room.roster.parent}: {first.name} ({first.block}) … "
          f"{last.name} ({last.block}); roster: {room.roster.name}")
    try:
        print(estimate_text(estimate_room(room.base, len(room.attendees), clients)))
    except (HttpResponseError, ClientAuthenticationError) as exc:
        print(f"Azure's quotas could not be read: {exc}", file=sys.stderr)
    return 0


def _batch(args) -> int:
    from praks_lib.batch import run_batch, summary_text

    try:
        result = run_batch(args.files, jobs=args.jobs, up_to=args.up_to, out=args.out, state_dir=args.state_dir,
                           backend=args.backend)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(summary_text(result))
    return 0 if result.ok else 1
LAB_START_SECONDS = 120  # JupyterLab starts in seconds; a first start on a cold disk can take a minute


def _free_port(ip: str, first: int) -> int:
    for port in range(first, first + 50):
        with socket.socket() as probe:
            if probe.connect_ex((ip if ip not in ("0.0.0.0", "") else "127.0.0.1", port)) != 0:
                return port
    raise SystemExit(f"praks lab: no free port in {first}-{first + 49}; pass --port")


def _lab(args) -> int:
    """JupyterLab on the project's notebooks; kernels find the emulator state through the environment.

    The token is made here, so the printed URL opens 00_plan directly once the server answers.
    """
    notebooks, project = notebooks_dir(), project_dir()
    if not (notebooks / "00_plan.ipynb").is_file():
        print(f"praks lab: no notebooks in {notebooks}; run it in a clone of praks (or set PRAKS_PROJECT)",
              file=sys.stderr)
        return 2
    state = Path(args.state_dir or os.environ.get("PRAKS_STATE_DIR") or project / ".praks").resolve()
    state.mkdir(parents=True, exist_ok=True)
    port, token = _free_port(args.ip, args.port), secrets.token_hex(24)
    host = "127.0.0.1" if args.ip in ("0.0.0.0", "") else args.ip
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.root_dir={notebooks}",
               f"--ServerApp.ip={args.ip}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", "--ServerApp.log_level=WARN"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root; JupyterLab refuses it otherwise
    environment = dict(os.environ, PRAKS_STATE_DIR=str(state), PRAKS_PROJECT=str(project))
    server = subprocess.Popen(command, env=environment)
    # Stopped by a signal, stop the server with it (the finally below), not leave it orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not _answers(f"http://{host}:{port}/api/status?token={token}", server):
            print(f"praks lab: JupyterLab did not start (exit code {server.poll()}); see its messages above",
                  file=sys.stderr)
            return 1
        url = f"http://{host}:{port}/lab/tree/00_plan.ipynb?token={token}"
        print(f"JupyterLab is running on {notebooks} (emulator state: {state}).\n"
              f"Open: {url}\nStop it with Ctrl-C.", flush=True)
        if not args.no_browser:
            webbrowser.open(url)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def _answers(url: str, server: subprocess.Popen) -> bool:
    """Wait until the server answers at `url`; False if it exits first or never answers."""
    stop = time.monotonic() + LAB_START_SECONDS
    while time.monotonic() < stop and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


if __name__ == "__main__":
    sys.exit(main())
