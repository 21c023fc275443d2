"""Building a cluster's state and placing pods on it: nodes, addresses, system pods, services.

Addresses follow Azure CNI: each node takes its primary IP from the AKS subnet (Azure keeps the
first four addresses), then classic Azure CNI reserves the next ``MAX_PODS`` addresses on the node's
NIC for its pods; overlay gives each node a /24 of the pod CIDR instead. The provider passes the node
addresses it reserved in the subnet (``node_ips``); without them nodes take the subnet's first blocks.
"""
from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime, timedelta
from typing import Iterable

from praks_lib.emulator.world.kubernetes.objects import (
    ClusterState,
    ConfigMap,
    Container,
    Deployment,
    Namespace,
    Node,
    Pod,
    Service,
    ServicePort,
    stable_suffix,
    stable_uid,
)
from praks_lib.emulator.world.kubernetes.workload import SystemWorkload, addon_workload, system_workload

MAX_PODS = 30  # classic Azure CNI default: 30 pod addresses per node, 31 subnet addresses with the node's
AZURE_RESERVED = 4  # Azure keeps .0-.3 of every subnet
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
NODES_READY_AFTER = timedelta(seconds=25)  # system Deployments exist before the nodes register
METRICS_SERVER_HOST = 50  # the walkthrough's metrics-server ClusterIP was 10.2.0.50

# Node OS facts (representative current AKS node images), by OS SKU and whether k8s >= 1.34.
_NODE_OS = {
    ("Ubuntu", False): ("Ubuntu 22.04.5 LTS", "5.15.0-1092-azure", "containerd://1.7.28-1"),
    ("Ubuntu", True): ("Ubuntu 24.04.3 LTS", "6.8.0-1041-azure", "containerd://2.1.4-1"),
    ("AzureLinux", False): ("Microsoft Azure Linux 3.0", "6.6.104.2-4.azl3", "containerd://2.0.0"),
    ("AzureLinux", True): ("Microsoft Azure Linux 3.0", "6.6.104.2-4.azl3", "containerd://2.0.0"),
}


def _full_version(version: str) -> str:
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"kubernetes_version '{version}' must be a full patch version such as 1.33.2 "
                         "(the cluster's currentKubernetesVersion)")
    return version


