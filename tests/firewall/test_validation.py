"""Invalid rules are rejected with messages naming collection/rule, field and fix."""
import pytest
from firewall_builders import app_rule, net, net_rule, rule_set, shipped_rule_set

from praks_lib.firewall import RuleSetError, load_rule_set


@pytest.mark.parametrize("change, expected", [
    ({"source_addresses": ["10.0.5.0/33"]}, r"c1/r1.source_addresses: '10.0.5.0/33' has an invalid prefix length"),
    ({"source_addresses": ["10.0.5.300"]}, r"c1/r1.source_addresses: '10.0.5.300' is not an IPv4 address"),
    ({"destination_ports": ["70000"]}, r"c1/r1.destination_ports: port 70000 is outside 1-65535 — use a port"),
    ({"destination_addresses": ["AzureNope"]}, r"c1/r1.destination_addresses: unknown service tag 'AzureNope'"),
    ({"protocols": ["SCTP"]}, r"c1/r1.protocols: Input should be 'TCP', 'UDP', 'ICMP' or 'Any'"),
])
def test_invalid_network_rule_fields(change, expected):
    with pytest.raises(RuleSetError, match=expected):
        rule_set(network=[net("c1", 200, "Allow", {**net_rule("r1", ["*"], ["443"]), **change})])


def test_priority_50_names_collection_and_field():
    with pytest.raises(RuleSetError, match=r"c1.priority: .*100 to 65000"):
        rule_set(network=[net("c1", 50, "Allow", net_rule("r1", ["*"], ["443"]))])


def test_unknown_fqdn_tag():
    with pytest.raises(RuleSetError, match=r"a1/ar.fqdn_tags: unknown FQDN tag 'AzureKubernetes'"):
        rule_set(application=[net("a1", 200, "Allow", app_rule("ar", tags=["AzureKubernetes"]))])


def test_application_port_above_64000():
    with pytest.raises(RuleSetError, match=r"a1/ar.port: .*64000"):
        rule_set(application=[net("a1", 200, "Allow", app_rule("ar", ["x.com"], ["Https:65000"]))])


def test_every_problem_reported_at_once():
    with pytest.raises(RuleSetError) as error:
        rule_set(network=[net("c1", 50, "Allow", net_rule("r1", ["AzureNope"], ["70000"]))],
                 application=[net("a1", 200, "Allow", app_rule("ar", tags=["Nope"]))])
    fields = sorted(p.field.rsplit(".", 1)[-1] for p in error.value.problems)
    assert fields == ["destination_addresses", "destination_ports", "fqdn_tags", "priority"]
    assert all(p.fix for p in error.value.problems)


def test_unknown_field_and_classic_plus_policy():
    with pytest.raises(RuleSetError, match=r"c1/r1.destination_port: unknown field"):
        rule_set(network=[net("c1", 200, "Allow", {**net_rule("r1"), "destination_port": ["1"]})])


def test_unknown_rule_set_name_lists_known():
    with pytest.raises(RuleSetError, match=r"least-privilege, seed-2020"):
        shipped_rule_set("no-such-set")


def test_placeholders_take_the_deployments_address_plan(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text('network_rule_collections:\n  - {name: c, priority: 200, action: Allow, rules: [\n'
                    '      {name: r, source_addresses: ["{aks_subnet}"], destination_addresses: ["*"],\n'
                    '       destination_ports: ["443"], protocols: [TCP]}]}\n')
    rules = load_rule_set(path, {"aks_subnet": "10.7.5.0/24"})
    assert rules.network_rule_collections[0].rules[0].source_addresses == ("10.7.5.0/24",)
    with pytest.raises(RuleSetError, match=r"unknown placeholder\(s\) \{aks_subnet\}"):
        load_rule_set(path, {})
