"""The `praks` command: run the runbook headlessly."""
from __future__ import annotations

import argparse
import sys

from praks_lib.runner import STAGES, run_suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="praks", description="Private AKS runbook suite")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the stage notebooks in order (offline on the emulator by default)")
    run.add_argument("-d", "--deployment", help="parameter file (default: parameters/default.yaml)")
    run.add_argument("-b", "--backend", choices=["emulator", "azure"], help="override the file's backend")
    run.add_argument("-u", "--up-to", metavar="STAGE", help=f"stop after this stage ({STAGES[0][:2]}…{STAGES[-1][:2]})")
    run.add_argument("--state-dir", help="emulator state folder (default: $PRAKS_STATE_DIR or .praks/)")
    run.add_argument("--runs-dir", help="where executed notebooks go (default: runs/)")
    args = parser.parse_args(argv)

    if args.command == "run":
        try:
            result = run_suite(args.deployment, args.backend, args.up_to, args.runs_dir, args.state_dir)
        except ValueError as exc:
            parser.error(str(exc))
        return 0 if result.ok else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
