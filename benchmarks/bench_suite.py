"""Time `praks run` offline: the whole suite (or up to a stage) on a fresh emulator, then a second run.

Budgets from the issues: stages 00–01 under 30 s; 00–06 and 00–07 under 60 s on a 2-core machine.
Usage: python benchmarks/bench_suite.py [--up-to 07]
"""
import argparse
import tempfile
import time
from pathlib import Path

from praks_lib.runner import run_suite


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--up-to", default=None, help="last stage to run (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        for label in ("first run (fresh emulator)", "second run (nothing to change)"):
            started = time.perf_counter()
            result = run_suite(up_to=args.up_to, runs_dir=Path(tmp) / "runs", state_dir=state, echo=lambda _: None)
            wall = time.perf_counter() - started
            print(f"{label}: {'ok' if result.ok else 'FAILED'} in {wall:.1f} s wall")
            for stage in result.stages:
                print(f"  {stage.stage:<18} {stage.seconds:5.1f} s" + (f"  {stage.error}" if stage.error else ""))


if __name__ == "__main__":
    main()
