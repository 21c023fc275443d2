"""Stage 02: the firewall as Azure reports it, and the verdict on its rules and logs.

The rules are read where the design puts them: in the Firewall Policy the firewall is linked to
(its rule collection groups, DNS proxy on the policy), or as classic collections on the firewall.
"""
from __future__ import annotations

import json
from typing import Any

import pandas as pd

from praks_lib.azure.ids import group_of, name_of, state_text
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import read_or_none, require
from praks_lib.deploy.firewall import DNS_PROXY_KEY
from praks_lib.deploy.monitoring import DIAGNOSTIC_SETTING, workspace_id
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.firewall import RuleSet
from praks_lib.stages import Note, Verdict
from praks_lib.stages.tables import laid_out


def _policy(clients: Clients, firewall: Any) -> tuple[Any, list]:
    """The Firewall Policy the firewall is linked to and its rule collection groups; (None, []) for classic rules."""
    reference = firewall.firewall_policy
    if reference is None or not reference.id:
        return None, []
    group, name = group_of(reference.id), name_of(reference.id)
    policy = read_or_none(lambda: clients.network.firewall_policies.get(group, name))
    groups = list(clients.network.firewall_policy_rule_collection_groups.list(group, name)) if policy else []
    return policy, groups


def deployed_rules(clients: Clients, firewall: Any) -> RuleSet:
    """The rules the firewall runs: its Firewall Policy's groups (with the policy's DNS proxy and threat
    intelligence), or its classic collections."""
    policy, groups = _policy(clients, firewall)
    if policy is None:
        return RuleSet.from_sdk(firewall)
    return RuleSet.from_sdk(groups, policy=policy.name, dns_proxy=_dns_proxy(firewall, policy),
                            threat_intel_mode=state_text(policy.threat_intel_mode) or "Alert")


def _dns_proxy(firewall: Any, policy: Any) -> bool:
    if policy is not None:
        return bool(policy.dns_settings and policy.dns_settings.enable_proxy)
    return (firewall.additional_properties or {}).get(DNS_PROXY_KEY, "false") == "true"


def _rules(rules: RuleSet) -> list[tuple[str, str, str]]:
    """(collection, action, rule) for every rule: the same rules whether classic or grouped in a policy."""
    collections = [*rules.network_rule_collections, *rules.application_rule_collections, *rules.nat_rule_collections,
                   *(c for g in rules.rule_collection_groups for c in g.rule_collections)]
    return sorted((c.name, c.action.lower(), json.dumps(r.model_dump(mode="json", exclude={"description"}),
                                                        sort_keys=True))
                  for c in collections for r in c.rules)


NOT_IN_THIS_DESIGN = ("No firewall in this design (firewall.enabled is false): the cluster is network-isolated, "
                      "its nodes bootstrap from a private registry cache and nothing they send leaves the VNet.")


def firewall_table(clients: Clients, dep: Deployment) -> pd.DataFrame | Note:
    """The firewall as Azure reports it: state, addresses, DNS proxy, where its rules are and how many."""
    group, fw = dep.resource_groups.network, dep.firewall
    if not fw.enabled:
        return Note(NOT_IN_THIS_DESIGN)
    firewall = clients.network.azure_firewalls.get(group, fw.name)
    public_ip = clients.network.public_ip_addresses.get(group, fw.public_ip_name)
    policy, groups = _policy(clients, firewall)
    config = firewall.ip_configurations[0]
    rows = [
        ("provisioning state", state_text(firewall.provisioning_state)),
        ("SKU", f"{state_text(firewall.sku.name)} / {state_text(firewall.sku.tier)}"),
        ("threat intelligence", state_text((policy or firewall).threat_intel_mode)),
        ("DNS proxy", str(_dns_proxy(firewall, policy)).lower()),
        ("private IP (next hop for the UDR)", config.private_ip_address),
        ("subnet", name_of(config.subnet.id)),
        ("public IP", f"{public_ip.ip_address} ({name_of(public_ip.id)}, {state_text(public_ip.sku.name)}, "
                      f"{state_text(public_ip.public_ip_allocation_method)})"),
    ]
    management = firewall.management_ip_configuration
    if management is not None:
        rows.append(("management IP configuration", f"{name_of(management.subnet.id)}, public IP "
                                                    f"{name_of(management.public_ip_address.id)}"))
    if policy is not None:
        collections = sum(len(g.rule_collections or []) for g in groups)
        rows.append(("rules", f"Firewall Policy {policy.name}: {len(groups)} rule collection group(s), "
                              f"{collections} collection(s)"))
    else:
        rows += [("network rule collections", len(firewall.network_rule_collections or [])),
                 ("application rule collections", len(firewall.application_rule_collections or [])),
                 ("NAT rule collections", len(firewall.nat_rule_collections or []))]
    return laid_out(pd.DataFrame(rows, columns=["property", "value"]).set_index("property"))


