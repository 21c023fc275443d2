"""A small hub-spoke cloud for the monitoring and data-plane tests.

rg: hub 10.0.0.0/16 (AzureFirewallSubnet 10.0.1.0/26, firewall 'fw' at 10.0.1.4), spoke
10.2.0.0/16 (aks 10.2.1.0/24 routed 0.0.0.0/0 -> 10.0.1.4; ingress 10.2.2.0/24 with no route
table), peered both ways; workspace 'logs'. Networks go through the SDK; the firewall and the
route table are written straight into the store as Azure stores them, so these tests do not
depend on the firewall and route-table providers.
"""

from __future__ import annotations

from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import Workspace
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.monitor.models import DiagnosticSettingsResource, LogSettings
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network import models as net
from azure.mgmt.resource.resources import ResourceManagementClient

GROUP = "rg"
FIREWALL_IP = "10.0.1.4"
AKS_NODE = "10.2.1.4"
INGRESS_VM = "10.2.2.4"


def group_id(emu) -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{GROUP}"


def firewall_id(emu, name: str = "fw") -> str:
    return f"{group_id(emu)}/providers/Microsoft.Network/azureFirewalls/{name}"


def workspace_resource_id(emu, name: str = "logs") -> str:
    return f"{group_id(emu)}/providers/Microsoft.OperationalInsights/workspaces/{name}"


def classic_rules(dns_proxy: bool = False) -> dict:
    """Firewall properties: HTTP(S) to batman.com and *.ubuntu.com from the spoke, NTP out."""
    return {
        "additionalProperties": {"Network.DNS.EnableProxy": "true"} if dns_proxy else {},
        "threatIntelMode": "Alert",
        "applicationRuleCollections": [{"name": "aks-fqdns", "properties": {
            "priority": 200, "action": {"type": "Allow"},
            "rules": [{"name": "web", "sourceAddresses": ["10.2.0.0/16"],
                       "protocols": [{"protocolType": "Http", "port": 80},
                                     {"protocolType": "Https", "port": 443}],
                       "targetFqdns": ["batman.com", "*.ubuntu.com"]}]}}],
        "networkRuleCollections": [{"name": "time", "properties": {
            "priority": 100, "action": {"type": "Allow"},
            "rules": [{"name": "ntp", "sourceAddresses": ["10.2.0.0/16"], "protocols": ["UDP"],
                       "destinationAddresses": ["*"], "destinationPorts": ["123"]}]}}],
        "natRuleCollections": [],
    }


def put_firewall(emu, properties: dict, name: str = "fw", private_ip: str = FIREWALL_IP) -> str:
    """A firewall as Azure stores it, with its private IP on the hub's AzureFirewallSubnet."""
    fid = firewall_id(emu, name)
    subnet = (f"{group_id(emu)}/providers/Microsoft.Network/virtualNetworks/hub/subnets/"
              "AzureFirewallSubnet")
    body = {"id": fid, "name": name, "type": "Microsoft.Network/azureFirewalls",
            "location": "westeurope",
            "properties": {**properties, "provisioningState": "Succeeded",
                           "sku": {"name": "AZFW_VNet", "tier": "Standard"},
                           "ipConfigurations": [{"id": f"{fid}/azureFirewallIpConfigurations/ip",
                                                 "name": "ip", "properties": {
                                                     "privateIPAddress": private_ip,
                                                     "subnet": {"id": subnet}}}]}}
    with emu.store.transaction() as tx:
        tx.put(fid, body, type=body["type"], scope=group_id(emu))
    return fid


def put_route_table(emu, next_hop_ip: str = FIREWALL_IP, name: str = "aks-egress") -> str:
    table_id = f"{group_id(emu)}/providers/Microsoft.Network/routeTables/{name}"
    route_id = f"{table_id}/routes/default"
    with emu.store.transaction() as tx:
        tx.put(table_id, {"id": table_id, "name": name, "type": "Microsoft.Network/routeTables",
                          "location": "westeurope", "properties": {"provisioningState": "Succeeded"}},
               type="Microsoft.Network/routeTables", scope=group_id(emu))
        tx.put(route_id, {"id": route_id, "name": "default",
                          "type": "Microsoft.Network/routeTables/routes",
                          "properties": {"addressPrefix": "0.0.0.0/0",
                                         "nextHopType": "VirtualAppliance",
                                         "nextHopIpAddress": next_hop_ip,
                                         "provisioningState": "Succeeded"}},
               type="Microsoft.Network/routeTables/routes", scope=group_id(emu), parent=table_id)
    return table_id


def clients(emu):
    transport = emu.transport
    return (ResourceManagementClient(emu.credential, emu.subscription_id, transport=transport()),
            NetworkManagementClient(emu.credential, emu.subscription_id, transport=transport()),
            LogAnalyticsManagementClient(emu.credential, emu.subscription_id, transport=transport()),
            MonitorManagementClient(emu.credential, emu.subscription_id, transport=transport()))


def build_networks(emu, *, route_aks: bool = True) -> None:
    resources, network, _, _ = clients(emu)
    resources.resource_groups.create_or_update(GROUP, {"location": "westeurope"})
    hub = network.virtual_networks.begin_create_or_update(GROUP, "hub", net.VirtualNetwork(
        location="westeurope", address_space=net.AddressSpace(address_prefixes=["10.0.0.0/16"]),
        subnets=[net.Subnet(name="AzureFirewallSubnet", address_prefix="10.0.1.0/26")])).result()
    table = net.RouteTable(id=put_route_table(emu)) if route_aks else None
    spoke = network.virtual_networks.begin_create_or_update(GROUP, "spoke", net.VirtualNetwork(
        location="westeurope", address_space=net.AddressSpace(address_prefixes=["10.2.0.0/16"]),
        subnets=[net.Subnet(name="aks", address_prefix="10.2.1.0/24", route_table=table),
                 net.Subnet(name="ingress", address_prefix="10.2.2.0/24")])).result()
    for local, remote in ((hub, spoke), (spoke, hub)):
        network.virtual_network_peerings.begin_create_or_update(
            GROUP, local.name, f"{local.name}-to-{remote.name}", net.VirtualNetworkPeering(
                remote_virtual_network=net.SubResource(id=remote.id),
                allow_forwarded_traffic=True)).result()


def create_workspace(emu, name: str = "logs"):
    _, _, loganalytics, _ = clients(emu)
    return loganalytics.workspaces.begin_create_or_update(
        GROUP, name, Workspace(location="westeurope")).result()


def diagnose(emu, workspace, *, destination_type: str | None = "Dedicated",
             logs: list[LogSettings] | None = None, name: str = "fw-logs", target: str | None = None):
    _, _, _, monitor = clients(emu)
    setting = DiagnosticSettingsResource(
        workspace_id=workspace.id, log_analytics_destination_type=destination_type,
        logs=logs or [LogSettings(category_group="allLogs", enabled=True)])
    return monitor.diagnostic_settings.create_or_update(target or firewall_id(emu), name, setting)


def build_world(emu, *, destination_type: str | None = "Dedicated", dns_proxy: bool = False):
    """The whole cloud above, with diagnostic settings on the firewall; returns the workspace."""
    build_networks(emu)
    put_firewall(emu, classic_rules(dns_proxy))
    workspace = create_workspace(emu)
    diagnose(emu, workspace, destination_type=destination_type)
    return workspace
