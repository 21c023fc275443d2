"""Parameters: the walkthrough's values as defaults, and every bad input named by field with a hint."""

import pytest
import yaml

from praks_lib.deployment import Deployment
from praks_lib.errors import Finding
from praks_lib.params import ParameterError, deep_merge, load_deployment, read_parameter_file
from praks_lib.project import default_parameters, scenario_file

SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def problems_of(overrides=None, path=None) -> list[Finding]:
    with pytest.raises(ParameterError) as caught:
        load_deployment(path, overrides=overrides)
    return caught.value.problems


def test_defaults_are_the_walkthroughs_values():
    dep = load_deployment()
    assert dep.name == "dzpraks1" and dep.location == "westeurope"
    assert (dep.resource_groups.kube, dep.resource_groups.network) == ("dzpraks1_kube", "dzpraks1_networks")
    hub, spoke = dep.network.hub, dep.network.spoke
    assert (hub.name, hub.address_space) == ("hub1-firewallvnet", "10.0.0.0/22")
    assert (hub.firewall_subnet.name, hub.firewall_subnet.prefix) == ("AzureFirewallSubnet", "10.0.0.0/24")
    assert (hub.jumpbox_subnet.name, hub.jumpbox_subnet.prefix) == ("jumpbox-subnet", "10.0.1.0/24")
    assert (spoke.name, spoke.address_space) == ("spoke1-kubenvnet", "10.0.4.0/22")
    assert (spoke.ingress_subnet.name, spoke.ingress_subnet.prefix) == ("ing-1-subnet", "10.0.4.0/24")
    assert spoke.aks_subnet.prefix == "10.0.5.0/24" and spoke.aks_subnet.name  # the walkthrough never named it
    assert (dep.network.hub_to_spoke_peering, dep.network.spoke_to_hub_peering) == ("HubToSpoke1", "Spoke1ToHub")
    assert dep.firewall.name == dep.firewall.public_ip_name == dep.route.table_name == "dzpraks1"
    assert (dep.route.address_prefix, dep.route.next_hop_type) == ("0.0.0.0/0", "VirtualAppliance")
    aks = dep.aks
    assert (aks.name, aks.network_plugin, aks.service_cidr, aks.dns_service_ip) == (
        "dzpraks1", "azure", "10.2.0.0/24", "10.2.0.10")
    assert (aks.outbound_type, aks.private_cluster, aks.identity.type) == ("userDefinedRouting", True, "UserAssigned")
    assert (dep.monitoring.firewall_workspace.name, dep.monitoring.firewall_workspace.group) == (
        "dzpraks1", "dzpraks1_networks")
    assert (dep.monitoring.cluster_workspace.name, dep.monitoring.cluster_workspace.group) == (
        "dzpraks1", "dzpraks1_kube")
    assert dep.backend.kind == "emulator" and dep.backend.subscription_id is None
    assert dep.tags == {"praks-deployment": "dzpraks1"}
    assert dep.node_resource_group == "MC_dzpraks1_kube_dzpraks1_westeurope"


def test_default_file_is_the_model_defaults_on_the_baseline_2026_scenario():
    """parameters/default.yaml restates the model's defaults and leaves the design to baseline-2026."""
    scenario = read_parameter_file(scenario_file("baseline-2026"))
    assert load_deployment(default_parameters()).model_dump() == Deployment.model_validate(scenario).model_dump()


def test_empty_names_derive_from_the_deployment_name():
    dep = load_deployment(overrides={"name": "abcde1"})
    assert (dep.resource_groups.kube, dep.aks.name, dep.aks.dns_prefix, dep.aks.identity.name) == (
        "abcde1_kube", "abcde1", "abcde1", "abcde1")
    assert dep.monitoring.cluster_workspace.group == "abcde1_kube"


def test_deployments_do_not_share_default_blocks():
    first, second = Deployment(), Deployment()
    first.network.spoke.aks_subnet.prefix = "10.0.6.0/24"
    assert second.network.spoke.aks_subnet.prefix == "10.0.5.0/24"