def vnets_resolving_elsewhere(clients: Clients, dep: Deployment, firewall_ip: str) -> list[str]:
    """'<VNet> resolves through <servers>' for each VNet whose DNS servers, as deployed, are not the
    firewall's DNS proxy: there FQDN network rules may deny what clients resolved themselves."""
    found = []
    for planned in (dep.network.hub, dep.network.spoke):
        vnet = clients.network.virtual_networks.get(dep.resource_groups.network, planned.name)
        servers = list((vnet.dhcp_options.dns_servers if vnet.dhcp_options else None) or [])
        if servers != [firewall_ip]:
            found.append(f"{planned.name} resolves through {', '.join(servers) or 'Azure DNS'}")
    return found


def firewall_verdict(clients: Clients, dep: Deployment) -> Verdict:
    """PASS when the firewall runs the planned rules and logs to the workspace; else what to fix."""
    group, fw = dep.resource_groups.network, dep.firewall
    if not fw.enabled:
        found = list(clients.network.azure_firewalls.list(group))
        if found:
            raise StageError(f"FAIL: the design has no firewall, but {group} holds {', '.join(f.name for f in found)}.",
                             "delete it, or set firewall.enabled to true", stage="02_firewall")
        return Verdict(f"PASS: not in this design — no firewall, public IP or firewall workspace in {group}; "
                       "a network-isolated cluster needs no egress.")
    firewall = require(lambda: clients.network.azure_firewalls.get(group, fw.name), f"firewall {fw.name}",
                       "02_firewall")
    policy, groups = _policy(clients, firewall)
    problems = []
    if state_text(firewall.provisioning_state) != "Succeeded":
        problems.append(f"the firewall is {state_text(firewall.provisioning_state)}, not Succeeded")
    if (policy is not None) != (fw.rules_as == "policy"):
        problems.append(f"its rules are {'in Firewall Policy ' + policy.name if policy else 'classic collections'} "
                        f"but firewall.rules_as is {fw.rules_as}")
    deployed = deployed_rules(clients, firewall)
    if _rules(deployed) != _rules(dep.rule_set()):
        problems.append(f"its rules differ from the rule set '{fw.rules}' (firewall.rules)")
    proxy = _dns_proxy(firewall, policy)
    if proxy != fw.dns_proxy:
        problems.append(f"DNS proxy is {'on' if proxy else 'off'} but firewall.dns_proxy is {fw.dns_proxy}")
    if dep.dns_through_firewall:  # FQDN network rules match only what the firewall itself resolved
        firewall_ip = firewall.ip_configurations[0].private_ip_address
        problems += [f"VNet {where}, not the firewall's DNS proxy at {firewall_ip}"
                     for where in vnets_resolving_elsewhere(clients, dep, firewall_ip)]
    setting = read_or_none(lambda: clients.monitor.diagnostic_settings.get(firewall.id, DIAGNOSTIC_SETTING))
    expected_workspace = workspace_id(clients, dep.monitoring.firewall_workspace)
    if setting is None or (setting.workspace_id or "").lower() != expected_workspace.lower():
        problems.append("its logs do not go to the firewall workspace (diagnostic setting missing)")
    if problems:
        raise StageError("FAIL: " + "; ".join(problems) + ".", "re-run 02_firewall", stage="02_firewall")
    private_ip = firewall.ip_configurations[0].private_ip_address
    where = f"in Firewall Policy {policy.name}" if policy is not None else "as classic collections"
    return Verdict(f"PASS: firewall {fw.name} runs the '{fw.rules}' rules ({where}) at {private_ip} "
                   f"and logs to workspace {dep.monitoring.firewall_workspace.name}.")
