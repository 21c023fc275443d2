"""A room's cost offline: attendee suites per minute, one suite alone against K at once, and what the
emulator's work costs as one state holds more deployments.

  python benchmarks/bench_batch.py suites [--jobs 10] [--up-to 07]   single suite, then --jobs suites at once
  python benchmarks/bench_batch.py emulator [--sizes 1,10,50]       one deployment's work in a state of N

suites: `praks run` once on a fresh emulator, then `praks batch` of --jobs attendees (praks workshop plan)
with --jobs workers on one shared state; suites per minute for both, and per-stage means, so the overhead
of concurrency on this machine is visible.
emulator: N deployments built in one state (deploy_all, distinct address plans), then one more deployment's
stages 01-06 and 07's checks timed there, with the requests it sent and the state's size: the growth per
deployment already in the state.
"""
import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from azure.core.pipeline.policies import SansIOHTTPPolicy

from praks_lib.batch import run_batch
from praks_lib.cloud import connect
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.params import load_deployment
from praks_lib.runner import run_suite
from praks_lib.validate import run_checks
from praks_lib.workshop import plan_room


def suites(jobs: int, up_to: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        single = run_suite(up_to=up_to, runs_dir=Path(tmp) / "runs", state_dir=Path(tmp) / "single",
                           echo=lambda _: None)
        alone = time.perf_counter() - started
        print(f"single suite: {'ok' if single.ok else 'FAILED'} in {alone:.1f} s → {60 / alone:.2f} suites/min")
        room = plan_room(jobs, "bench", out=Path(tmp) / "room")
        batch = run_batch([a.file for a in room.attendees], jobs=jobs, up_to=up_to, out=Path(tmp) / "batch",
                          state_dir=Path(tmp) / "room-state", stream=open("/dev/null", "w"))
        passed = sum(batch.attendee_ok(a) for a in batch.attendees)
        print(f"{jobs} at once: {passed}/{jobs} PASS in {batch.wall_seconds:.1f} s wall → "
              f"{60 * jobs / batch.wall_seconds:.2f} suites/min ({batch.wall_seconds / jobs:.1f} s per suite; "
              f"{alone:.1f} s alone)")
        for stage in dict.fromkeys(r.stage for r in batch.rows):
            mean = statistics.mean(r.seconds for r in batch.rows if r.stage == stage)
            solo = next((s.seconds for s in single.stages if s.stage == stage), 0.0)
            print(f"  {stage:<18} alone {solo:5.1f} s · {jobs} at once, mean {mean:5.1f} s")
        for failure in batch.failures:
            print(f"  FAIL {failure.attendee} {failure.stage}: {failure.check}")


class Counter(SansIOHTTPPolicy):
    def __init__(self):
        self.requests = 0

    def on_request(self, request):
        self.requests += 1


def emulator(sizes: list[int]) -> None:
    room_size = max(sizes) + 1
    with tempfile.TemporaryDirectory() as tmp:
        room = plan_room(room_size, "emu", out=Path(tmp) / "room")
        deps = [load_deployment(a.file, {"validation": {"log_deadline_minutes": 0}}) for a in room.attendees]
        print(f"{'in state':>8} {'deploy 01-06':>13} {'07 checks':>10} {'requests':>9} {'ms/request':>11} "
              f"{'state':>9}")
        state, built = Path(tmp) / "state", 0
        _probe(deps[-1], Path(tmp) / "warm-up")  # imports and first-use costs, not counted
        for size in sorted(sizes):
            for dep in deps[built:size]:
                deploy_all(connect(dep, state_dir=state), dep)
            built = size
            probe_state = Path(tmp) / f"probe-{size}"
            shutil.copytree(state, probe_state)
            deployed, checked, requests = _probe(deps[-1], probe_state)
            megabytes = sum(f.stat().st_size for f in state.rglob("*") if f.is_file()) / 1e6
            print(f"{size:>8} {deployed:>11.2f} s {checked:>8.2f} s {requests:>9} "
                  f"{1000 * (deployed + checked) / requests:>9.1f} ms {megabytes:>6.1f} MB")
            shutil.rmtree(probe_state)


def _probe(probe, state: Path) -> tuple[float, float, int]:
    """One more deployment's stages 01-06 and 07's checks in ``state``: seconds each, and requests sent."""
    counter = Counter()
    clients = connect(probe, state_dir=state)
    clients._options = _counting(clients._options, counter)
    started = time.perf_counter()
    deploy_all(clients, probe)
    deployed = time.perf_counter() - started
    started = time.perf_counter()
    table, _, _ = run_checks(clients, probe, echo=lambda _: None)
    checked = time.perf_counter() - started
    assert set(table["result"]) == {"PASS"}, table[table["result"] != "PASS"]
    return deployed, checked, counter.requests


def _counting(options, counter):
    def wrapped():
        given = options()
        given["per_call_policies"] = [counter]
        return given
    return wrapped


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["suites", "emulator"], nargs="?", default="suites")
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--up-to", default=None)
    parser.add_argument("--sizes", default="1,10,50")
    args = parser.parse_args()
    if args.what == "suites":
        suites(args.jobs, args.up_to)
    else:
        emulator([int(s) for s in args.sizes.split(",")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