BAD_VALUES = [
    # (overrides, field, message fragment)
    ({"nmae": "dzpraks1"}, "nmae", "unknown parameter"),
    ({"network": {"hub": {"adress_space": "10.0.0.0/22"}}}, "network.hub.adress_space", "unknown parameter"),
    ({"aks": {"node_pool": {"vmsize": "Standard_D4s_v5"}}}, "aks.node_pool.vmsize", "unknown parameter"),
    ({"network": {"spoke": {"aks_subnet": {"nsg": "x"}}}}, "network.spoke.aks_subnet.nsg", "unknown parameter"),
    ({"name": "dz"}, "name", "'dz' is not valid: use 5 to 8 lowercase letters or digits"),
    ({"name": "dzpraks123"}, "name", "'dzpraks123' is not valid: use 5 to 8 lowercase letters or digits"),
    ({"name": "DzPraks1"}, "name", "'DzPraks1' is not valid: use 5 to 8 lowercase letters or digits"),
    ({"aks": {"node_pool": {"count": "three"}}}, "aks.node_pool.count", "Input should be a valid integer"),
    ({"aks": {"node_pool": {"count": 0}}}, "aks.node_pool.count", "Input should be greater than or equal to 1"),
    ({"aks": {"private_cluster": "maybe"}}, "aks.private_cluster", "Input should be a valid boolean"),
    ({"network": "10.0.0.0/22"}, "network", "Input should be a valid dictionary"),
    ({"network": {"hub": {"address_space": "10.0.0.0/33"}}}, "network.hub.address_space",
     "'10.0.0.0/33' is not an IPv4 CIDR prefix"),
    ({"network": {"hub": {"address_space": "10.0.1.0/22"}}}, "network.hub.address_space",
     "The address prefix 10.0.1.0/22 has an invalid CIDR notation. For the given prefix length, the address "
     "prefix should be 10.0.0.0/22."),
    ({"network": {"spoke": {"aks_subnet": {"prefix": "10.0.5.7/24"}}}}, "network.spoke.aks_subnet.prefix",
     "the address prefix should be 10.0.5.0/24"),
    ({"network": {"spoke": {"address_space": "10.0.4.0"}}}, "network.spoke.address_space", "has no prefix length"),
    ({"aks": {"service_cidr": "banana"}}, "aks.service_cidr", "'banana' is not an IPv4 CIDR prefix"),
    ({"aks": {"dns_service_ip": "10.2.0.300"}}, "aks.dns_service_ip", "'10.2.0.300' is not an IPv4 address"),
    ({"aks": {"network_plugin": "kubenet"}}, "aks.network_plugin", "kubenet retires on 2028-03-31"),
    # (without the default's pod_cidr, which only overlay takes)
    ({"aks": {"network_plugin_mode": "underlay", "pod_cidr": None}}, "aks.network_plugin_mode",
     "Input should be 'overlay'"),
    ({"aks": {"outbound_type": "userDefinedRoute"}}, "aks.outbound_type", "Input should be 'userDefinedRouting'"),
    ({"aks": {"kubernetes_version": "v1.33"}}, "aks.kubernetes_version", "or give a version such as 1.36 or 1.36.2"),
    ({"aks": {"node_pool": {"name": "NodePool1"}}}, "aks.node_pool.name", "1 to 12 lowercase letters or digits"),
    ({"route": {"next_hop_type": "Firewall"}}, "route.next_hop_type", "Input should be 'VirtualAppliance'"),
    ({"backend": {"kind": "azure"}}, "backend.subscription_id", "backend kind 'azure' needs subscription_id"),
    ({"backend": {"kind": "azure", "subscription_id": "my-subscription"}}, "backend.subscription_id",
     "a subscription id is a GUID"),
    ({"backend": {"kind": "aws"}}, "backend.kind", "Input should be 'emulator' or 'azure'"),
    ({"jumpbox": {"admin_username": "root"}}, "jumpbox.admin_username", "'root' is a reserved user name"),
    ({"jumpbox": {"name": "jump_box"}}, "jumpbox.name", "'jump_box' is not valid"),
    ({"monitoring": {"retention_days": 7}}, "monitoring.retention_days", "greater than or equal to 30"),
    ({"validation": {"denied_urls": ["ftp://batman.com"]}}, "validation.denied_urls",
     "'ftp://batman.com' is not an http:// or https:// URL"),
    ({"validation": {"denied_urls": ["http://azure.archive.ubuntu.com/ubuntu/"]}}, "validation.denied_urls",
     "http://azure.archive.ubuntu.com/ubuntu/ cannot be both allowed and denied"),
]


@pytest.mark.parametrize("overrides, field, message", BAD_VALUES, ids=[case[1] + ":" + case[2][:30]
                                                                       for case in BAD_VALUES])
def test_bad_value_is_named_with_its_field_and_a_hint(overrides, field, message):
    problems = problems_of(overrides)
    assert [p.field for p in problems] == [field]
    assert message in problems[0].message
    assert problems[0].hint


def test_unknown_key_hint_suggests_the_close_known_key():
    [problem] = problems_of({"network": {"hub": {"adress_space": "10.0.0.0/22"}}})
    assert "did you mean 'address_space'?" in problem.hint
    assert "network.hub" in problem.hint


