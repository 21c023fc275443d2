"""kubectl's output formats: tables (tabwriter layout), ages, and API objects for -o json|yaml|name."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import yaml

from praks_lib.emulator.world.kubernetes.objects import (
    ClusterState,
    ConfigMap,
    Deployment,
    Namespace,
    Node,
    Pod,
    Service,
)

# kubectl's tabwriter: minwidth 6, padding 3, blanks; the last column is not padded.
_MIN_WIDTH, _PADDING = 6, 3


def human_age(age: timedelta) -> str:
    """kubectl's AGE column (apimachinery duration.HumanDuration)."""
    seconds = int(age.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_MIN_WIDTH, max(len(r[i]) for r in [header, *rows]) + _PADDING) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        lines.append("".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[-1])
    return "\n".join(lines) + "\n"


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# table rows ---------------------------------------------------------------------------------

def pod_status(pod: Pod) -> str:
    if pod.status_reason:
        return pod.status_reason
    if pod.phase == "Succeeded":
        return "Completed"
    if pod.phase == "Failed":
        return "Error"
    return pod.phase


def pod_ready(pod: Pod) -> str:
    ready = len(pod.containers) if pod.phase == "Running" and not pod.status_reason else 0
    return f"{ready}/{len(pod.containers)}"


def pod_columns(pod: Pod, now: datetime, wide: bool) -> list[str]:
    row = [pod_ready(pod), pod_status(pod), str(pod.restarts), human_age(now - pod.created)]
    if wide:
        row += [pod.ip or "<none>", pod.node or "<none>", "<none>", "<none>"]
    return row


POD_HEADER = ["READY", "STATUS", "RESTARTS", "AGE"]
POD_WIDE = ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]


def service_ports(service: Service) -> str:
    pieces = []
    for port in service.ports:
        node_port = f":{port.node_port}" if port.node_port and service.type != "ClusterIP" else ""
        pieces.append(f"{port.port}{node_port}/{port.protocol}")
    return ",".join(pieces) or "<none>"


def service_columns(service: Service, now: datetime, wide: bool) -> list[str]:
    external = service.external_ip or ("<pending>" if service.type == "LoadBalancer" else "<none>")
    row = [service.type, service.cluster_ip, external, service_ports(service), human_age(now - service.created)]
    if wide:
        row.append(",".join(f"{k}={v}" for k, v in sorted(service.selector.items())) or "<none>")
    return row


SERVICE_HEADER = ["TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]


def node_roles(node: Node) -> str:
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix):] for k in node.labels if k.startswith(prefix))
    return ",".join(roles) or "<none>"


def node_columns(node: Node, now: datetime, wide: bool) -> list[str]:
    row = ["Ready", node_roles(node), human_age(now - node.created), node.kubelet_version]
    if wide:
        row += [node.internal_ip, "<none>", node.os_image, node.kernel_version, node.container_runtime]
    return row


NODE_HEADER = ["STATUS", "ROLES", "AGE", "VERSION"]
NODE_WIDE = ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]


# API objects ----------------------------------------------------------------------------------

def _metadata(name: str, uid: str, created: datetime, serial: int, namespace: str | None = None,
              labels: dict | None = None, **extra: Any) -> dict:
    meta = {"creationTimestamp": timestamp(created), "name": name, "resourceVersion": str(serial), "uid": uid}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta


def _container_spec(container) -> dict:
    spec = {"image": container.image, "imagePullPolicy": "IfNotPresent", "name": container.name,
            "resources": {}, "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"}
    if container.command:
        spec["command"] = list(container.command)
    if container.args:
        spec["args"] = list(container.args)
    if container.ports:
        spec["ports"] = [{"protocol": "TCP", **p} for p in container.ports]
    return spec


