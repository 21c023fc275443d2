"""`praks batch`: many suites at once, each attendee apart, resumable; transient faults are retried, a
permanent failure is named (attendee, stage, resource, Azure's code), a bad file stops only its attendee."""
import csv
import io

from praks_lib.batch import Progress, run_batch, summary_text
from praks_lib.cli import main
from praks_lib.emulator import Emulator
from praks_lib.failure import parse_failure
from praks_lib.runner import finished_stages, run_suite
from praks_lib.workshop import plan_room


def test_faults_a_bad_file_and_resume(tmp_path):
    room = plan_room(2, "room", out=tmp_path / "room")
    bad = tmp_path / "room" / "typo.yaml"
    bad.write_text("name: typo1\naks: {sevice_cidr: 10.2.0.0/24}\n")
    state = tmp_path / "state"
    emulator = Emulator(state)
    # room01: transient throttling and a server error on its firewall and network, retried by the SDK.
    emulator.inject_fault("PUT", r"/room01_networks/providers/Microsoft.Network/azureFirewalls/", status=429, times=3)
    emulator.inject_fault("GET", r"/room01_networks/providers/Microsoft.Network/virtualNetworks/", status=500, times=2)
    # room02: its firewall's creation is accepted, then fails for good.
    emulator.fail_operation("PUT", r"/room02_networks/providers/Microsoft.Network/azureFirewalls/",
                            code="AzureFirewallAllocationFailed", message="Allocation failed in this region.")
    files = [a.file for a in room.attendees] + [bad]
    stream = io.StringIO()
    first = run_batch(files, jobs=3, up_to="02", out=tmp_path / "runs", state_dir=state, stream=stream)

    assert first.attendees == ["room01", "room02", "typo"]
    assert first.attendee_ok("room01") and not first.ok
    [firewall, typo] = first.failures
    assert (firewall.attendee, firewall.stage, firewall.code) == ("room02", "02_firewall", "AzureFirewallAllocationFailed")
    assert firewall.resource == "firewall room02", firewall
    assert (typo.attendee, typo.stage) == ("typo", "00_plan") and typo.check.startswith("aks.sevice_cidr: unknown")
    assert "did you mean 'service_cidr'?" in typo.hint
    text = summary_text(first)
    assert text.startswith("Batch: 1/3 attendees PASS")
    assert "FAIL room02 02_firewall [firewall room02, AzureFirewallAllocationFailed]" in text
    with (tmp_path / "runs" / "summary.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 9 and {r["status"] for r in rows if r["attendee"] == "typo"} == {"failed", "not run"}
    assert "AzureFirewallAllocationFailed" in (tmp_path / "runs" / "summary.html").read_text()
    assert (tmp_path / "runs" / "room01" / "02_firewall.ipynb").exists()  # each attendee's notebooks apart
    assert "02_firewall" in stream.getvalue() and "room02" in stream.getvalue()

    # A re-run resumes room02 at its first unfinished stage, 02_firewall; room01 is not started again.
    second = run_batch(files[:2], jobs=2, up_to="02", out=tmp_path / "runs", state_dir=state, stream=io.StringIO())
    room02 = {r.stage: r for r in second.rows if r.attendee == "room02"}
    assert room02["01_network"].resumed and not room02["02_firewall"].resumed
    assert all(r.resumed for r in second.rows if r.attendee == "room01") and second.attendee_ok("room01")


def test_a_suite_resumes_from_its_first_unfinished_stage_and_restarts_when_the_file_changes(tmp_path):
    file = tmp_path / "abcde.yaml"
    file.write_text("name: abcde\n")
    run_dir, state = tmp_path / "run", tmp_path / "state"
    first = run_suite(file, up_to="00", run_dir=run_dir, state_dir=state, echo=lambda _: None)
    assert first.ok and list(finished_stages(run_dir, file)) == ["00_plan"]
    again = run_suite(file, up_to="00", run_dir=run_dir, state_dir=state, resume=True, echo=lambda _: None)
    assert [s.resumed for s in again.stages] == [True]
    file.write_text("name: abcdf\n")
    assert finished_stages(run_dir, file) == {}


def test_failures_read_from_the_runbooks_own_errors():
    refused = parse_failure("cell [5]: StageError: Azure refused to create AKS cluster ws01: "
                            "(OutboundConnFailVMExtensionError) Unable to establish outbound connection\n"
                            "Code: OutboundConnFailVMExtensionError")
    assert (refused.resource, refused.code) == ("AKS cluster ws01", "OutboundConnFailVMExtensionError")
    verdict = parse_failure("cell [3]: StageError: FAIL: 1 of 30 checks failed:\n  - routing · aks-2-subnet "
                            "0.0.0.0/0: expected VirtualAppliance 10.0.0.4, observed Internet → 03_egress_route: "
                            "associate the route table")
    assert verdict.check.startswith("routing · aks-2-subnet") and verdict.hint.startswith("03_egress_route")


def test_progress_redraws_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    screen = Terminal()
    progress = Progress(["room01", "room02"], ["00_plan", "01_network"], screen)
    progress.update("room01", "00_plan", "running")
    progress.update("room01", "00_plan", "ok", 1.0)
    assert screen.getvalue().count("\x1b[3F") == 1  # moved up over the 3 lines it drew, once
    assert screen.getvalue().rstrip().endswith("room02   ·  ·\x1b[K")


def test_cli_batch_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\n")
    assert main(["batch", str(bad), "-u", "00", "--out", str(tmp_path / "runs"),
                 "--state-dir", str(tmp_path / "s")]) == 1
    assert "Batch: 0/1 attendees PASS" in capsys.readouterr().out