def test_bad_value_hint_shows_the_default():
    [problem] = problems_of({"aks": {"service_cidr": "banana"}})
    assert problem.hint == "fix the value; the default is '10.2.0.0/24'"


def test_a_file_with_several_problems_raises_one_error_listing_all(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({
        "name": "DZ",
        "network": {"hub": {"address_space": "10.0.1.0/22"}, "spoke": {"colour": "blue"}},
        "aks": {"network_plugin": "kubenet", "dns_service_ip": "nope"},
        "backend": {"kind": "azure"},
    }))
    with pytest.raises(ParameterError) as caught:
        load_deployment(bad)
    error = caught.value
    assert sorted(p.field for p in error.problems) == sorted([
        "name", "network.hub.address_space", "network.spoke.colour", "aks.network_plugin", "aks.dns_service_ip",
        "backend.subscription_id"])
    assert error.source == str(bad)
    assert str(error).startswith(f"6 problem(s) in {bad}:")
    assert "network.spoke.colour: unknown parameter" in str(error)


@pytest.mark.parametrize("content, message", [
    ("name: [dzpraks1\n", "not valid YAML"),
    ("name: dzpraks1\nname: other\n", "found duplicate key 'name'"),
    ("- dzpraks1\n- westeurope\n", "the file must hold a mapping of parameters, not a list"),
])
def test_file_that_is_not_a_parameter_mapping(tmp_path, content, message):
    path = tmp_path / "p.yaml"
    path.write_text(content)
    [problem] = problems_of(path=path)
    assert problem.field == "(file)" and message in problem.message


def test_binary_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\xff\xfe\x00\x81")
    [problem] = problems_of(path=path)
    assert (problem.field, problem.message) == ("(file)", "not a text file")


