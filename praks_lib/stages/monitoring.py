"""Stage 06: the verdict on Container insights (the add-on's target and the pods it reported)."""
from __future__ import annotations

import pandas as pd

from praks_lib.cloud import Clients
from praks_lib.deploy.monitoring import addon_key, workspace_id
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.stages import Verdict


def monitoring_verdict(clients: Clients, dep: Deployment, pods: pd.DataFrame) -> Verdict:
    """PASS when the add-on points at the cluster workspace and the workspace has seen running pods."""
    if not dep.monitoring.enable_container_insights:
        return Verdict("PASS: not in this design — Container insights is off (monitoring.enable_container_insights "
                       "false); its agents would need a path to Azure Monitor.")
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    addon = (cluster.addon_profiles or {}).get(addon_key(cluster.addon_profiles))
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
