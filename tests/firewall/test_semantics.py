"""One test per statement of firewall-semantics.md (the test name quotes the section and statement)."""
import ipaddress

import pytest
from firewall_builders import app_rule, net, net_rule, rule_set

from praks_lib.firewall import Flow, evaluate, resolve, service_tag_prefixes

NODE = "10.0.5.4"


def https(destination, **kw):
    return Flow(source=kw.pop("source", NODE), destination=destination, port=kw.pop("port", 443), protocol="HTTPS", **kw)


# --- Processing order -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["Off", "Alert", "Deny"])
def test_order_1_threat_intel_mode_is_noted_on_every_verdict(mode):
    rules = rule_set(threat_intel_mode=mode, application=[net("a", 100, "Allow", app_rule("r", ["x.com"]))])
    assert evaluate(rules, https("x.com")).threat_intel_mode == mode
    assert evaluate(rules, https("y.com")).threat_intel_mode == mode


def test_order_1_threat_intel_default_is_alert():
    assert rule_set().threat_intel_mode == "Alert"


def test_order_2_dnat_before_network_whatever_the_priorities():
    nat = {"name": "nat", "priority": 65000, "action": "Dnat", "rules": [{
        "name": "ssh", "source_addresses": ["*"], "destination_addresses": ["20.1.2.3"], "destination_ports": ["22"],
        "protocols": ["TCP"], "translated_address": "10.0.1.4", "translated_port": "22"}]}
    rules = rule_set(nat=[nat], network=[net("deny-all", 100, "Deny", net_rule("all"))])
    verdict = evaluate(rules, Flow("203.0.113.9", "20.1.2.3", 22, "TCP", source_port=50000))
    assert (verdict.action, verdict.rule_type, verdict.translated_address) == ("Allow", "Nat", "10.0.1.4")
    assert verdict.message == "TCP request from 203.0.113.9:50000 to 20.1.2.3:22 was DNAT'ed to 10.0.1.4:22"


def test_order_2_network_before_application_whatever_the_priorities():
    rules = rule_set(network=[net("deny-web", 65000, "Deny", net_rule("web", ports=["443"]))],
                     application=[net("allow", 100, "Allow", app_rule("x", ["x.com"]))])
    verdict = evaluate(rules, https("x.com"))
    assert (verdict.action, verdict.rule_collection, verdict.rule_type) == ("Deny", "deny-web", "Network")


def test_order_2_rules_are_terminating_first_match_decides():
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("first", ["x.com"]), app_rule("second", ["*"]))])
    assert evaluate(rules, https("x.com")).rule == "first"
    assert evaluate(rules, https("y.com")).rule == "second"


def test_order_3_classic_collections_in_ascending_priority():
    rules = rule_set(application=[net("later", 300, "Allow", app_rule("a", ["x.com"])),
                                  net("sooner", 200, "Deny", app_rule("d", ["x.com"]))])
    verdict = evaluate(rules, https("x.com"))
    assert (verdict.action, verdict.rule_collection) == ("Deny", "sooner")


@pytest.mark.parametrize("priority", [50, 99, 65001])
def test_order_3_priority_range_100_to_65000(priority):
    from praks_lib.firewall import RuleSetError
    with pytest.raises(RuleSetError, match=r"c.priority: .* 100 to 65000"):
        rule_set(application=[net("c", priority, "Allow", app_rule("a", ["x.com"]))])


def test_order_3_collection_action_applies_to_all_its_rules():
    rules = rule_set(application=[net("block", 100, "Deny", app_rule("a", ["a.com"]), app_rule("b", ["b.com"]))])
    assert {evaluate(rules, https(h)).action for h in ("a.com", "b.com")} == {"Deny"}
    assert evaluate(rules, https("a.com")).reason.startswith("Matched application rule 'a'")


def _policy(*groups):
    return {"rule_collection_groups": list(groups), "policy": "fwpolicy"}


def _group(name, priority, *collections):
    return {"name": name, "priority": priority, "rule_collections": list(collections)}