def vmss_instance(index: int) -> str:
    """VMSS computer-name suffix: six base-36 digits (vmss000000, …, vmss00000a)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(6):
        index, rest = divmod(index, 36)
        out = digits[rest] + out
    return out


def new_cluster(*, cluster_id: str, cluster_name: str, kubernetes_version: str, node_subnet: str,
                service_cidr: str, dns_service_ip: str, api_server_fqdn: str, created: datetime,
                network_plugin: str = "azure", network_plugin_mode: str | None = None,
                pod_cidr: str | None = None, node_pool: str = "nodepool1", node_count: int = 3,
                vm_size: str = "Standard_D2s_v5", os_sku: str = "Ubuntu", location: str = "westeurope",
                node_resource_group: str = "", addons: Iterable[str] = (),
                node_ips: list[str] | None = None) -> ClusterState:
    """A freshly provisioned cluster: nodes Ready, system pods Running, the default services.

    ``cluster_id`` (the ARM resource id) seeds every generated name and uid, so the same cluster
    always gets the same pods; ``created`` is when provisioning finished (the provider's clock).
    ``node_ips``: each node's primary address, as the provider reserved them in ``node_subnet``
    (classic Azure CNI: the node's pods take the ``MAX_PODS`` addresses after it); default: the
    subnet's first free blocks.
    """
    version = _full_version(kubernetes_version)
    if network_plugin_mode == "overlay" and not pod_cidr:
        raise ValueError("an overlay cluster needs pod_cidr (e.g. 10.244.0.0/16)")
    subnet = ipaddress.IPv4Network(node_subnet)
    needed = node_count * (1 if network_plugin_mode == "overlay" else 1 + MAX_PODS)
    if subnet.num_addresses - AZURE_RESERVED - 1 < needed:
        raise ValueError(f"the AKS subnet {node_subnet} cannot hold {node_count} nodes: Azure CNI needs "
                         f"{needed} addresses; use a larger subnet or network_plugin_mode overlay")
    state = ClusterState(
        cluster_name=cluster_name, kubernetes_version=version, network_plugin=network_plugin,
        network_plugin_mode=network_plugin_mode, api_server_fqdn=api_server_fqdn, service_cidr=service_cidr,
        dns_service_ip=dns_service_ip, pod_cidr=pod_cidr, created=created)
    for name in SYSTEM_NAMESPACES:
        add_namespace(state, name, created, seed=cluster_id)
    step = 1 if network_plugin_mode == "overlay" else 1 + MAX_PODS
    addresses = node_ips or [str(subnet.network_address + AZURE_RESERVED + i * step) for i in range(node_count)]
    if len(addresses) != node_count or not all(ipaddress.IPv4Address(a) in subnet for a in addresses):
        raise ValueError(f"node_ips {addresses} must hold one address of {node_subnet} per node ({node_count})")
    _add_nodes(state, cluster_id, node_pool, vm_size, os_sku, location, node_resource_group, addresses)
    for workload in system_workload(network_plugin, network_plugin_mode, version, node_count, addons):
        _add_system_pods(state, cluster_id, workload)
    _add_system_services(state, cluster_id)
    return state


def add_namespace(state: ClusterState, name: str, now: datetime, seed: str = "") -> Namespace:
    namespace = Namespace(name=name, uid=stable_uid(seed or state.api_server_fqdn, "namespace", name), created=now)
    state.namespaces.append(namespace)
    # Every namespace gets the cluster CA bundle (the root CA publisher controller).
    state.config_maps.append(ConfigMap(namespace=name, name="kube-root-ca.crt",
                                       uid=stable_uid(namespace.uid, "kube-root-ca.crt"), created=now,
                                       data={"ca.crt": "-----BEGIN CERTIFICATE-----\n(cluster CA)\n"
                                                       "-----END CERTIFICATE-----\n"}))
    state.next_serial()
    return namespace


def _add_nodes(state, cluster_id, pool, vm_size, os_sku, location, node_resource_group, addresses):
    number = int(hashlib.sha256(f"{cluster_id}|{pool}".encode()).hexdigest(), 16) % 90_000_000 + 10_000_000
    os_image, kernel, runtime = _NODE_OS[(os_sku, tuple(map(int, state.kubernetes_version.split(".")[:2])) >= (1, 34))]
    overlay_blocks = (ipaddress.IPv4Network(state.pod_cidr).subnets(new_prefix=24) if state.overlay else None)
    for index, address in enumerate(addresses):
        name = f"aks-{pool}-{number}-vmss{vmss_instance(index)}"
        state.nodes.append(Node(
            name=name, uid=stable_uid(cluster_id, "node", name), internal_ip=address,
            created=state.created + NODES_READY_AFTER, kubelet_version=f"v{state.kubernetes_version}",
            os_image=os_image, kernel_version=kernel, container_runtime=runtime,
            pod_cidr=str(next(overlay_blocks)) if overlay_blocks else None,
            labels={
                "agentpool": pool, "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                "kubernetes.azure.com/agentpool": pool, "kubernetes.azure.com/cluster": node_resource_group,
                "kubernetes.azure.com/mode": "system", "kubernetes.azure.com/role": "agent",
                "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                "node-role.kubernetes.io/agent": "", "node.kubernetes.io/instance-type": vm_size,
                "topology.kubernetes.io/region": location, "topology.kubernetes.io/zone": "0",
            }))


def _node_pod_addresses(state: ClusterState, node: Node) -> Iterable[str]:
    if state.overlay:
        block = ipaddress.IPv4Network(node.pod_cidr)
        return (str(block.network_address + i) for i in range(4, block.num_addresses - 1))
    first = ipaddress.IPv4Address(node.internal_ip)
    return (str(first + i) for i in range(1, MAX_PODS + 1))


def place_pod(state: ClusterState, *, namespace: str, name: str, containers: list[Container], now: datetime,
              labels: dict[str, str] | None = None, host_network: bool = False, node: Node | None = None,
              owner: tuple[str, str] | None = None, restart_policy: str = "Always", seed: str = "") -> Pod:
    """Schedule a pod (on ``node``, else the node with fewest pod addresses in use) and give it an IP."""
    if node is None:
        load = {n.name: 0 for n in state.nodes}
        for pod in state.pods:
            if not pod.host_network and pod.node in load:
                load[pod.node] += 1
        node = min(state.nodes, key=lambda n: (load[n.name], state.nodes.index(n)))
    if host_network:
        ip = node.internal_ip
    else:
        used = state.used_ips()
        ip = next((a for a in _node_pod_addresses(state, node) if a not in used), None)
        if ip is None:
            raise RuntimeError(f"node {node.name} has no free pod address (max pods {MAX_PODS})")
    serial = state.next_serial()
    pod = Pod(namespace=namespace, name=name, uid=stable_uid(seed or state.api_server_fqdn, "pod", namespace, name,
                                                             str(serial)),
              node=node.name, ip=ip, host_ip=node.internal_ip, created=now, containers=containers,
              labels=dict(labels or {}), host_network=host_network, restart_policy=restart_policy,
              owner_kind=owner[0] if owner else None, owner_name=owner[1] if owner else None)
    state.pods.append(pod)
    return pod


def template_hash(seed: str) -> str:
    """A ReplicaSet's pod-template-hash (9-10 characters of the generated-name alphabet)."""
    return stable_suffix(f"template|{seed}", 10 if hashlib.sha256(seed.encode()).digest()[0] % 2 else 9)


def enable_addon(state: ClusterState, addon: str, cluster_id: str) -> None:
    """Run an AKS add-on's kube-system workloads (e.g. "omsagent": ama-logs) on an existing cluster;
    nothing changes for workloads already running."""
    running = {_workload_of(p) for p in state.pods if p.namespace == "kube-system"}
    for workload in addon_workload(addon, len(state.nodes)):
        if workload.name not in running:
            _add_system_pods(state, cluster_id, workload)


def disable_addon(state: ClusterState, addon: str) -> None:
    """Stop an AKS add-on's kube-system workloads (their pods go away)."""
    names = {w.name for w in addon_workload(addon, len(state.nodes))}
    kept = [p for p in state.pods if not (p.namespace == "kube-system" and _workload_of(p) in names)]
    if len(kept) != len(state.pods):
        state.pods = kept
        state.next_serial()


def _workload_of(pod: Pod) -> str | None:
    """The system workload a kube-system pod belongs to (DaemonSet name, or its ReplicaSet's Deployment)."""
    if pod.owner_kind == "ReplicaSet" and pod.owner_name:
        return pod.owner_name.rsplit("-", 1)[0]
    return pod.owner_name


def _add_system_pods(state: ClusterState, cluster_id: str, workload: SystemWorkload) -> None:
    containers = [Container(name=n, image=i) for n, i in workload.containers]
    if workload.kind == "DaemonSet":
        revision = stable_suffix(f"{cluster_id}|{workload.name}|revision", 10)
        for node in state.nodes:
            name = f"{workload.name}-{stable_suffix(f'{cluster_id}|{workload.name}|{node.name}')}"
            place_pod(state, namespace="kube-system", name=name, containers=containers, now=node.created,
                      labels={**workload.labels, "controller-revision-hash": revision},
                      host_network=workload.host_network, node=node, owner=("DaemonSet", workload.name),
                      seed=cluster_id)
        return
    rs_hash = template_hash(f"{cluster_id}|{workload.name}")
    offset = int(hashlib.sha256(f"{cluster_id}|{workload.name}".encode()).hexdigest(), 16)
    for replica in range(workload.count):
        node = state.nodes[(offset + replica) % len(state.nodes)]
        name = f"{workload.name}-{rs_hash}-{stable_suffix(f'{cluster_id}|{workload.name}|{replica}')}"
        place_pod(state, namespace="kube-system", name=name, containers=containers, now=state.created,
                  labels={**workload.labels, "pod-template-hash": rs_hash}, node=node,
                  owner=("ReplicaSet", f"{workload.name}-{rs_hash}"), seed=cluster_id)


def _add_system_services(state: ClusterState, cluster_id: str) -> None:
    network = ipaddress.IPv4Network(state.service_cidr)
    metrics_ip = str(network.network_address + METRICS_SERVER_HOST)
    if metrics_ip == state.dns_service_ip or METRICS_SERVER_HOST >= network.num_addresses - 1:
        metrics_ip = None
    specs = [
        ("default", "kubernetes", str(network.network_address + 1), [ServicePort(name="https", port=443,
                                                                                 target_port=443)],
         {}, {"component": "apiserver", "provider": "kubernetes"}),
        ("kube-system", "kube-dns", state.dns_service_ip,
         [ServicePort(name="dns", port=53, protocol="UDP", target_port=53),
          ServicePort(name="dns-tcp", port=53, protocol="TCP", target_port=53)],
         {"k8s-app": "kube-dns"}, {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                   "kubernetes.io/name": "CoreDNS"}),
        ("kube-system", "metrics-server", metrics_ip, [ServicePort(port=443, target_port="https")],
         {"k8s-app": "metrics-server"}, {"k8s-app": "metrics-server", "kubernetes.io/cluster-service": "true",
                                         "kubernetes.io/name": "Metrics-server"}),
    ]
    for namespace, name, ip, ports, selector, labels in specs:
        state.services.append(Service(namespace=namespace, name=name, uid=stable_uid(cluster_id, "svc", name),
                                      created=state.created, cluster_ip=ip or state.new_service_ip(name),
                                      ports=ports, selector=selector, labels=labels))
        state.next_serial()


def deployment_pods(state: ClusterState, deployment: Deployment) -> list[Pod]:
    return [p for p in state.pods if p.namespace == deployment.namespace and p.owner_kind == "ReplicaSet"
            and p.owner_name == f"{deployment.name}-{deployment.template_hash}"]


def scale_deployment(state: ClusterState, deployment: Deployment, now: datetime) -> None:
    """Make the Deployment's ReplicaSet hold exactly ``replicas`` pods of its current template."""
    owner = f"{deployment.name}-{deployment.template_hash}"
    state.pods = [p for p in state.pods if not (p.namespace == deployment.namespace and p.owner_kind == "ReplicaSet"
                                                and p.owner_name and p.owner_name.startswith(deployment.name + "-")
                                                and p.owner_name != owner)]
    current = deployment_pods(state, deployment)
    for pod in current[deployment.replicas:]:
        state.pods.remove(pod)
    spec = deployment.template.get("spec") or {}
    for _ in range(deployment.replicas - len(current)):
        name = f"{owner}-{stable_suffix(f'{deployment.uid}|{state.serial}')}"
        place_pod(state, namespace=deployment.namespace, name=name, containers=containers_from(spec), now=now,
                  labels={**((deployment.template.get("metadata") or {}).get("labels") or {}),
                          "pod-template-hash": deployment.template_hash},
                  owner=("ReplicaSet", owner), host_network=bool(spec.get("hostNetwork")), seed=deployment.uid)


def containers_from(spec: dict) -> list[Container]:
    return [Container(name=c["name"], image=c.get("image", ""), command=[str(a) for a in c.get("command") or []],
                      args=[str(a) for a in c.get("args") or []], ports=list(c.get("ports") or []))
            for c in spec.get("containers") or []]


def replace_owned_pod(state: ClusterState, pod: Pod, now: datetime) -> Pod | None:
    """What the ReplicaSet or DaemonSet controller does after one of its pods is deleted."""
    if pod.owner_kind == "DaemonSet":
        node = state.node(pod.node)
        seed = f"{pod.owner_name}|{pod.node}|{state.serial}"
        return place_pod(state, namespace=pod.namespace, name=f"{pod.owner_name}-{stable_suffix(seed)}",
                         containers=pod.containers, now=now, labels=pod.labels, host_network=pod.host_network,
                         node=node, owner=(pod.owner_kind, pod.owner_name), seed=pod.uid)
    if pod.owner_kind == "ReplicaSet":
        seed = f"{pod.owner_name}|{state.serial}"
        return place_pod(state, namespace=pod.namespace, name=f"{pod.owner_name}-{stable_suffix(seed)}",
                         containers=pod.containers, now=now, labels=pod.labels, host_network=pod.host_network,
                         owner=(pod.owner_kind, pod.owner_name), seed=pod.uid)
    return None
