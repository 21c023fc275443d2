"""Container insights: what the monitoring add-on's agents (ama-logs) send to the workspace.

Each report is one inventory snapshot: a ``KubePodInventory`` row per container of every pod, a
``KubeNodeInventory`` row per node and a ``ContainerInventory`` row per container. Where it goes
depends on the add-on's auth (:func:`destinations`): with managed identity (``useAADAuth: "true"``)
to the workspaces of the data collection rules associated with the cluster, and nowhere without an
association (as on Azure, where ``az aks enable-addons`` creates the rule and association but a
plain ARM PUT of the cluster does not); with the legacy shared-key auth to
``logAnalyticsWorkspaceResourceID``. Rows carry the real ingestion time (queries select by it); the
Kubernetes timestamps come from the cluster's clock.
"""
from __future__ import annotations

import json

from praks_lib.emulator.providers.insights.data_collection import log_analytics_destinations
from praks_lib.emulator.providers.operationalinsights import pending_logs, workspace_by_reference
from praks_lib.emulator.world.kubernetes import ClusterState
from praks_lib.emulator.world.kubernetes.objects import stable_uid

CONTAINER_STATE = {"Running": "running", "Succeeded": "terminated", "Failed": "terminated", "Pending": "waiting"}
ADDON = "omsagent"
EXTENSION = "ContainerInsights"  # the agent extension a data collection rule configures for ama-logs


def addon_profile(cluster: dict) -> dict:
    """The monitoring add-on's profile; AKS accepts its key in any case (omsagent, omsAgent)."""
    profiles = cluster["properties"].get("addonProfiles") or {}
    return next((profile for key, profile in profiles.items() if key.lower() == ADDON), {})


def destinations(tx, cluster: dict) -> list[str]:
    """The workspace resource ids the add-on's agents send to (empty when the add-on is off)."""
    addon = addon_profile(cluster)
    if not addon.get("enabled"):
        return []
    config = addon.get("config") or {}
    if str(config.get("useAADAuth", "")).lower() == "true":
        return log_analytics_destinations(tx, cluster["id"], EXTENSION)
    workspace = config.get("logAnalyticsWorkspaceResourceID")
    return [workspace] if workspace else []


def report(tx, workspace_resource_id: str, cluster_id: str, state: ClusterState) -> bool:
    """Append one inventory snapshot; False when the workspace does not exist (nothing sent)."""
    workspace = workspace_by_reference(tx, workspace_resource_id)
    if workspace is None:
        return False
    customer_id = workspace["properties"]["customerId"]
    logs = pending_logs(tx)
    logs.append(customer_id, "KubePodInventory", pod_rows(cluster_id, state))
    logs.append(customer_id, "KubeNodeInventory", node_rows(cluster_id, state))
    logs.append(customer_id, "ContainerInventory", container_rows(state))
    return True


def _container_id(pod, container) -> str:
    return stable_uid(pod.uid, container.name).replace("-", "") * 2


def pod_rows(cluster_id: str, state: ClusterState) -> list[dict]:
    rows = []
    for pod in state.pods:
        for container in pod.containers:
            rows.append({
                "Computer": pod.node, "ClusterId": cluster_id, "ClusterName": state.cluster_name,
                "Name": pod.name, "Namespace": pod.namespace, "PodUid": pod.uid,
                "PodLabel": json.dumps([pod.labels]), "PodCreationTimeStamp": pod.created.isoformat(),
                "PodStartTime": pod.created.isoformat(), "PodStatus": pod.phase, "PodIp": pod.ip,
                "ServiceName": "", "ControllerKind": pod.owner_kind or "", "ControllerName": pod.owner_name or "",
                "ContainerID": _container_id(pod, container), "ContainerName": f"{pod.uid}/{container.name}",
                "ContainerStatus": CONTAINER_STATE[pod.phase], "ContainerStatusReason": pod.status_reason or "",
                "ContainerRestartCount": pod.restarts, "ContainerCreationTimeStamp": pod.created.isoformat(),
                "ContainerLastStatus": "", "InstanceName": f"{cluster_id}/{pod.uid}/{container.name}",
            })
    return rows


def node_rows(cluster_id: str, state: ClusterState) -> list[dict]:
    return [{
        "Computer": node.name, "ClusterId": cluster_id, "ClusterName": state.cluster_name, "Status": "Ready",
        "LastTransitionTimeReady": node.created.isoformat(), "Labels": json.dumps([node.labels]),
        "KubeletVersion": node.kubelet_version, "KubeProxyVersion": node.kubelet_version,
        "CreationTimeStamp": node.created.isoformat(),
        "KubernetesProviderID": "azure", "DockerVersion": node.container_runtime, "OperatingSystem": node.os_image,
    } for node in state.nodes]


def container_rows(state: ClusterState) -> list[dict]:
    rows = []
    for pod in state.pods:
        for container in pod.containers:
            repository, _, tag = container.image.rpartition(":") if ":" in container.image.split("/")[-1] \
                else (container.image, "", "latest")
            rows.append({
                "Computer": pod.node, "ContainerID": _container_id(pod, container), "Name": container.name,
                "ContainerHostname": pod.name, "Image": repository.rsplit("/", 1)[-1], "ImageTag": tag,
                "Repository": repository.split("/", 1)[0] if "/" in repository else "",
                "ContainerState": CONTAINER_STATE[pod.phase].capitalize(), "ExitCode": pod.exit_code or 0,
                "CreatedTime": pod.created.isoformat(), "StartedTime": pod.created.isoformat(),
                "Command": json.dumps(container.command + container.args),
            })
    return rows