def _pcoll(name, priority, action, *rules):
    return {"name": name, "priority": priority, "action": action, "rules": list(rules)}


def test_order_4_policy_groups_by_priority_then_collections_by_priority():
    from praks_lib.firewall import RuleSet
    allow = dict(app_rule("allow-x", ["x.com"]), rule_type="ApplicationRule")
    deny = dict(app_rule("deny-x", ["x.com"]), rule_type="ApplicationRule")
    rules = RuleSet.from_dict(_policy(
        _group("DefaultApplicationRuleCollectionGroup", 300, _pcoll("late", 100, "Allow", allow)),
        _group("early-group", 200, _pcoll("c2", 500, "Deny", deny), _pcoll("c1", 400, "Allow", allow))))
    verdict = evaluate(rules, https("x.com"))
    assert (verdict.rule_collection_group, verdict.rule_collection, verdict.action) == ("early-group", "c1", "Allow")
    assert verdict.message.endswith("Action: Allow. Policy: fwpolicy. Rule Collection Group: early-group. "
                                    "Rule Collection: c1. Rule: allow-x")


def test_order_4_policy_all_network_before_all_application_across_groups():
    from praks_lib.firewall import RuleSet
    allow = dict(app_rule("allow-x", ["x.com"]), rule_type="ApplicationRule")
    deny_net = dict(net_rule("deny-443", ports=["443"]), rule_type="NetworkRule")
    rules = RuleSet.from_dict(_policy(
        _group("DefaultApplicationRuleCollectionGroup", 100, _pcoll("apps", 100, "Allow", allow)),
        _group("DefaultNetworkRuleCollectionGroup", 65000, _pcoll("nets", 65000, "Deny", deny_net))))
    verdict = evaluate(rules, https("x.com"))
    assert (verdict.rule_collection, verdict.action) == ("nets", "Deny")


def test_order_5_matching_network_rule_means_application_rules_are_not_evaluated():
    rules = rule_set(network=[net("allow-web", 200, "Allow", net_rule("web", ports=["80"]))],
                     application=[net("deny", 100, "Deny", app_rule("batman", ["batman.com"], ["Http:80"]))])
    verdict = evaluate(rules, Flow(NODE, "batman.com", 80, "HTTP", source_port=37668))
    assert (verdict.action, verdict.rule_type) == ("Allow", "Network")
    assert verdict.message == f"TCP request from {NODE}:37668 to {resolve('batman.com')[0]}:80. Action: Allow"


@pytest.mark.parametrize("protocol", ["TCP", "UDP", "ICMP"])
def test_order_6_application_rules_apply_only_to_http_https_mssql(protocol):
    rules = rule_set(application=[net("all", 100, "Allow", app_rule("any", ["*"], ["Http:80", "Https:443", "Mssql:1433"]))])
    assert evaluate(rules, Flow(NODE, "x.com", 443, protocol)).action == "Deny"
    assert evaluate(rules, Flow(NODE, "x.com", 1433, "MSSQL")).action == "Allow"


def test_order_6_http_matches_host_header_https_matches_sni():
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("x", ["x.com"], ["Http:80", "Https:443"]))])
    assert evaluate(rules, Flow(NODE, "x.com", 80, "HTTP")).action == "Allow"
    assert evaluate(rules, Flow(NODE, "x.com", 443, "HTTPS")).action == "Allow"


def test_order_6_https_without_sni_is_denied():
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("all", ["*"]))])
    verdict = evaluate(rules, Flow(NODE, "x.com", 443, "HTTPS", source_port=40000, sni=False))
    assert verdict.action == "Deny"
    assert verdict.message == "HTTPS request from 10.0.5.4:40000 was denied. Reason: SNI TLS extension was missing."
    assert evaluate(rules, Flow(NODE, "93.184.216.34", 443, "HTTPS")).reason == "SNI TLS extension was missing."


