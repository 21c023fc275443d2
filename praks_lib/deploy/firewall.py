"""Stage 02: the firewall's public IP (the deployment's only one, and the Basic tier's management IP),
the firewall and its rules: a Firewall Policy with rule collection groups (firewall.rules_as: policy)
or classic rule collections on the firewall (classic)."""
from __future__ import annotations

import copy

from azure.mgmt.network.models import (
    AzureFirewall,
    AzureFirewallIPConfiguration,
    AzureFirewallSku,
    DhcpOptions,
    DnsSettings,
    FirewallPolicy,
    FirewallPolicySku,
    PublicIPAddress,
    PublicIPAddressSku,
    SubResource,
)

from praks_lib.azure import facts
from praks_lib.azure.ids import resource_id, state_text
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, require, wait_for
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.firewall import preflight

DNS_PROXY_KEY = facts.load("network")["firewall"]["dns_proxy_property"]
FIREWALL_TIERS = facts.load("network")["firewall"]["tiers"]


def ensure_firewall_public_ip(clients: Clients, dep: Deployment, name: str) -> Change:
    group, ips = dep.resource_groups.network, clients.network.public_ip_addresses

    def desired(current):
        ip = copy.deepcopy(current) if current else PublicIPAddress(location=dep.location)
        ip.tags = {**(ip.tags or {}), **dep.tags}
        # Azure Firewall takes only Standard, static addresses.
        ip.sku = PublicIPAddressSku(name="Standard", tier="Regional")
        ip.public_ip_allocation_method = "Static"
        return ip

    return converge("public IP", name, lambda: ips.get(group, name), desired,
                    lambda model: ips.begin_create_or_update(group, name, model).result())


def ensure_firewall_policy(clients: Clients, dep: Deployment) -> Change:
    """The Firewall Policy of the firewall's tier; DNS proxy is set here, not on the firewall."""
    group, fw = dep.resource_groups.network, dep.firewall
    policies = clients.network.firewall_policies

    def desired(current):
        policy = copy.deepcopy(current) if current else FirewallPolicy(location=dep.location)
        policy.tags = {**(policy.tags or {}), **dep.tags}
        policy.sku = FirewallPolicySku(tier=fw.sku_tier)
        policy.threat_intel_mode = fw.threat_intel_mode
        # Basic has no DNS proxy (plan and Azure refuse dns_proxy there): it sends no DNS settings at all.
        policy.dns_settings = (DnsSettings(enable_proxy=fw.dns_proxy)
                               if fw.dns_proxy or FIREWALL_TIERS[fw.sku_tier]["dns_proxy"] else None)
        return policy

    return converge("Firewall Policy", fw.policy_name, lambda: policies.get(group, fw.policy_name), desired,
                    lambda model: wait_for(policies.begin_create_or_update(group, fw.policy_name, model),
                                           f"Firewall Policy {fw.policy_name}"), owned=("dns_settings",))


def ensure_rule_collection_groups(clients: Clients, dep: Deployment) -> list[Change]:
    """The rule set as the policy's rule collection groups; a group the rule set no longer has goes."""
    group, policy = dep.resource_groups.network, dep.firewall.policy_name
    groups = clients.network.firewall_policy_rule_collection_groups
    changes = []
    planned = dep.rule_set().in_policy().to_sdk_rule_collection_groups()
    for wanted in planned:
        def desired(current, wanted=wanted):
            model = copy.deepcopy(current) if current else copy.deepcopy(wanted)
            model.priority, model.rule_collections = wanted.priority, wanted.rule_collections
            return model

        changes.append(converge(
            "rule collection group", f"{policy}/{wanted.name}", lambda name=wanted.name: groups.get(group, policy, name),
            desired, lambda model: wait_for(groups.begin_create_or_update(group, policy, model.name, model),
                                            f"rule collection group {model.name}")))
    names = {g.name.lower() for g in planned}
    for stale in [g for g in groups.list(group, policy) if g.name.lower() not in names]:
        wait_for(groups.begin_delete(group, policy, stale.name), f"delete rule collection group {stale.name}")
        changes.append(Change("Firewall Policy", policy, "updated",
                              f"rule collection group {stale.name} removed: not in the rule set '{dep.firewall.rules}'"))
    return changes


def ensure_firewall(clients: Clients, dep: Deployment) -> Change:
    """The firewall in AzureFirewallSubnet with the rule set named in the parameters: linked to its
    Firewall Policy, or carrying the rules as classic collections."""
    group, fw, hub = dep.resource_groups.network, dep.firewall, dep.network.hub
    sub = clients.subscription_id

    def subnet_id(subnet):
        return resource_id(sub, group, "Microsoft.Network/virtualNetworks/subnets", hub.name, subnet.name)

    def public_ip_id(name):
        return resource_id(sub, group, "Microsoft.Network/publicIPAddresses", name)

    policy_id = resource_id(sub, group, "Microsoft.Network/firewallPolicies", fw.policy_name)
    classic = dep.rule_set().to_sdk_firewall_collections() if fw.rules_as == "classic" else None
    firewalls = clients.network.azure_firewalls

    def desired(current):
        firewall = copy.deepcopy(current) if current else AzureFirewall(location=dep.location)
        firewall.tags = {**(firewall.tags or {}), **dep.tags}
        firewall.sku = AzureFirewallSku(name="AZFW_VNet", tier=fw.sku_tier)
        configs = firewall.ip_configurations or []
        config = configs[0] if configs else AzureFirewallIPConfiguration(name=fw.name)
        config.subnet = SubResource(id=subnet_id(hub.firewall_subnet))
        config.public_ip_address = SubResource(id=public_ip_id(fw.public_ip_name))
        firewall.ip_configurations = [config]
        if hub.firewall_management_subnet is not None:
            management = firewall.management_ip_configuration or AzureFirewallIPConfiguration(
                name=f"{fw.name}-management")
            management.subnet = SubResource(id=subnet_id(hub.firewall_management_subnet))
            management.public_ip_address = SubResource(id=public_ip_id(fw.management_public_ip_name))
            firewall.management_ip_configuration = management
        extra = {k: v for k, v in (firewall.additional_properties or {}).items() if k != DNS_PROXY_KEY}
        if classic is None:  # the policy holds the rules, threat intelligence and DNS proxy
            firewall.firewall_policy = SubResource(id=policy_id)
            firewall.additional_properties = extra
            classic_lists = {"application_rule_collections": [], "network_rule_collections": [],
                             "nat_rule_collections": []}
        else:
            firewall.firewall_policy = None
            firewall.threat_intel_mode = fw.threat_intel_mode
            firewall.additional_properties = {**extra, DNS_PROXY_KEY: "true" if fw.dns_proxy else "false"}
            classic_lists = classic
        for attribute, collections in classic_lists.items():
            setattr(firewall, attribute, collections)
        return firewall

    return converge("firewall", fw.name, lambda: firewalls.get(group, fw.name), desired,
                    lambda model: wait_for(firewalls.begin_create_or_update(group, fw.name, model),
                                           f"firewall {fw.name}"),
                    owned=("additional_properties",))


