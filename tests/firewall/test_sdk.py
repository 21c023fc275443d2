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
