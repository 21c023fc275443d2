"""Stage 02: the firewall's public IP (the deployment's only one), the firewall and its rules."""
from __future__ import annotations

import copy

from azure.mgmt.network.models import (
    AzureFirewall,
    AzureFirewallIPConfiguration,
    AzureFirewallSku,
    PublicIPAddress,
    PublicIPAddressSku,
    SubResource,
)

from praks_lib.azure.ids import name_of, resource_id, state_text
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, read_or_none, require, wait_for
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.firewall import RuleSet, load_rule_set
from praks_lib.stage import Verdict

DNS_PROXY_KEY = "Network.DNS.EnableProxy"


def ensure_firewall_public_ip(clients: Clients, dep: Deployment) -> Change:
    group, name = dep.resource_groups.network, dep.firewall.public_ip_name
    ips = clients.network.public_ip_addresses

    def desired(current):
        ip = copy.deepcopy(current) if current else PublicIPAddress(location=dep.location)
        ip.tags = {**(ip.tags or {}), **dep.tags}
        # Azure Firewall takes only Standard, static addresses.
        ip.sku = PublicIPAddressSku(name="Standard", tier="Regional")
        ip.public_ip_allocation_method = "Static"
        return ip

    return converge("public IP", name, lambda: ips.get(group, name), desired,
                    lambda model: ips.begin_create_or_update(group, name, model).result())


def ensure_firewall(clients: Clients, dep: Deployment) -> Change:
    """The firewall in AzureFirewallSubnet with the rule set named in the parameters."""
    group, fw = dep.resource_groups.network, dep.firewall
    sub = clients.subscription_id
    subnet_id = resource_id(sub, group, "Microsoft.Network/virtualNetworks/subnets",
                            dep.network.hub.name, dep.network.hub.firewall_subnet.name)
    public_ip_id = resource_id(sub, group, "Microsoft.Network/publicIPAddresses", fw.public_ip_name)
    rules = load_rule_set(dep.rule_set_file)
    firewalls = clients.network.azure_firewalls

    def desired(current):
        firewall = copy.deepcopy(current) if current else AzureFirewall(location=dep.location)
        firewall.tags = {**(firewall.tags or {}), **dep.tags}
        firewall.sku = AzureFirewallSku(name="AZFW_VNet", tier=fw.sku_tier)
        firewall.threat_intel_mode = fw.threat_intel_mode
        firewall.additional_properties = {**(firewall.additional_properties or {}),
                                          DNS_PROXY_KEY: "true" if fw.dns_proxy else "false"}
        configs = firewall.ip_configurations or []
        config = configs[0] if configs else AzureFirewallIPConfiguration(name=fw.name)
        config.subnet = SubResource(id=subnet_id)
        config.public_ip_address = SubResource(id=public_ip_id)
        firewall.ip_configurations = [config]
        for attribute, collections in rules.to_sdk_firewall_collections().items():
            setattr(firewall, attribute, collections)
        return firewall

    return converge("firewall", fw.name, lambda: firewalls.get(group, fw.name), desired,
                    lambda model: wait_for(firewalls.begin_create_or_update(group, fw.name, model),
                                           f"firewall {fw.name}"))


def firewall_private_ip(clients: Clients, dep: Deployment) -> str:
    """The firewall's private IP, read from the firewall (the walkthrough hard-coded 10.0.0.4)."""

    firewall = require(lambda: clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name),
                       f"firewall {dep.firewall.name}", "02_firewall")
    address = firewall.ip_configurations[0].private_ip_address if firewall.ip_configurations else None
    if state_text(firewall.provisioning_state) != "Succeeded" or not address:
        raise StageError(f"firewall {dep.firewall.name} is {state_text(firewall.provisioning_state)} without a "
                         "private IP yet; wait for it or re-run 02_firewall.")
    return address


def ensure_firewall_stage(clients: Clients, dep: Deployment) -> list[Change]:
    from praks_lib.deploy.monitoring import ensure_firewall_diagnostics, ensure_log_analytics

    changes = [ensure_firewall_public_ip(clients, dep), ensure_firewall(clients, dep)]
    changes.append(ensure_log_analytics(clients, dep, dep.monitoring.firewall_workspace))
    changes.append(ensure_firewall_diagnostics(clients, dep))
    return changes


def firewall_table(clients: Clients, dep: Deployment):
    """The firewall as Azure reports it: state, addresses, DNS proxy, rule counts."""
    import pandas as pd

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


def firewall_verdict(clients: Clients, dep: Deployment):
    """PASS when the firewall runs the planned rules and logs to the workspace; else what to fix."""
    from praks_lib.deploy.monitoring import DIAGNOSTIC_SETTING, workspace_id

    group, fw = dep.resource_groups.network, dep.firewall
    firewall = require(lambda: clients.network.azure_firewalls.get(group, fw.name), f"firewall {fw.name}",
                       "02_firewall")
    problems = []
    if state_text(firewall.provisioning_state) != "Succeeded":
        problems.append(f"the firewall is {state_text(firewall.provisioning_state)}, not Succeeded")
    if RuleSet.from_sdk(firewall).rules_only() != load_rule_set(dep.rule_set_file).rules_only():
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
