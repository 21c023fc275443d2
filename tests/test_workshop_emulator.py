"""The emulator under a room: many processes on one state folder at once — nothing corrupted, no log row
lost, every attendee's deployment whole and proven."""
import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor

from praks_lib.cloud import connect
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.emulator import Emulator
from praks_lib.emulator.world.logs.store import COMPACT_AT, LogStore
from praks_lib.params import load_deployment
from praks_lib.validate import run_checks
from praks_lib.workshop import plan_room

WORKSPACE = "11111111-2222-3333-4444-555555555555"
APPENDS, ROWS = 3 * COMPACT_AT, 5  # enough appends that compactions run while others append


def _attendee(file: str, state: str) -> list[str]:
    dep = load_deployment(file, {"validation": {"log_deadline_minutes": 0}})
    clients = connect(dep, state_dir=state)
    deploy_all(clients, dep)
    table, _, _ = run_checks(clients, dep, echo=lambda _: None)
    return [f"{r.check} {r.target}: {r.observed}" for r in table.itertuples() if r.result != "PASS"]


def _append(state: str, worker: int) -> None:
    store = LogStore(state)
    for n in range(APPENDS):
        store.append(WORKSPACE, "AZFWApplicationRule", [
            {"Fqdn": f"w{worker}-{n}-{i}.example.com", "Action": "Deny", "SourceIp": "10.0.5.4",
             "DestinationPort": 443, "Protocol": "HTTPS"} for i in range(ROWS)])


def _open(state: str) -> int:
    return len(Emulator(state).store.path.name)


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def test_four_attendees_deploy_and_prove_at_once_in_one_state(tmp_path):
    room = plan_room(4, "many", out=tmp_path / "room")
    state = tmp_path / "state"
    with _pool(4) as pool:
        failed = list(pool.map(_attendee, [str(a.file) for a in room.attendees], [str(state)] * 4))
    assert failed == [[]] * 4  # every check passed, firewall log evidence for every request included
    with sqlite3.connect(state / "cloud.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for attendee in room.attendees:
        dep = load_deployment(attendee.file)
        clients = connect(dep, state_dir=state)
        assert clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name) \
            .provisioning_state == "Succeeded"
        assert clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name) \
            .provisioning_state == "Succeeded"


def test_no_log_row_is_lost_when_processes_append_and_compact_at_once(tmp_path):
    state = tmp_path / "state"
    with _pool(4) as pool:
        list(pool.map(_append, [str(state)] * 4, range(4)))
    body = LogStore(state).query(WORKSPACE, "AZFWApplicationRule | summarize n = count(), names = dcount(Fqdn)")
    [[count, names]] = body["tables"][0]["rows"]
    assert (count, names) == (4 * APPENDS * ROWS, 4 * APPENDS * ROWS)


def test_many_processes_open_a_fresh_state_at_once(tmp_path):
    with _pool(8) as pool:
        assert len(list(pool.map(_open, [str(tmp_path / "state")] * 16))) == 16