def pod_object(state: ClusterState, pod: Pod) -> dict:
    owner = None
    if pod.owner_kind:
        api = "apps/v1"
        owner = [{"apiVersion": api, "blockOwnerDeletion": True, "controller": True, "kind": pod.owner_kind,
                  "name": pod.owner_name, "uid": f"{pod.uid[:-12]}{'0' * 12}"}]
    started = timestamp(pod.created)
    if pod.finished:
        state_key = {"terminated": {"containerID": f"containerd://{pod.uid.replace('-', '')}",
                                    "exitCode": pod.exit_code or 0, "finishedAt": started,
                                    "reason": "Completed" if pod.phase == "Succeeded" else "Error",
                                    "startedAt": started}}
    else:
        state_key = {"running": {"startedAt": started}}
    running = pod.phase == "Running"
    statuses = [{
        "containerID": f"containerd://{pod.uid.replace('-', '')}{i}", "image": c.image,
        "imageID": f"{c.image.split(':')[0]}@sha256:{pod.uid.replace('-', '')}{pod.uid.replace('-', '')}"[:200],
        "lastState": {}, "name": c.name, "ready": running, "restartCount": pod.restarts,
        "started": running, "state": state_key,
    } for i, c in enumerate(pod.containers)]
    ready = "True" if running else "False"
    conditions = [{"lastProbeTime": None, "lastTransitionTime": started, "status": status, "type": kind}
                  for kind, status in (("PodReadyToStartContainers", "True" if running else "False"),
                                       ("Initialized", "True"), ("Ready", ready), ("ContainersReady", ready),
                                       ("PodScheduled", "True"))]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": _metadata(pod.name, pod.uid, pod.created, state.serial, pod.namespace, pod.labels,
                              ownerReferences=owner,
                              generateName=f"{pod.owner_name}-" if pod.owner_kind == "ReplicaSet" else None),
        "spec": {
            "containers": [_container_spec(c) for c in pod.containers],
            "dnsPolicy": "ClusterFirstWithHostNet" if pod.host_network else "ClusterFirst",
            "enableServiceLinks": True, "hostNetwork": pod.host_network or None, "nodeName": pod.node,
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0, "restartPolicy": pod.restart_policy,
            "schedulerName": "default-scheduler", "securityContext": {}, "serviceAccount": "default",
            "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": [{"effect": "NoExecute", "key": f"node.kubernetes.io/{k}", "operator": "Exists",
                             "tolerationSeconds": 300} for k in ("not-ready", "unreachable")],
        },
        "status": {
            "conditions": conditions, "containerStatuses": statuses, "hostIP": pod.host_ip,
            "hostIPs": [{"ip": pod.host_ip}], "phase": pod.phase, "podIP": pod.ip, "podIPs": [{"ip": pod.ip}],
            "qosClass": "BestEffort", "startTime": started,
        },
    }


def node_object(state: ClusterState, node: Node) -> dict:
    created = timestamp(node.created)
    spec = {"podCIDR": node.pod_cidr, "podCIDRs": [node.pod_cidr]} if node.pod_cidr else {}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": _metadata(node.name, node.uid, node.created, state.serial, labels=node.labels),
        "spec": spec,
        "status": {
            "addresses": [{"address": node.internal_ip, "type": "InternalIP"},
                          {"address": node.name, "type": "Hostname"}],
            "conditions": [{"lastHeartbeatTime": created, "lastTransitionTime": created,
                            "message": "kubelet is posting ready status", "reason": "KubeletReady",
                            "status": "True", "type": "Ready"}],
            "nodeInfo": {"architecture": "amd64", "containerRuntimeVersion": node.container_runtime,
                         "kernelVersion": node.kernel_version, "kubeProxyVersion": node.kubelet_version,
                         "kubeletVersion": node.kubelet_version, "operatingSystem": "linux",
                         "osImage": node.os_image},
        },
    }


def service_object(state: ClusterState, service: Service) -> dict:
    ports = []
    for port in service.ports:
        entry = {"port": port.port, "protocol": port.protocol, "targetPort": port.target_port or port.port}
        if port.name:
            entry["name"] = port.name
        if port.node_port:
            entry["nodePort"] = port.node_port
        ports.append(entry)
    spec = {"clusterIP": service.cluster_ip, "clusterIPs": [service.cluster_ip], "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "ports": ports, "sessionAffinity": "None",
            "type": service.type}
    if service.selector:
        spec["selector"] = dict(service.selector)
    status = {"loadBalancer": {"ingress": [{"ip": service.external_ip}]} if service.external_ip else {}}
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": _metadata(service.name, service.uid, service.created, state.serial, service.namespace,
                                  service.labels, annotations=dict(service.annotations) or None),
            "spec": spec, "status": status}


def namespace_object(state: ClusterState, namespace: Namespace) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": _metadata(namespace.name, namespace.uid, namespace.created, state.serial,
                                  labels={"kubernetes.io/metadata.name": namespace.name}),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def deployment_object(state: ClusterState, deployment: Deployment, ready: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": _metadata(deployment.name, deployment.uid, deployment.created, state.serial,
                                  deployment.namespace, deployment.labels, generation=1),
            "spec": {"replicas": deployment.replicas, "selector": {"matchLabels": dict(deployment.selector)},
                     "template": deployment.template},
            "status": {"availableReplicas": ready, "readyReplicas": ready, "replicas": deployment.replicas,
                       "updatedReplicas": deployment.replicas, "observedGeneration": 1}}


def config_map_object(state: ClusterState, config_map: ConfigMap) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": dict(config_map.data),
            "metadata": _metadata(config_map.name, config_map.uid, config_map.created, state.serial,
                                  config_map.namespace)}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None or k == "lastProbeTime"}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def as_json(document: dict) -> str:
    """Go's json.MarshalIndent of an unstructured object: sorted keys, 4 spaces, HTML-escaped."""
    text = json.dumps(_drop_none(document), indent=4, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def as_yaml(document: dict) -> str:
    return yaml.safe_dump(_drop_none(document), sort_keys=True, default_flow_style=False, allow_unicode=True)


def as_list(items: list[dict]) -> dict:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
