"""Log Analytics workspaces and the firewall's diagnostic settings (stage 02), Container insights (06)."""
from __future__ import annotations

import copy

from azure.mgmt.containerservice.models import ManagedClusterAddonProfile
from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku
from azure.mgmt.monitor.models import (
    DataCollectionRuleAssociationProxyOnlyResource,
    DataCollectionRuleDataSources,
    DataCollectionRuleDestinations,
    DataCollectionRuleResource,
    DataFlow,
    DiagnosticSettingsResource,
    ExtensionDataSource,
    LogAnalyticsDestination,
    LogSettings,
)

from praks_lib.azure.ids import resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, require, wait_for
from praks_lib.deployment import Deployment
from praks_lib.deployment import Workspace as PlannedWorkspace

DIAGNOSTIC_SETTING = "praks-firewall-logs"
MONITORING_ADDON = "omsagent"
# Container insights with managed-identity auth, named as az names them: the rule's data source and
# its association with the cluster are both "ContainerInsightsExtension".
CONTAINER_INSIGHTS_EXTENSION = "ContainerInsightsExtension"
CONTAINER_INSIGHTS_STREAM = "Microsoft-ContainerInsights-Group-Default"
CONTAINER_INSIGHTS_DESTINATION = "ciworkspace"


def workspace_id(clients: Clients, planned: PlannedWorkspace) -> str:
    return resource_id(clients.subscription_id, planned.group, "Microsoft.OperationalInsights/workspaces", planned.name)


def ensure_log_analytics(clients: Clients, dep: Deployment, planned: PlannedWorkspace) -> Change:
    workspaces = clients.loganalytics.workspaces

    def desired(current):
        workspace = copy.deepcopy(current) if current else Workspace(location=dep.location)
        workspace.tags = {**(workspace.tags or {}), **dep.tags}
        workspace.sku = WorkspaceSku(name="PerGB2018")
        workspace.retention_in_days = dep.monitoring.retention_days
        return workspace

    return converge("log analytics workspace", planned.name, lambda: workspaces.get(planned.group, planned.name),
                    desired, lambda model: workspaces.begin_create_or_update(planned.group, planned.name, model).result())


def ensure_firewall_diagnostics(clients: Clients, dep: Deployment) -> Change:
    """Send every firewall log category to the firewall workspace.

    Dedicated → the resource-specific AZFW* tables (structured columns, cheaper queries);
    AzureDiagnostics → the legacy shared table with the log line in msg_s.
    """
    firewall_id = resource_id(clients.subscription_id, dep.resource_groups.network,
                              "Microsoft.Network/azureFirewalls", dep.firewall.name)
    settings = clients.monitor.diagnostic_settings
    destination = dep.monitoring.destination_type

    def desired(current):
        setting = copy.deepcopy(current) if current else DiagnosticSettingsResource()
        setting.workspace_id = workspace_id(clients, dep.monitoring.firewall_workspace)
        setting.log_analytics_destination_type = "Dedicated" if destination == "Dedicated" else None
        setting.logs = [LogSettings(category_group="allLogs", enabled=True)]
        return setting

    return converge("diagnostic setting", DIAGNOSTIC_SETTING,
                    lambda: settings.get(firewall_id, DIAGNOSTIC_SETTING), desired,
                    lambda model: settings.create_or_update(firewall_id, DIAGNOSTIC_SETTING, model))


def addon_key(profiles: dict | None) -> str:
    """The monitoring add-on's key as the cluster spells it (AKS accepts omsagent and omsAgent)."""
    return next((key for key in profiles or {} if key.lower() == MONITORING_ADDON), MONITORING_ADDON)