def test_order_6_rule_protocol_and_port_must_match():
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("x", ["x.com"], ["Https:8443"]))])
    assert evaluate(rules, https("x.com")).action == "Deny"
    assert evaluate(rules, https("x.com", port=8443)).action == "Allow"
    assert evaluate(rules, Flow(NODE, "x.com", 8443, "HTTP")).action == "Deny"


def test_order_7_nothing_matched_is_denied_with_default_action():
    verdict = evaluate(rule_set(), Flow(NODE, "batman.com", 80, "HTTP", source_port=37668))
    assert (verdict.action, verdict.rule_collection, verdict.rule) == ("Deny", None, None)
    assert verdict.reason == "No rule matched. Proceeding with default action"


# --- Matching ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("*", "Allow"), ("10.0.5.4", "Allow"), ("10.0.5.0/24", "Allow"), ("10.0.5.1-10.0.5.12", "Allow"),
    ("10.0.5.5", "Deny"), ("10.0.6.0/24", "Deny"), ("10.0.5.5-10.0.5.12", "Deny")])
def test_matching_source_star_ip_cidr_range(source, expected):
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("x", ["x.com"], sources=[source]))])
    assert evaluate(rules, https("x.com")).action == expected


def test_matching_source_ip_groups():
    group = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/ipGroups/aks"
    rule = app_rule("x", ["x.com"], sources=[])
    rule.pop("source_addresses")
    rule["source_ip_groups"] = [group]
    rules = rule_set(application=[net("c", 100, "Allow", rule)], ip_groups={group: ["10.0.5.0/24"]})
    assert evaluate(rules, https("x.com")).action == "Allow"
    assert evaluate(rules, https("x.com", source="10.0.9.9")).action == "Deny"


@pytest.mark.parametrize("destination, expected", [
    ("*", "Allow"), ("203.0.113.7", "Allow"), ("203.0.113.0/24", "Allow"), ("203.0.113.1-203.0.113.9", "Allow"),
    ("203.0.113.8", "Deny"), ("198.51.100.0/24", "Deny")])
def test_matching_network_destination_star_ip_cidr_range(destination, expected):
    rules = rule_set(network=[net("c", 100, "Allow", net_rule("r", [destination], ["443"]))])
    assert evaluate(rules, Flow(NODE, "203.0.113.7", 443, "TCP")).action == expected


@pytest.mark.parametrize("tag", ["AzureCloud.westeurope", "AzureContainerRegistry", "azurecontainerregistry"])
def test_matching_network_destination_service_tag(tag):
    address = str(ipaddress.IPv4Network(service_tag_prefixes(tag)[3]).network_address + 1)
    rules = rule_set(network=[net("c", 100, "Allow", net_rule("r", [tag], ["443"]))])
    assert evaluate(rules, Flow(NODE, address, 443, "TCP")).action == "Allow"
    assert evaluate(rules, Flow(NODE, resolve("batman.com")[0], 443, "TCP")).action == "Deny"


def test_matching_network_destination_fqdn_needs_dns_proxy_and_matches_resolved_ip():
    rule = net_rule("ntp", destinations=(), ports=["123"], protocols=["UDP"], fqdns=["ntp.ubuntu.com"])
    with_proxy = rule_set(dns_proxy=True, network=[net("c", 100, "Allow", rule)])
    without = rule_set(dns_proxy=False, network=[net("c", 100, "Allow", rule)])
    by_ip = Flow(NODE, resolve("ntp.ubuntu.com")[0], 123, "UDP")
    assert evaluate(with_proxy, by_ip).action == "Allow"
    assert evaluate(with_proxy, Flow(NODE, "ntp.ubuntu.com", 123, "UDP")).action == "Allow"
    assert evaluate(without, by_ip).action == "Deny"


def test_matching_network_destination_fqdns_have_no_wildcards():
    from praks_lib.firewall import RuleSetError
    rule = net_rule("r", destinations=(), ports=["443"], fqdns=["*.ubuntu.com"])
    with pytest.raises(RuleSetError, match=r"c/r.destination_fqdns: .*cannot have wildcards"):
        rule_set(dns_proxy=True, network=[net("c", 100, "Allow", rule)])


