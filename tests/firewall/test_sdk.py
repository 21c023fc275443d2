"""RuleSet ⇄ azure-mgmt-network models, losslessly, from the REST examples in the reference folder."""
import json
from pathlib import Path

import pytest
from azure.mgmt.network import models as m
from firewall_builders import shipped_rule_set

from praks_lib.firewall import Flow, RuleSet, evaluate

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "azure-rest-examples" / "network"
COLLECTIONS = ("application_rule_collections", "network_rule_collections", "nat_rule_collections")


def _body(name):
    return json.loads((EXAMPLES / name).read_text())["responses"]["200"]["body"]


@pytest.mark.parametrize("example", ["AzureFirewallPut.json", "AzureFirewallPutWithIpGroups.json",
                                     "AzureFirewallGet.json"])
def test_azure_firewall_round_trip(example):
    firewall = m.AzureFirewall(_body(example))  # this SDK generation deserializes through the constructor
    back = RuleSet.from_sdk(firewall).to_sdk_firewall_collections()
    for key in COLLECTIONS:
        assert [c.as_dict() for c in back[key]] == [c.as_dict() for c in getattr(firewall, key) or []]


@pytest.mark.parametrize("example", ["FirewallPolicyRuleCollectionGroupPut.json",
                                     "FirewallPolicyRuleCollectionGroupWithIpGroupsPut.json"])
def test_policy_group_round_trip(example):
    group = m.FirewallPolicyRuleCollectionGroup(_body(example))
    back = RuleSet.from_sdk([group]).to_sdk_rule_collection_groups()[0]
    assert (back.name, back.priority, back.id) == (group.name, group.priority, group.id)
    assert [c.as_dict() for c in back.rule_collections] == [c.as_dict() for c in group.rule_collections]


def test_parameters_round_trip_through_sdk():
    rules = shipped_rule_set("least-privilege")
    firewall = m.AzureFirewall(threat_intel_mode="Alert", additional_properties={"Network.DNS.EnableProxy": "true"},
                               **rules.to_sdk_firewall_collections())
    again = RuleSet.from_sdk(firewall, name=rules.name, description=rules.description)
    assert again == rules


def test_evaluate_accepts_sdk_firewall_and_reads_dns_proxy():
    rules = shipped_rule_set("least-privilege")
    flow = Flow("10.0.5.4", "ntp.ubuntu.com", 123, "UDP")
    on = m.AzureFirewall(additional_properties={"Network.DNS.EnableProxy": "true"}, **rules.to_sdk_firewall_collections())
    off = m.AzureFirewall(additional_properties={}, **rules.to_sdk_firewall_collections())
    assert evaluate(on, flow).action == "Allow"
    assert evaluate(off, flow).action == "Deny"
    assert evaluate(on, Flow("10.0.5.4", "mcr.microsoft.com", 443, "HTTPS")).rule == "mcr"


def test_unsupported_policy_fields_are_named():
    web = json.loads((EXAMPLES / "FirewallPolicyRuleCollectionGroupWithWebCategoriesPut.json").read_text())
    group = m.FirewallPolicyRuleCollectionGroup(web["parameters"]["parameters"] | {"name": "g"})
    with pytest.raises(ValueError, match="rule1.*web_categories"):
        RuleSet.from_sdk([group])


@pytest.mark.parametrize("example", ["AzureFirewallPut.json", "AzureFirewallGet.json"])
def test_classic_rules_in_a_policy_decide_every_flow_as_on_the_firewall(example):
    """RuleSet.in_policy: the same collections in one group (NAT ones as DNAT), the same verdicts."""
    classic = RuleSet.from_sdk(m.AzureFirewall(_body(example)), dns_proxy=True)
    grouped = classic.in_policy()
    [group] = grouped.rule_collection_groups
    assert (group.name, group.priority) == ("aks-egress", 200)
    assert sorted(c.name for c in group.rule_collections) == sorted(
        c.name for key in COLLECTIONS for c in getattr(classic, key))
    assert {c.action for c in group.rule_collections if c.collection_type == "FirewallPolicyNatRuleCollection"} <= {"DNAT"}
    assert grouped.dns_proxy and not any(getattr(grouped, key) for key in COLLECTIONS)
    assert grouped.in_policy() is grouped
    # the group survives the SDK round trip a deployment makes, with the same rules in each collection
    again = RuleSet.from_sdk(grouped.to_sdk_rule_collection_groups(), dns_proxy=True)
    def rules_by_collection(rules):
        collections = [c for key in COLLECTIONS for c in getattr(rules, key)]
        collections += [c for g in rules.rule_collection_groups for c in g.rule_collections]
        return {c.name: [r.model_dump() for r in c.rules] for c in collections}
    assert rules_by_collection(again) == rules_by_collection(classic)
    flows = [Flow(source=r.source_addresses[0].split("/")[0].replace("*", "10.0.0.1"), destination=fqdn,
                  port=r.protocols[0].port, protocol=r.protocols[0].protocol_type.upper())
             for r in classic.all_rules() if r.rule_type == "ApplicationRule"
             for fqdn in r.target_fqdns if "*" not in fqdn]
    assert flows and [evaluate(again, f).action for f in flows] == [evaluate(classic, f).action for f in flows]
