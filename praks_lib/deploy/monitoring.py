"""Log Analytics workspaces and the firewall's diagnostic settings (stage 02), Container insights (06)."""
from __future__ import annotations

import copy

from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku
from azure.mgmt.monitor.models import DiagnosticSettingsResource, LogSettings

from praks_lib.cloud import Clients
from praks_lib.deploy.changes import Change, converge
from praks_lib.arm_ids import resource_id
from praks_lib.params import Deployment, Workspace as PlannedWorkspace

DIAGNOSTIC_SETTING = "praks-firewall-logs"


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


def ensure_monitoring_addon(clients: Clients, dep: Deployment) -> list[Change]:
    """Container insights: the cluster's monitoring add-on sending to the cluster workspace."""
    from azure.mgmt.containerservice.models import ManagedClusterAddonProfile

    from praks_lib.deploy.changes import require, wait_for

    planned = dep.monitoring.cluster_workspace
    changes = [ensure_log_analytics(clients, dep, planned)]
    clusters, group, name = clients.containerservice.managed_clusters, dep.resource_groups.kube, dep.aks.name
    require(lambda: clusters.get(group, name), f"cluster {name}", "04_private_aks")
    enabled = dep.monitoring.enable_container_insights

    def desired(current):
        cluster = copy.deepcopy(current)
        addons = dict(cluster.addon_profiles or {})
        # Changed in place: Azure adds the add-on's own identity to the profile, which must stay.
        addon = addons.get("omsagent") or ManagedClusterAddonProfile(enabled=enabled)
        addon.enabled = enabled
        if enabled:
            addon.config = {**(addon.config or {}), "logAnalyticsWorkspaceResourceID": workspace_id(clients, planned),
                            "useAADAuth": "true"}
        addons["omsagent"] = addon
        cluster.addon_profiles = addons
        return cluster

    changes.append(converge("monitoring add-on", f"{name}/omsagent", lambda: clusters.get(group, name), desired,
                            lambda model: wait_for(clusters.begin_create_or_update(group, name, model),
                                                   f"cluster {name}")))
    return changes


def cluster_workspace_customer_id(clients: Clients, dep: Deployment) -> str:
    planned = dep.monitoring.cluster_workspace
    return clients.loganalytics.workspaces.get(planned.group, planned.name).customer_id


def monitoring_verdict(clients: Clients, dep: Deployment, pods):
    """PASS when the add-on points at the cluster workspace and the workspace has seen running pods."""
    from praks_lib.stage import StageError, Verdict

    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    addon = (cluster.addon_profiles or {}).get("omsagent")
    expected = workspace_id(clients, dep.monitoring.cluster_workspace).lower()
    configured = ((addon.config or {}).get("logAnalyticsWorkspaceResourceID", "") if addon else "").lower()
    if not (addon and addon.enabled and configured == expected):
        raise StageError("FAIL: the monitoring add-on is not sending to the cluster workspace. Re-run 06_monitoring "
                         "(monitoring.enable_container_insights).")
    running = int((pods["PodStatus"] == "Running").sum()) if len(pods) else 0
    if running == 0:
        raise StageError("FAIL: the workspace has no KubePodInventory rows yet; on Azure they arrive within "
                         "minutes of enabling the add-on — re-run this notebook's last cells.")
    return Verdict(f"PASS: Container insights sends to {dep.monitoring.cluster_workspace.name}; "
                   f"{running} kube-system pods reported Running.")