@pytest.mark.parametrize("ports, port, expected", [
    (["443"], 443, "Allow"), (["443"], 444, "Deny"), (["8000-8999"], 8500, "Allow"), (["8000-8999"], 9000, "Deny"),
    (["*"], 1, "Allow"), (["80", "443"], 80, "Allow")])
def test_matching_ports_single_range_star(ports, port, expected):
    rules = rule_set(network=[net("c", 100, "Allow", net_rule("r", ["*"], ports))])
    assert evaluate(rules, Flow(NODE, "203.0.113.7", port, "TCP")).action == expected


@pytest.mark.parametrize("rule_protocol, flow_protocol, expected", [
    ("TCP", "TCP", "Allow"), ("TCP", "UDP", "Deny"), ("UDP", "UDP", "Allow"), ("ICMP", "ICMP", "Allow"),
    ("ICMP", "TCP", "Deny"), ("Any", "TCP", "Allow"), ("Any", "UDP", "Allow"), ("Any", "ICMP", "Allow")])
def test_matching_protocols_tcp_udp_icmp_any(rule_protocol, flow_protocol, expected):
    rules = rule_set(network=[net("c", 100, "Allow", net_rule("r", ["*"], ["123"], [rule_protocol]))])
    assert evaluate(rules, Flow(NODE, "203.0.113.7", 123, flow_protocol)).action == expected


@pytest.mark.parametrize("pattern, host, expected", [
    ("www.contoso.com", "www.contoso.com", True), ("www.contoso.com", "contoso.com", False),
    ("*.contoso.com", "www.contoso.com", True), ("*.contoso.com", "a.b.contoso.com", True),
    ("*.contoso.com", "contoso.com", False), ("*.contoso.com", "xcontoso.com", False),
    ("*contoso.com", "contoso.com", True), ("*contoso.com", "xcontoso.com", True),
    ("*contoso.com", "www.contoso.com", True), ("*contoso.com", "contoso.org", False),
    ("*", "anything.example", True)])
def test_matching_application_target_fqdn_wildcards(pattern, host, expected):
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("r", [pattern]))])
    assert (evaluate(rules, https(host)).action == "Allow") is expected


def test_matching_application_suffix_wildcard_www_contoso_star_not_supported():
    from praks_lib.firewall import RuleSetError
    with pytest.raises(RuleSetError, match=r"c/r.target_fqdns: 'www.contoso.\*'"):
        rule_set(application=[net("c", 100, "Allow", app_rule("r", ["www.contoso.*"]))])


def test_matching_application_names_case_insensitive():
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("r", ["WWW.Contoso.COM"]))])
    assert evaluate(rules, https("www.CONTOSO.com")).action == "Allow"


def test_matching_fqdn_tag_aks_covers_required_fqdns():
    rules = rule_set(application=[net("c", 100, "Allow", app_rule("r", tags=["AzureKubernetesService"]))])
    for host in ("mcr.microsoft.com", "westeurope.data.mcr.microsoft.com", "management.azure.com",
                 "login.microsoftonline.com", "packages.microsoft.com", "acs-mirror.azureedge.net",
                 "packages.aks.azure.com", "mcr-0001.mcr-msedge.net", "x-1234.hcp.westeurope.azmk8s.io"):
        assert evaluate(rules, https(host)).action == "Allow", host
    assert evaluate(rules, https("batman.com")).action == "Deny"


def test_matching_fqdn_tags_only_in_application_rules():
    from praks_lib.firewall import RuleSetError
    rule = net_rule("r", ["*"], ["443"])
    rule["fqdn_tags"] = ["AzureKubernetesService"]
    with pytest.raises(RuleSetError, match=r"c/r.fqdn_tags: unknown field"):
        rule_set(network=[net("c", 100, "Allow", rule)])
