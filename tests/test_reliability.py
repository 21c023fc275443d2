"""Issue 14: failed operations repaired by a plain re-run, refusals scripts can see, damaged state named.

Each case asserts the message, the exit code where there is one, and that nothing was created or lost.
"""
import io

import pytest

from praks_lib.azure.ids import state_text
from praks_lib.cli import main
from praks_lib.cloud import connect
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.deploy.api_server_dns import ensure_own_zone
from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.deploy.converge import wait_for
from praks_lib.deploy.firewall import ensure_firewall_stage
from praks_lib.deploy.identity import ensure_cluster_identity, ensure_role_assignments
from praks_lib.deploy.network import ensure_network
from praks_lib.deploy.route import ensure_egress_route
from praks_lib.emulator import Emulator
from praks_lib.errors import StageError
from praks_lib.params import load_deployment


def _groups(clients):
    return sorted(g.name for g in clients.resource.resource_groups.list())


def _up_to_the_identity(clients, dep):
    """Stages 01-03 and 04's identity: what the role assignments and the cluster need."""
    ensure_network(clients, dep)
    ensure_firewall_stage(clients, dep)
    ensure_egress_route(clients, dep)
    ensure_own_zone(clients, dep)
    ensure_cluster_identity(clients, dep)


def test_a_failed_firewall_and_a_failed_cluster_are_repaired_by_one_plain_run(dep, tmp_path, capsys):
    state = tmp_path / "cloud"
    emulator, clients = Emulator(state), connect(dep, state_dir=state)
    group, firewalls = dep.resource_groups.network, clients.network.azure_firewalls
    _up_to_the_identity(clients, dep)
    ensure_role_assignments(clients, dep)
    emulator.fail_operation("PUT", r"/managedClusters/", code="InternalServerError", message="An error occurred.")
    with pytest.raises(StageError, match=r"Azure refused to create AKS cluster dzpraks1: \(InternalServerError\)"):
        ensure_private_cluster(clients, dep)
    # The firewall's create fails too (made again after a delete, so both are Failed at once).
    wait_for(firewalls.begin_delete(group, dep.firewall.name), "delete firewall")
    emulator.fail_operation("PUT", r"/azureFirewalls/", code="InternalServerError", message="An error occurred.")
    with pytest.raises(StageError, match=r"Azure refused to create firewall dzpraks1: \(InternalServerError\)"):
        ensure_firewall_stage(clients, dep)
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    firewall = firewalls.get(group, dep.firewall.name)
    assert state_text(firewall.provisioning_state) == state_text(cluster.provisioning_state) == "Failed"

    code = main(["run", "--state-dir", str(state), "--runs-dir", str(tmp_path / "runs")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Suite completed: 8/8 notebooks" in out
    assert state_text(firewalls.get(group, dep.firewall.name).provisioning_state) == "Succeeded"
    # A second run finds nothing to repair: the desired state holds.
    assert {c.action for c in deploy_all(clients, dep)} == {"unchanged"}


def test_converge_says_it_re_provisioned_a_failed_resource(dep, clients, tmp_path):
    ensure_network(clients, dep)
    Emulator(tmp_path / "cloud").fail_operation("PUT", r"/azureFirewalls/")
    with pytest.raises(StageError):
        ensure_firewall_stage(clients, dep)
    changes = {c.kind: c for c in ensure_firewall_stage(clients, dep)}
    assert changes["firewall"].action == "updated"
    assert changes["firewall"].detail == "it was Failed; its desired state re-applied"
    assert state_text(clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
                      .provisioning_state) == "Succeeded"


def test_a_permanent_500_on_a_role_assignment_names_the_assignment_and_creates_none(dep, clients, tmp_path):
    _up_to_the_identity(clients, dep)
    Emulator(tmp_path / "cloud").inject_fault("PUT", r"/roleAssignments/", status=500, times=50)
    with pytest.raises(StageError) as refused:
        ensure_role_assignments(clients, dep)
    assert str(refused.value).startswith(
        "Azure refused to create role assignment Network Contributor on AKS subnet aks-2-subnet (scope /subscriptions/")
    assert "(InternalServerError)" in str(refused.value) and "an error 500 or 503 is on Azure's side" in refused.value.fix
    assert refused.value.stage == "04_private_aks"
    assert list(clients.authorization.role_assignments.list_for_subscription()) == []


def test_role_assignments_made_meanwhile_under_another_name_count_as_granted(dep, clients, tmp_path):
    """Two runs at once: the other run's assignment (or one made with az) answers RoleAssignmentExists."""
    _up_to_the_identity(clients, dep)
    # baseline-2026: the AKS subnet, the route table, the API server subnet and the API server's zone
    Emulator(tmp_path / "cloud").inject_fault("PUT", r"/roleAssignments/", status=409, code="RoleAssignmentExists",
                                              message="The role assignment already exists.", times=4)
    changes = ensure_role_assignments(clients, dep)
    assert [c.action for c in changes] == ["unchanged"] * 4


def test_teardown_with_a_wrong_name_deletes_nothing_and_exits_non_zero(dep, clients, tmp_path, capsys):
    ensure_network(clients, dep)
    before = _groups(clients)
    code = main(["teardown", "--state-dir", str(tmp_path / "cloud"), "--confirm", "WRONG"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Nothing deleted: confirm is 'WRONG', not this deployment's name 'dzpraks1'." in err
    assert "HINT: confirm with 'dzpraks1'" in err
    assert _groups(clients) == before == ["dzpraks1_kube", "dzpraks1_networks"]


def test_run_with_teardown_of_a_wrong_name_runs_nothing_and_exits_non_zero(tmp_path, capsys):
    code = main(["run", "--teardown", "WRONG", "--state-dir", str(tmp_path / "cloud"),
                 "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2
    assert "nothing run: --teardown 'WRONG' is not this deployment's name 'dzpraks1'" in err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "cloud").exists()


def test_praks_reset_asks_first_and_never_resets_unasked(tmp_path, capsys, monkeypatch):
    state = tmp_path / "cloud"
    clients = connect(load_deployment(), state_dir=state)
    ensure_network(clients, load_deployment())
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: no terminal to ask on
    assert main(["reset", "--state-dir", str(state)]) == 2
    assert "nothing reset; it would empty the emulated cloud in" in capsys.readouterr().err
    assert _groups(clients) == ["dzpraks1_kube", "dzpraks1_networks"]

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["reset", "--state-dir", str(state)]) == 1 and _groups(clients) != []
    monkeypatch.setattr("builtins.input", lambda prompt: "reset")
    assert main(["reset", "--state-dir", str(state)]) == 0
    assert f"The emulated cloud in {state} is empty." in capsys.readouterr().out
    assert _groups(clients) == []


def test_praks_reset_moves_a_damaged_state_file_aside(tmp_path, capsys):
    state = tmp_path / "cloud"
    state.mkdir()
    (state / "cloud.sqlite").write_bytes(b"garbage" * 100)
    assert main(["reset", "--state-dir", str(state), "--confirm"]) == 0
    out = capsys.readouterr().out
    assert f"damaged, kept aside: {state / 'cloud.sqlite.damaged-1'}" in out
    assert (state / "cloud.sqlite.damaged-1").read_bytes() == b"garbage" * 100


def test_a_damaged_state_file_stops_a_run_with_the_file_and_the_reset(tmp_path, capsys):
    state = tmp_path / "cloud"
    state.mkdir()
    (state / "cloud.sqlite").write_bytes(b"garbage" * 100)
    code = main(["run", "-u", "01", "--state-dir", str(state), "--runs-dir", str(tmp_path / "runs")])
    out = capsys.readouterr().out
    assert code == 1
    assert f"StateError: The emulator's state file {state / 'cloud.sqlite'} is damaged (file is not a database)" in out
    assert (state / "cloud.sqlite").read_bytes() == b"garbage" * 100  # nothing overwritten


def test_a_runs_folder_that_is_a_file_runs_nothing(tmp_path, capsys):
    (tmp_path / "runs").write_text("mine")
    code = main(["run", "-u", "00", "--state-dir", str(tmp_path / "cloud"), "--runs-dir", str(tmp_path / "runs")])
    assert code == 2
    assert f"cannot be made: {tmp_path / 'runs'} is a file; nothing was run." in capsys.readouterr().err
    assert (tmp_path / "runs").read_text() == "mine"


def test_the_jumpbox_key_is_the_same_on_every_run_and_has_no_private_half(dep, clients):
    from praks_lib.azure.ssh_keys import keyless_public_key, problem
    from praks_lib.deploy.access import ensure_jumpbox

    key = keyless_public_key("/subscriptions/0/resourcegroups/g/providers/microsoft.compute/virtualmachines/jumpbox")
    assert key == keyless_public_key(
        "/subscriptions/0/resourcegroups/g/providers/microsoft.compute/virtualmachines/jumpbox")
    assert key.startswith("ssh-ed25519 ") and problem(key) is None  # a key Azure accepts
    assert key != keyless_public_key("/subscriptions/0/resourcegroups/g/providers/microsoft.compute/virtualmachines/jb2")

    ensure_network(clients, dep)
    ensure_jumpbox(clients, dep)
    machines = clients.compute.virtual_machines
    sent = machines.get(dep.resource_groups.network, dep.jumpbox.name).os_profile.linux_configuration.ssh.public_keys
    # A second run that found no VM (another run's create not yet visible) sends the very same osProfile.
    machines.begin_delete(dep.resource_groups.network, dep.jumpbox.name).result()
    ensure_jumpbox(clients, dep)
    again = machines.get(dep.resource_groups.network, dep.jumpbox.name).os_profile.linux_configuration.ssh.public_keys
    assert [k.key_data for k in again] == [k.key_data for k in sent]
    assert sent[0].key_data.endswith(" praks-no-private-key")


def test_02_applies_nothing_while_a_required_flow_would_be_denied(tmp_path):
    (tmp_path / "nothing.yaml").write_text("name: nothing\n")  # a rule set without a rule: default deny
    (tmp_path / "dep.yaml").write_text("firewall: {rules: nothing.yaml}\nvalidation: {allowed_urls: []}\n")
    dep = load_deployment(tmp_path / "dep.yaml")  # relative to the parameter file, not the working directory
    clients = connect(dep, state_dir=tmp_path / "cloud")
    ensure_network(clients, dep)
    before = sorted(r.id for r in clients.resource.resources.list())
    with pytest.raises(StageError) as refused:
        ensure_firewall_stage(clients, dep)
    message = str(refused.value)
    assert message.startswith("Nothing applied: the rule set 'nothing.yaml' would deny ")
    assert "  - mcr.microsoft.com (HTTPS mcr.microsoft.com:443), needed for " in message
    assert "HINT: allow them in the rule set (firewall.rules" in message and refused.value.stage == "02_firewall"
    assert sorted(r.id for r in clients.resource.resources.list()) == before  # no public IP, firewall, workspace

    # A lab that breaks egress on purpose opts out explicitly.
    changes = ensure_firewall_stage(clients, dep, allow_denied_flows=True)
    assert {c.kind for c in changes} >= {"public IP", "firewall"}


def _held_lock(state, name="dzpraks1"):
    from filelock import FileLock

    (state / "locks").mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(state / "locks" / f"{name}-emulator.lock"))
    lock.acquire()
    (state / "locks" / f"{name}-emulator.holder").write_text('{"pid": 4242, "since": "2026-12-01T18:00:00+00:00"}')
    return lock


def test_a_second_run_of_a_deployment_refuses_with_no_wait_and_runs_nothing(tmp_path, capsys):
    state = tmp_path / "cloud"
    lock = _held_lock(state)
    try:
        code = main(["run", "--no-wait", "--state-dir", str(state), "--runs-dir", str(tmp_path / "runs")])
    finally:
        lock.release()
    assert code == 2
    assert ("Another praks run of dzpraks1 is running (process 4242 since 2026-12-01T18:00:00+00:00); nothing was run."
            in capsys.readouterr().err)
    assert not list((tmp_path / "runs").rglob("*.ipynb"))


def test_a_second_run_of_a_deployment_waits_for_the_first_saying_so(tmp_path):
    import threading

    from praks_lib.runner import run_suite

    state = tmp_path / "cloud"
    lock, waiting, lines = _held_lock(state), threading.Event(), []

    def echo(line):
        lines.append(line)
        if line.startswith("Another praks run"):
            waiting.set()

    second = threading.Thread(target=lambda: lines.append(
        run_suite(up_to="00", runs_dir=tmp_path / "runs", state_dir=state, echo=echo)))
    second.start()
    waiting.wait()
    assert not list((tmp_path / "runs").rglob("*.ipynb"))  # nothing ran while the other held the lock
    lock.release()
    second.join()
    assert lines[0] == ("Another praks run of dzpraks1 is running (process 4242 since 2026-12-01T18:00:00+00:00); "
                        "waiting for it to finish (Ctrl-C stops).")
    assert lines[1] == "The other run of dzpraks1 finished; this one starts."
    assert lines[-1].ok and lines[2].startswith("[1/1] 00_plan")


def test_00s_warnings_are_shown_on_the_command_line(tmp_path, capsys):
    (tmp_path / "lb.yaml").write_text("name: burst\naks: {node_pool: {vm_size: Standard_B4ms}}\n")
    from praks_lib.plan import check_plan

    warnings = [f for f in check_plan(load_deployment(tmp_path / "lb.yaml")) if f.severity == "warning"]
    assert warnings  # the plan warns about this file
    code = main(["run", "-d", str(tmp_path / "lb.yaml"), "-u", "00", "--state-dir", str(tmp_path / "cloud"),
                 "--runs-dir", str(tmp_path / "runs")])
    out = capsys.readouterr().out
    assert code == 0
    assert all(f"    warning: {w}" in out for w in warnings), out


def test_a_refused_re_provision_is_read_as_azure_refusing_that_resource():
    from praks_lib.failure import parse_failure

    failure = parse_failure("cell [8]: StageError: Azure refused to re-provision firewall ws01: "
                            "(InternalServerError) An error occurred.\nCode: InternalServerError")
    assert (failure.resource, failure.code) == ("firewall ws01", "InternalServerError")


def test_teardown_on_a_damaged_state_names_the_file_and_exits_non_zero(tmp_path, capsys):
    state = tmp_path / "cloud"
    state.mkdir()
    (state / "cloud.sqlite").write_bytes(b"garbage" * 100)
    assert main(["teardown", "--state-dir", str(state), "--confirm", "dzpraks1"]) == 1
    assert f"The emulator's state file {state / 'cloud.sqlite'} is damaged" in capsys.readouterr().err
    assert (state / "cloud.sqlite").read_bytes() == b"garbage" * 100
