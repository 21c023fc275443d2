"""`praks workshop plan`: one valid parameter file per attendee, distinct names and non-overlapping address
plans, and a quota and cost estimate for the room (Azure's answer when the backend is Azure)."""
import csv
import itertools
from ipaddress import IPv4Network
from types import SimpleNamespace

import pytest
import yaml

from praks_lib.cli import main
from praks_lib.errors import PraksError
from praks_lib.params import load_deployment
from praks_lib.room_estimate import DOCUMENTED, estimate_room, estimate_text
from praks_lib.workshop import attendee_names, plan_room


def _networks(dep):
    return [dep.network.hub.network, dep.network.spoke.network]


def test_twenty_attendees_get_valid_distinct_plans(tmp_path):
    room = plan_room(20, "ws", out=tmp_path)
    deps = [load_deployment(a.file) for a in room.attendees]  # each passes 00_plan's checks
    assert [d.name for d in deps] == [f"ws{n:03d}" for n in range(1, 21)]
    groups = [g for d in deps for g in (d.resource_groups.network, d.resource_groups.kube, d.node_resource_group)]
    assert len(set(groups)) == len(groups)
    networks = [n for d in deps for n in _networks(d)]
    assert not [(a, b) for a, b in itertools.combinations(networks, 2) if a.overlaps(b)]
    service = IPv4Network(deps[0].aks.service_cidr)
    assert not any(n.overlaps(service) for n in networks)
    # The first attendee keeps the base plan; every subnet moved with its VNet.
    assert str(deps[0].network.hub.network) == "10.0.0.0/22"
    assert deps[1].network.spoke.aks_subnet.prefix == "10.0.13.0/24"
    assert deps[1].rule_set_values["aks_subnet"] == "10.0.13.0/24"  # the rule set follows the plan
    with room.roster.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == [d.name for d in deps] and rows[1]["address_block"] == "10.0.8.0/21"


def test_a_scenario_base_stays_a_reference_and_its_extra_subnet_moves(tmp_path, dep):
    room = plan_room(3, "lab", base="parameters/scenarios/baseline-2026.yaml", out=tmp_path)
    data = yaml.safe_load(room.attendees[2].file.read_text())
    assert data["scenario"] == "baseline-2026"
    third = load_deployment(room.attendees[2].file)
    assert third.aks.network_plugin_mode == "overlay" and third.firewall.rules_as == "policy"
    assert third.network.spoke.apiserver_subnet.prefix == "10.0.22.0/28"


def test_a_room_skips_blocks_over_the_service_range(tmp_path):
    room = plan_room(70, "ws", out=tmp_path)
    blocks = [a.block for a in room.attendees]
    assert blocks[63] == IPv4Network("10.1.248.0/21") and blocks[64] == IPv4Network("10.2.8.0/21")  # 10.2.0.0/24 is the service range


@pytest.mark.parametrize("prefix, count, message", [
    ("WS", 3, "lowercase letters and digits"),
    ("workshop", 3, "longer than 8 characters"),
    ("ws", 0, "at least one attendee"),
])
def test_bad_prefix_or_count_is_refused(prefix, count, message):
    with pytest.raises(PraksError, match=message):
        attendee_names(prefix, count)


def test_a_base_that_fails_its_checks_writes_nothing(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text("name: abcde\naks: {service_cidr: 10.0.5.0/24}\n")
    with pytest.raises(PraksError):
        plan_room(2, "ws", base=base, out=tmp_path / "room")
    assert not list((tmp_path / "room").glob("*.yaml")) if (tmp_path / "room").exists() else True


def test_estimate_from_documented_defaults_warns_where_the_room_exceeds_them(dep):
    estimate = estimate_room(dep, 20)
    quotas = {q.quota: q for q in estimate.quotas}
    assert quotas["Total Regional vCPUs"].needed == 160  # 3 × D2s_v5 + B2s jumpbox = 8 each
    assert quotas["Standard Dsv5 Family vCPUs"].needed == 120 and quotas["Standard Bv1 Family vCPUs"].needed == 40
    assert quotas["Standard Public IP Addresses"].needed == 20
    assert quotas["Azure Firewalls"].needed == 20 and quotas["Azure Firewalls"].limit is None
    assert all(q.limit_from == DOCUMENTED for q in estimate.quotas if q.limit is not None)
    assert any(w.startswith("Total Regional vCPUs: the room needs 160") for w in estimate.warnings)
    assert estimate.hourly_room == pytest.approx(20 * estimate.hourly_per_attendee)
    assert 1.0 < estimate.hourly_per_attendee < 3.0
    assert "per attendee ≈" in estimate_text(estimate)
    assert not estimate_room(dep, 1).warnings  # one attendee fits the defaults (8 of 20 vCPUs)


def _usage(name, current, limit):
    return SimpleNamespace(name=SimpleNamespace(value=name), current_value=current, limit=limit)


def test_on_azure_the_estimate_asks_the_subscription(dep):
    azure = SimpleNamespace(backend="azure", compute=SimpleNamespace(usage=SimpleNamespace(list=lambda loc: [
        _usage("cores", 10, 350), _usage("standardDSv5Family", 4, 100), _usage("standardBSFamily", 0, 10)])),
        network=SimpleNamespace(usages=SimpleNamespace(list=lambda loc: [
            _usage("StandardSkuPublicIpAddresses", 3, 1000)])))
    quotas = {q.quota: q for q in estimate_room(dep, 20, azure).quotas}
    assert quotas["Total Regional vCPUs"].limit == 350 and quotas["Total Regional vCPUs"].limit_from == "Azure"
    assert not quotas["Total Regional vCPUs"].warning
    assert quotas["Standard Dsv5 Family vCPUs"].warning.startswith("Standard Dsv5 Family vCPUs: the room needs 120 "
                                                                   "(6 per attendee × 20) on top of 4 in use")
    assert quotas["Standard Bv1 Family vCPUs"].warning and not quotas["Standard Public IP Addresses"].warning


def test_cli_plans_the_room_and_prints_the_estimate(tmp_path, capsys):
    assert main(["workshop", "plan", "--attendees", "4", "--prefix", "room", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "4 parameter files" in out and "room01 (10.0.0.0/21) … room04 (10.0.24.0/21)" in out
    assert "Standard Public IP Addresses" in out
    assert sorted(p.name for p in tmp_path.glob("*.yaml")) == ["room01.yaml", "room02.yaml", "room03.yaml",
                                                               "room04.yaml"]
