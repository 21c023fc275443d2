"""Stage 02: the firewall as Azure reports it, and the verdict on its rules and logs."""
from __future__ import annotations

import pandas as pd

from praks_lib.azure.ids import name_of, state_text
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import read_or_none, require
from praks_lib.deploy.firewall import DNS_PROXY_KEY
from praks_lib.deploy.monitoring import DIAGNOSTIC_SETTING, workspace_id
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.firewall import RuleSet
from praks_lib.stages import Verdict


def firewall_table(clients: Clients, dep: Deployment) -> pd.DataFrame:
    """The firewall as Azure reports it: state, addresses, DNS proxy, rule counts."""
    group, fw = dep.resource_groups.network, dep.firewall
    firewall = clients.network.azure_firewalls.get(group, fw.name)
    public_ip = clients.network.public_ip_addresses.get(group, fw.public_ip_name)
    config = firewall.ip_configurations[0]
    return pd.DataFrame([
        ("provisioning state", state_text(firewall.provisioning_state)),
        ("SKU", f"{state_text(firewall.sku.name)} / {state_text(firewall.sku.tier)}"),
        ("threat intelligence", state_text(firewall.threat_intel_mode)),
        ("DNS proxy", (firewall.additional_properties or {}).get(DNS_PROXY_KEY, "false")),
        ("private IP (next hop for the UDR)", config.private_ip_address),
        ("subnet", name_of(config.subnet.id)),
        ("public IP", f"{public_ip.ip_address} ({name_of(public_ip.id)}, {state_text(public_ip.sku.name)}, "
                      f"{state_text(public_ip.public_ip_allocation_method)})"),
        ("network rule collections", len(firewall.network_rule_collections or [])),
        ("application rule collections", len(firewall.application_rule_collections or [])),
        ("NAT rule collections", len(firewall.nat_rule_collections or [])),
    ], columns=["property", "value"]).set_index("property")


def firewall_verdict(clients: Clients, dep: Deployment) -> Verdict:
    """PASS when the firewall runs the planned rules and logs to the workspace; else what to fix."""
    group, fw = dep.resource_groups.network, dep.firewall
    firewall = require(lambda: clients.network.azure_firewalls.get(group, fw.name), f"firewall {fw.name}",
                       "02_firewall")
    problems = []
    if state_text(firewall.provisioning_state) != "Succeeded":
        problems.append(f"the firewall is {state_text(firewall.provisioning_state)}, not Succeeded")
    if RuleSet.from_sdk(firewall).rules_only() != dep.rule_set().rules_only():
        problems.append(f"its rules differ from the rule set '{fw.rules}' (firewall.rules)")
    proxy = (firewall.additional_properties or {}).get(DNS_PROXY_KEY, "false") == "true"
    if proxy != fw.dns_proxy:
        problems.append(f"DNS proxy is {'on' if proxy else 'off'} but firewall.dns_proxy is {fw.dns_proxy}")
    setting = read_or_none(lambda: clients.monitor.diagnostic_settings.get(firewall.id, DIAGNOSTIC_SETTING))
    expected_workspace = workspace_id(clients, dep.monitoring.firewall_workspace)
    if setting is None or (setting.workspace_id or "").lower() != expected_workspace.lower():
        problems.append("its logs do not go to the firewall workspace (diagnostic setting missing)")
    if problems:
        raise StageError("FAIL: " + "; ".join(problems) + ". Re-run 02_firewall.")
    private_ip = firewall.ip_configurations[0].private_ip_address
    return Verdict(f"PASS: firewall {fw.name} runs the '{fw.rules}' rules at {private_ip} "
                   f"and logs to workspace {dep.monitoring.firewall_workspace.name}.")
