"""Damaged state folders (issue 14): a StateError naming the file, what is wrong and how to reset; reset_state
starts an empty cloud without deleting what it cannot read; a damaged log file is set aside, the rest stays."""
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from azure.mgmt.resource.resources import ResourceManagementClient

from praks_lib.emulator import Emulator, reset_state
from praks_lib.emulator.world.logs.store import LogDamageWarning, LogStore
from praks_lib.errors import StateError

WS = "5f2b3c4d-0000-4000-8000-00000000be4c"


def _groups(emulator):
    client = ResourceManagementClient(emulator.credential, emulator.subscription_id, transport=emulator.transport())
    return client, [g.name for g in client.resource_groups.list()]


def test_a_state_folder_that_is_a_file_is_named_and_kept(tmp_path):
    taken = tmp_path / "state"
    taken.write_text("my notes")
    with pytest.raises(StateError) as refused:
        Emulator(taken)
    assert str(refused.value).startswith(f"The emulator's state folder {taken} cannot be made: it, or a folder above "
                                         "it, is a file.")
    assert "choose another folder (--state-dir, or PRAKS_STATE_DIR)" in refused.value.fix
    with pytest.raises(StateError, match="is a file, not an emulator state folder; nothing reset"):
        reset_state(taken)
    assert taken.read_text() == "my notes"


@pytest.mark.parametrize("damage, problem", [
    (lambda data: b"garbage" * 1000, "file is not a database"),
    (lambda data: data[: len(data) // 2], "database disk image is malformed"),
])
def test_a_damaged_state_file_is_named_with_the_reset_and_reset_keeps_it_aside(tmp_path, damage, problem):
    state = tmp_path / "state"
    client, _ = _groups(Emulator(state))
    for name in ("a", "b", "c", "d"):
        client.resource_groups.create_or_update(f"rg-{name}" * 20, {"location": "westeurope"})
    with sqlite3.connect(state / "cloud.sqlite") as conn:  # everything into the file, none left in the WAL
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = (state / "cloud.sqlite").read_bytes()
    (state / "cloud.sqlite").write_bytes(damage(data))
    with pytest.raises(StateError) as refused:
        _groups(Emulator(state))
    assert str(refused.value).startswith(f"The emulator's state file {state / 'cloud.sqlite'} is damaged ({problem})")
    assert f"praks reset --state-dir {state}" in refused.value.fix and f"rm -rf {state}" in refused.value.fix

    moved = reset_state(state)
    assert [p.name for p in moved] == ["cloud.sqlite.damaged-1", "cloud.sqlite-wal.damaged-1",
                                       "cloud.sqlite-shm.damaged-1"]  # SQLite's journal goes with it
    assert moved[0].read_bytes() == damage(data)  # kept, not deleted
    assert _groups(Emulator(state))[1] == []


def test_reset_state_empties_a_healthy_cloud(tmp_path):
    emulator = Emulator(tmp_path / "state")
    client, _ = _groups(emulator)
    client.resource_groups.create_or_update("rg", {"location": "westeurope"})
    assert reset_state(tmp_path / "state") == [] and _groups(emulator)[1] == []


def _row(minutes_ago):
    return {"TimeGenerated": datetime.now(timezone.utc) - timedelta(minutes=minutes_ago), "Action": "Deny",
            "Fqdn": "batman.com", "SourceIp": "10.0.5.4", "SourcePort": 1, "DestinationPort": 80, "Protocol": "HTTP"}


def _fqdns(store):
    return store.query(WS, "AZFWApplicationRule | count")["tables"][0]["rows"]


def test_a_damaged_log_segment_is_quarantined_with_a_warning_and_the_other_rows_stay(tmp_path):
    store = LogStore(tmp_path)
    store.append(WS, "AZFWApplicationRule", [_row(1)])
    store.append(WS, "AZFWApplicationRule", [_row(2), _row(3)])
    first = sorted((tmp_path / "logs" / WS / "AZFWApplicationRule").glob("seg-*.parquet"))[0]
    first.write_bytes(b"not parquet")
    with pytest.warns(LogDamageWarning, match=f"{first} was damaged .*; moved to {tmp_path / 'logs-quarantine'}"):
        assert _fqdns(store) == [[2]]
    [kept] = (tmp_path / "logs-quarantine" / WS / "AZFWApplicationRule").iterdir()
    assert kept.read_bytes() == b"not parquet"
    store.append(WS, "AZFWApplicationRule", [_row(4)])
    assert _fqdns(store) == [[3]]


def test_a_damaged_manifest_is_quarantined_and_rebuilt_from_the_files(tmp_path, monkeypatch):
    from praks_lib.emulator.world.logs import store as store_module

    monkeypatch.setattr(store_module, "COMPACT_AT", 2)
    store = LogStore(tmp_path)
    store.append(WS, "AZFWApplicationRule", [_row(1)])
    store.append(WS, "AZFWApplicationRule", [_row(2)])  # compacted into a base
    manifest = tmp_path / "logs" / WS / "AZFWApplicationRule" / "manifest.json"
    manifest.write_text("{truncated")
    with pytest.warns(LogDamageWarning, match="manifest.json was damaged \\(not JSON"):
        assert _fqdns(store) == [[2]]
