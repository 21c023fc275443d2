"""Stage 02: the firewall's public IP (the deployment's only one), the firewall and its rules."""
from __future__ import annotations

import copy

from azure.mgmt.network.models import (
    AzureFirewall,
    AzureFirewallIPConfiguration,
    AzureFirewallSku,
    DhcpOptions,
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

DNS_PROXY_KEY = facts.load("network")["firewall"]["dns_proxy_property"]


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
    rules = dep.rule_set()
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
    """Stage 02: the public IP, the firewall, and the workspace its diagnostic setting logs to
    (nothing when the design has no firewall: firewall.enabled false, a network-isolated cluster)."""
    if not dep.firewall.enabled:
        return []
    # Here, not at the top: 03 and 07 read firewall_private_ip from this module and need none of
    # the monitor SDK's models that deploy.monitoring loads.
    from praks_lib.deploy.monitoring import ensure_firewall_diagnostics, ensure_log_analytics

    changes = [ensure_firewall_public_ip(clients, dep), ensure_firewall(clients, dep)]
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
