"""The kube-system workloads an AKS cluster runs, by network plugin, version and add-ons.

Two sources, marked per entry in ``origin``:
- "walkthrough-2020": seen in the 2020 walkthrough's ``kubectl get pods,svc -A`` (Azure CNI):
  azure-cni-networkmonitor, azure-ip-masq-agent, coredns, coredns-autoscaler, kube-proxy.
- "current": what a current AKS cluster adds (Azure CLI test recording of `az aks command invoke
  "kubectl get pods -A"` and AKS documentation): cloud-node-manager, the CSI node drivers,
  konnectivity-agent (replaced tunnelfront/aks-link), metrics-server, azure-cns for Azure CNI, and
  ama-logs / ama-logs-rs for the monitoring add-on.
Image tags are representative of current AKS releases, not pinned to a specific node image.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

WALKTHROUGH = "walkthrough-2020"
CURRENT = "current"
MCR = "mcr.microsoft.com"


@dataclass(frozen=True)
class SystemWorkload:
    name: str
    kind: Literal["Deployment", "DaemonSet"]
    count: int  # replicas; for a DaemonSet, one pod per node
    containers: tuple[tuple[str, str], ...]  # (container name, image)
    host_network: bool
    origin: str  # WALKTHROUGH | CURRENT
    app_label: str = ""  # the `k8s-app` label value; the name when empty

    @property
    def labels(self) -> dict[str, str]:
        return {"k8s-app": self.app_label or self.name}


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def network_emulated(network_plugin: str, plugin_mode: str | None) -> bool:
    """Whether the emulated Kubernetes side covers this network: Azure CNI, flat or overlay."""
    return network_plugin == "azure" and plugin_mode in (None, "overlay")


def system_workload(network_plugin: str, plugin_mode: str | None, k8s_version: str, node_count: int,
                    addons: Iterable[str] = ()) -> list[SystemWorkload]:
    """The kube-system Deployments and DaemonSets for this cluster, in a stable order.

    ``addons`` holds AKS add-on names as in the managed cluster's addonProfiles; "omsagent"
    (monitoring) adds ama-logs and ama-logs-rs.
    """
    if network_plugin != "azure":
        raise ValueError(f"network plugin '{network_plugin}' is not emulated; AKS clusters here use 'azure'")
    if plugin_mode not in (None, "overlay"):
        raise ValueError(f"network plugin mode '{plugin_mode}' is not emulated; use overlay or none")
    if node_count < 1:
        raise ValueError("a cluster needs at least one node")
    v, minor = f"v{k8s_version}", _minor(k8s_version)
    per_node = node_count

    def ds(name, containers, origin, host_network=True, app=""):
        return SystemWorkload(name, "DaemonSet", per_node, containers, host_network, origin, app)

    def deploy(name, replicas, containers, origin, app=""):
        return SystemWorkload(name, "Deployment", replicas, containers, False, origin, app)

    workloads = [
        ds("azure-cns", (("cns-container", f"{MCR}/containernetworking/azure-cns:v1.6.27"),), CURRENT),
    ]
    if plugin_mode is None:  # classic Azure CNI, like the walkthrough
        workloads.append(ds("azure-cni-networkmonitor",
                            (("azure-cnms", f"{MCR}/containernetworking/networkmonitor:v1.1.8"),), WALKTHROUGH))
    workloads += [
        ds("azure-ip-masq-agent", (("azure-ip-masq-agent", f"{MCR}/aks/ip-masq-agent-v2:v0.1.15"),), WALKTHROUGH),
        ds("cloud-node-manager",
           (("cloud-node-manager", f"{MCR}/oss/kubernetes/azure-cloud-node-manager:v{minor}.1"),), CURRENT),
        deploy("coredns", 2, (("coredns", f"{MCR}/oss/v2/kubernetes/coredns:v1.12.1-2"),), WALKTHROUGH,
               app="kube-dns"),
        deploy("coredns-autoscaler", 1, (("autoscaler",
               f"{MCR}/oss/v2/kubernetes/autoscaler/cluster-proportional-autoscaler:v1.9.0-1"),), WALKTHROUGH),
        ds("csi-azuredisk-node", (("liveness-probe", f"{MCR}/oss/v2/kubernetes-csi/livenessprobe:v2.15.0"),
                                  ("node-driver-registrar",
                                   f"{MCR}/oss/v2/kubernetes-csi/csi-node-driver-registrar:v2.13.0"),
                                  ("azuredisk", f"{MCR}/oss/v2/kubernetes-csi/azuredisk-csi:v1.33.4")), CURRENT),
        ds("csi-azurefile-node", (("liveness-probe", f"{MCR}/oss/v2/kubernetes-csi/livenessprobe:v2.15.0"),
                                  ("node-driver-registrar",
                                   f"{MCR}/oss/v2/kubernetes-csi/csi-node-driver-registrar:v2.13.0"),
                                  ("azurefile", f"{MCR}/oss/v2/kubernetes-csi/azurefile-csi:v1.33.3")), CURRENT),
        deploy("konnectivity-agent", 2, (("konnectivity-agent",
               f"{MCR}/oss/v2/kubernetes/apiserver-network-proxy/agent:v0.31.4"),), CURRENT),
        ds("kube-proxy", (("kube-proxy", f"{MCR}/oss/kubernetes/kube-proxy:{v}"),), WALKTHROUGH),
        deploy("metrics-server", 2, (("metrics-server", f"{MCR}/oss/v2/kubernetes/metrics-server:v0.7.2-5"),
                                     ("metrics-server-vpa", f"{MCR}/oss/v2/kubernetes/autoscaler/addon-resizer:v1.8.23-2")),
               CURRENT),
    ]
    workloads += {w.name: w for addon in addons for w in addon_workload(addon, node_count)}.values()
    return sorted(workloads, key=lambda w: w.name)


def addon_workload(addon: str, node_count: int) -> list[SystemWorkload]:
    """The kube-system workloads one AKS add-on runs (none for an add-on without pods here).

    "omsagent" (monitoring, Container insights) runs the ama-logs DaemonSet and ama-logs-rs.
    """
    if addon.lower() not in ("omsagent", "monitoring"):
        return []
    image = f"{MCR}/azuremonitor/containerinsights/ciprod:3.1.27"
    return [
        SystemWorkload("ama-logs", "DaemonSet", node_count, (("ama-logs", image), ("ama-logs-prometheus", image)),
                       False, CURRENT, "ama-logs-agent"),
        SystemWorkload("ama-logs-rs", "Deployment", 1, (("ama-logs", image),), False, CURRENT, "ama-logs-agent-rs"),
    ]
