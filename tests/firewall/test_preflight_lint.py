"""Preflight against the AKS egress catalog, and lint of the two shipped rule sets."""
import pytest
from firewall_builders import shipped_rule_set

from praks_lib.firewall import lint, required_flows
from praks_lib.params import load_deployment
from praks_lib.whatif import preflight_table as preflight

DEPLOYMENT = load_deployment(check_plan=False)  # private cluster with Container insights, westeurope
LEAST = shipped_rule_set("least-privilege")


@pytest.mark.parametrize("name", ["least-privilege", "seed-2020"])
def test_preflight_passes_on_both_shipped_rule_sets(name):
    table = preflight(shipped_rule_set(name), DEPLOYMENT)
    assert (table["action"] == "Allow").all(), table[table["action"] != "Allow"]
    assert set(table["needed_for"]) == {"core", "monitoring"}
    assert (table["rule_to_add"] == "").all()


def test_preflight_names_the_rule_that_allows_each_flow():
    table = preflight(LEAST, DEPLOYMENT).set_index("requirement")
    assert table.loc["mcr.microsoft.com", "allowed_by"] == "aks-required/mcr"
    assert table.loc["*.ods.opinsights.azure.com", "allowed_by"] == "aks-network/azure-monitor"


REQUIRED_RULES = [("aks-required", r.name) for r in LEAST.application_rule_collections[0].rules] + [
    ("aks-network", "azure-monitor")]


@pytest.mark.parametrize("collection, rule", REQUIRED_RULES)
def test_removing_a_required_rule_is_named_with_the_rule_to_add(collection, rule):
    table = preflight(LEAST.without_rule(collection, rule), DEPLOYMENT)
    missing = table[table["action"] == "Deny"]
    assert len(missing) >= 1
    for row in missing.itertuples():
        assert row.rule_to_add.startswith(("application rule: {name:", "network rule: {name:"))
        assert row.requirement in row.rule_to_add
        assert "10.0.5.0/24" in row.rule_to_add


def test_public_cluster_without_konnectivity_needs_tunnel_ports():
    public = load_deployment(overrides={"aks": {"private_cluster": False}}, check_plan=False)
    flows = {(f.flow.protocol, f.flow.port, f.requirement) for f in required_flows(public.cluster_shape, konnectivity=False)}
    assert {("UDP", 1194, "AzureCloud.westeurope"), ("TCP", 9000, "AzureCloud.westeurope")} <= flows
    assert any(r.startswith("*.hcp.westeurope.azmk8s.io") for _, _, r in flows)
    private = {f.flow.port for f in required_flows(DEPLOYMENT.cluster_shape, konnectivity=False)}
    assert not {1194, 9000} & private


def test_optional_policy_and_ubuntu_flows():
    names = {f.requirement for f in required_flows(DEPLOYMENT.cluster_shape, azure_policy=True, ubuntu_updates=True)}
    assert {"data.policy.core.windows.net", "store.policy.core.windows.net", "security.ubuntu.com",
            "snapshot.ubuntu.com"} <= names
    table = preflight(shipped_rule_set("seed-2020"), DEPLOYMENT, ubuntu_updates=True)
    assert list(table.loc[table["action"] == "Deny", "requirement"]) == ["snapshot.ubuntu.com"]


def _codes(findings):
    return {(f.code, *f.field.split("/", 1)) for f in findings}


def test_lint_least_privilege_is_clean():
    assert lint(LEAST) == []


def test_lint_seed_2020_shows_why_it_is_weaker():
    findings = lint(shipped_rule_set("seed-2020"))
    codes = _codes(findings)
    assert ("broad-network-rule", "servicetags", "allow service tags") in codes
    assert ("source-any", "aksfwar", "fqdn") in codes
    assert ("destination-any", "dns", "allow network") in codes
    assert ("not-needed-private-cluster", "servicetags", "allow service tags") in codes
    assert ("decided-by-network-rule", "aksfwar", "fqdn") in codes
    assert all(f.message and f.fix for f in findings)
    broad = next(f for f in findings if f.code == "broad-network-rule")
    assert broad.severity == "error" and "bypasses FQDN filtering" in broad.message


def test_lint_fqdn_network_rule_without_dns_proxy():
    findings = lint(LEAST, dns_proxy=False)
    assert ("fqdn-needs-dns-proxy", "aks-network", "ntp") in _codes(findings)


def test_lint_shadowed_rule():
    data = LEAST.to_yaml_dict()
    data["application_rule_collections"].append({"name": "late", "priority": 900, "action": "Deny", "rules": [
        {"name": "mcr-again", "source_addresses": ["10.0.5.0/24"], "protocols": ["Https:443"],
         "target_fqdns": ["mcr.microsoft.com"]}]})
    assert ("shadowed", "late", "mcr-again") in _codes(lint(data))


def test_lint_reports_invalid_priority_instead_of_raising():
    data = LEAST.to_yaml_dict()
    data["network_rule_collections"][0]["priority"] = 50
    findings = lint(data)
    assert [(f.severity, f.code, f.field) for f in findings] == [("error", "priority-out-of-range", "aks-network")]