def test_missing_file(tmp_path):
    [problem] = problems_of(path=tmp_path / "nope.yaml")
    assert problem.field == "(file)" and problem.message == f"{tmp_path / 'nope.yaml'} does not exist"
    assert "parameters/default.yaml" in problem.hint


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_refused_as_the_mistake_it_almost_always_is(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    [problem] = problems_of(path=path)
    assert problem.field == "(file)" and problem.message.startswith("the file is empty")
    assert "name: dzpraks1" in problem.hint


def test_empty_blocks_mean_defaults(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: dzpraks1\naks:\nnetwork:\n  hub:\n")
    assert load_deployment(path).model_dump() == Deployment().model_dump()


def test_merge_keys_share_blocks(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("network:\n  spoke:\n    aks_subnet: &nodes {name: nodes, prefix: 10.0.5.0/24}\n"
                    "    ingress_subnet:\n      <<: *nodes\n      name: ingress\n      prefix: 10.0.4.0/24\n")
    dep = load_deployment(path)
    assert (dep.network.spoke.ingress_subnet.name, dep.network.spoke.ingress_subnet.prefix) == ("ingress", "10.0.4.0/24")


def test_a_complex_key_is_refused_with_its_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: dzpraks1\n? [a, b]\n: 1\n")
    [problem] = problems_of(path=path)
    assert problem.message.startswith("not valid YAML: a key must be a plain name")
    assert "line 2" in problem.message


def test_a_depth_bomb_is_refused_without_a_crash(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: dzpraks1\naks: " + "[" * 5000 + "]" * 5000 + "\n")
    [problem] = problems_of(path=path)
    assert problem.message == "nests deeper than 32 levels"


def test_a_rule_set_path_is_read_relative_to_the_parameter_file(tmp_path, monkeypatch):
    (tmp_path / "mine").mkdir()
    rules = (default_parameters().parent / "firewall" / "least-privilege.yaml").read_text()
    (tmp_path / "mine" / "rules.yaml").write_text(rules)
    path = tmp_path / "mine" / "p.yaml"
    path.write_text("name: dzpraks1\nfirewall: {rules: rules.yaml}\n")
    monkeypatch.chdir(default_parameters().parent.parent / "notebooks")  # where kernels run
    dep = load_deployment(path)
    assert dep.rule_set_file == tmp_path / "mine" / "rules.yaml"
    path.write_text("name: dzpraks1\nfirewall: {rules: missing.yaml}\n")
    [problem] = problems_of(path=path)
    assert problem.field == "firewall.rules" and str(tmp_path / "mine" / "missing.yaml") in problem.message


def test_overrides_deep_merge_into_the_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("aks:\n  service_cidr: 10.3.0.0/24\n  dns_service_ip: 10.3.0.10\n"
                    "network:\n  spoke:\n    aks_subnet: {name: nodes, prefix: 10.0.5.0/24}\n")
    dep = load_deployment(path, overrides={"aks": {"node_pool": {"count": 2}},
                                           "network": {"spoke": {"aks_subnet": {"prefix": "10.0.6.0/24"}}}},
                          check_plan=False)
    assert (dep.aks.service_cidr, dep.aks.dns_service_ip, dep.aks.node_pool.count) == ("10.3.0.0/24", "10.3.0.10", 2)
    assert dep.aks.node_pool.vm_size == "Standard_D2s_v5"  # untouched siblings keep their defaults
    assert (dep.network.spoke.aks_subnet.name, dep.network.spoke.aks_subnet.prefix) == ("nodes", "10.0.6.0/24")


def test_deep_merge_replaces_non_mapping_values():
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {"a": {"b": 3, "c": 2}, "d": [2]}


def test_overrides_cannot_bring_unknown_keys():
    [problem] = problems_of({"aks": {"serviceCidr": "10.3.0.0/24"}})
    assert (problem.field, problem.message) == ("aks.serviceCidr", "unknown parameter")


def test_plan_errors_are_in_the_parameter_error():
    problems = problems_of({"aks": {"service_cidr": "10.0.5.0/24", "dns_service_ip": "10.0.5.10"}})
    assert [p.field for p in problems] == ["aks.service_cidr"]
    assert problems[0].message == ("ServiceCidrOverlapExistingSubnetsCidr: The specified service CIDR 10.0.5.0/24 "
                                   "is conflicted with an existing subnet CIDR 10.0.5.0/24")
    assert problems[0].hint.startswith("set aks.service_cidr to ")


def test_plan_warnings_do_not_stop_loading_and_check_plan_false_skips_the_plan():
    assert load_deployment(overrides={"aks": {"private_cluster": False}}).aks.private_cluster is False
    dep = load_deployment(overrides={"aks": {"dns_service_ip": "10.9.0.10"}}, check_plan=False)
    assert dep.aks.dns_service_ip == "10.9.0.10"


def test_example_parameter_files_load():
    for path in sorted(default_parameters().parent.glob("*.yaml")):
        overrides = {"backend": {"subscription_id": SUBSCRIPTION}} if "azure" in path.name else None
        load_deployment(path, overrides=overrides)


def test_a_stage_with_a_bad_parameter_file_stops_before_connecting(tmp_path, monkeypatch):
    from praks_lib import stages

    def connect(_):
        raise AssertionError("connected to the cloud with bad parameters")

    monkeypatch.setattr(stages, "connect", connect)
    bad = tmp_path / "bad.yaml"
    bad.write_text("aks: {service_cidr: 10.0.5.0/24, dns_service_ip: 10.0.5.10}\n")
    with pytest.raises(ParameterError, match="aks.service_cidr: ServiceCidrOverlapExistingSubnetsCidr"):
        stages.start(str(bad), backend="emulator")
    bad.write_text("network: {hub: {colour: red}}\n")
    with pytest.raises(ParameterError, match="network.hub.colour: unknown parameter"):
        stages.start(str(bad), backend="emulator")


def test_value_errors_and_plan_errors_are_reported_together():
    problems = problems_of({"aks": {"service_cidr": "10.0.4.0/24", "dns_service_ip": "10.0.4.10",
                                    "node_pool": {"count": 0}}})
    assert [p.field for p in problems] == ["aks.node_pool.count", "aks.service_cidr"]
    assert problems[1].message.startswith("ServiceCidrOverlapExistingSubnetsCidr: The specified service CIDR 10.0.4.0/24")


def test_a_bad_value_brings_no_finding_that_only_its_stand_in_default_causes():
    # The bad mode is checked as its default (flat CNI) meanwhile; the default's complaint about the
    # scenario's pod_cidr ("set aks.network_plugin_mode: overlay") would send the reader the wrong way.
    problems = problems_of({"aks": {"network_plugin_mode": "overlayy"}})
    assert [p.field for p in problems] == ["aks.network_plugin_mode"]


def test_a_file_builds_on_a_scenario_and_overrides_it(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("scenario: baseline-2026\nname: abcde1\naks: {node_pool: {count: 2}}\n")
    dep = load_deployment(path)
    assert (dep.scenario, dep.name, dep.firewall.rules_as, dep.aks.api_server, dep.aks.node_pool.count) == (
        "baseline-2026", "abcde1", "policy", "vnet_integration", 2)
    assert dep.network.spoke.apiserver_subnet.prefix == "10.0.6.0/28"
    assert dep.rule_set_file.name == "least-privilege.yaml"


def test_an_unknown_scenario_lists_the_known_ones(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("scenario: baseline-2025\n")
    [problem] = problems_of(path=path)
    assert problem.field == "scenario" and "there is no scenario 'baseline-2025'" in problem.message
    assert problem.hint == "use one of baseline-2026, isolated, walkthrough-2020"