def firewall_private_ip(clients: Clients, dep: Deployment) -> str:
    """The firewall's private IP, read from the firewall (the walkthrough hard-coded 10.0.0.4)."""

    firewall = require(lambda: clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name),
                       f"firewall {dep.firewall.name}", "02_firewall")
    address = firewall.ip_configurations[0].private_ip_address if firewall.ip_configurations else None
    if state_text(firewall.provisioning_state) != "Succeeded" or not address:
        raise StageError(f"firewall {dep.firewall.name} is {state_text(firewall.provisioning_state)} without a "
                         "private IP yet; wait for it or re-run 02_firewall.")
    return address


def ensure_firewall_stage(clients: Clients, dep: Deployment, allow_denied_flows: bool = False) -> list[Change]:
    """Stage 02: the public IP(s), the Firewall Policy and its groups or the classic rules, the
    firewall, the VNets' DNS, and the workspace its diagnostic setting logs to (nothing when the design
    has no firewall: firewall.enabled false, a network-isolated cluster).

    Nothing is created while the rule set would deny a flow the planned cluster needs (the preflight),
    unless `allow_denied_flows`: for labs that break the cluster's egress on purpose.
    """
    if not dep.firewall.enabled:
        return []
    # Here, not at the top: 03 and 07 read firewall_private_ip from this module and need none of
    # the monitor SDK's models that deploy.monitoring loads.
    from praks_lib.deploy.monitoring import ensure_firewall_diagnostics, ensure_log_analytics

    if not allow_denied_flows:
        require_preflight(dep)
    fw = dep.firewall
    changes = [ensure_firewall_public_ip(clients, dep, fw.public_ip_name)]
    if dep.network.hub.firewall_management_subnet is not None:
        changes.append(ensure_firewall_public_ip(clients, dep, fw.management_public_ip_name))
    if fw.rules_as == "policy":
        # The policy first (the firewall links to it), its groups once the firewall uses it: a group's
        # FQDN network rules are checked against the DNS proxy of the firewall that runs them.
        changes += [ensure_firewall_policy(clients, dep), ensure_firewall(clients, dep)]
        changes += ensure_rule_collection_groups(clients, dep)
    else:
        changes.append(ensure_firewall(clients, dep))
    changes += [ensure_vnet_dns(clients, dep, vnet) for vnet in (dep.network.hub, dep.network.spoke)]
    changes.append(ensure_log_analytics(clients, dep, dep.monitoring.firewall_workspace))
    changes.append(ensure_firewall_diagnostics(clients, dep))
    return changes


def ensure_vnet_dns(clients: Clients, dep: Deployment, planned) -> Change:
    """Point a VNet's DNS servers at the firewall's DNS proxy (or back at Azure DNS without one).

    Microsoft documents this for FQDNs in network rules: the firewall matches them by its own DNS
    answers, so clients must resolve through it, or they may connect to an address it never saw.
    """
    group, vnets = dep.resource_groups.network, clients.network.virtual_networks
    servers = [firewall_private_ip(clients, dep)] if dep.dns_through_firewall else []

    def desired(current):
        vnet = copy.deepcopy(current)
        vnet.dhcp_options = DhcpOptions(dns_servers=servers)
        return vnet

    return converge("VNet DNS servers", f"{planned.name} → {', '.join(servers) or 'Azure DNS'}",
                    lambda: require(lambda: vnets.get(group, planned.name), f"virtual network {planned.name}",
                                    "01_network"),
                    desired, lambda model: vnets.begin_create_or_update(group, planned.name, model).result(),
                    owned=("dhcp_options.dns_servers",))


def require_preflight(dep: Deployment) -> None:
    """A StageError listing every flow the cluster needs that the rule set would deny, with the rule to add."""
    denied = [r for r in preflight(dep.rule_set(), dep.cluster_shape) if r.action != "Allow"]
    if denied:
        lines = "\n".join(f"  - {r.required.requirement} ({r.required.flow.protocol} {r.required.flow.destination}:"
                          f"{r.required.flow.port}), needed for {r.required.needed_for}" for r in denied)
        raise StageError(f"Nothing applied: the rule set '{dep.firewall.rules}' would deny {len(denied)} of the "
                         f"flows the cluster needs (preflight):\n{lines}",
                         "allow them in the rule set (firewall.rules; the preflight table above gives the rule "
                         "to add for each), or choose one that allows them, such as least-privilege", stage="02_firewall")