def ensure_monitoring_addon(clients: Clients, dep: Deployment) -> list[Change]:
    """Container insights: the cluster's monitoring add-on sending to the cluster workspace.

    The add-on authenticates with its managed identity (useAADAuth), so its agents send only what
    a data collection rule associated with the cluster tells them to: the rule and the association
    follow the add-on (as ``az aks enable-addons --addons monitoring`` creates them).
    """
    planned = dep.monitoring.cluster_workspace
    changes = [ensure_log_analytics(clients, dep, planned)]
    clusters, group, name = clients.containerservice.managed_clusters, dep.resource_groups.kube, dep.aks.name
    require(lambda: clusters.get(group, name), f"cluster {name}", "04_private_aks")
    enabled = dep.monitoring.enable_container_insights

    def desired(current):
        cluster = copy.deepcopy(current)
        addons = dict(cluster.addon_profiles or {})
        key = addon_key(addons)
        # Changed in place: Azure adds the add-on's own identity to the profile, which must stay.
        addon = addons.get(key) or ManagedClusterAddonProfile(enabled=enabled)
        addon.enabled = enabled
        if enabled:
            addon.config = {**(addon.config or {}), "logAnalyticsWorkspaceResourceID": workspace_id(clients, planned),
                            "useAADAuth": "true"}
        addons[key] = addon
        cluster.addon_profiles = addons
        return cluster

    changes.append(converge("monitoring add-on", f"{name}/{MONITORING_ADDON}", lambda: clusters.get(group, name),
                            desired, lambda model: wait_for(clusters.begin_create_or_update(group, name, model),
                                                            f"cluster {name}")))
    if enabled:
        changes += ensure_container_insights_dcr(clients, dep)
    return changes


def container_insights_rule_name(workspace_region: str, cluster: str) -> str:
    """``MSCI-<workspace region>-<cluster>``, as az names it: at most 64 characters, no trailing '-'."""
    return f"MSCI-{workspace_region.replace(' ', '').lower()}-{cluster}"[:64].removesuffix("-")


def ensure_container_insights_dcr(clients: Clients, dep: Deployment) -> list[Change]:
    """The data collection rule that sends the Container insights streams to the cluster workspace,
    and its association with the cluster: without them a managed-identity add-on sends nothing.

    Like az: the rule lives in the cluster's resource group and the workspace's region; it carries
    the deployment's tags, so teardown finds it (the association goes with the cluster).
    """
    planned = dep.monitoring.cluster_workspace
    workspace = clients.loganalytics.workspaces.get(planned.group, planned.name)
    group, cluster_name = dep.resource_groups.kube, dep.aks.name
    rule_name = container_insights_rule_name(workspace.location, cluster_name)
    rules = clients.monitor.data_collection_rules

    def desired_rule(current):
        rule = copy.deepcopy(current) if current else DataCollectionRuleResource(location=workspace.location)
        rule.kind = "Linux"
        rule.tags = {**(rule.tags or {}), **dep.tags}
        rule.data_sources = DataCollectionRuleDataSources(extensions=[ExtensionDataSource(
            name=CONTAINER_INSIGHTS_EXTENSION, extension_name="ContainerInsights", streams=[CONTAINER_INSIGHTS_STREAM],
            extension_settings={"dataCollectionSettings": {"interval": "1m", "namespaceFilteringMode": "Off",
                                                           "enableContainerLogV2": True}})])
        rule.destinations = DataCollectionRuleDestinations(log_analytics=[LogAnalyticsDestination(
            workspace_resource_id=workspace.id, name=CONTAINER_INSIGHTS_DESTINATION)])
        rule.data_flows = [DataFlow(streams=[CONTAINER_INSIGHTS_STREAM], destinations=[CONTAINER_INSIGHTS_DESTINATION])]
        return rule

    changes = [converge("data collection rule", rule_name, lambda: rules.get(group, rule_name), desired_rule,
                        lambda model: rules.create(group, rule_name, model))]
    rule_id = resource_id(clients.subscription_id, group, "Microsoft.Insights/dataCollectionRules", rule_name)
    cluster_id = resource_id(clients.subscription_id, group, "Microsoft.ContainerService/managedClusters", cluster_name)
    associations = clients.monitor.data_collection_rule_associations

    def desired_association(current):
        association = copy.deepcopy(current) if current else DataCollectionRuleAssociationProxyOnlyResource(
            description="associates dataCollectionRule to the AKS")
        association.data_collection_rule_id = rule_id
        return association

    changes.append(converge("data collection rule association", f"{cluster_name}/{CONTAINER_INSIGHTS_EXTENSION}",
                            lambda: associations.get(cluster_id, CONTAINER_INSIGHTS_EXTENSION), desired_association,
                            lambda model: associations.create(cluster_id, CONTAINER_INSIGHTS_EXTENSION, model)))
    return changes


def cluster_workspace_customer_id(clients: Clients, dep: Deployment) -> str:
    planned = dep.monitoring.cluster_workspace
    return clients.loganalytics.workspaces.get(planned.group, planned.name).customer_id
