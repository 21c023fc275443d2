"""Lab: a broad network rule (source *, destination *, any port, protocol Any — the 2020 walkthrough's
style) sits before the application rules. Network rules are processed first, so it allows everything and
FQDN filtering never runs: batman.com is reachable, and nothing looks wrong in the application rules."""
from __future__ import annotations

from praks_lib.cloud import Clients
from praks_lib.deployment import Deployment
from praks_lib.firewall import RuleSet, lint
from praks_lib.labs import apply_rules, deploy_healthy, live_rules, verdict
from praks_lib.stages import Verdict
from praks_lib.validate import PASS, check_egress, probe_egress

BROAD = {"name": "allow-outbound", "priority": 150, "action": "Allow", "rules": [
    {"name": "any", "description": "temporary: unblock the deployment", "source_addresses": ["*"],
     "destination_addresses": ["*"], "destination_ports": ["*"], "protocols": ["Any"]}]}


def break_it(clients: Clients, dep: Deployment) -> None:
    deploy_healthy(clients, dep)
    data = dep.rule_set().to_yaml_dict()
    data["network_rule_collections"] = [BROAD, *data.get("network_rule_collections", [])]
    apply_rules(clients, dep, RuleSet.from_dict(data))


def fix(clients: Clients, dep: Deployment) -> None:
    apply_rules(clients, dep, dep.rule_set())
    print(f"firewall {dep.firewall.name}: rules put back to {dep.firewall.rules}")


def check(clients: Clients, dep: Deployment) -> Verdict:
    broad = [f for f in lint(live_rules(clients, dep)) if f.code == "broad-network-rule"]
    _, results = probe_egress(clients, dep)
    leaks = [r.target for r in check_egress(results) if r.result != PASS]
    return verdict(not broad and not leaks, "no broad network rule, and every test URL is decided as expected.",
                   "; ".join(filter(None, [f"lint: {broad[0].field}: {broad[0].message}" if broad else "",
                                           f"not as expected: {', '.join(leaks)}" if leaks else ""])),
                   "remove the broad network rule; allow web endpoints with application rules (02_firewall)")
